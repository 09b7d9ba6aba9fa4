/// How `vadprep extract` makes augmented copies of each utterance: noise,
/// babble and reverberation added to the clean signal (issue 16).
///
/// A copy depends only on (`seed`, utterance id, copy number), so the output is
/// the same bytes whatever `--jobs`, `--part` or `--resume`. Nil in
/// `ExtractOptions` when no augmentation option is given, so datasets made
/// without it record exactly the options they always did.
public struct AugmentOptions: Codable, Equatable, Sendable {
    /// Directories of noise recordings (`--noise DIR[,DIR…]`), searched recursively.
    public var noise: [String] = []
    /// SNRs in dB (`--snr`): the values to draw from, or with `snrRange` the
    /// two ends of a uniform range.
    public var snrDb: [Double] = [20, 10, 5, 0]
    public var snrRange = false
    /// Augmented copies per utterance (`--copies`).
    public var copies = 1
    /// Seed of every random choice (`--augment-seed`).
    public var seed: UInt64 = 0
    /// Whether the clean utterance is kept beside its copies (`--no-clean` clears it).
    public var keepClean = true
    /// A directory of speech recordings summed as background talkers (`--babble`).
    public var babble: String?
    /// Fewest and most background talkers (`--babble-speakers LO:HI`).
    public var babbleSpeakers = [3, 7]
    /// Probability that a copy gets background talkers, when `babble` is
    /// given (`--babble-prob`; nil: every copy, and nothing recorded, so
    /// datasets made before the option keep their bytes).
    public var babbleProbability: Double?
    /// A directory of room impulse responses (`--rir`).
    public var rir: String?
    /// Probability that a copy is reverberated, when `rir` is given (`--reverb-prob`).
    public var reverbProbability = 1.0
    /// Probability that a copy's added noise is shaped (`--noise-shaping`).
    public var noiseShaping = 0.0

    public init() {}

    /// The range of `--snr` values, in dB.
    public static let snrLimits: ClosedRange<Double> = -50...100
    /// The most copies per utterance.
    public static let maxCopies = 1000
    /// The most background talkers.
    public static let maxBabbleSpeakers = 64

    /// Reads `--snr`: a comma-separated list ("20,10,5,0") or a range "LO:HI";
    /// nil when it is neither.
    public static func parseSNR(_ text: String) -> (values: [Double], range: Bool)? {
        if text.contains(":") {
            let ends = text.split(separator: ":", omittingEmptySubsequences: false)
            guard ends.count == 2, let lo = Double(ends[0].trimmingCharacters(in: .whitespaces)),
                  let hi = Double(ends[1].trimmingCharacters(in: .whitespaces)) else { return nil }
            return ([lo, hi], true)
        }
        let values = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { return nil }
        return (values.map { $0! }, false)
    }

    /// Reads `LO:HI` of whole numbers (`--babble-speakers`); nil when it is not that.
    public static func parseCountRange(_ text: String) -> [Int]? {
        let ends = text.split(separator: ":", omittingEmptySubsequences: false)
        if ends.count == 1, let one = Int(ends[0]) { return [one, one] }
        guard ends.count == 2, let lo = Int(ends[0]), let hi = Int(ends[1]) else { return nil }
        return [lo, hi]
    }

    /// Every problem with the options, worded as `OptionCheck` words them; the
    /// values first, then what is missing.
    public func problems() -> [String] {
        var check = OptionCheck()
        let snrText = snrDb.map { OptionCheck.format($0) }.joined(separator: snrRange ? ":" : ",")
        let limits = "finite numbers of dB between \(OptionCheck.format(Self.snrLimits.lowerBound)) and \(OptionCheck.format(Self.snrLimits.upperBound))"
        if check.require(!snrDb.isEmpty && snrDb.allSatisfy({ $0.isFinite && Self.snrLimits.contains($0) }), "--snr", snrText,
                         snrRange ? "LO:HI with LO and HI \(limits)" : "a list of \(limits)") && snrRange {
            check.require(snrDb.count == 2 && snrDb[0] <= snrDb[1], "--snr", snrText, "LO:HI with LO at most HI")
        }
        check.integer("--copies", copies, in: 1...Self.maxCopies)
        let speakers = babbleSpeakers.map(String.init).joined(separator: ":")
        check.require(babbleSpeakers.count == 2 && babbleSpeakers[0] >= 1 && babbleSpeakers[0] <= babbleSpeakers[1]
                      && babbleSpeakers[1] <= Self.maxBabbleSpeakers,
                      "--babble-speakers", speakers, "LO:HI with 1 ≤ LO ≤ HI ≤ \(Self.maxBabbleSpeakers)")
        if let babbleProbability { check.number("--babble-prob", babbleProbability, in: 0...1) }
        check.number("--reverb-prob", reverbProbability, in: 0...1)
        check.number("--noise-shaping", noiseShaping, in: 0...1)
        if check.problems.isEmpty && noise.isEmpty && babble == nil && rir == nil {
            check.add("--copies \(copies): augmented copies need --noise, --babble or --rir")
        }
        return check.problems
    }
}
