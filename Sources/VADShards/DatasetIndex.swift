import Foundation

/// `index.json`: everything about a dataset except the tensors themselves.
///
/// A dataset is a directory holding this index and the shards it lists. The
/// index records how the dataset was made (every option, the vadprep version),
/// what is in it (each utterance: where it came from, which shard and row, how
/// many frames, how much speech), corpus-wide feature statistics for global
/// normalisation, and each shard's size and SHA-256 so damage is detected
/// before anything reads the data. It holds no timestamps or machine paths:
/// the same inputs and options give the same bytes.
public struct DatasetIndex: Codable, Equatable, Sendable {
    /// Always "vadprep-dataset".
    public var format = DatasetIndex.formatName
    /// Bumped whenever the layout changes incompatibly. Version 2 may store
    /// a shard's waveform as int16 (`ShardRecord.waveformDtype`); version 1
    /// stored every waveform as float32. Both are read.
    public var formatVersion = DatasetIndex.currentVersion
    /// What the shards hold: "features" (whole utterances, as `extract` writes
    /// them) or "segments" (as `segment` writes them; see `segments`).
    public var kind: String
    /// The vadprep version that wrote the dataset.
    public var vadprepVersion: String
    /// Every option the dataset was made with, as the writing stage reports them.
    public var options: JSONValue
    /// Features per frame (columns of `features`).
    public var featureDim: Int
    /// Names of the feature columns, e.g. "mfcc0" ... "delta1_mfcc19".
    public var featureNames: [String]
    /// Frame shift in seconds.
    public var frameShiftSeconds: Double
    /// Sample rate of the processed audio (and of the stored waveform).
    public var sampleRate: Int
    /// Where raw-waveform frames are, when the dataset has them.
    public var rawFrames: RawFrameLayout?
    /// How segments were cut, for a "segments" dataset.
    public var segments: SegmentInfo?
    /// Statistics of the stored features: for "features", over every frame; for
    /// "segments", over every frame of the utterances the split holds (each
    /// counted once, whatever the number of crops or epochs).
    public var statistics: FeatureStatistics
    /// The shards, in order.
    public var shards: [ShardRecord]
    /// One record per row, in order across shards: every utterance, in corpus
    /// order, for "features"; every segment for "segments".
    public var utterances: [UtteranceRecord]
    /// Input files that could not be processed, with the reason.
    public var failures: [FailureRecord]
    /// Set on one part of a partitioned extraction (`extract --part K/N`).
    public var part: PartInfo?
    /// How the input was read, for inputs other than a directory of recordings
    /// (absent for that layout): its kind and the manifest files with their SHA-256.
    public var input: InputRecord?
    /// SHA-256 of the index file itself, computed with these 64 digits set to
    /// "0": any changed byte of index.json is detected. Set by `encoded()`.
    public var indexSha256: String?

    public static let formatName = "vadprep-dataset"
    public static let currentVersion = 2
    /// The versions this vadprep reads.
    public static let readableVersions = 1...2
    /// The index's file name inside a dataset directory.
    public static let fileName = "index.json"

    public init(kind: String, vadprepVersion: String, options: JSONValue, featureDim: Int, featureNames: [String],
                frameShiftSeconds: Double, sampleRate: Int, rawFrames: RawFrameLayout?,
                statistics: FeatureStatistics, shards: [ShardRecord], utterances: [UtteranceRecord],
                failures: [FailureRecord]) {
        self.kind = kind
        self.vadprepVersion = vadprepVersion
        self.options = options
        self.featureDim = featureDim
        self.featureNames = featureNames
        self.frameShiftSeconds = frameShiftSeconds
        self.sampleRate = sampleRate
        self.rawFrames = rawFrames
        self.segments = nil
        self.statistics = statistics
        self.shards = shards
        self.utterances = utterances
        self.failures = failures
        self.indexSha256 = nil
    }

