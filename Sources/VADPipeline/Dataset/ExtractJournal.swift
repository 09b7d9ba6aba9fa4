import VADShards

/// The journal of an unfinished `vadprep extract` (see `Journal`). Its entries
/// carry, beside each shard, its utterances and failures, the corpus item to
/// continue from and the statistics so far, so that a resumed run repeats
/// the same shard boundaries and the same order of sums.
typealias ExtractJournal = Journal<ExtractJournalHeader, ExtractJournalEntry>

struct ExtractJournalHeader: Codable, Equatable {
    var options: JSONValue
    /// SHA-256 of the corpus listing (relative paths, one per line) of the
    /// recordings this run extracts.
    var corpusDigest: String
    /// With `--part`, the part extracted.
    var part: CorpusPart?

    init(options: JSONValue, corpus items: [CorpusItem], part: CorpusPart?) {
        self.options = options
        corpusDigest = Corpus.digest(items)
        self.part = part
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
