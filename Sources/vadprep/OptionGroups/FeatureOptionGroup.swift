import ArgumentParser
import VADPipeline

extension WindowType: ExpressibleByArgument {}
extension CMVNOptions.Mode: ExpressibleByArgument {}
extension LabelFormat: ExpressibleByArgument {}

/// Starting points for the feature options; explicit options override them.
enum FeaturePreset: String, ExpressibleByArgument, CaseIterable {
    /// 20 MFCCs, no dither, no edge snipping, otherwise Kaldi's defaults.
    case vadprep
    /// Exactly `compute-mfcc-feats`' defaults (13 MFCCs, snip-edges true), dither 0.
    case kaldi
}

/// The MFCC options, under the names `compute-mfcc-feats` gives them. Each
/// left out takes its value from `--preset`.
struct FeatureOptionGroup: ParsableArguments {
    @Option(help: "Starting point for the options below.")
    var preset: FeaturePreset = .vadprep

    @Option(help: "Frame length in milliseconds. (default: 25)")
    var frameLength: Double?
    @Option(help: "Frame shift in milliseconds. (default: 10)")
    var frameShift: Double?
    @Option(help: "Dithering constant; 0 turns it off. (default: 0)")
    var dither: Double?
    @Option(help: "Pre-emphasis coefficient. (default: 0.97)")
    var preemphasisCoefficient: Double?
    @Option(help: "Subtract each frame's mean. (default: true)")
    var removeDcOffset: Bool?
    @Option(help: "Window: \(WindowType.allCases.map(\.rawValue).joined(separator: ", ")). (default: povey)")
    var windowType: WindowType?
    @Option(help: "Zero-pad frames to a power of two for the FFT. (default: true)")
    var roundToPowerOfTwo: Bool?
    @Option(help: "Constant of the Blackman window. (default: 0.42)")
    var blackmanCoeff: Double?
    @Option(help: "Number of triangular mel bins. (default: 23)")
    var numMelBins: Int?
    @Option(help: "Low cutoff of the mel bins in Hz. (default: 20)")
    var lowFreq: Double?
    @Option(help: "High cutoff of the mel bins in Hz; 0 or negative is an offset from Nyquist. (default: 0)")
    var highFreq: Double?
    @Option(help: "Number of cepstra. (default: 20; kaldi preset: 13)")
    var numCeps: Int?
    @Option(help: "Use the log energy in place of C0. (default: true)")
    var useEnergy: Bool?
    @Option(help: "Floor on the energy (absolute); 0 means none. (default: 0)")
    var energyFloor: Double?
    @Option(help: "Measure the energy before pre-emphasis and windowing. (default: true)")
    var rawEnergy: Bool?
    @Option(help: "Cepstral liftering constant; 0 turns it off. (default: 22)")
    var cepstralLifter: Double?
    @Option(help: "Only frames that fit in the signal. (default: false; kaldi preset: true)")
    var snipEdges: Bool?
    @Option(help: "Seed of the dither noise.")
    var seed: UInt64 = 0

    @Option(help: "Delta order: 0 none, 1 deltas, 2 and delta-deltas.")
    var deltaOrder = 1
    @Option(help: "Frames either side in each delta regression.")
    var deltaWindow = 2

    @Option(help: "Per-utterance normalisation: none, utterance, sliding.")
    var cmvn: CMVNOptions.Mode = .none
    @Option(help: "Also normalise the variance with --cmvn.")
    var normVars = false
    @Option(help: "Sliding CMVN window in frames.")
    var cmvnWindow = 600
    @Option(help: "Shortest sliding CMVN window at the start of an utterance, in frames.")
    var cmvnMinWindow = 100

    /// The library options these flags describe, at `sampleRate`.
    func options(sampleRate: Int) -> (MFCCOptions, DeltaOptions, CMVNOptions) {
        var mfcc = preset == .kaldi ? MFCCOptions.kaldi : MFCCOptions()
        mfcc.frame.sampleRate = Double(sampleRate)
        if let frameLength { mfcc.frame.frameLengthMs = frameLength }
        if let frameShift { mfcc.frame.frameShiftMs = frameShift }
        if let dither { mfcc.frame.dither = dither }
        if let preemphasisCoefficient { mfcc.frame.preemphasisCoefficient = preemphasisCoefficient }
        if let removeDcOffset { mfcc.frame.removeDCOffset = removeDcOffset }
        if let windowType { mfcc.frame.windowType = windowType }
        if let roundToPowerOfTwo { mfcc.frame.roundToPowerOfTwo = roundToPowerOfTwo }
        if let blackmanCoeff { mfcc.frame.blackmanCoefficient = blackmanCoeff }
        if let snipEdges { mfcc.frame.snipEdges = snipEdges }
        if let numMelBins { mfcc.mel.numBins = numMelBins }
        if let lowFreq { mfcc.mel.lowFreq = lowFreq }
        if let highFreq { mfcc.mel.highFreq = highFreq }
        if let numCeps { mfcc.numCeps = numCeps }
        if let useEnergy { mfcc.useEnergy = useEnergy }
        if let energyFloor { mfcc.energyFloor = energyFloor }
        if let rawEnergy { mfcc.rawEnergy = rawEnergy }
        if let cepstralLifter { mfcc.cepstralLifter = cepstralLifter }
        var deltas = DeltaOptions()
        deltas.order = deltaOrder
        deltas.window = deltaWindow
        var cmvnOptions = CMVNOptions()
        cmvnOptions.mode = cmvn
        cmvnOptions.normalizeVariance = normVars
        cmvnOptions.window = cmvnWindow
        cmvnOptions.minWindow = cmvnMinWindow
        return (mfcc, deltas, cmvnOptions)
    }
}