    /// The canonical bytes: sorted keys, indentation, snake_case, and the
    /// file's own SHA-256 in `index_sha256`.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var copy = self
        copy.indexSha256 = DatasetIndex.zeroDigest
        var bytes = Array(try encoder.encode(copy)) + [0x0A]
        let range = DatasetIndex.digestRange(in: bytes)!
        var hash = SHA256()
        hash.update(bytes)
        bytes.replaceSubrange(range, with: Array(hash.hexDigest().utf8))
        return bytes
    }

    private static let zeroDigest = String(repeating: "0", count: 64)

    /// Where the 64 digits of `index_sha256` are in an index file's bytes.
    static func digestRange(in bytes: [UInt8]) -> Range<Int>? {
        let key = Array("\"index_sha256\"".utf8)
        guard bytes.count >= key.count,
              let at = (0...(bytes.count - key.count)).first(where: { bytes[$0..<($0 + key.count)].elementsEqual(key) }),
              let quote = bytes[(at + key.count)...].firstIndex(of: UInt8(ascii: "\"")),
              quote + 65 <= bytes.count, bytes[quote + 65] == UInt8(ascii: "\"") else { return nil }
        return (quote + 1)..<(quote + 65)
    }

    /// Whether `bytes` (a whole index file) hash to the digest they hold.
    static func holdsItsOwnDigest(_ bytes: [UInt8]) -> Bool {
        guard let range = digestRange(in: bytes) else { return false }
        var zeroed = bytes
        zeroed.replaceSubrange(range, with: Array(zeroDigest.utf8))
        var hash = SHA256()
        hash.update(zeroed)
        return bytes[range].elementsEqual(hash.hexDigest().utf8)
    }

    /// Writes `DIRECTORY/index.json` atomically.
    public func write(to directory: String) throws {
        let bytes: [UInt8]
        do { bytes = try encoded() } catch {
            throw FileError("cannot encode", "\(directory)/\(DatasetIndex.fileName)", reason: "\(error)")
        }
        let file = try AtomicFile(path: "\(directory)/\(DatasetIndex.fileName)")
        try file.write(bytes)
        try file.commit()
    }

    /// Reads and checks `DIRECTORY/index.json`, its own SHA-256 included.
    public static func read(from directory: String) throws(ShardError) -> DatasetIndex {
        let path = "\(directory)/\(fileName)"
        let data: Data
        do {
            let mapped = try MappedFile(path: path)
            data = Data(mapped.bytes)
        } catch {
            if !FileSystem.exists(directory) { throw ShardError(directory, "no such dataset directory") }
            if !FileSystem.exists(path) { throw ShardError(directory, "not a vadprep dataset (no \(fileName))") }
            throw ShardError(path, (error as? FileError).map { "\($0.action): \($0.reason)" } ?? "\(error)")
        }
        return try decode(data, path: path)
    }

    /// Parses and checks the bytes of an index file (`path` names it in errors).
    public static func decode(_ data: Data, path: String) throws(ShardError) -> DatasetIndex {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let index: DatasetIndex
        do { index = try decoder.decode(DatasetIndex.self, from: data) } catch {
            throw ShardError(path, "not a valid dataset index (\(describe(error)))")
        }
        guard index.format == formatName else { throw ShardError(path, "format is \"\(index.format)\", expected \"\(formatName)\"") }
        guard readableVersions.contains(index.formatVersion) else {
            throw ShardError(path, "format version \(index.formatVersion) is not supported (this vadprep reads versions \(readableVersions.lowerBound) to \(readableVersions.upperBound))")
        }
        guard holdsItsOwnDigest(Array(data)) else {
            throw ShardError(path, "SHA-256 does not match the index_sha256 it records (the file is damaged or was edited)")
        }
        for (number, shard) in index.shards.enumerated() {
            if let problem = ShardRecord.problem(withFileName: shard.file) {
                throw ShardError(path, "shard \(number) is named \(jsonString(shard.file)), \(problem); a shard is a plain file inside the dataset")
            }
        }
        return index
    }
}

