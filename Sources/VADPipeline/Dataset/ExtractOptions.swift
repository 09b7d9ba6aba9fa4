import Foundation
import VADShards

/// Raw-waveform frames for the raw-waveform CNN.
public struct RawFrameOptions: Codable, Equatable, Sendable {
    /// Window length in milliseconds; the window holds `2 * round(ms * rate / 2000) + 1`
    /// samples (35 ms at 16 kHz: 561), so that it is centred on a sample.
    public var lengthMs: Double = 35

    public init() {}

    /// 0 when the length is not one `problems(sampleRate:)` accepts.
    public func lengthSamples(sampleRate: Double) -> Int {
        guard let half = OptionCheck.wholeNumber(lengthMs * sampleRate / 2000), half >= 0 else { return 0 }
        return 2 * half + 1
    }

    /// The longest raw frame, in milliseconds.
    public static let maxLengthMs: Double = 1000

    public func problems(sampleRate: Double) -> [String] {
        var check = OptionCheck()
        check.number("--raw-frame-length", lengthMs, in: 0...Self.maxLengthMs, aboveLowerBound: true, unit: "milliseconds")
        return check.problems
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
    /// `--labels energy`: label every recording from its own energy instead of
    /// reading label files; nil reads label files.
    public var energy: EnergyLabelOptions?

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
    /// Augmented copies of each utterance; nil makes none (and keeps it out of the index).
    public var augment: AugmentOptions?

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
        var check = OptionCheck()
        let rateOK = check.integer("--sample-rate", audio.sampleRate, in: 1000...1_000_000, unit: "Hz")
        var out = check.problems
        // With a bad --sample-rate, the frame options repeat it as a Double.
        out += mfcc.problems().filter { rateOK || !$0.hasPrefix("--sample-rate ") }
        if rateOK && Double(audio.sampleRate) != mfcc.frame.sampleRate { out.append("internal: frame sample rate differs from --sample-rate") }
        check = OptionCheck()
        if let channel = audio.channel { check.integer("--channel", channel, in: 1...1024) }
        check.integer("--delta-order", deltas.order, in: 0...3)
        check.integer("--delta-window", deltas.window, in: 1...1000, unit: "frames")
        check.integer("--cmvn-window", cmvn.window, in: 1...100_000_000, unit: "frames")
        check.integer("--cmvn-min-window", cmvn.minWindow, in: 1...100_000_000, unit: "frames")
        check.integer("--shard-size", shardSizeBytes, in: 1...(1 << 50), unit: "bytes")
        out += check.problems
        if let raw = rawFrames { out += raw.problems(sampleRate: mfcc.frame.sampleRate) }
        out += input?.problems() ?? []
        out += labels.energy?.problems() ?? []
        out += augment?.problems() ?? []
        return out
    }

    /// The options as a JSON value with snake_case keys, for the index.
    public func jsonValue() throws -> JSONValue { try JSONValue(encoding: self) }
}
