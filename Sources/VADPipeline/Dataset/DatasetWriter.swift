import Dispatch
import VADShards

/// Writes utterances, in order, into shards of about `shardSizeBytes`, and
/// finally the index. Shard `n` is `shard-NNNNN.safetensors`.
///
/// Tensors of a shard, in file order (8-byte types first, so every tensor is
/// aligned): `utterance_offsets` int64 `[utterances + 1]` (frame offsets),
/// `waveform_offsets` int64 `[utterances + 1]` (with raw frames), `features`
/// float32 `[frames, D]`, `waveform` float32 `[samples]` (with raw frames),
/// `labels` uint8 `[frames]`.
///
/// A full shard is finished (its spools copied behind the header, hashed,
/// synced and renamed) on a background thread while the next one fills, so
/// that the thread adding utterances, and the workers behind it, do not wait
/// for it; `collect()` hands back the finished shards' records, in order.
final class DatasetWriter {
    let directory: String
    let options: ExtractOptions
    let rawLayout: RawFrameLayout?
    let part: PartInfo?
    /// How the input was read, for the index (nil for the directory layout).
    var input: InputRecord?
    private var shard: ShardWriter?
    private var shardIDs: [String] = []
    private var frameOffset: Int64 = 0
    private var sampleOffset: Int64 = 0
    private var shardFrames = 0
    /// Shards closed so far, finished or not (the number of the open one).
    private var shardCount = 0
    /// Closed shards still being finished in the background, in order.
    private var pending: [PendingShard] = []
    private let finisher = DispatchQueue(label: "vadprep.shard-finisher")
    /// Finished shards, in order (closed ones join once `collect()`ed).
    private(set) var shards: [ShardRecord] = []
    private(set) var utterances: [UtteranceRecord] = []
    private(set) var statistics: FeatureStatistics

    private var specs: [TensorSpec] {
        var specs = [TensorSpec(ShardMetadata.utteranceOffsets, .i64)]
        if rawLayout != nil { specs.append(TensorSpec(ShardMetadata.waveformOffsets, .i64)) }
        specs.append(TensorSpec(ShardMetadata.features, .f32, rowShape: [options.featureDimension]))
        if rawLayout != nil { specs.append(TensorSpec(ShardMetadata.waveform, .f32)) }
        specs.append(TensorSpec(ShardMetadata.labels, .u8))
        return specs
    }

    /// A writer whose first shard is `shard-00000`, or that continues after
    /// the shards, utterances and statistics of an interrupted run.
    init(directory: String, options: ExtractOptions, rawLayout: RawFrameLayout?, part: PartInfo? = nil,
         continuing journal: [ExtractJournalEntry] = []) {
        self.directory = directory
        self.options = options
        self.rawLayout = rawLayout
        self.part = part
        shards = journal.map(\.shard)
        shardCount = shards.count
        utterances = journal.flatMap(\.utterances)
        statistics = journal.last?.statistics ?? FeatureStatistics(dimension: options.featureDimension)
    }

    /// Whether the open shard has reached the target size (the next utterance
    /// starts a new one).
    var shardIsFull: Bool { (shard?.dataBytes ?? 0) >= options.shardSizeBytes }

    /// Appends one utterance to the open shard (opening one if needed). Callers
    /// close a full shard first with `closeShard()`.
    func add(_ utterance: ProcessedUtterance, labelSource: String?) throws {
        if shard == nil { try openShard() }
        let writer = shard!
        let raw = rawLayout != nil
        var tensor = 1
        if raw {
            sampleOffset += Int64(utterance.waveform!.count)
            try writer.append(tensor, [sampleOffset]); tensor += 1
        }
        try writer.append(tensor, utterance.features); tensor += 1
        if raw { try writer.append(tensor, utterance.waveform!); tensor += 1 }
        try writer.append(tensor, utterance.labels)
        frameOffset += Int64(utterance.frames)
        try writer.append(0, [frameOffset])

        let labelled = utterance.statistics.labelledFrames > 0
        utterances.append(UtteranceRecord(
            id: utterance.item.id, source: utterance.item.relativePath, labelSource: labelSource,
            shard: shardCount, row: shardIDs.count, frames: utterance.frames,
            durationSeconds: options.mfcc.frame.grid.seconds(samples: utterance.samples),
            speechFraction: labelled ? Double(utterance.statistics.speechFrames) / Double(utterance.frames) : nil,
            sourceSampleRate: utterance.source.sampleRate, sourceChannels: utterance.source.channels))
        utterances[utterances.count - 1].speaker = utterance.item.speaker
        utterances[utterances.count - 1].regionsCut = utterance.regionsCut > 0 ? utterance.regionsCut : nil
        utterances[utterances.count - 1].augmentation = utterance.augmentation
        shardIDs.append(utterance.item.id)
        shardFrames += utterance.frames
        statistics.add(utterance.statistics)
    }

