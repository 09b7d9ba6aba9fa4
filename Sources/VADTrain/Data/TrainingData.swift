import VADShards

/// A batch ready for a network: inputs (time-major, normalised), one target
/// per row (0, 1, or 255 = not scored) and the padding mask.
public struct Batch<S: TrainScalar> {
    public var inputs: Sequences<S>
    public var targets: [UInt8]
    /// 1 for real frames, 0 for padding; nil when every frame is real.
    public var mask: Buffer<S>?
}

/// A segments dataset (or a features dataset, read as whole utterances) seen
/// as batches for training or evaluation.
///
/// Fixed-length segments are batched `batchSize` at a time; variable-length
/// rows (whole utterances) one at a time, as the report did with batch size
/// 1. Datasets of random crops hold several epochs; training epoch `e`
/// (from 0) reads the crops of stored epoch `e mod epochs`. The order of a
/// training epoch is a permutation drawn from (seed, epoch) alone, so an
/// interrupted run resumes with the same batches.
public final class TrainingData: @unchecked Sendable {
    public let dataset: Dataset
    public let config: ModelConfig
    public let normalization: InputNormalization
    public let batchSize: Int
    private let dimension: Int
    /// Frames per segment of a fixed-length dataset (nil for variable-length rows).
    public let segmentFrames: Int?
    private let raw: RawFrameLayout?

    public var index: DatasetIndex { dataset.index }
    /// `vadprep extract`'s options of the data: a features dataset's own, or
    /// those a segments dataset records of its source.
    public var extractOptions: JSONValue { index.options["extract"] ?? index.options }
    /// Stored epochs of random crops (1 otherwise).
    public var storedEpochs: Int { index.segments?.epochs ?? 1 }
    public var isFixedLength: Bool { segmentFrames != nil }

    public init(directory: String, config: ModelConfig, normalization: InputNormalization?, batchSize: Int) throws(ShardError) {
        dataset = try Dataset(directory: directory)
        let index = dataset.index
        self.config = config
        dimension = index.featureDim
        raw = index.rawFrames
        segmentFrames = index.segments?.isFixedLength == true ? index.segments?.frames : nil
        self.batchSize = segmentFrames == nil ? 1 : batchSize
        if config.usesRawFrames {
            guard let raw else {
                throw ShardError(directory, "has no raw-waveform frames, which \(config.kind.rawValue) reads; extract with --raw-frames")
            }
            guard raw.length == config.inputs else {
                throw ShardError(directory, "holds raw frames of \(raw.length) samples; the model takes \(config.inputs)")
            }
        } else if index.featureDim < config.inputs {
            throw ShardError(directory, "has \(index.featureDim) features per frame; the model takes \(config.inputs)")
        }
        self.normalization = normalization ?? (config.usesRawFrames ? InputNormalization(rawScale: 1.0 / 32768)
                                                                    : InputNormalization(statistics: index.statistics, inputs: config.inputs))
        try dataset.openAll()  // size, SHA-256 and header of every shard against the index
        try dataset.checkValues()  // finite features, labels 0, 1 or 255, masks 0 or 1: never train on garbage
    }

    /// The rows (segments or utterances) of training epoch `epoch`.
    public func rows(epoch: Int) -> [Int] {
        let wanted = epoch % storedEpochs
        return index.utterances.indices.filter { (index.utterances[$0].epoch ?? 0) == wanted }
    }

    /// The batches of an epoch: its rows shuffled with `seed` (training) or in
    /// order (nil), cut into groups of `batchSize`.
    public func batches(epoch: Int, shuffleSeed: UInt64?) -> [[Int]] {
        var rows = rows(epoch: epoch)
        if let shuffleSeed {
            var random = Random(seed: shuffleSeed, stream: 1000 + UInt64(epoch))
            rows = random.permutation(rows.count).map { rows[$0] }
        }
        return stride(from: 0, to: rows.count, by: batchSize).map { Array(rows[$0..<min($0 + batchSize, rows.count)]) }
    }

    /// Frames in the given rows (for progress and throughput).
    public func frames(_ rows: [Int]) -> Int { rows.reduce(0) { $0 + index.utterances[$1].frames } }

    /// Assembles the rows `members` (same length; fixed layout, or one row).
    public func batch<S: TrainScalar>(_ members: [Int]) throws(ShardError) -> Batch<S> {
        let width = config.inputs
        let B = members.count
        let steps = segmentFrames ?? index.utterances[members[0]].frames
        let inputs = Sequences<S>(steps: steps, batch: B, width: width)
        var targets = [UInt8](repeating: FrameLabel.unknown, count: steps * B)
        var mask: Buffer<S>?
        for (b, number) in members.enumerated() {
            let record = index.utterances[number]
            let reader = try dataset.shard(record.shard)
            let labels = try reader.bytes(ShardMetadata.labels)
            let (first, frames) = try rowRange(record, reader: reader)
            if segmentFrames != nil, reader.header.tensors[ShardMetadata.mask] != nil {
                let m = try reader.bytes(ShardMetadata.mask)
                let rowMask = mask ?? Buffer([S](repeating: 1, count: steps * B))
                for t in 0..<steps { rowMask[t * B + b] = S(m[first + t]) }
                mask = rowMask
            }
            for t in 0..<frames { targets[t * B + b] = labels[first + t] }
            if config.usesRawFrames {
                try fillRaw(inputs, column: b, record: record, reader: reader, steps: steps)
            } else {
                let features = try reader.floats(ShardMetadata.features)
                for t in 0..<frames {
                    let source = features.baseAddress! + (first + t) * dimension
                    let target = inputs.row(t * B + b)
                    for d in 0..<width { target[d] = S((source[d] - normalization.mean[d]) / normalization.std[d]) }
                }
            }
        }
        return Batch(inputs: inputs, targets: targets, mask: mask)
    }

    /// First frame row (in the shard's frame rows) and frame count of a record.
    private func rowRange(_ record: UtteranceRecord, reader: ShardReader) throws(ShardError) -> (Int, Int) {
        if let segmentFrames { return (record.row * segmentFrames, segmentFrames) }
        let offsets = try reader.int64s(ShardMetadata.utteranceOffsets)
        guard record.row + 1 < offsets.count else { throw ShardError(reader.path, "has no row \(record.row)") }
        return (Int(offsets[record.row]), Int(offsets[record.row + 1] - offsets[record.row]))
    }

    /// Raw frame t of a row: `length` samples from `first + t * hop` of its
    /// stored waveform (see `RawFrameLayout`), scaled.
    private func fillRaw<S: TrainScalar>(_ inputs: Sequences<S>, column b: Int, record: UtteranceRecord,
                                         reader: ShardReader, steps: Int) throws(ShardError) {
        let raw = raw!, scale = normalization.rawScale ?? 1
        let samples = try reader.waveform()  // int16 or float32
        let start: Int, count: Int
        if let segmentFrames {
            count = (segmentFrames - 1) * raw.hop + raw.length
            start = record.row * count
        } else {
            let offsets = try reader.int64s(ShardMetadata.waveformOffsets)
            start = Int(offsets[record.row])
            count = Int(offsets[record.row + 1]) - start
        }
        for t in 0..<steps {
            let from = raw.first + t * raw.hop
            let target = inputs.row(t * inputs.batch + b)
            for n in 0..<raw.length {
                let i = from + n
                target[n] = i < count ? S(samples[start + i] * scale) : 0
            }
        }
    }
}
