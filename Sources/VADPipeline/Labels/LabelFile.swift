import Foundation
import VADShards

/// A labelled stretch of a recording, in seconds, as a label file states it.
public struct LabeledSegment: Equatable, Sendable {
    public var start: Double
    public var end: Double
    /// The label text; empty when the file gives none.
    public var label: String
    /// Line of the label file it came from, for error messages.
    public var line: Int

    public init(start: Double, end: Double, label: String = "", line: Int = 0) {
        self.start = start
        self.end = end
        self.label = label
        self.line = line
    }
}

/// The label formats vadprep reads.
public enum LabelFormat: String, Codable, Sendable, CaseIterable {
    /// `start end [label]` per line, separated by tabs (an Audacity label track,
    /// whose `\`-prefixed frequency lines are skipped) or by any white space.
    /// Times in seconds. Blank lines and `#` comments are skipped.
    case segments
    /// NIST RTTM: `SPEAKER <file> <channel> <start> <duration> ...`; SPEAKER
    /// lines are speech, other types are skipped.
    case rttm
    /// One 0 (non-speech) or 1 (speech) per frame, separated by white space,
    /// on the frame grid of the extraction options.
    case frames

    /// The format a label file's extension implies: `.rttm`, `.frames`, and
    /// `.txt`, `.lab`, `.tsv` for segments.
    public init?(extension ext: String) {
        switch ext.lowercased() {
        case "rttm": self = .rttm
        case "frames": self = .frames
        case "txt", "lab", "tsv": self = .segments
        default: return nil
        }
    }

    /// Extensions looked for beside a recording, in order of preference.
    public static let searchedExtensions = ["rttm", "frames", "lab", "tsv", "txt"]
}

/// What a label file says about one recording.
public enum RecordingLabels: Equatable, Sendable {
    case segments([LabeledSegment])
    case frames([UInt8], line: [Int])
}

/// Parsers for each label format. Each reports the first bad line it meets,
/// naming the file and the line.
public enum LabelFileParser {
    /// Reads a file of `format` that holds labels for one recording.
    public static func parse(path: String, format: LabelFormat) throws(InputError) -> RecordingLabels {
        let text = try readText(path)
        switch format {
        case .segments: return .segments(try parseSegments(text, path: path))
        case .frames: return try parseFrames(text, path: path)
        case .rttm:
            let byFile = try parseRTTM(text, path: path)
            return .segments(byFile.values.flatMap { $0 }.sorted { ($0.start, $0.line) < ($1.start, $1.line) })
        }
    }

    /// `start end [label]` lines (tab- or space-separated).
    public static func parseSegments(_ text: String, path: String) throws(InputError) -> [LabeledSegment] {
        var segments: [LabeledSegment] = []
        for (number, raw) in lines(text) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("\\") { continue }
            let fields: [Substring]
            let label: String
            if line.contains("\t") {
                fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                label = fields.count > 2 ? fields[2...].joined(separator: "\t").trimmingCharacters(in: .whitespaces) : ""
            } else {
                fields = line.split(whereSeparator: { $0 == " " })
                label = fields.count > 2 ? fields[2...].joined(separator: " ") : ""
            }
            guard fields.count >= 2 else {
                throw InputError(path, line: number, "expected \"start end [label]\", found \"\(line)\"")
            }
            let start = try time(fields[0], what: "start time", path: path, line: number)
            let end = try time(fields[1], what: "end time", path: path, line: number)
            guard end >= start else {
                throw InputError(path, line: number, "end time \(fields[1]) is before start time \(fields[0])")
            }
            segments.append(LabeledSegment(start: start, end: end, label: label, line: number))
        }
        return segments
    }

    /// RTTM lines, grouped by their file field. Only SPEAKER lines make segments.
    public static func parseRTTM(_ text: String, path: String) throws(InputError) -> [String: [LabeledSegment]] {
        var byFile: [String: [LabeledSegment]] = [:]
        for (number, raw) in lines(text) {
            let fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty || fields[0].hasPrefix("#") || fields[0].hasPrefix(";") { continue }
            guard fields.count >= 5 else {
                throw InputError(path, line: number, "expected an RTTM line \"TYPE FILE CHANNEL START DURATION ...\", found \"\(raw.trimmingCharacters(in: .whitespaces))\"")
            }
            guard fields[0] == "SPEAKER" else { continue }
            let start = try time(fields[3], what: "start time", path: path, line: number)
            let duration = try time(fields[4], what: "duration", path: path, line: number)
            byFile[String(fields[1]), default: []].append(
                LabeledSegment(start: start, end: start + duration, label: "SPEAKER", line: number))
        }
        return byFile
    }

    /// 0/1 tokens, one per frame.
    public static func parseFrames(_ text: String, path: String) throws(InputError) -> RecordingLabels {
        var values: [UInt8] = []
        var lineOf: [Int] = []
        for (number, raw) in lines(text) {
            if raw.hasPrefix("#") { continue }
            for token in raw.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                switch token {
                case "0": values.append(0)
                case "1": values.append(1)
                default: throw InputError(path, line: number, "frame label must be 0 or 1, found \"\(token)\"")
                }
                lineOf.append(number)
            }
        }
        return .frames(values, line: lineOf)
    }

    /// The file's text, or an error naming it.
    static func readText(_ path: String) throws(InputError) -> String {
        if FileSystem.isDirectory(path) { throw InputError(path, "is a directory, not a label file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(path, "cannot read label file: \(FileSystem.openProblem(path) ?? "read failed")")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError(path, "label file is not UTF-8 text") }
        return text
    }

    /// (1-based number, text) of each line, for LF and CRLF files alike.
    /// (Swift treats CRLF as one Character, so it is normalised before splitting.)
    private static func lines(_ text: String) -> [(Int, Substring)] {
        text.replacingOccurrences(of: "\r\n", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { ($0 + 1, $1) }
    }

    private static func time(_ field: Substring, what: String, path: String, line: Int) throws(InputError) -> Double {
        guard let value = Double(field.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw InputError(path, line: line, "\(what) is not a number: \"\(field)\"")
        }
        guard value >= 0 else { throw InputError(path, line: line, "\(what) \(field) is negative") }
        return value
    }
}
