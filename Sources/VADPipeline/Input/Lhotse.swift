import Gzip
import VADShards

// Lhotse manifests (https://github.com/lhotse-speech/lhotse) read into plain
// values: a recordings manifest with a supervisions manifest, or a cuts
// manifest. Each is JSON Lines, one object per line, gzip-compressed or not
// (recognised by gzip's magic bytes, whatever the file name). Only the fields
// vadprep uses are read; others (text, language, custom, features, transforms)
// are ignored. Every error names the file and the line (1-based).

/// Where a recording's audio comes from (Lhotse's `AudioSource`).
public struct LhotseAudioSource: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable {
        /// `source` is a path to an audio file.
        case file
        /// `source` is a shell command writing audio to its standard output.
        case command
    }

    public var kind: Kind
    /// The recording's channels this source holds (0-based).
    public var channels: [Int]
    public var source: String

    public init(kind: Kind, channels: [Int], source: String) {
        self.kind = kind
        self.channels = channels
        self.source = source
    }
}

/// A Lhotse `Recording`: audio and its properties, no segmentation.
public struct LhotseRecording: Equatable, Sendable {
    public var id: String
    public var sources: [LhotseAudioSource]
    public var samplingRate: Int
    public var numSamples: Int
    /// Seconds.
    public var duration: Double
    public var channelIDs: [Int]
    /// The manifest line it is on (1-based; 0 when not read from a file).
    public var line = 0

    public init(id: String, sources: [LhotseAudioSource], samplingRate: Int, numSamples: Int, duration: Double, channelIDs: [Int]) {
        self.id = id
        self.sources = sources
        self.samplingRate = samplingRate
        self.numSamples = numSamples
        self.duration = duration
        self.channelIDs = channelIDs
    }
}

/// A Lhotse `SupervisionSegment`: a labelled region `[start, start + duration)`
/// of one recording, in seconds (relative to the cut in a cuts manifest).
public struct LhotseSupervision: Equatable, Sendable {
    public var id: String
    public var recordingID: String
    public var start: Double
    public var duration: Double
    /// Lhotse's `channel`: one channel, or a list; 0 when absent.
    public var channels: [Int]
    public var speaker: String?
    /// The manifest line it is on (1-based; 0 when not read from a file).
    public var line = 0

    public init(id: String, recordingID: String, start: Double, duration: Double, channels: [Int], speaker: String?) {
        self.id = id
        self.recordingID = recordingID
        self.start = start
        self.duration = duration
        self.channels = channels
        self.speaker = speaker
    }

    public var end: Double { start + duration }
}

/// A Lhotse `MonoCut`: a window `[start, start + duration)` of one channel of a
/// recording, with the supervisions inside it (their times relative to the cut).
public struct LhotseCut: Equatable, Sendable {
    public var id: String
    public var start: Double
    public var duration: Double
    public var channel: Int
    public var recording: LhotseRecording
    public var supervisions: [LhotseSupervision]
    /// The manifest line it is on (1-based; 0 when not read from a file).
    public var line = 0

    public init(id: String, start: Double, duration: Double, channel: Int, recording: LhotseRecording, supervisions: [LhotseSupervision]) {
        self.id = id
        self.start = start
        self.duration = duration
        self.channel = channel
        self.recording = recording
        self.supervisions = supervisions
    }
}

/// A manifest that cannot be read, naming the file and, where it applies, the line.
public struct LhotseError: Error, CustomStringConvertible, Equatable {
    public var path: String
    /// 1-based; nil for problems with the file as a whole.
    public var line: Int?
    public var message: String

    public init(_ path: String, line: Int?, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)" }
}

/// Readers of Lhotse's JSONL manifests.
public enum LhotseManifest {
    /// The recordings in `path`; ids must be unique.
    public static func readRecordings(_ path: String) throws(LhotseError) -> [LhotseRecording] {
        try parseRecordings(try contents(of: path), path: path)
    }

    /// The supervisions in `path`; ids must be unique and each must name one of `recordings`.
    public static func readSupervisions(_ path: String, recordings: [LhotseRecording]) throws(LhotseError) -> [LhotseSupervision] {
        try parseSupervisions(try contents(of: path), path: path, recordingIDs: Set(recordings.map(\.id)))
    }

    /// The cuts in `path`: `MonoCut`s only, ids unique.
    public static func readCuts(_ path: String) throws(LhotseError) -> [LhotseCut] {
        try parseCuts(try contents(of: path), path: path)
    }