extension DatasetIndex {
    /// Extract's options that say what a feature is: all of `extractOptions`
    /// but how the recordings were augmented and labelled, the dither seed,
    /// where they came from and how the shards were cut. Two datasets whose
    /// feature options agree can be trained and validated on, or a model
    /// trained on one evaluated on the other: clean speech against augmented
    /// copies of it, say.
    public static func featureOptions(_ extractOptions: JSONValue) -> JSONValue {
        guard case .object(var members) = extractOptions else { return extractOptions }
        for key in ["augment", "labels", "seed", "input", "shard_size_bytes"] { members[key] = nil }
        return .object(members)
    }
}

/// How raw-waveform frames are laid out in a shard.
///
/// Each utterance's waveform is stored once, padded with zeros, in `waveform`
/// (Kaldi's int16 scale), with `waveform_offsets` (int64, one more than the
/// utterances) giving each utterance's range. Raw frame `i` of an utterance
/// is the `length` samples starting at `first + i * hop` within its range: in
/// numpy, `as_strided(w[first:], (frames, length), (hop * w.itemsize, w.itemsize))`.
///
/// A features shard stores its waveform as int16 when every sample of it is
/// a whole number in [-32768, 32767] (so int16 holds it exactly: a 16-bit
/// source at the target rate, neither resampled nor augmented), as float32
/// otherwise; `ShardRecord.waveformDtype` records which. Segments datasets
/// store float32.
public struct RawFrameLayout: Codable, Equatable, Sendable {
    /// Samples per raw frame (odd, so a frame is centred on a sample).
    public var length: Int
    /// Samples between consecutive raw frames (the frame shift).
    public var hop: Int
    /// Offset of raw frame 0 within an utterance's stored waveform.
    public var first: Int
    /// Zeros stored before the utterance's first sample.
    public var leftPadding: Int

    public init(length: Int, hop: Int, first: Int, leftPadding: Int) {
        self.length = length
        self.hop = hop
        self.first = first
        self.leftPadding = leftPadding
    }
}

/// Per-dimension sums over every stored frame, and what follows from them.
/// Sums (not means) are kept so that statistics of several datasets combine exactly.
public struct FeatureStatistics: Codable, Equatable, Sendable {
    /// Frames counted.
    public var frames: Int
    /// Frames labelled speech.
    public var speechFrames: Int
    /// Frames with a known label (speech or not).
    public var labelledFrames: Int
    /// Sum of each feature over all frames.
    public var sum: [Double]
    /// Sum of each feature's square over all frames.
    public var sumOfSquares: [Double]
    /// `sum / frames`.
    public var mean: [Double]
    /// Population standard deviation, `sqrt(sumOfSquares / frames - mean^2)`.
    public var std: [Double]

    /// Statistics of no frames, for `dimension` features.
    public init(dimension: Int) {
        frames = 0
        speechFrames = 0
        labelledFrames = 0
        sum = Array(repeating: 0, count: dimension)
        sumOfSquares = Array(repeating: 0, count: dimension)
        mean = Array(repeating: 0, count: dimension)
        std = Array(repeating: 0, count: dimension)
    }

    /// Sums over the rows of `features` (`dimension` values each) in row order,
    /// in double precision; `labels` (one per row) give the labelled (not
    /// `FrameLabel.unknown`) and speech frames.
    public init(features: UnsafeBufferPointer<Float>, dimension: Int, labels: UnsafeBufferPointer<UInt8>) {
        self.init(dimension: dimension)
        frames = labels.count
        for t in 0..<frames {
            for d in 0..<dimension {
                let v = Double(features[t * dimension + d])
                sum[d] += v
                sumOfSquares[d] += v * v
            }
            if labels[t] != FrameLabel.unknown { labelledFrames += 1 }
            if labels[t] == FrameLabel.speech { speechFrames += 1 }
        }
    }

