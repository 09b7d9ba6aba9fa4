import Dispatch
import VADShards

/// Writes utterances, in order, into shards of about `shardSizeBytes`, and
/// finally the index. Shard `n` is `shard-NNNNN.safetensors`.
///
/// Tensors of a shard, in file order (8-byte types first, so every tensor is
/// aligned): `utterance_offsets` int64 `[utterances + 1]` (frame offsets),
/// `waveform_offsets` int64 `[utterances + 1]` (with raw frames), `features`
/// float32 `[frames, D]`, `waveform` int16 or float32 `[samples]` (with raw
/// frames), `labels` uint8 `[frames]`.
///
/// A shard's waveform is int16 when every sample of every utterance in it is
/// a whole number in int16's range (`WaveformSamples.fitsInt16`), float32
/// otherwise: a rule on the samples alone, so the bytes do not depend on how
/// the shard was written. Its size counts the waveform at the type it is
/// stored as.
///
/// When `planner` foresees a shard's utterances (ids and sizes, from the
/// recordings' headers), the shard is written in place (see `ShardWriter`);
/// an utterance that is not as foreseen turns it back into a spooled one.
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
    /// The utterances a shard opened at item `n` of the corpus will hold, as
    /// far as can be told before they are computed; nil when it cannot be.
    var planner: ((Int) -> [PlannedUtterance]?)?
    /// The open shard's plan, when it is written in place.
    private var plan: [PlannedUtterance]?
    /// Data bytes of the open shard other than its waveform, and its waveform
    /// samples: the shard's size is these bytes plus 2 (int16) or 4 bytes a sample.
    private var shardOtherBytes = 0
    private var shardSamples = 0
    /// Whether every waveform sample of the open shard fits int16 exactly.
    private var shardFitsInt16 = true
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
    var shardIsFull: Bool { shard != nil && shardBytes >= options.shardSizeBytes }

    /// Data bytes of the open shard, its waveform at the type it will be stored as.
    private var shardBytes: Int { shardOtherBytes + (shardFitsInt16 ? 2 : 4) * shardSamples }

    /// Appends one utterance to the open shard (opening one if needed). Callers
    /// close a full shard first with `closeShard()`.
    /// `item`: the utterance's recording's number in the corpus listing.
    func add(_ utterance: ProcessedUtterance, labelSource: String?, item: Int) throws {
        if shard == nil { try openShard(item: item) }
        let writer = shard!
        let raw = rawLayout != nil
        let waveformCount = utterance.waveform?.count ?? 0
        let fitsInt16 = utterance.waveform?.fitsInt16 ?? false
        func appendWaveform(_ tensor: Int) throws {
            guard let waveform = utterance.waveform else { return }
            if waveform.fitsInt16 { try writer.append(tensor, int16s: waveform.int16) } else { try writer.append(tensor, floats: waveform.float32) }
        }
        if let plan {
            let row = shardIDs.count
            let actual = PlannedUtterance(id: utterance.item.id, frames: utterance.frames, samples: waveformCount, fitsInt16: fitsInt16)
            if row < plan.count && plan[row] == actual {
                // The offsets were written with the plan.
                try writer.append(raw ? 2 : 1, utterance.features)
                try appendWaveform(3)
                try writer.append(raw ? 4 : 2, utterance.labels)
            } else {
                try unplan()
            }
        }
        if plan == nil {
            var tensor = 1
            if raw {
                try writer.append(tensor, [sampleOffset + Int64(waveformCount)]); tensor += 1
            }
            try writer.append(tensor, utterance.features); tensor += 1
            if raw { try appendWaveform(tensor); tensor += 1 }
            try writer.append(tensor, utterance.labels)
            try writer.append(0, [frameOffset + Int64(utterance.frames)])
        }
        sampleOffset += Int64(waveformCount)
        frameOffset += Int64(utterance.frames)
        shardOtherBytes += (raw ? 16 : 8) + 4 * utterance.features.count + utterance.labels.count
        shardSamples += waveformCount
        shardFitsInt16 = shardFitsInt16 && fitsInt16

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
        if shard != nil { try closeShard() }
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
        plan = nil
        finisher.sync {}
    }

    private func openShard(item: Int) throws {
        let name = "shard-" + String(shardCount).leftPadded(to: 5) + ".safetensors"
        shardIDs = []
        frameOffset = 0
        sampleOffset = 0
        shardFrames = 0
        let raw = rawLayout != nil
        shardOtherBytes = raw ? 16 : 8
        shardSamples = 0
        shardFitsInt16 = true
        plan = planner?(item).flatMap { $0.isEmpty ? nil : $0 }
        guard let plan else {
            shard = ShardWriter(directory: directory, fileName: name, tensors: specs)
            try shard!.append(0, [Int64(0)])
            if raw { try shard!.append(1, [Int64(0)]) }
            return
        }
        var frameOffsets: [Int64] = [0], sampleOffsets: [Int64] = [0]
        for utterance in plan {
            frameOffsets.append(frameOffsets.last! + Int64(utterance.frames))
            sampleOffsets.append(sampleOffsets.last! + Int64(utterance.samples))
        }
        let frames = Int(frameOffsets.last!)
        let rows = raw ? [plan.count + 1, plan.count + 1, frames, Int(sampleOffsets.last!), frames] : [plan.count + 1, frames, frames]
        let narrowed: Set<Int> = raw && plan.allSatisfy(\.fitsInt16) ? [3] : []
        let writer = try ShardWriter(directory: directory, fileName: name, tensors: specs, plannedRows: rows,
                                     metadata: try metadata(ids: plan.map(\.id)), narrowed: narrowed)
        shard = writer
        try writer.append(0, frameOffsets)
        if raw { try writer.append(1, sampleOffsets) }
    }

    /// Turns the open planned shard into a spooled one holding the utterances
    /// added so far (their offsets only; the plan's others are dropped).
    private func unplan() throws {
        guard plan != nil, let writer = shard else { return }
        plan = nil
        let offsets = 8 * (shardIDs.count + 1)
        try writer.unplan(keepBytes: rawLayout != nil ? [offsets, offsets, nil, nil, nil] : [offsets, nil, nil])
    }

    /// Closes the open shard: it is finished on the background thread, and
    /// its record comes back from a later `collect()`.
    func closeShard() throws {
        if let plan, plan.count != shardIDs.count { try unplan() }
        guard let open = shard else { return }
        let writer = HandedOver(open)  // the finishing thread alone uses it from here
        let raw = rawLayout != nil, int16 = raw && shardFitsInt16
        let closed = PendingShard(utterances: shardIDs.count, frames: shardFrames,
                                  waveformDtype: raw ? (int16 ? .i16 : .f32) : nil)
        let metadata = Result { [shardIDs] in try self.metadata(ids: shardIDs) }
        closed.done.enter()
        finisher.async {
            closed.result = Result { try writer.value.finish(metadata: metadata.get(), narrowing: int16 ? [3] : []) }
            closed.done.leave()
        }
        pending.append(closed)
        shard = nil
        plan = nil
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
                                           utterances: closed.utterances, frames: closed.frames,
                                           waveformDtype: closed.waveformDtype))
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
    private func metadata(ids: [String]) throws -> [String: String] {
        var metadata = ShardMetadata.common(
            kind: "features", vadprepVersion: VADPrepVersion.current, featureNames: options.featureNames,
            frameShiftSeconds: options.mfcc.frame.grid.seconds(samples: options.mfcc.frame.shiftSamples),
            sampleRate: options.audio.sampleRate, options: try options.jsonValue(), raw: rawLayout)
        metadata[ShardMetadata.utterances] = ShardMetadata.encodeUtteranceIDs(ids)
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
    let waveformDtype: DType?
    let done = DispatchGroup()
    /// Set by the finishing thread before it leaves `done`.
    var result: Result<WrittenShard, any Error>?

    init(utterances: Int, frames: Int, waveformDtype: DType?) {
        self.utterances = utterances
        self.frames = frames
        self.waveformDtype = waveformDtype
    }
}

/// One utterance as a shard plan foresees it: its id, frames, stored
/// waveform samples (0 without raw frames) and whether they all fit int16
/// exactly (false without raw frames).
struct PlannedUtterance: Equatable {
    var id: String
    var frames: Int
    var samples: Int
    var fitsInt16: Bool
}