    public static func parseRecordings(_ bytes: [UInt8], path: String) throws(LhotseError) -> [LhotseRecording] {
        var seen: [String: Int] = [:]
        var out: [LhotseRecording] = []
        try forEachObject(bytes, path: path) { (object, line) throws(LhotseError) in
            var recording = try recordingFields(object, path: path, line: line, prefix: "")
            recording.line = line
            if let first = seen[recording.id] { throw LhotseError(path, line: line, "duplicate recording id \"\(recording.id)\" (first on line \(first))") }
            seen[recording.id] = line
            out.append(recording)
        }
        return out
    }

    public static func parseSupervisions(_ bytes: [UInt8], path: String, recordingIDs: Set<String>) throws(LhotseError) -> [LhotseSupervision] {
        var seen: [String: Int] = [:]
        var out: [LhotseSupervision] = []
        try forEachObject(bytes, path: path) { (object, line) throws(LhotseError) in
            var supervision = try supervisionFields(object, path: path, line: line, prefix: "")
            supervision.line = line
            if let first = seen[supervision.id] { throw LhotseError(path, line: line, "duplicate supervision id \"\(supervision.id)\" (first on line \(first))") }
            guard recordingIDs.contains(supervision.recordingID) else {
                throw LhotseError(path, line: line, "supervision \"\(supervision.id)\" names recording \"\(supervision.recordingID)\", which the recordings manifest does not hold")
            }
            seen[supervision.id] = line
            out.append(supervision)
        }
        return out
    }

    public static func parseCuts(_ bytes: [UInt8], path: String) throws(LhotseError) -> [LhotseCut] {
        var seen: [String: Int] = [:]
        var out: [LhotseCut] = []
        try forEachObject(bytes, path: path) { (object, line) throws(LhotseError) in
            let fields = Fields(object: object, path: path, line: line, prefix: "")
            let type = try fields.string("type")
            guard type == "MonoCut" else { throw LhotseError(path, line: line, "cut type \"\(type)\" is not supported (only MonoCut)") }
            let id = try fields.string("id")
            var recording = try recordingFields(try fields.object("recording"), path: path, line: line, prefix: "recording.")
            recording.line = line
            var supervisions: [LhotseSupervision] = []
            var supervisionIDs: Set<String> = []
            for (n, value) in (try fields.optionalArray("supervisions") ?? []).enumerated() {
                let prefix = "supervisions[\(n)]."
                guard case .object(let members) = value else {
                    throw LhotseError(path, line: line, "field \"\(prefix.dropLast())\" is \(value.typeName), expected an object")
                }
                var supervision = try supervisionFields(members, path: path, line: line, prefix: prefix)
                supervision.line = line
                guard supervision.recordingID == recording.id else {
                    throw LhotseError(path, line: line, "supervision \"\(supervision.id)\" names recording \"\(supervision.recordingID)\", not the cut's \"\(recording.id)\"")
                }
                guard supervisionIDs.insert(supervision.id).inserted else {
                    throw LhotseError(path, line: line, "duplicate supervision id \"\(supervision.id)\" in cut \"\(id)\"")
                }
                supervisions.append(supervision)
            }
            var cut = LhotseCut(id: id, start: try fields.seconds("start", allowNegative: false),
                                duration: try fields.seconds("duration", allowNegative: false),
                                channel: try fields.integer("channel", minimum: 0), recording: recording, supervisions: supervisions)
            guard recording.channelIDs.contains(cut.channel) else {
                throw LhotseError(path, line: line, "cut \"\(cut.id)\" is on channel \(cut.channel), which recording \"\(recording.id)\" does not have")
            }
            // A window past the recording's end by more than a sample would read audio that is not there.
            guard cut.start + cut.duration <= recording.duration + 1 / Double(recording.samplingRate) else {
                throw LhotseError(path, line: line, "cut \"\(cut.id)\" ends at \(cut.start + cut.duration) s, after the end of recording \"\(recording.id)\" (\(recording.duration) s)")
            }
            cut.line = line
            if let first = seen[cut.id] { throw LhotseError(path, line: line, "duplicate cut id \"\(cut.id)\" (first on line \(first))") }
            seen[cut.id] = line
            out.append(cut)
        }
        return out
    }

    /// What a manifest holds.
    public enum Content: String, Sendable {
        case recordings, supervisions, cuts
    }

