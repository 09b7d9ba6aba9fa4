import Foundation
import VADShards

/// How utterances are divided between `train` and `valid`.
public struct SplitOptions: Codable, Equatable, Sendable {
    /// What is kept together on one side of the split.
    public enum Grouping: String, Codable, Sendable, CaseIterable {
        /// Each utterance on its own.
        case utterance
        /// Utterances in the same directory of the corpus (a speaker or a source,
        /// in the usual corpus layouts) stay together.
        case directory
        /// Utterances of the same speaker (as the index records it, from
        /// Kaldi's `utt2spk`) stay together.
        case speaker
    }

    /// Fraction of utterances for `valid` (`--split valid=0.12`).
    public var validFraction: Double?
    /// Number of utterances for `valid` (`--valid-count 72`).
    public var validCount: Int?
    /// Utterance ids for `valid` (`--valid-list FILE`).
    public var validIDs: [String]?
    public var grouping: Grouping = .utterance

    public init() {}

    /// Whether any split was asked for.
    public var isSplit: Bool { validFraction != nil || validCount != nil || validIDs != nil }

    /// Problems with the values, as messages naming the option.
    public func problems() -> [String] {
        var check = OptionCheck()
        if let validFraction {
            check.require(validFraction > 0 && validFraction < 1, "--split", "valid=\(validFraction)", "valid=FRACTION with 0 < FRACTION < 1, e.g. valid=0.12")
        }
        if let validCount { check.integer("--valid-count", validCount, in: 1...100_000_000, unit: "utterances") }
        return check.problems
    }
}

public enum Splitter {
    /// Utterance indices of `ids` on each side. Groups are ordered by a hash of
    /// (seed, group) and taken for `valid` until it holds the asked number of
    /// utterances, so the split depends only on the ids and the seed.
    public static func split(ids: [String], options: SplitOptions, seed: UInt64) -> (train: [Int], valid: [Int]) {
        split(ids: ids, groups: ids.map { group(of: $0, options.grouping) }, options: options, seed: seed)
    }

    /// The same, with each utterance's speaker (nil when the index records
    /// none), for `--split-by speaker`; every utterance must then have one.
    public static func split(ids: [String], speakers: [String?], options: SplitOptions,
                             seed: UInt64) throws(PipelineError) -> (train: [Int], valid: [Int]) {
        guard options.grouping == .speaker, options.validIDs == nil else { return split(ids: ids, options: options, seed: seed) }
        var groups: [String] = []
        for (id, speaker) in zip(ids, speakers + Array(repeating: nil, count: max(0, ids.count - speakers.count))) {
            guard let speaker else {
                throw PipelineError("--split-by speaker: utterance \"\(id)\" has no speaker in the dataset (speakers come from utt2spk or spk2utt of a Kaldi data directory)")
            }
            groups.append(speaker)
        }
        return split(ids: ids, groups: groups, options: options, seed: seed)
    }

    private static func split(ids: [String], groups groupOf: [String], options: SplitOptions, seed: UInt64) -> (train: [Int], valid: [Int]) {
        if let listed = options.validIDs {
            let valid = Set(listed)
            return (ids.indices.filter { !valid.contains(ids[$0]) }, ids.indices.filter { valid.contains(ids[$0]) })
        }
        let wanted = options.validCount ?? Int((Double(ids.count) * (options.validFraction ?? 0)).rounded())
        var groups: [String: [Int]] = [:]
        for index in ids.indices { groups[groupOf[index], default: []].append(index) }
        let order = groups.keys.sorted { a, b in
            let (ha, hb) = (SegmentPlanner.randomNumber(seed: seed, id: a, epoch: -1), SegmentPlanner.randomNumber(seed: seed, id: b, epoch: -1))
            return ha != hb ? ha < hb : a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        var valid = Set<Int>()
        for key in order where valid.count < wanted { valid.formUnion(groups[key]!) }
        return (ids.indices.filter { !valid.contains($0) }, ids.indices.filter { valid.contains($0) })
    }

    static func group(of id: String, _ grouping: SplitOptions.Grouping) -> String {
        switch grouping {
        case .utterance: return id
        case .directory: return (id as NSString).deletingLastPathComponent
        case .speaker: return id  // without speakers, each utterance is its own group
        }
    }

    /// Utterance ids listed one per line in `path` (blank lines and `#` comments
    /// skipped); each must be an utterance of the dataset.
    public static func readIDList(_ path: String, known: Set<String>) throws(InputError) -> [String] {
        let text = try LabelFileParser.readText(path)
        var ids: [String] = []
        for (number, raw) in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let id = raw.trimmingCharacters(in: .whitespaces)
            if id.isEmpty || id.hasPrefix("#") { continue }
            guard known.contains(id) else { throw InputError(path, line: number + 1, "\"\(id)\" is not an utterance of the dataset") }
            ids.append(id)
        }
        return ids
    }
}
