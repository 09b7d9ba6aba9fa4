import VADShards

/// Writes utterances, in order, into shards of about `shardSizeBytes`, and
/// finally the index. Shard `n` is `shard-NNNNN.safetensors`.
///
/// Tensors of a shard, in file order (8-byte types first, so every tensor is
/// aligned): `utterance_offsets` int64 `[utterances + 1]` (frame offsets),
/// `waveform_offsets` int64 `[utterances + 1]` (with raw frames), `features`
/// float32 `[frames, D]`, `waveform` float32 `[samples]` (with raw frames),
/// `labels` uint8 `[frames]`.
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
            shard: shards.count, row: shardIDs.count, frames: utterance.frames,
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
        for record in shards { FileSystem.remove("\(directory)/\(record.file)") }
    }

    /// Drops the shard being filled; finished shards stay (after an interruption).
    func abandonOpenShard() {
        shard?.abandon()
        shard = nil
    }

    private func openShard() throws {
        let name = "shard-" + String(shards.count).leftPadded(to: 5) + ".safetensors"
        shard = ShardWriter(directory: directory, fileName: name, tensors: specs)
        shardIDs = []
        frameOffset = 0
        sampleOffset = 0
        shardFrames = 0
        try shard!.append(0, [Int64(0)])
        if rawLayout != nil { try shard!.append(1, [Int64(0)]) }
    }

    /// Writes the open shard and returns its record.
    @discardableResult
    func closeShard() throws -> ShardRecord {
        let written = try shard!.finish(metadata: try metadata())
        let record = ShardRecord(file: written.file, bytes: written.bytes, sha256: written.sha256,
                                 utterances: shardIDs.count, frames: shardFrames)
        shards.append(record)
        shard = nil
        return record
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
