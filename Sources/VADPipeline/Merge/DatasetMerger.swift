import Foundation
import VADShards

/// How `vadprep merge` brings the parts' shards into the merged dataset.
public enum ShardTransfer: String, Sendable, CaseIterable {
    /// Hard links: no bytes copied, the parts stay usable (same filesystem only).
    case link
    /// Copies, for a merged dataset on another filesystem.
    case copy
}

/// `vadprep merge`: the datasets of a partitioned extraction (or any features
/// datasets made with the same options from disjoint recordings) become one.
///
/// Shards are hard-linked (or copied) under new sequential names, never
/// rewritten, so their SHA-256 carries over; utterance records are renumbered
/// to the new shards; statistics are the sum of the parts' sums, taken in part
/// order; failures are concatenated. Parts of one partition are put in part
/// order whatever order they are given in, which makes the merged utterances
/// follow the corpus order of a single run, with the same bytes per
/// utterance. The index is written last, atomically: until it exists the
/// output is not a dataset.
public enum DatasetMerger {
    public static func run(parts directories: [String], output: String, transfer: ShardTransfer = .link,
                           force: Bool) throws -> DatasetIndex {
        guard !directories.isEmpty else { throw PipelineError("give at least one dataset to merge") }
        var parts: [(directory: String, index: DatasetIndex)] = []
        var datasets: [Dataset] = []
        for directory in directories {
            do {
                let dataset = try Dataset(directory: directory)  // the index checked against itself
                datasets.append(dataset)
                parts.append((directory, dataset.index))
            } catch {
                throw PipelineError(error.description)
            }
        }
        try checkOutput(output, against: directories)
        parts = try ordered(parts)
        try checkCompatible(parts)
        try checkListing(parts)
        // Only shards the checker accepted (size, SHA-256, header against the
        // index, values) are linked: a part's index names nothing else.
        for dataset in datasets {
            do {
                try dataset.openAll()
                try dataset.checkValues()
            } catch {
                throw PipelineError("\(error.description); nothing was merged")
            }
        }

        try OutputDirectory.prepare(output, force: force)
        var shards: [ShardRecord] = []
        var utterances: [UtteranceRecord] = []
        var failures: [FailureRecord] = []
        var statistics = FeatureStatistics(dimension: parts[0].index.featureDim)
        do {
            for (directory, index) in parts {
                utterances += renumbered(index.utterances, shardOffset: shards.count)
                for record in index.shards {
                    var merged = record
                    merged.file = "shard-" + String(shards.count).leftPadded(to: 5) + ".safetensors"
                    try bring("\(directory)/\(record.file)", to: "\(output)/\(merged.file)", bytes: record.bytes, by: transfer)
                    shards.append(merged)
                }
                failures += index.failures
                statistics.add(index.statistics)
            }
            let first = parts[0].index
            var merged = DatasetIndex(kind: first.kind, vadprepVersion: first.vadprepVersion, options: first.options,
                                      featureDim: first.featureDim, featureNames: first.featureNames,
                                      frameShiftSeconds: first.frameShiftSeconds, sampleRate: first.sampleRate,
                                      rawFrames: first.rawFrames, statistics: statistics, shards: shards,
                                      utterances: utterances, failures: failures)
            merged.input = first.input
            let unsupervised = parts.reduce(0) { $0 + ($1.index.input?.unsupervised ?? 0) }
            merged.input?.unsupervised = unsupervised > 0 ? unsupervised : nil
            try merged.write(to: output)
            return merged
        } catch {
            for record in shards { FileSystem.remove("\(output)/\(record.file)") }
            if let error = error as? PipelineError { throw error }
            throw PipelineError("\(error); nothing was merged")
        }
    }

    private static func renumbered(_ records: [UtteranceRecord], shardOffset: Int) -> [UtteranceRecord] {
        records.map { record in
            var record = record
            record.shard += shardOffset
            return record
        }
    }

    /// Refuses an output directory that is one of the inputs (or holds one).
    private static func checkOutput(_ output: String, against directories: [String]) throws {
        let out = URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath().path
        for directory in directories {
            let path = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
            if path == out || path.hasPrefix(out + "/") {
                throw PipelineError("\(output): is (or contains) the input \(directory); merge into a new directory")
            }
        }
    }