    /// What the manifest `bytes` holds, judged from its first object: cuts
    /// have a `type`, recordings `sources`, supervisions a `recording_id`.
    /// nil for a manifest without objects. A first line that is not a JSON
    /// object is an error naming it.
    public static func content(of bytes: [UInt8], path: String) throws(LhotseError) -> Content? {
        var found: Content??
        var checked = false
        try forEachObject(bytes, path: path, stopAfterFirst: true) { (object, line) throws(LhotseError) in
            checked = true
            if object["type"] != nil { found = .some(.cuts) }
            else if object["sources"] != nil { found = .some(.recordings) }
            else if object["recording_id"] != nil { found = .some(.supervisions) }
            else { throw LhotseError(path, line: line, "is not a Lhotse recording, supervision or cut (no \"sources\", \"recording_id\" or \"type\" field)") }
        }
        guard checked, let found else { return nil }
        return found
    }

    // MARK: - Fields of each record

    private static func recordingFields(_ object: [String: JSONNode], path: String, line: Int, prefix: String) throws(LhotseError) -> LhotseRecording {
        let fields = Fields(object: object, path: path, line: line, prefix: prefix)
        var sources: [LhotseAudioSource] = []
        for (n, value) in try fields.array("sources").enumerated() {
            let name = "\(prefix)sources[\(n)]"
            guard case .object(let members) = value else {
                throw LhotseError(path, line: line, "field \"\(name)\" is \(value.typeName), expected an object")
            }
            let source = Fields(object: members, path: path, line: line, prefix: name + ".")
            let type = try source.string("type")
            guard let kind = LhotseAudioSource.Kind(rawValue: type) else {
                throw LhotseError(path, line: line, "field \"\(name).type\" is \"\(type)\"; only file and command sources are supported")
            }
            sources.append(LhotseAudioSource(kind: kind, channels: try source.integers("channels"), source: try source.string("source")))
        }
        guard !sources.isEmpty else { throw LhotseError(path, line: line, "field \"\(prefix)sources\" is empty") }
        let samplingRate = try fields.integer("sampling_rate", minimum: 1)
        let numSamples = try fields.integer("num_samples", minimum: 0)
        let duration = try fields.seconds("duration", allowNegative: false)
        let channelIDs = try fields.optionalIntegers("channel_ids") ?? Array(Set(sources.flatMap(\.channels))).sorted()
        // Lhotse derives one from the other; more than a sample apart means an edited manifest.
        guard abs(duration * Double(samplingRate) - Double(numSamples)) <= 1 else {
            throw LhotseError(path, line: line, "field \"\(prefix)duration\" is \(duration) s, but \(numSamples) samples at \(samplingRate) Hz last \(Double(numSamples) / Double(samplingRate)) s")
        }
        return LhotseRecording(id: try fields.string("id"), sources: sources, samplingRate: samplingRate,
                               numSamples: numSamples, duration: duration, channelIDs: channelIDs)
    }

    private static func supervisionFields(_ object: [String: JSONNode], path: String, line: Int, prefix: String) throws(LhotseError) -> LhotseSupervision {
        let fields = Fields(object: object, path: path, line: line, prefix: prefix)
        let channels: [Int]
        switch object["channel"] {
        case nil, .null?: channels = [0]
        case .array?: channels = try fields.integers("channel")
        default: channels = [try fields.integer("channel", minimum: 0)]
        }
        return LhotseSupervision(id: try fields.string("id"), recordingID: try fields.string("recording_id"),
                                 start: try fields.seconds("start", allowNegative: true),
                                 duration: try fields.seconds("duration", allowNegative: false),
                                 channels: channels, speaker: try fields.optionalString("speaker"))
    }

    /// Typed access to one object's members, with errors naming the field.
    private struct Fields {
        let object: [String: JSONNode]
        let path: String
        let line: Int
        let prefix: String

        func fail(_ message: String) -> LhotseError { LhotseError(path, line: line, message) }

        func value(_ key: String) throws(LhotseError) -> JSONNode {
            guard let value = object[key], value != .null else { throw fail("no field \"\(prefix)\(key)\"") }
            return value
        }

        func wrongType(_ key: String, _ value: JSONNode, _ expected: String) -> LhotseError {
            fail("field \"\(prefix)\(key)\" is \(value.typeName), expected \(expected)")
        }

        func string(_ key: String) throws(LhotseError) -> String {
            let value = try value(key)
            guard case .string(let text) = value else { throw wrongType(key, value, "a string") }
            return text
        }

