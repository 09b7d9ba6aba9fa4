import Foundation
import VADShards

/// A Kaldi data directory: `wav.scp`, and when present `segments`, `utt2spk`,
/// `spk2utt` and `reco2dur`.
///
/// Every file is a table of `<key> <fields>` lines. Lines may come in any
/// order; entries are kept in Kaldi's C-locale order (bytes of the key), which
/// is the order utterances are extracted in. Blank lines are skipped. A
/// duplicate key, a line with the wrong number of fields, a number that is
/// not one, bytes that are not UTF-8, a segment ending before it starts or
/// naming a recording `wav.scp` does not have, are errors naming the file and
/// the line.
public struct KaldiDataDirectory: Equatable, Sendable {
    /// One `wav.scp` entry.
    public struct Recording: Equatable, Sendable {
        public var id: String
        /// The text after the id: a path, or a command followed by `|`.
        public var entry: String
        public var audio: AudioLocation
        public var line: Int
    }

    /// One `segments` entry: `<segment-id> <recording-id> <start> <end>`.
    public struct Segment: Equatable, Sendable {
        public var id: String
        public var recording: String
        public var start: Double
        /// nil when the file says -1: to the end of the recording.
        public var end: Double?
        public var line: Int
    }

    public var directory: String
    public var recordings: [Recording]
    /// nil when there is no `segments` file.
    public var segments: [Segment]?
    /// Utterance -> speaker, from `utt2spk` (or `spk2utt` when there is no `utt2spk`).
    public var speakers: [String: String]
    /// Recording -> duration in seconds and its line, from `reco2dur`.
    public var durations: [String: (seconds: Double, line: Int)]
    /// The files read, by name within the directory, in name order.
    public var files: [String]

    public static func == (a: KaldiDataDirectory, b: KaldiDataDirectory) -> Bool {
        a.directory == b.directory && a.recordings == b.recordings && a.segments == b.segments && a.speakers == b.speakers
            && a.files == b.files && a.durations.mapValues(\.seconds) == b.durations.mapValues(\.seconds)
    }

    /// Whether `directory` looks like a Kaldi data directory (it holds `wav.scp`).
    public static func isDataDirectory(_ directory: String) -> Bool {
        FileSystem.isDirectory(directory) && FileSystem.exists("\(directory)/wav.scp")
    }

