import Foundation
import VADShards

/// One recording, processed: what goes into a shard and into the index.
public struct ProcessedUtterance: Sendable {
    public var item: CorpusItem
    public var labelSource: String?
    /// `[frames x dimension]`, row-major.
    public var features: [Float]
    /// One per frame: `FrameLabel.speech`, `.nonSpeech` or `.unknown`.
    public var labels: [UInt8]
    /// The signal, zero-padded per `RawFrameLayout`, when raw frames are kept.
    public var waveform: [Float]?
    public var frames: Int
    /// Samples of the processed (resampled) signal.
    public var samples: Int
    public var source: AudioDecoder.Source
    /// Sums over this utterance's frames.
    public var statistics: FeatureStatistics
}

/// Turns one recording into features, labels and (optionally) its padded
/// waveform. Holds an MFCC computer, so make one per thread.
public final class UtteranceProcessor {
    public let options: ExtractOptions
    private let computer: MFCCComputer
    private let labels: LabelResolver
    public let rawLayout: RawFrameLayout?

    public init(options: ExtractOptions, labels: LabelResolver) throws(FeatureOptionsError) {
        self.options = options
        self.labels = labels
        computer = try MFCCComputer(options: options.mfcc)
        rawLayout = options.rawFrames.map { UtteranceProcessor.layout($0, grid: options.mfcc.frame.grid) }
    }

    /// Where raw frame i lies: centred on sample `firstSample(i) + length / 2`
    /// of the MFCC frame grid (the MFCC frame's centre, to within half a sample).
    static func layout(_ raw: RawFrameOptions, grid: FrameGrid) -> RawFrameLayout {
        let length = raw.lengthSamples(sampleRate: grid.sampleRate)
        let start0 = grid.firstSample(0) + grid.length / 2 - length / 2
        let padding = max(0, -start0)
        return RawFrameLayout(length: length, hop: grid.shift, first: start0 + padding, leftPadding: padding)
    }

    public func process(_ item: CorpusItem) throws -> ProcessedUtterance {
        let found = try labels.labels(for: item)
        let grid = options.mfcc.frame.grid
        let dimension = options.mfcc.numCeps
        var framer = StreamingFramer(grid: grid)
        var features: [Float] = []
        var waveform: [Float]? = rawLayout.map { [Float](repeating: 0, count: $0.leftPadding) }
        var noise = GaussianNoise(seed: options.seed ^ fnv1a(item.id))
        // Frames are computed a few at a time (see MFCCComputer.framesPerCall).
        let length = grid.length, batch = MFCCComputer.framesPerCall
        var pending = [Float](repeating: 0, count: batch * length), waiting = 0
        var rows = [Float](repeating: 0, count: batch * dimension)
        func flush() {
            guard waiting > 0 else { return }
            pending.withUnsafeMutableBufferPointer { frames in
                rows.withUnsafeMutableBufferPointer {
                    computer.computeFrames(frames.baseAddress!, count: waiting, into: $0.baseAddress!, noise: &noise)
                }
            }
            features.append(contentsOf: rows[0..<(waiting * dimension)])
            waiting = 0
        }
        // Local functions, not closures in constants: they are only ever passed
        // as non-escaping arguments, so the variables they capture stay on the
        // stack and need no run-time exclusivity checks, once per frame.
        func emit(_: Int, _ samples: UnsafeBufferPointer<Float>) {
            pending.withUnsafeMutableBufferPointer { ($0.baseAddress! + waiting * length).update(from: samples.baseAddress!, count: length) }
            waiting += 1
            if waiting == batch { flush() }
        }
        let (source, samples) = try AudioDecoder.decode(path: item.path, options: options.audio) { block in
            waveform?.append(contentsOf: block)
            framer.accept(block, emit: emit)
        }
        let frames = framer.finish(emit: emit)
        flush()
        guard frames > 0 else {
            throw InputError(item.path, "is too short: \(samples) samples give no \(options.mfcc.frame.frameLengthMs) ms frame")
        }
        // Checked after decoding, so that a file that is not audio says so first.
        if found == nil && !options.labels.allowUnlabelled {
            throw InputError(item.path, "has no label file (looked for \(LabelFormat.searchedExtensions.map { "\(item.id).\($0)" }.joined(separator: ", "))); use --allow-unlabelled to keep it")
        }
        if let layout = rawLayout {
            let needed = layout.first + (frames - 1) * layout.hop + layout.length
            if waveform!.count < needed { waveform! += [Float](repeating: 0, count: needed - waveform!.count) }
        }
        features = Deltas.apply(options.deltas, to: features, dimension: dimension)
        let outDimension = options.featureDimension
        CMVN.apply(options.cmvn, to: &features, dimension: outDimension)

        let frameLabels: [UInt8]
        if let (recordingLabels, labelPath) = found {
            frameLabels = try FrameLabeler.labels(recordingLabels, grid: grid, frameCount: frames, samples: samples,
                                                  policy: options.labels.policy, path: labelPath)
        } else {
            frameLabels = [UInt8](repeating: FrameLabel.unknown, count: frames)
        }
        let statistics = features.withUnsafeBufferPointer { f in
            frameLabels.withUnsafeBufferPointer { FeatureStatistics(features: f, dimension: outDimension, labels: $0) }
        }
        return ProcessedUtterance(item: item, labelSource: found?.source, features: features, labels: frameLabels,
                                  waveform: waveform, frames: frames, samples: samples, source: source,
                                  statistics: statistics)
    }
}

/// FNV-1a, 64-bit, of a string's UTF-8 bytes: a stable per-utterance seed.
func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}
