import VADShards

/// The journal of an unfinished `vadprep extract` (see `Journal`). Its entries
/// carry, beside each shard, its utterances and failures, the corpus item to
/// continue from and the statistics so far, so that a resumed run repeats
/// the same shard boundaries and the same order of sums.
typealias ExtractJournal = Journal<ExtractJournalHeader, ExtractJournalEntry>

struct ExtractJournalHeader: Codable, Equatable {
    var options: JSONValue
    /// SHA-256 of the corpus listing (relative paths, one per line).
    var corpusDigest: String

    init(options: JSONValue, corpus items: [CorpusItem]) {
        self.options = options
        var hash = SHA256()
        for item in items { hash.update(Array((item.relativePath + "\n").utf8)) }
        corpusDigest = hash.hexDigest()
    }
}

struct ExtractJournalEntry: Codable {
    var shard: ShardRecord
    var utterances: [UtteranceRecord]
    /// Failures met since the previous entry.
    var failures: [FailureRecord]
    /// First corpus item not yet accounted for.
    var nextItem: Int
    /// Statistics of every utterance written so far.
    var statistics: FeatureStatistics
}