    /// Reads the data directory. A piped `wav.scp` line is refused unless
    /// `allowCommands`: running commands a data file names is opt-in.
    public static func read(_ directory: String, allowCommands: Bool) throws(InputError) -> KaldiDataDirectory {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        guard FileSystem.isDirectory(base) else {
            throw InputError(base, FileSystem.exists(base) ? "is not a directory" : "no such Kaldi data directory")
        }
        func path(_ name: String) -> String { "\(base)/\(name)" }
        guard FileSystem.exists(path("wav.scp")) else { throw InputError(base, "is not a Kaldi data directory (no wav.scp)") }
        var files = ["wav.scp"]

        // wav.scp
        let wavPath = path("wav.scp")
        var recordings: [Recording] = []
        for row in try table(wavPath) {
            guard row.fields.count >= 2 else {
                throw InputError(wavPath, line: row.line, "expected \"<recording-id> <path>\" or \"<recording-id> <command> |\", found \"\(row.text)\"")
            }
            let entry = row.rest
            if entry.hasSuffix("|") {
                let command = String(entry.dropLast()).trimmingCharacters(in: .whitespaces)
                guard !command.isEmpty else {
                    throw InputError(wavPath, line: row.line, "recording \"\(row.key)\": the command before \"|\" is empty")
                }
                guard allowCommands else {
                    throw InputError(wavPath, line: row.line, "recording \"\(row.key)\" is read through a command (\"\(entry)\"); running commands named in a data file needs --allow-commands")
                }
                recordings.append(Recording(id: row.key, entry: entry, audio: .command(command, file: wavPath, line: row.line), line: row.line))
            } else {
                guard row.fields.count == 2 else {
                    throw InputError(wavPath, line: row.line, "expected \"<recording-id> <path>\" or \"<recording-id> <command> |\", found \"\(row.text)\"")
                }
                recordings.append(Recording(id: row.key, entry: entry, audio: .file(entry), line: row.line))
            }
        }
        try checkUnique(recordings.map { ($0.id, $0.line) }, what: "recording", path: wavPath)
        recordings.sort { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        guard !recordings.isEmpty else { throw InputError(wavPath, "lists no recordings") }
        let known = Set(recordings.map(\.id))

        // segments
        var segments: [Segment]?
        if FileSystem.exists(path("segments")) {
            files.append("segments")
            let segmentsPath = path("segments")
            var found: [Segment] = []
            for row in try table(segmentsPath) {
                guard row.fields.count == 4 else {
                    throw InputError(segmentsPath, line: row.line, "expected \"<segment-id> <recording-id> <start> <end>\", found \"\(row.text)\"")
                }
                let recording = String(row.fields[1])
                guard known.contains(recording) else {
                    throw InputError(segmentsPath, line: row.line, "recording \"\(recording)\" is not in wav.scp")
                }
                let start = try seconds(row.fields[2], what: "start time", path: segmentsPath, line: row.line)
                var end: Double?
                if row.fields[3] != "-1" {
                    let value = try seconds(row.fields[3], what: "end time", path: segmentsPath, line: row.line)
                    guard value >= start else {
                        throw InputError(segmentsPath, line: row.line, "end time \(row.fields[3]) is before start time \(row.fields[2])")
                    }
                    end = value
                }
                found.append(Segment(id: row.key, recording: recording, start: start, end: end, line: row.line))
            }
            try checkUnique(found.map { ($0.id, $0.line) }, what: "segment", path: segmentsPath)
            segments = found.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        }

        // utt2spk, or else spk2utt
        var speakers: [String: String] = [:]
        if FileSystem.exists(path("utt2spk")) {
            files.append("utt2spk")
            let utt2spk = path("utt2spk")
            var seen: [(String, Int)] = []
            for row in try table(utt2spk) {
                guard row.fields.count == 2 else {
                    throw InputError(utt2spk, line: row.line, "expected \"<utterance-id> <speaker-id>\", found \"\(row.text)\"")
                }
                seen.append((row.key, row.line))
                speakers[row.key] = String(row.fields[1])
            }
            try checkUnique(seen, what: "utterance", path: utt2spk)
        } else if FileSystem.exists(path("spk2utt")) {
            let spk2utt = path("spk2utt")
            var seenSpeakers: [(String, Int)] = [], seenUtterances: [(String, Int)] = []
            for row in try table(spk2utt) {
                guard row.fields.count >= 2 else {
                    throw InputError(spk2utt, line: row.line, "expected \"<speaker-id> <utterance-id> ...\", found \"\(row.text)\"")
                }
                seenSpeakers.append((row.key, row.line))
                for utterance in row.fields.dropFirst() {
                    seenUtterances.append((String(utterance), row.line))
                    speakers[String(utterance)] = row.key
                }
            }
            try checkUnique(seenSpeakers, what: "speaker", path: spk2utt)
            try checkUnique(seenUtterances, what: "utterance", path: spk2utt)
        }
        if FileSystem.exists(path("spk2utt")) { files.append("spk2utt") }

        // reco2dur
        var durations: [String: (seconds: Double, line: Int)] = [:]
        if FileSystem.exists(path("reco2dur")) {
            files.append("reco2dur")
            let reco2dur = path("reco2dur")
            var seen: [(String, Int)] = []
            for row in try table(reco2dur) {
                guard row.fields.count == 2 else {
                    throw InputError(reco2dur, line: row.line, "expected \"<recording-id> <seconds>\", found \"\(row.text)\"")
                }
                guard known.contains(row.key) else {
                    throw InputError(reco2dur, line: row.line, "recording \"\(row.key)\" is not in wav.scp")
                }
                seen.append((row.key, row.line))
                durations[row.key] = (try seconds(row.fields[1], what: "duration", path: reco2dur, line: row.line), row.line)
            }
            try checkUnique(seen, what: "recording", path: reco2dur)
        }
        files.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return KaldiDataDirectory(directory: base, recordings: recordings, segments: segments, speakers: speakers,
                                  durations: durations, files: files)
    }

    /// Longest time accepted, in seconds (about 115 days): beyond it a time is
    /// a typo, and sample counts computed from it could overflow.
    static let maximumSeconds = 1e7

    struct Row {
        var line: Int
        var text: String
        var fields: [Substring]
        var key: String { String(fields[0]) }
        /// The text after the key, trimmed.
        var rest: String {
            let afterKey = text.drop { $0 != " " && $0 != "\t" }
            return afterKey.trimmingCharacters(in: .whitespaces)
        }
    }

    /// The non-blank lines of a table file, split at white space.
    static func table(_ path: String) throws(InputError) -> [Row] {
        if FileSystem.isDirectory(path) { throw InputError(path, "is a directory, not a Kaldi table file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(path, "cannot read: \(FileSystem.openProblem(path) ?? "read failed")")
        }
        var rows: [Row] = []
        var number = 0
        for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var bytes = Array(rawLine)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw InputError(path, line: number, "is not UTF-8 text")
            }
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty { continue }
            rows.append(Row(line: number, text: text.trimmingCharacters(in: .whitespaces), fields: fields))
        }
        return rows
    }

    static func checkUnique(_ keys: [(String, Int)], what: String, path: String) throws(InputError) {
        var first: [String: Int] = [:]
        for (key, line) in keys {
            if let earlier = first[key] {
                throw InputError(path, line: line, "duplicate \(what) id \"\(key)\" (also on line \(earlier))")
            }
            first[key] = line
        }
    }

    static func seconds(_ field: Substring, what: String, path: String, line: Int) throws(InputError) -> Double {
        guard let value = Double(field), value.isFinite else {
            throw InputError(path, line: line, "\(what) is not a number: \"\(field)\"")
        }
        guard value >= 0 else { throw InputError(path, line: line, "\(what) \(field) is negative") }
        guard value <= maximumSeconds else {
            throw InputError(path, line: line, "\(what) \(field) is beyond \(Int(maximumSeconds)) s")
        }
        return value
    }
}