    /// Adds another set of sums (in a fixed order, so the result is deterministic)
    /// and recomputes mean and standard deviation.
    public mutating func add(_ other: FeatureStatistics) {
        frames += other.frames
        speechFrames += other.speechFrames
        labelledFrames += other.labelledFrames
        for d in sum.indices {
            sum[d] += other.sum[d]
            sumOfSquares[d] += other.sumOfSquares[d]
        }
        for d in sum.indices where frames > 0 {
            mean[d] = sum[d] / Double(frames)
            std[d] = max(0, sumOfSquares[d] / Double(frames) - mean[d] * mean[d]).squareRoot()
        }
    }
}

/// One shard file of a dataset.
public struct ShardRecord: Codable, Equatable, Sendable {
    /// File name within the dataset directory.
    public var file: String
    /// Size in bytes.
    public var bytes: Int
    /// SHA-256 of the whole file, lowercase hex.
    public var sha256: String
    /// Utterances (rows of `utterance_offsets` minus one) in the shard.
    public var utterances: Int
    /// Frames (rows of `features`) in the shard.
    public var frames: Int
    /// With raw frames: the element type of the shard's `waveform`, "I16" or
    /// "F32" (safetensors' names); absent means "F32" (format version 1, and
    /// datasets without raw frames).
    public var waveformDtype: String?

    public init(file: String, bytes: Int, sha256: String, utterances: Int, frames: Int, waveformDtype: DType? = nil) {
        self.file = file
        self.bytes = bytes
        self.sha256 = sha256
        self.utterances = utterances
        self.frames = frames
        self.waveformDtype = waveformDtype?.rawValue
    }

    /// The element type of the shard's waveform (float32 unless recorded otherwise).
    public var waveformType: DType { waveformDtype.flatMap(DType.init(rawValue:)) ?? .f32 }

    /// Why `name` cannot be a shard's file name, or nil when it can: a shard
    /// is a plain `.safetensors` file directly inside its dataset, so no
    /// name in an index can reach outside the dataset directory.
    public static func problem(withFileName name: String) -> String? {
        if name.isEmpty { return "which is empty" }
        if name.contains("/") || name.contains("\\") { return "which contains a path separator" }
        if name.hasPrefix(".") { return "which is hidden or a relative path" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "which contains a control character" }
        if !name.hasSuffix(".safetensors") || name == ".safetensors" { return "which does not end in .safetensors" }
        if name.utf8.count > 255 { return "which is longer than a file name can be" }
        return nil
    }

    /// Whether `DIRECTORY/file` is still this shard: the recorded size and SHA-256.
    public func isIntact(in directory: String) -> Bool {
        let path = "\(directory)/\(file)"
        return FileSystem.size(path) == bytes && (try? FileSystem.sha256(ofFile: path)) == sha256
    }
}

/// One utterance (a whole recording) of a dataset.
public struct UtteranceRecord: Codable, Equatable, Sendable {
    /// The recording's path relative to the corpus directory, without its extension.
    public var id: String
    /// The recording's path relative to the corpus directory.
    public var source: String
    /// The label file used, relative to the corpus directory (or the --labels path), if any.
    public var labelSource: String?
    /// Index into `shards`.
    public var shard: Int
    /// Position among the shard's utterances.
    public var row: Int
    /// Number of frames.
    public var frames: Int
    /// Duration of the processed audio in seconds.
    public var durationSeconds: Double
    /// Fraction of frames labelled speech; nil when the recording had no labels.
    public var speechFraction: Double?
    /// The recording's own sample rate and channel count, before conversion.
    public var sourceSampleRate: Int
    public var sourceChannels: Int
    /// Segments only: first frame of the segment in its utterance.
    public var startFrame: Int?
    /// Segments only: zero frames padded after the `frames` real ones.
    public var paddedFrames: Int?
    /// Random crops only: the epoch the crop belongs to.
    public var epoch: Int?
    /// The speaker, when the input names one (Kaldi's `utt2spk`).
    public var speaker: String?
    /// Label regions (or the utterance's own cut) that ran past the end of the
    /// audio by at most the allowed overshoot and were cut there; absent when none.
    public var regionsCut: Int?
    /// Augmented copies only: how the copy was made; absent on clean utterances.
    public var augmentation: AugmentationRecord?

