import Foundation
import VADShards

/// The shards an unfinished `vadprep segment` has written into one dataset
/// directory, for `--resume`: `DIR/.journal.jsonl`, a first line naming what
/// is being written (source, options, split), then one line per finished
/// shard. Shards are planned before any is written, so a shard is the same
/// bytes whenever it is written; resuming writes only the missing ones.
struct SegmentJournal {
    static let fileName = ".journal.jsonl"

    struct Entry: Codable {
        var number: Int
        var shard: ShardRecord
    }

    var header: JSONValue
    var entries: [Entry] = []

    /// Reads the journal in `directory` if it was started for `header`, keeping
    /// only shards whose size and SHA-256 check out; removes every other file.
    static func resume(in directory: String, header: JSONValue) -> SegmentJournal? {
        guard let lines = JournalLines.read("\(directory)/\(fileName)"), let first = lines.first,
              (try? JSONDecoder().decode(JSONValue.self, from: first)) == header else { return nil }
        var journal = SegmentJournal(header: header)
        for line in lines.dropFirst() {
            guard let entry = try? JSONDecoder().decode(Entry.self, from: line) else { break }
            let path = "\(directory)/\(entry.shard.file)"
            if FileSystem.size(path) == entry.shard.bytes, (try? FileSystem.sha256(ofFile: path)) == entry.shard.sha256 {
                journal.entries.append(entry)
            }
        }
        let keep = Set(journal.entries.map(\.shard.file) + [fileName])
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !keep.contains(name) {
            FileSystem.remove("\(directory)/\(name)")
        }
        return journal
    }

    func write(to directory: String) throws {
        try JournalLines.write("\(directory)/\(SegmentJournal.fileName)", first: header, rest: entries)
    }

    /// Appends `entry` to the journal file and syncs it.
    mutating func append(_ entry: Entry, in directory: String) throws {
        entries.append(entry)
        try JournalLines.append(entry, to: "\(directory)/\(SegmentJournal.fileName)")
    }
}
