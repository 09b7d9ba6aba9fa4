import Foundation
import VADPipeline
import VADNetwork

/// How frame probabilities become speech segments.
public struct SegmentationOptions: Sendable, Equatable {
    /// A frame is speech when its probability is at least this.
    public var threshold: Float = 0.5
    /// Speech runs shorter than this are dropped (after gaps are bridged).
    public var minSpeechSeconds = 0.25
    /// Silences shorter than this between two speech runs are bridged.
    public var minSilenceSeconds = 0.25

    public init(threshold: Float = 0.5, minSpeechSeconds: Double = 0.25, minSilenceSeconds: Double = 0.25) {
        self.threshold = threshold
        self.minSpeechSeconds = minSpeechSeconds
        self.minSilenceSeconds = minSilenceSeconds
    }

    /// Problems with the values, as messages naming the `vadprep predict` option.
    public func problems() -> [String] {
        var check = OptionCheck()
        check.number("--threshold", Double(threshold), in: 0...1)
        check.number("--min-speech", minSpeechSeconds, in: OptionLimits.seconds, unit: "seconds")
        check.number("--min-silence", minSilenceSeconds, in: OptionLimits.seconds, unit: "seconds")
        return check.problems
    }
}

/// Speech segments from per-frame probabilities.
///
/// Frame `i` stands for the `frameShift` seconds around its centre
/// `firstFrameOffset + i * frameShift + frameLength / 2`, so consecutive
/// frames tile the time axis; a run of speech frames `i…j` spans from
/// frame i's centre minus half a shift to frame j's centre plus half a shift,
/// clamped at 0. Gaps shorter than `minSilenceSeconds` between runs are
/// filled first, then runs shorter than `minSpeechSeconds` are removed, so a
/// word split by a short pause is kept whole.
public enum SpeechSegments {
    public static func find(probabilities: [Float], frameShift: Double, frameLength: Double, firstFrameOffset: Double = 0,
                            options: SegmentationOptions) -> [(start: Double, end: Double)] {
        func start(_ i: Int) -> Double { max(0, firstFrameOffset + Double(i) * frameShift + frameLength / 2 - frameShift / 2) }
        func end(_ j: Int) -> Double { max(0, firstFrameOffset + Double(j) * frameShift + frameLength / 2 + frameShift / 2) }
        var runs: [(first: Int, last: Int)] = []
        var i = 0
        while i < probabilities.count {
            guard probabilities[i] >= options.threshold else { i += 1; continue }
            var j = i
            while j + 1 < probabilities.count && probabilities[j + 1] >= options.threshold { j += 1 }
            runs.append((i, j))
            i = j + 1
        }
        var bridged: [(first: Int, last: Int)] = []
        for run in runs {
            if let previous = bridged.last, start(run.first) - end(previous.last) < options.minSilenceSeconds {
                bridged[bridged.count - 1].last = run.last
            } else {
                bridged.append(run)
            }
        }
        return bridged.map { (start($0.first), end($0.last)) }.filter { $0.1 - $0.0 >= options.minSpeechSeconds }
    }

    /// An Audacity label track: `start<TAB>end<TAB>speech` per segment, seconds with 6 decimals.
    public static func audacityLabels(_ segments: [(start: Double, end: Double)]) -> String {
        segments.map { String(format: "%.6f\t%.6f\tspeech\n", $0.start, $0.end) }.joined()
    }
}
