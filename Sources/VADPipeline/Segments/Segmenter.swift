import Foundation
import VADShards

/// What `vadprep segment` wrote: one dataset per split.
public struct SegmentReport: Sendable {
    /// ("train", index), ("valid", index), or (nil, index) without a split.
    public var datasets: [(split: String?, directory: String, index: DatasetIndex)]
}

/// `vadprep segment`: a features dataset in, segment datasets out. Reads only
/// the shards (never the audio), each checked against its SHA-256 when opened.
///
/// The segments are planned first (a deterministic list), then divided into
/// shards by size, and the shards are written by `jobs` threads, each shard
/// on its own: the bytes do not depend on the number of threads.
public enum Segmenter {
    /// With `resume`, shards an interrupted run finished (listed in each
    /// directory's journal, their SHA-256 checked) are kept and only the
    /// others are written: the result is the bytes of an uninterrupted run.
    public static func run(source: String, output: String, options: SegmentOptions, split: SplitOptions,
                           jobs: Int, force: Bool, resume: Bool = false, shouldStop: @escaping () -> Bool = { false },
                           progress: @escaping (Int, Int) -> Void = { _, _ in }) throws -> SegmentReport {
        if let problem = (options.problems() + split.problems()).first { throw PipelineError(problem) }
        let dataset = try Dataset(directory: source)
        guard dataset.index.kind == "features" else {
            throw PipelineError("\(source): is a \(dataset.index.kind) dataset; segment reads what `vadprep extract` writes")
        }
        try dataset.openAll()  // hash-checks every shard, and makes `dataset` safe to share with the writer threads
        try dataset.checkValues()  // finite features, labels 0, 1 or 255: segments inherit what they copy
        let sourceHash = try FileSystem.sha256(ofFile: "\(source)/\(DatasetIndex.fileName)")
        let ids = dataset.index.utterances.map(\.id)

        var sides: [(String?, [Int])] = [(nil, Array(ids.indices))]
        if split.isSplit {
            let (train, valid) = try Splitter.split(ids: ids, speakers: dataset.index.utterances.map(\.speaker), options: split, seed: options.seed)
            sides = [("train", train), ("valid", valid)]
            if !resume { try OutputDirectory.prepare(output, force: force, ownedSubdirectories: ["train", "valid"], resumable: true) }
        }
        var report = SegmentReport(datasets: [])
        for (name, members) in sides {
            let directory = name.map { "\(output)/\($0)" } ?? output
            let header = JSONValue.object(["source_index_sha256": .string(sourceHash), "segment": try JSONValue(encoding: options),
                                           "split": try JSONValue(encoding: split), "side": name.map { .string($0) } ?? .null])
            var journal = SegmentJournal(header: header)
            if resume, FileSystem.isDirectory(directory) {
                if let index = try? DatasetIndex.read(from: directory), !FileSystem.exists("\(directory)/\(SegmentJournal.fileName)") {
                    guard index.segments?.sourceIndexSha256 == sourceHash,
                          try index.options["segment"] == JSONValue(encoding: options) else {
                        throw PipelineError("\(directory): holds segments made with other options or from another source; use --force to replace them")
                    }
                    report.datasets.append((name, directory, index))
                    continue
                }
                guard let found = SegmentJournal.resume(in: directory, header: header) else {
                    throw PipelineError("\(directory): nothing to resume there (no journal of this segmentation); use --force to start over")
                }
                journal = found
            } else {
                try OutputDirectory.prepare(directory, force: force, resumable: true)
            }
            try journal.write(to: directory)
            let index = try write(dataset: dataset, members: members, split: name, to: directory, options: options,
                                  splitOptions: split, sourceHash: sourceHash, jobs: jobs, journal: &journal,
                                  shouldStop: shouldStop, progress: progress)
            FileSystem.remove("\(directory)/\(SegmentJournal.fileName)")
            report.datasets.append((name, directory, index))
        }
        return report
    }

