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
        var out = frame.problems()
        if numCeps < 1 || numCeps > mel.numBins { out.append("--num-ceps \(numCeps) must be between 1 and --num-mel-bins (\(mel.numBins))") }
        if !(energyFloor >= 0) { out.append("--energy-floor must not be negative") }
        return out
    }
}
