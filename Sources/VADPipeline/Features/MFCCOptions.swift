/// Everything that decides the MFCCs, with Kaldi's names. The defaults are
/// vadprep's (the report behind it): 20 cepstra, no dither, no edge snipping,
/// and otherwise Kaldi's `compute-mfcc-feats` defaults. `MFCCOptions.kaldi`
/// is exactly Kaldi's defaults, but for dither (0 unless asked for).
public struct MFCCOptions: Codable, Equatable, Sendable {
    public var frame = FrameOptions()
    public var mel = MelOptions()
    /// Cepstral coefficients kept (at most `mel.numBins`); coefficient 0 is
    /// replaced by the log energy when `useEnergy`.
    public var numCeps = 20
    /// Put the log energy of the frame in place of coefficient 0.
    public var useEnergy = true
    /// Floor on the energy (absolute, not log); 0 means no floor.
    public var energyFloor: Double = 0
    /// Measure the energy before pre-emphasis and windowing (Kaldi's default),
    /// rather than on the windowed frame.
    public var rawEnergy = true
    /// Liftering constant Q: coefficient i is scaled by `1 + Q/2 sin(pi i / Q)`; 0 turns it off.
    public var cepstralLifter: Double = 22

    public init() {}

    /// Kaldi's `compute-mfcc-feats` defaults, with dither 0.
    public static var kaldi: MFCCOptions {
        var options = MFCCOptions()
        options.numCeps = 13
        options.frame.snipEdges = true
        return options
    }

    /// Problems with the values, as messages naming the option.
    public func problems() -> [String] {
        var check = OptionCheck()
        if check.problems(of: frame) { check.problems(of: mel, sampleRate: frame.sampleRate) }
        check.require((1...max(1, mel.numBins)).contains(numCeps), "--num-ceps", numCeps, "between 1 and --num-mel-bins (\(mel.numBins))")
        check.number("--energy-floor", energyFloor, in: 0...1e30)
        check.number("--cepstral-lifter", cepstralLifter, in: 0...10_000)
        guard check.problems.isEmpty else { return check.problems }
        check.emptyBins(of: mel, sampleRate: frame.sampleRate, paddedLength: frame.paddedLengthSamples)
        return check.problems
    }
}
