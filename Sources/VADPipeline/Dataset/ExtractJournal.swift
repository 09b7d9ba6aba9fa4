import Foundation
import VADShards

/// What an unfinished extraction has written, so that `--resume` can carry on.
///
/// `DIR/.journal.jsonl` is appended to (and synced) each time a shard is
/// committed: a first line naming the options and corpus, then one line per
/// shard with the shard's record, its utterances and failures, the corpus
/// item to continue from, and the statistics so far. A line cut short by a
/// crash is ignored. When the index is written the journal is removed: a
/// dataset directory holds a journal only while it is unfinished.
struct ExtractJournal {
    static let fileName = ".journal.jsonl"

    struct Header: Codable, Equatable {
        var options: JSONValue
        /// SHA-256 of the corpus listing (relative paths, one per line).
        var corpusDigest: String
    }

    struct Entry: Codable {
        var shard: ShardRecord
        var utterances: [UtteranceRecord]
        /// Failures met since the previous entry.
        var failures: [FailureRecord]
        /// First corpus item not yet accounted for.
        var nextItem: Int
        /// Statistics of every utterance written so far.
        var statistics: FeatureStatistics
    }

    var header: Header
    var entries: [Entry] = []

    static func digest(of items: [CorpusItem]) -> String {
        var hash = SHA256()
        for item in items { hash.update(Array((item.relativePath + "\n").utf8)) }
        return hash.hexDigest()
    }

    /// Reads `DIRECTORY/.journal.jsonl`; nil when there is none or its header is unreadable.
    static func read(from directory: String) -> ExtractJournal? {
        let decoder = JSONDecoder()
        guard let lines = JournalLines.read("\(directory)/\(fileName)"), let first = lines.first,
              let header = try? decoder.decode(Header.self, from: first) else { return nil }
        var journal = ExtractJournal(header: header)
        for line in lines.dropFirst() {
            guard let entry = try? decoder.decode(Entry.self, from: line) else { break }  // cut short by a crash
            journal.entries.append(entry)
        }
        return journal
    }

    /// Writes the whole journal under a temporary name and renames it into place.
    func write(to directory: String) throws {
        try JournalLines.write("\(directory)/\(ExtractJournal.fileName)", first: header, rest: entries)
    }

    /// Appends `entry` to the journal file and syncs it.
    mutating func append(_ entry: Entry, in directory: String) throws {
        entries.append(entry)
        try JournalLines.append(entry, to: "\(directory)/\(ExtractJournal.fileName)")
    }
}
