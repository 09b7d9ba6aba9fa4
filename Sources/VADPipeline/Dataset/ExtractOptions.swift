import Foundation
import VADShards

/// The vadprep version written into every dataset.
public enum VADPrepVersion {
    public static let current = "0.1.0"
}

/// Raw-waveform frames for the raw-waveform CNN.
public struct RawFrameOptions: Codable, Equatable, Sendable {
    /// Window length in milliseconds; the window holds `2 * round(ms * rate / 2000) + 1`
    /// samples (35 ms at 16 kHz: 561), so that it is centred on a sample.
    public var lengthMs: Double = 35

    public init() {}

    public func lengthSamples(sampleRate: Double) -> Int {
        2 * Int((lengthMs * sampleRate / 2000).rounded()) + 1
    }
}

/// Where labels come from and what they mean.
public struct LabelOptions: Codable, Equatable, Sendable {
    /// A corpus-wide RTTM file, or a directory of label files mirroring the
    /// corpus tree; nil looks beside each recording.
    public var path: String?
    /// Forces one format instead of judging by extension.
    public var format: LabelFormat?
    public var policy = LabelPolicy()
    /// Accept recordings without labels (their frames get label 255, unknown).
    public var allowUnlabelled = false

    public init() {}
}

/// Every option of `vadprep extract`. Each stage's options are a member, so the
/// index records exactly what made the dataset.
public struct ExtractOptions: Codable, Equatable, Sendable {
    public var audio = AudioOptions()
    public var mfcc = MFCCOptions()
    public var deltas = DeltaOptions()
    public var cmvn = CMVNOptions()
    /// Store raw-waveform frames too; nil leaves them out.
    public var rawFrames: RawFrameOptions?
    public var labels = LabelOptions()
    /// How the input is read; nil: the defaults (kept out of the index then).
    public var input: InputOptions?
    /// Target shard size in bytes; a shard is closed once it reaches it, so it
    /// exceeds the target by at most one utterance.
    public var shardSizeBytes = 256 << 20
    /// Seed of the dither noise (each utterance's stream is derived from it and
    /// the utterance id, so it does not depend on the number of jobs).
    public var seed: UInt64 = 0

    public init() {}

    /// Features per frame.
    public var featureDimension: Int { deltas.outputDimension(mfcc.numCeps) }

    /// Names of the feature columns.
    public var featureNames: [String] {
        let base = (0..<mfcc.numCeps).map { $0 == 0 && mfcc.useEnergy ? "energy" : "c\($0)" }
        return (0...deltas.order).flatMap { order in
            base.map { order == 0 ? $0 : (order == 1 ? "delta_" : "delta\(order)_") + $0 }
        }
    }

    /// Every problem with the options, as messages naming the option.
    public func problems() -> [String] {
        var out = mfcc.problems()
        if Double(audio.sampleRate) != mfcc.frame.sampleRate { out.append("internal: frame sample rate differs from --sample-rate") }
        if let channel = audio.channel, channel < 1 { out.append("--channel counts from 1") }
        if deltas.order < 0 || deltas.order > 3 { out.append("--delta-order must be 0, 1, 2 or 3") }
        if deltas.window < 1 { out.append("--delta-window must be at least 1") }
        if cmvn.window < 1 || cmvn.minWindow < 1 { out.append("--cmvn-window and --cmvn-min-window must be at least 1") }
        if let raw = rawFrames, !(raw.lengthMs > 0) { out.append("--raw-frame-length must be positive") }
        if shardSizeBytes < 1 { out.append("--shard-size must be positive") }
        out += input?.problems() ?? []
        return out
    }

    /// The options as a JSON value with snake_case keys, for the index.
    public func jsonValue() throws -> JSONValue { try JSONValue(encoding: self) }
}