        func optionalString(_ key: String) throws(LhotseError) -> String? {
            guard let value = object[key], value != .null else { return nil }
            return try string(key)
        }

        func object(_ key: String) throws(LhotseError) -> [String: JSONNode] {
            let value = try value(key)
            guard case .object(let members) = value else { throw wrongType(key, value, "an object") }
            return members
        }

        func array(_ key: String) throws(LhotseError) -> [JSONNode] {
            let value = try value(key)
            guard case .array(let items) = value else { throw wrongType(key, value, "a list") }
            return items
        }

        func optionalArray(_ key: String) throws(LhotseError) -> [JSONNode]? {
            guard let value = object[key], value != .null else { return nil }
            return try array(key)
        }

        /// A finite number of seconds (non-negative unless `allowNegative`).
        func seconds(_ key: String, allowNegative: Bool) throws(LhotseError) -> Double {
            let value = try value(key)
            guard case .number(let number, let text) = value else { throw wrongType(key, value, "a number") }
            guard number.isFinite else { throw fail("field \"\(prefix)\(key)\" is \(text), not a finite number") }
            guard allowNegative || number >= 0 else { throw fail("field \"\(prefix)\(key)\" is negative (\(text))") }
            return number
        }

        /// A whole number of at least `minimum` that fits `Int`.
        func integer(_ key: String, minimum: Int) throws(LhotseError) -> Int {
            try integer(at: key, try value(key), minimum: minimum)
        }

        private func integer(at key: String, _ value: JSONNode, minimum: Int) throws(LhotseError) -> Int {
            guard case .number(let number, let text) = value else { throw wrongType(key, value, "an integer") }
            guard number.isFinite, number == number.rounded(), abs(number) <= 9_007_199_254_740_992, let whole = Int(exactly: number) else {
                throw fail("field \"\(prefix)\(key)\" is \(text), not an integer")
            }
            guard whole >= minimum else { throw fail("field \"\(prefix)\(key)\" is \(text), less than \(minimum)") }
            return whole
        }

        /// A list of channel numbers (non-negative integers).
        func integers(_ key: String) throws(LhotseError) -> [Int] {
            var out: [Int] = []
            for (n, item) in try array(key).enumerated() { out.append(try integer(at: "\(key)[\(n)]", item, minimum: 0)) }
            return out
        }

        func optionalIntegers(_ key: String) throws(LhotseError) -> [Int]? {
            guard let value = object[key], value != .null else { return nil }
            return try integers(key)
        }
    }

    // MARK: - Files and lines

    /// The file's bytes, inflated when they are gzip data.
    static func contents(of path: String) throws(LhotseError) -> [UInt8] {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch {
            throw LhotseError(path, line: nil, (error as? FileError).map { "\($0.action): \($0.reason)" } ?? "\(error)")
        }
        guard Gzip.isGzip(file.bytes) else { return Array(file.bytes) }
        do { return try Gzip.inflate(file.bytes, path: path) } catch {
            throw LhotseError(path, line: nil, error.message)
        }
    }