    /// The id of the utterance as its input names it: a copy's id is that id
    /// plus `~augN`, every other utterance's is its own.
    public var inputID: String {
        guard let copy = augmentation?.copy, id.hasSuffix("~aug\(copy)") else { return id }
        return String(id.dropLast("~aug\(copy)".count))
    }

    public init(id: String, source: String, labelSource: String?, shard: Int, row: Int, frames: Int,
                durationSeconds: Double, speechFraction: Double?, sourceSampleRate: Int, sourceChannels: Int) {
        self.id = id
        self.source = source
        self.labelSource = labelSource
        self.shard = shard
        self.row = row
        self.frames = frames
        self.durationSeconds = durationSeconds
        self.speechFraction = speechFraction
        self.sourceSampleRate = sourceSampleRate
        self.sourceChannels = sourceChannels
    }
}

/// How one augmented copy of an utterance was made (`vadprep extract --noise
/// …`): everything needed to rebuild it from the clean utterance.
public struct AugmentationRecord: Codable, Equatable, Sendable {
    /// One excerpt of a recording: which directory of its option (0 for the
    /// first), the file relative to it, and the first sample used (at the
    /// target rate; the recording is looped when shorter than the utterance).
    public struct Excerpt: Codable, Equatable, Sendable {
        public var dir: Int
        public var file: String
        public var offset: Int
        public init(dir: Int, file: String, offset: Int) {
            (self.dir, self.file, self.offset) = (dir, file, offset)
        }
    }

    /// The random noise shaping applied to everything added.
    public struct Shaping: Codable, Equatable, Sendable {
        /// Band-pass edges in Hz (`lowHz` 0: no high-pass).
        public var lowHz: Double
        public var highHz: Double
        /// Peak (positive) or dip of `eqDb` dB at `eqHz`, quality `eqQ`.
        public var eqHz: Double
        public var eqQ: Double
        public var eqDb: Double
        /// Level drift: gain `1 - depth (1 + sin(2 pi hz t + phase)) / 2`.
        public var driftHz: Double
        public var driftDepth: Double
        public var driftPhase: Double
        public init(lowHz: Double, highHz: Double, eqHz: Double, eqQ: Double, eqDb: Double,
                    driftHz: Double, driftDepth: Double, driftPhase: Double) {
            (self.lowHz, self.highHz, self.eqHz, self.eqQ, self.eqDb) = (lowHz, highHz, eqHz, eqQ, eqDb)
            (self.driftHz, self.driftDepth, self.driftPhase) = (driftHz, driftDepth, driftPhase)
        }
    }

    /// 1 ... copies.
    public var copy: Int
    /// The noise excerpt added, if any.
    public var noise: Excerpt?
    /// The background talkers added, if any.
    public var babble: [Excerpt]?
    /// The room impulse response the speech was convolved with, if any, and
    /// the sample of its direct path (the one moved to time zero).
    public var rir: Excerpt?
    public var shaping: Shaping?
    /// Speech-active SNR in dB of the mix; nil when nothing was added or the
    /// speech (or what was added) is silent.
    public var snrDb: Double?
    /// Factor the whole mix was scaled by so that no sample exceeds full scale (1: none).
    public var gain: Double

    public init(copy: Int, gain: Double = 1) {
        self.copy = copy
        self.gain = gain
    }
}

