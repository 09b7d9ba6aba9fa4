import Foundation
import VADShards

/// What an unfinished stage has written, for `--resume`: `DIR/.journal.jsonl`,
/// a first line (`Header`) naming what is being written, then one line per
/// finished shard (`Entry`), each appended and synced on its own so that a
/// crash loses at most the line being written (which `read` then ignores).
/// A finished dataset has no journal: it is removed once the index is written.
struct Journal<Header: Codable & Equatable, Entry: Codable> {
    static var fileName: String { ".journal.jsonl" }

    var header: Header
    var entries: [Entry] = []

    init(header: Header) { self.header = header }

    /// The journal in `directory`, or nil when there is none or its first line is unreadable.
    static func read(from directory: String) -> Journal? {
        let decoder = JSONDecoder()
        guard let data = FileManager.default.contents(atPath: "\(directory)/\(fileName)") else { return nil }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { Data($0) }
        guard let first = lines.first, let header = try? decoder.decode(Header.self, from: first) else { return nil }
        var journal = Journal(header: header)
        for line in lines.dropFirst() {
            guard let entry = try? decoder.decode(Entry.self, from: line) else { break }  // cut short by a crash
            journal.entries.append(entry)
        }
        return journal
    }

    /// Writes the whole journal under a temporary name and renames it into place.
    func write(to directory: String) throws {
        let file = try AtomicFile(path: "\(directory)/\(Self.fileName)")
        try file.write(try Self.line(header))
        for entry in entries { try file.write(try Self.line(entry)) }
        try file.commit()
    }

    /// Appends `entry` to the journal file and syncs it.
    mutating func append(_ entry: Entry, in directory: String) throws {
        let line = try Self.line(entry)
        entries.append(entry)
        let path = "\(directory)/\(Self.fileName)"
        guard let handle = FileHandle(forWritingAtPath: path) else { throw FileError("cannot write", path, reason: "journal missing") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch {
            throw FileError("cannot write", path, reason: "\(error.localizedDescription)")
        }
    }

    /// One JSON line; throws for a value JSON cannot hold (a NaN, say).
    private static func line<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0A]
    }
}
