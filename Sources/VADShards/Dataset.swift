/// A dataset opened for reading: its index and memory-mapped shards. The
/// index is checked against itself when the dataset is opened, and each
/// shard's size, SHA-256 and header against the index when it is first
/// opened (`DatasetChecker`), so that damaged or inconsistent data is refused
/// before anything reads it. Values are checked by `checkValues()`, for
/// readers that compute with them.
///
/// Shards open lazily, which mutates the reader; call `openAll()` before
/// sharing a `Dataset` between threads, after which it is only read.
public final class Dataset: @unchecked Sendable {
    /// The dataset directory.
    public let directory: String
    public let index: DatasetIndex
    private var readers: [ShardReader?]
    /// Each shard's utterance records, in row order.
    private let members: [[UtteranceRecord]]

    /// Opens `directory`, reads its index and checks it. Shards are opened on first use.
    public init(directory: String) throws(ShardError) {
        self.directory = directory
        index = try DatasetIndex.read(from: directory)
        try DatasetChecker.check(index, path: "\(directory)/\(DatasetIndex.fileName)")
        readers = Array(repeating: nil, count: index.shards.count)
        members = DatasetChecker.members(of: index)
    }

    /// Shard `number`, mapped, with its size and SHA-256 checked against the index.
    public func shard(_ number: Int) throws(ShardError) -> ShardReader {
        if let reader = readers[number] { return reader }
        let record = index.shards[number]
        let path = "\(directory)/\(record.file)"
        guard FileSystem.exists(path) else { throw ShardError(path, "is missing") }
        let reader = try ShardReader(path: path)
        guard reader.fileBytes.count == record.bytes else {
            throw ShardError(path, "is \(reader.fileBytes.count) bytes, the index records \(record.bytes) (truncated or replaced)")
        }
        var hash = SHA256()
        hash.update(reader.fileBytes)
        guard hash.hexDigest() == record.sha256 else {
            throw ShardError(path, "SHA-256 does not match the index (the file is damaged); run vadprep verify")
        }
        try DatasetChecker.checkStructure(of: reader, shard: record, members: members[number], index: index)
        readers[number] = reader
        return reader
    }

    /// Opens (and hash-checks) every shard now.
    public func openAll() throws(ShardError) {
        for number in index.shards.indices { _ = try shard(number) }
    }

    /// Opens every shard and checks its values (`DatasetChecker.checkValues`):
    /// features finite, labels 0, 1 or 255, masks 0 or 1.
    public func checkValues() throws(ShardError) {
        for number in index.shards.indices {
            try DatasetChecker.checkValues(of: try shard(number), members: members[number], index: index)
        }
    }

    /// Frames of utterance `number` (an index into `index.utterances`) of a
    /// features dataset: its feature rows, labels and, with raw frames, its
    /// stored waveform.
    public func utterance(_ number: Int) throws(ShardError) -> UtteranceView {
        let record = index.utterances[number]
        let reader = try shard(record.shard)
        let offsets = try reader.int64s(ShardMetadata.utteranceOffsets)
        guard record.row + 1 < offsets.count else { throw ShardError(reader.path, "has no row \(record.row)") }
        let first = Int(offsets[record.row]), end = Int(offsets[record.row + 1])
        let dimension = index.featureDim
        let features = try reader.floats(ShardMetadata.features)
        let labels = try reader.bytes(ShardMetadata.labels)
        guard 0 <= first, first <= end, end * dimension <= features.count, end <= labels.count, end - first == record.frames else {
            throw ShardError(reader.path, "utterance_offsets of \(record.id) do not match the index")
        }
        var waveform: WaveformSamples?
        if index.rawFrames != nil {
            let samples = try reader.waveform()
            let sampleOffsets = try reader.int64s(ShardMetadata.waveformOffsets)
            guard record.row + 1 < sampleOffsets.count else { throw ShardError(reader.path, "has no waveform row \(record.row)") }
            let from = Int(sampleOffsets[record.row]), to = Int(sampleOffsets[record.row + 1])
            guard from <= to, to <= samples.count else { throw ShardError(reader.path, "waveform_offsets of \(record.id) are out of range") }
            waveform = samples[from..<to]
        }
        return UtteranceView(record: record, dimension: dimension,
                             features: UnsafeBufferPointer(rebasing: features[(first * dimension)..<(end * dimension)]),
                             labels: UnsafeBufferPointer(rebasing: labels[first..<end]), waveform: waveform)
    }
}

/// One utterance's data inside a mapped shard (valid while its `Dataset` lives).
public struct UtteranceView {
    public let record: UtteranceRecord
    public let dimension: Int
    /// `[frames x dimension]`, row-major.
    public let features: UnsafeBufferPointer<Float>
    public let labels: UnsafeBufferPointer<UInt8>
    /// The stored, zero-padded waveform (see `RawFrameLayout`), when present:
    /// int16 or float32 as its shard stores it (`WaveformSamples`).
    public let waveform: WaveformSamples?

    public var frames: Int { labels.count }
}