/// How a "segments" dataset was cut from its source dataset.
public struct SegmentInfo: Codable, Equatable, Sendable {
    /// "fixed", "random" or "whole".
    public var mode: String
    /// "fixed": tensors `[segments, frames, D]`; "offsets": rows back to back
    /// with `utterance_offsets`, as in a features dataset.
    public var layout: String
    /// Frames per segment in the fixed layout.
    public var frames: Int?
    /// Whether a `mask` tensor marks real (1) and padded (0) frames.
    public var masked: Bool
    /// Epochs of random crops (1 otherwise).
    public var epochs: Int
    /// Utterances or tails left out as shorter than a segment.
    public var dropped: Int
    /// "train", "valid", or nil when not split.
    public var split: String?
    /// SHA-256 of the source dataset's index.json.
    public var sourceIndexSha256: String
    /// Over the rows written (each crop counted): real frames labelled speech,
    /// labelled non-speech, and padding frames.
    public var speechFrames = 0
    public var nonSpeechFrames = 0
    public var paddedFrames = 0

    public init(mode: String, layout: String, frames: Int?, masked: Bool, epochs: Int, dropped: Int,
                split: String?, sourceIndexSha256: String) {
        self.mode = mode
        self.layout = layout
        self.frames = frames
        self.masked = masked
        self.epochs = epochs
        self.dropped = dropped
        self.split = split
        self.sourceIndexSha256 = sourceIndexSha256
    }

    public var isFixedLength: Bool { layout == "fixed" }
}

/// Which part of a partitioned corpus a dataset holds. Every part of one
/// partition records the same `count` and the same whole-corpus listing.
public struct PartInfo: Codable, Equatable, Sendable {
    /// The part, from 0.
    public var index: Int
    /// Parts in the partition.
    public var count: Int
    /// Recordings in the whole corpus listing.
    public var corpusFiles: Int
    /// SHA-256 of the whole corpus listing (relative paths, one per line,
    /// for the directory layout; more of each item for a manifest's).
    public var corpusDigest: String
    /// SHA-256 of the listing's sources (the `source` its utterances and
    /// failures record), sorted bytewise, one per line: what `merge` checks
    /// the parts against. Absent where it equals `corpusDigest` (the
    /// directory layout, whose listing is its sorted relative paths).
    public var sourcesDigest: String?

    public init(index: Int, count: Int, corpusFiles: Int, corpusDigest: String, sourcesDigest: String? = nil) {
        self.index = index
        self.count = count
        self.corpusFiles = corpusFiles
        self.corpusDigest = corpusDigest
        self.sourcesDigest = sourcesDigest == corpusDigest ? nil : sourcesDigest
    }

    /// The digest the parts' sources must have.
    public var expectedSourcesDigest: String { sourcesDigest ?? corpusDigest }
}

/// How a dataset's input was read: its kind ("kaldi", "lhotse") and the
/// manifest files that described it.
public struct InputRecord: Codable, Equatable, Sendable {
    public var kind: String
    public var manifests: [ManifestRecord]
    /// Recordings extracted that the input gives no speech regions at all (a
    /// Lhotse recording without supervisions: all non-speech); nil for none.
    public var unsupervised: Int?

    public init(kind: String, manifests: [ManifestRecord]) {
        self.kind = kind
        self.manifests = manifests
    }
}

/// One manifest file of an input: its name within the input and its SHA-256.
public struct ManifestRecord: Codable, Equatable, Sendable {
    public var file: String
    public var sha256: String

    public init(file: String, sha256: String) {
        self.file = file
        self.sha256 = sha256
    }
}

/// An input file that could not be processed.
public struct FailureRecord: Codable, Equatable, Sendable {
    /// The file's path relative to the corpus directory.
    public var source: String
    /// Why, as printed to the user.
    public var error: String

    public init(source: String, error: String) {
        self.source = source
        self.error = error
    }
}

/// A decoding error in words, naming the JSON path where it happened.
private func describe(_ error: Error) -> String {
    func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
    switch error as? DecodingError {
    case .keyNotFound(let key, let context)?: return "missing \(path(context)).\(key.stringValue)"
    case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?: return "wrong type at \(path(context))"
    case .dataCorrupted(let context)?: return context.codingPath.isEmpty ? "invalid JSON" : "invalid value at \(path(context))"
    default: return "\(error)"
    }
}