    /// Closes the last shard and writes `index.json`; returns the index.
    func finish(failures: [FailureRecord]) throws -> DatasetIndex {
        if shard != nil { closeShard() }
        _ = try collect()
        var index = DatasetIndex(
            kind: "features", vadprepVersion: VADPrepVersion.current, options: try options.jsonValue(),
            featureDim: options.featureDimension, featureNames: options.featureNames,
            frameShiftSeconds: options.mfcc.frame.grid.seconds(samples: options.mfcc.frame.shiftSamples),
            sampleRate: options.audio.sampleRate, rawFrames: rawLayout, statistics: statistics,
            shards: shards, utterances: utterances, failures: failures)
        index.part = part
        index.input = input
        try index.write(to: directory)
        return index
    }

    /// Removes everything this writer wrote (after a fatal error).
    func abandon() {
        abandonOpenShard()
        _ = try? collect()
        for record in shards { FileSystem.remove("\(directory)/\(record.file)") }
    }

    /// Drops the shard being filled; finished shards stay (after an interruption).
    /// Waits for the closed shards still being finished.
    func abandonOpenShard() {
        shard?.abandon()
        shard = nil
        finisher.sync {}
    }

    private func openShard() throws {
        let name = "shard-" + String(shardCount).leftPadded(to: 5) + ".safetensors"
        shard = ShardWriter(directory: directory, fileName: name, tensors: specs)
        shardIDs = []
        frameOffset = 0
        sampleOffset = 0
        shardFrames = 0
        try shard!.append(0, [Int64(0)])
        if rawLayout != nil { try shard!.append(1, [Int64(0)]) }
    }

    /// Closes the open shard: it is finished on the background thread, and
    /// its record comes back from a later `collect()`.
    func closeShard() {
        guard let open = shard else { return }
        let writer = HandedOver(open)  // the finishing thread alone uses it from here
        let closed = PendingShard(utterances: shardIDs.count, frames: shardFrames)
        let metadata = Result { try self.metadata() }
        closed.done.enter()
        finisher.async {
            closed.result = Result { try writer.value.finish(metadata: metadata.get()) }
            closed.done.leave()
        }
        pending.append(closed)
        shard = nil
        shardCount += 1
    }

    /// Waits for every closed shard to be finished and returns the records of
    /// those not collected before, in order (they join `shards`). Throws the
    /// first shard's error, after waiting for the others.
    func collect() throws -> [ShardRecord] {
        let waiting = pending
        pending = []
        var records: [ShardRecord] = []
        var failure: (any Error)?
        for closed in waiting {
            closed.done.wait()
            switch closed.result {
            case .success(let written)?:
                guard failure == nil else { continue }
                records.append(ShardRecord(file: written.file, bytes: written.bytes, sha256: written.sha256,
                                           utterances: closed.utterances, frames: closed.frames))
            case .failure(let error)?: failure = failure ?? error
            case nil: break
            }
        }
        shards += records
        if let failure { throw failure }
        return records
    }

    /// Each shard describes itself: utterance ids in row order, feature layout
    /// and every option.
    private func metadata() throws -> [String: String] {
        var metadata = ShardMetadata.common(
            kind: "features", vadprepVersion: VADPrepVersion.current, featureNames: options.featureNames,
            frameShiftSeconds: options.mfcc.frame.grid.seconds(samples: options.mfcc.frame.shiftSamples),
            sampleRate: options.audio.sampleRate, options: try options.jsonValue(), raw: rawLayout)
        metadata[ShardMetadata.utterances] = ShardMetadata.encodeUtteranceIDs(shardIDs)
        return metadata
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A closed shard on its way to disk: what it holds, and once `done`, what was written.
private final class PendingShard: @unchecked Sendable {
    let utterances: Int
    let frames: Int
    let done = DispatchGroup()
    /// Set by the finishing thread before it leaves `done`.
    var result: Result<WrittenShard, any Error>?

    init(utterances: Int, frames: Int) {
        self.utterances = utterances
        self.frames = frames
    }
}