    /// Calls `body` with each line's object and its 1-based number; blank lines are skipped.
    static func forEachObject(_ bytes: [UInt8], path: String, stopAfterFirst: Bool = false,
                              _ body: ([String: JSONNode], Int) throws(LhotseError) -> Void) throws(LhotseError) {
        try bytes.withUnsafeBufferPointer { (all) throws(LhotseError) in
            var lineNumber = 0
            var start = 0
            while start < all.count {
                lineNumber += 1
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                var lineEnd = end
                if lineEnd > start && all[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = UnsafeBufferPointer(rebasing: all[start..<lineEnd])
                start = end + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                guard String(validating: line, as: UTF8.self) != nil else {
                    throw LhotseError(path, line: lineNumber, "not UTF-8 text")
                }
                var parser = JSONParser(bytes: line)
                let value: JSONNode
                do throws(JSONSyntaxError) { value = try parser.document() } catch {
                    throw LhotseError(path, line: lineNumber, "not a JSON object: \(error.message) at column \(error.column)")
                }
                guard case .object(let members) = value else {
                    throw LhotseError(path, line: lineNumber, "not a JSON object (a line holds \(value.typeName))")
                }
                try body(members, lineNumber)
                if stopAfterFirst { return }
            }
        }
    }
}

// MARK: - A small JSON parser

/// A parsed JSON value. Numbers keep their text for messages; Python's `NaN`,
/// `Infinity` and `-Infinity` (which `json.dumps` writes) parse as non-finite
/// numbers so that the field holding one can be named.
enum JSONNode: Equatable {
    case null
    case bool(Bool)
    case number(Double, String)
    case string(String)
    case array([JSONNode])
    case object([String: JSONNode])

    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}

struct JSONSyntaxError: Error {
    var message: String
    /// 1-based byte column.
    var column: Int
}

/// Recursive descent over one line's bytes (already checked to be UTF-8),
/// valid while they are.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    private var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(message: message, column: (offset ?? position) - bytes.startIndex + 1)
    }

    /// One value and nothing after it but white space.
    mutating func document() throws(JSONSyntaxError) -> JSONNode {
        let value = try self.value()
        skipSpace()
        guard position == bytes.endIndex else { throw error("unexpected text after the value") }
        return value
    }

    private mutating func skipSpace() {
        while position < bytes.endIndex {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func literal(_ word: String) -> Bool {
        var at = position
        for byte in word.utf8 {
            guard at < bytes.endIndex, bytes[at] == byte else { return false }
            at += 1
        }
        position = at
        return true
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONNode {
        skipSpace()
        guard position < bytes.endIndex else { throw error("unexpected end of line") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try nested { (p: inout JSONParser) throws(JSONSyntaxError) in try p.object() }
        case UInt8(ascii: "["): return try nested { (p: inout JSONParser) throws(JSONSyntaxError) in try p.array() }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t") where literal("true"): return .bool(true)
        case UInt8(ascii: "f") where literal("false"): return .bool(false)
        case UInt8(ascii: "n") where literal("null"): return .null
        case UInt8(ascii: "N") where literal("NaN"): return .number(.nan, "NaN")
        case UInt8(ascii: "I") where literal("Infinity"): return .number(.infinity, "Infinity")
        case UInt8(ascii: "-") where literal("-Infinity"): return .number(-.infinity, "-Infinity")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character")
        }
    }

    private mutating func nested(_ body: (inout JSONParser) throws(JSONSyntaxError) -> JSONNode) throws(JSONSyntaxError) -> JSONNode {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw error("nested more than 64 deep") }
        return try body(&self)
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONNode {
        position += 1
        var members: [String: JSONNode] = [:]
        skipSpace()
        if position < bytes.endIndex, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipSpace()
            guard position < bytes.endIndex, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a key") }
            let keyStart = position
            let key = try string()
            skipSpace()
            guard position < bytes.endIndex, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            guard members[key] == nil else { throw error("duplicate key \"\(key)\"", at: keyStart) }
            members[key] = try value()
            skipSpace()
            guard position < bytes.endIndex else { throw error("unexpected end of line") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            guard bytes[position] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
            position += 1
            return .object(members)
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONNode {
        position += 1
        var items: [JSONNode] = []
        skipSpace()
        if position < bytes.endIndex, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            items.append(try value())
            skipSpace()
            guard position < bytes.endIndex else { throw error("unexpected end of line") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            guard bytes[position] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
            position += 1
            return .array(items)
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONNode {
        let start = position
        func digits(_ p: inout Int) -> Int {
            let from = p
            while p < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[p]) { p += 1 }
            return p - from
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        guard digits(&position) > 0 else { throw error("bad number") }
        if bytes[integerStart] == UInt8(ascii: "0") && position - integerStart > 1 { throw error("bad number (leading zero)") }
        if position < bytes.endIndex, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&position) > 0 else { throw error("bad number") }
        }
        if position < bytes.endIndex, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.endIndex, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&position) > 0 else { throw error("bad number") }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let number = Double(text) else { throw error("bad number") }
        return .number(number, text)
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        position += 1
        // The usual case, no escapes: the bytes up to the closing quote.
        var end = position
        while end < bytes.endIndex, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        if end < bytes.endIndex, bytes[end] == UInt8(ascii: "\"") {
            defer { position = end + 1 }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }
        var out: [UInt8] = []
        while true {
            guard position < bytes.endIndex else { throw error("unterminated string") }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard position < bytes.endIndex else { throw error("unterminated string") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard literal("\\u") else { throw error("unpaired surrogate") }
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("unpaired surrogate") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw error("bad escape")
                }
            case 0x00..<0x20:
                throw error("control character in a string")
            default:
                out.append(byte)
            }
        }
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard bytes.endIndex - position >= 4 else { throw error("bad \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("bad \\u escape")
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }
}