    private static func write(dataset: Dataset, members: [Int], split: String?, to directory: String,
                              options: SegmentOptions, splitOptions: SplitOptions, sourceHash: String,
                              jobs: Int, journal: inout SegmentJournal, shouldStop: () -> Bool,
                              progress: @escaping (Int, Int) -> Void) throws -> DatasetIndex {
        let source = dataset.index
        let utterances = members.map { (index: $0, id: source.utterances[$0].id, frames: source.utterances[$0].frames) }
        let (plans, dropped) = SegmentPlanner.plan(utterances, options: options)
        let layout = SegmentShardLayout(options: options, dimension: source.featureDim, raw: source.rawFrames,
                                        masked: plans.contains { $0.paddedFrames > 0 })
        // Shards: consecutive runs of segments of about shardSizeBytes.
        var shards: [Range<Int>] = []
        var start = 0, bytes = 0
        for (number, plan) in plans.enumerated() {
            if bytes >= options.shardSizeBytes { shards.append(start..<number); start = number; bytes = 0 }
            bytes += layout.bytes(plan)
        }
        if start < plans.count || shards.isEmpty { shards.append(start..<plans.count) }
        if plans.isEmpty { shards = [] }
        let ranges = shards

        let metadata = try layout.metadata(source: source, options: options)
        let finished = Dictionary(uniqueKeysWithValues: journal.entries.map { ($0.number, $0.shard) })
        let results = OrderedWork<Result<WrittenShard, Error>>(count: shards.count, window: max(shards.count, 1))
        let workers = Workers(count: max(1, min(jobs, shards.count))) { _ in
            while let number = results.claim() {
                if let done = finished[number] {  // written by an interrupted run, checked when resuming
                    results.deliver(number, .success(WrittenShard(file: done.file, bytes: done.bytes, sha256: done.sha256)))
                    continue
                }
                let name = "shard-" + String(number).leftPadded(to: 5) + ".safetensors"
                results.deliver(number, Result { try layout.write(plans[ranges[number]], from: dataset, directory: directory,
                                                                  fileName: name, metadata: metadata) })
            }
        }
        // However this returns or throws, no worker is left writing a shard:
        // the queue stops handing out shards and the workers are waited for.
        defer {
            results.cancel()
            workers.join()
        }
        var records: [ShardRecord] = []
        var rows: [UtteranceRecord] = []
        var speechFrames = 0, nonSpeechFrames = 0
        var failure: Error?
        var end = shards.count
        var number = 0
        while number < end {
            // On a stop request, no new shard is started; those being written finish and are journalled.
            if end == shards.count && shouldStop() { end = results.cancelAndCountClaimed() }
            defer { number += 1 }
            switch results.take(number) {
            case .success(let written):
                let segment = plans[shards[number]]
                records.append(ShardRecord(file: written.file, bytes: written.bytes, sha256: written.sha256,
                                           utterances: segment.count, frames: segment.reduce(0) { $0 + $1.frames }))
                if finished[number] == nil && failure == nil {
                    do { try journal.append(SegmentJournalEntry(number: number, shard: records.last!), in: directory) }
                    catch { failure = error }
                }
                for (row, plan) in segment.enumerated() {
                    let utterance = source.utterances[plan.utterance]
                    let labels = try dataset.utterance(plan.utterance).labels
                    let real = labels[plan.startFrame..<(plan.startFrame + plan.frames)]
                    let speech = real.filter { $0 == FrameLabel.speech }.count
                    speechFrames += speech
                    nonSpeechFrames += real.filter { $0 == FrameLabel.nonSpeech }.count
                    let labelled = utterance.speechFraction != nil
                    var record = UtteranceRecord(
                        id: utterance.id, source: utterance.source, labelSource: utterance.labelSource, shard: number, row: row,
                        frames: plan.frames, durationSeconds: Double(plan.frames) * source.frameShiftSeconds,
                        speechFraction: labelled && plan.frames > 0 ? Double(speech) / Double(plan.frames) : nil,
                        sourceSampleRate: utterance.sourceSampleRate, sourceChannels: utterance.sourceChannels)
                    record.startFrame = plan.startFrame
                    record.paddedFrames = layout.isFixed ? plan.paddedFrames : nil
                    record.epoch = options.mode == .random ? plan.epoch : nil
                    rows.append(record)
                }
            case .failure(let error):
                failure = failure ?? error
            }
            progress(number + 1, shards.count)
        }
        results.cancel()
        if end < shards.count {
            throw PipelineError("interrupted after \(end) of \(shards.count) shards of \(directory); the finished ones are kept: run the same command with --resume to continue",
                                status: 130)
        }
        if let failure {
            // Finished shards stay, listed in the journal, for --resume.
            throw PipelineError("\(failure); the finished shards are kept: run the same command with --resume to continue")
        }

        var statistics = FeatureStatistics(dimension: source.featureDim)
        for member in members {
            let view = try dataset.utterance(member)
            statistics.add(FeatureStatistics(features: view.features, dimension: view.dimension, labels: view.labels))
        }
        var index = DatasetIndex(
            kind: "segments", vadprepVersion: VADPrepVersion.current,
            options: .object(["extract": source.options, "segment": try JSONValue(encoding: options), "split": try JSONValue(encoding: splitOptions)]),
            featureDim: source.featureDim, featureNames: source.featureNames, frameShiftSeconds: source.frameShiftSeconds,
            sampleRate: source.sampleRate, rawFrames: layout.rawLayout, statistics: statistics, shards: records,
            utterances: rows, failures: [])
        index.segments = SegmentInfo(mode: options.mode.rawValue, layout: layout.isFixed ? "fixed" : "offsets",
                                     frames: layout.isFixed ? options.frames : nil, masked: layout.masked,
                                     epochs: options.mode == .random ? options.epochs : 1, dropped: dropped,
                                     split: split, sourceIndexSha256: sourceHash)
        index.segments!.speechFrames = speechFrames
        index.segments!.nonSpeechFrames = nonSpeechFrames
        index.segments!.paddedFrames = plans.reduce(0) { $0 + $1.paddedFrames }
        try index.write(to: directory)
        return index
    }
}
