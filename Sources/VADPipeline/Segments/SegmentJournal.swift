import Foundation
import VADShards

/// The journal of an unfinished `vadprep segment` into one dataset directory
/// (see `Journal`): its header names the source, options and split; each
/// entry a finished shard. Shards are planned before any is written, so a
/// shard is the same bytes whenever it is written: resuming writes only the
/// missing ones.
typealias SegmentJournal = Journal<JSONValue, SegmentJournalEntry>

struct SegmentJournalEntry: Codable {
    var number: Int
    var shard: ShardRecord
}

extension Journal where Header == JSONValue, Entry == SegmentJournalEntry {
    /// The journal in `directory` if it was started for `header`, keeping only
    /// shards whose size and SHA-256 check out; every other file is removed.
    static func resume(in directory: String, header: JSONValue) -> SegmentJournal? {
        guard var journal = read(from: directory), journal.header == header else { return nil }
        journal.entries = journal.entries.filter { $0.shard.isIntact(in: directory) }
        let keep = Set(journal.entries.map(\.shard.file) + [fileName])
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !keep.contains(name) {
            FileSystem.remove("\(directory)/\(name)")
        }
        return journal
    }
}
