import Foundation
import VADShards

/// The file format both resume journals share: JSON values one per line,
/// appended and synced one at a time, so that a crash loses at most the line
/// being written (which readers then ignore).
enum JournalLines {
    /// `value` as one line of compact JSON with sorted keys.
    static func line<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! encoder.encode(value)) + [0x0A]
    }

    /// The non-empty lines of the file at `path`, or nil when it cannot be read.
    static func read(_ path: String) -> [Data]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { Data($0) }
    }

    /// Writes `first` and `rest` as the whole file, atomically.
    static func write<Head: Encodable, Line: Encodable>(_ path: String, first: Head, rest: [Line]) throws {
        let file = try AtomicFile(path: path)
        try file.write(line(first))
        for entry in rest { try file.write(line(entry)) }
        try file.commit()
    }

    /// Appends `value` as a line and syncs the file.
    static func append<T: Encodable>(_ value: T, to path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else { throw FileError("cannot write", path, reason: "journal missing") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: line(value))
            try handle.synchronize()
        } catch {
            throw FileError("cannot write", path, reason: "\(error.localizedDescription)")
        }
    }
}