    /// Parts of one partition, in part order, all present once; datasets
    /// without part information, as given.
    private static func ordered(_ parts: [(directory: String, index: DatasetIndex)]) throws -> [(directory: String, index: DatasetIndex)] {
        let withPart = parts.filter { $0.index.part != nil }
        if withPart.isEmpty { return parts }
        guard withPart.count == parts.count else {
            let whole = parts.first { $0.index.part == nil }!
            throw PipelineError("\(whole.directory): is not a part of a partitioned extraction, but \(withPart[0].directory) is; merge the parts of one partition, or whole datasets")
        }
        let first = withPart[0]
        let partition = first.index.part!
        var seen: [Int: String] = [:]
        for (directory, index) in parts {
            let part = index.part!
            guard part.count == partition.count, part.corpusDigest == partition.corpusDigest, part.sourcesDigest == partition.sourcesDigest else {
                throw PipelineError("\(directory): is part \(part.index)/\(part.count) of a different partition than \(first.directory) (part \(partition.index)/\(partition.count)): the corpus listing or the number of parts differs")
            }
            if let other = seen[part.index] {
                throw PipelineError("\(directory): is part \(part.index)/\(part.count), and so is \(other)")
            }
            seen[part.index] = directory
        }
        let missing = (0..<partition.count).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            let list = missing.map { "\($0)/\(partition.count)" }.joined(separator: ", ")
            throw PipelineError("part\(missing.count == 1 ? "" : "s") \(list) of the partition \(missing.count == 1 ? "is" : "are") missing; give every part's directory")
        }
        return parts.sorted { $0.index.part!.index < $1.index.part!.index }
    }

    /// Same kind, options, version and layout everywhere; no utterance twice.
    private static func checkCompatible(_ parts: [(directory: String, index: DatasetIndex)]) throws {
        let (firstDirectory, first) = parts[0]
        var owner: [String: String] = [:]
        for (directory, index) in parts {
            guard index.kind == "features" else {
                throw PipelineError("\(directory): is a \(index.kind) dataset; merge takes features datasets, as vadprep extract writes them")
            }
            if directory != firstDirectory {
                let differences = JSONValue.differences(first.options, index.options)
                guard differences.isEmpty else {
                    throw PipelineError("\(directory): was extracted with other options than \(firstDirectory) (\(differences.prefix(3).joined(separator: ", "))); extract every part with the same options")
                }
                guard index.vadprepVersion == first.vadprepVersion else {
                    throw PipelineError("\(directory): was written by vadprep \(index.vadprepVersion), \(firstDirectory) by \(first.vadprepVersion); extract every part with the same version")
                }
                guard index.featureNames == first.featureNames, index.rawFrames == first.rawFrames,
                      index.sampleRate == first.sampleRate, index.frameShiftSeconds == first.frameShiftSeconds else {
                    throw PipelineError("\(directory): stores features in another layout than \(firstDirectory)")
                }
            }
            for record in index.utterances {
                if let other = owner[record.id] {
                    throw PipelineError("utterance \"\(record.id)\" is in both \(other) and \(directory); parts must hold different recordings")
                }
                owner[record.id] = directory
            }
        }
    }

    /// The parts of one partition hold, as utterances or failures, exactly
    /// the recordings of the corpus listing they were extracted from: as many
    /// as `corpusFiles`, with the digest of the listing's sources. In the
    /// directory layout a source is one file and so is held once; a manifest
    /// may cut several utterances from one recording, so there only the
    /// digest of all sources, counted with their repeats, is compared.
    private static func checkListing(_ parts: [(directory: String, index: DatasetIndex)]) throws {
        guard let partition = parts.first?.index.part else { return }
        let uniqueSources = parts.allSatisfy { $0.index.input == nil }
        var seen: [String: String] = [:]
        var sources: [String] = []
        var utterances = 0, failures = 0
        for (directory, index) in parts {
            // An input utterance once, however many augmented copies it has (and with or without its clean one).
            var inputIDs = Set<String>()
            let inputs = index.utterances.filter { inputIDs.insert($0.inputID).inserted }
            let held = inputs.map(\.source) + index.failures.map(\.source)
            utterances += inputs.count
            failures += index.failures.count
            for source in held {
                if uniqueSources, let other = seen[source] {
                    throw PipelineError("recording \(source) is listed twice, in \(other) and \(directory) (as an utterance or a failure); parts must hold different recordings")
                }
                seen[source] = directory
            }
            sources += held
        }
        guard sources.count == partition.corpusFiles else {
            throw PipelineError("the parts hold \(utterances) utterance\(utterances == 1 ? "" : "s") and \(failures) failure\(failures == 1 ? "" : "s"), \(sources.count) recordings, but the corpus listing they were extracted from has \(partition.corpusFiles); a part is incomplete or was edited")
        }
        guard Corpus.sourcesDigest(sources) == partition.expectedSourcesDigest else {
            throw PipelineError("the parts' utterances and failures are not the recordings of the corpus listing they were extracted from (its SHA-256 differs); a part is incomplete or was edited")
        }
    }

    /// Links or copies one shard, after checking its size against its record.
    private static func bring(_ source: String, to destination: String, bytes: Int, by transfer: ShardTransfer) throws {
        guard let size = FileSystem.size(source) else { throw PipelineError("\(source): is missing; nothing was merged") }
        guard size == bytes else {
            throw PipelineError("\(source): is \(size) bytes, its index records \(bytes) (truncated or replaced); run vadprep verify on that part")
        }
        switch transfer {
        case .link:
            guard link(source, destination) == 0 else {
                if errno == EXDEV {
                    throw PipelineError("cannot hard-link \(source) into \((destination as NSString).deletingLastPathComponent): another filesystem; use --copy")
                }
                throw FileError("cannot link", destination)
            }
        case .copy:
            let file = try AtomicFile(path: destination)  // removed unless committed
            try FileSystem.readChunks(source) { try file.write($0) }
            try file.commit()
        }
    }
}

extension JSONValue {
    /// Key paths at which two values differ, e.g. `mfcc.num_ceps: 13 ≠ 20`.
    static func differences(_ a: JSONValue, _ b: JSONValue, at path: String = "") -> [String] {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            return Set(x.keys).union(y.keys).sorted().flatMap { key in
                differences(x[key] ?? .null, y[key] ?? .null, at: path.isEmpty ? key : "\(path).\(key)")
            }
        default:
            return a == b ? [] : ["\(path.isEmpty ? "options" : path): \(a.compactJSON()) ≠ \(b.compactJSON())"]
        }
    }
}
