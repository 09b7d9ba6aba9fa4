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
        let clock = FrameClock(frameShift: frameShift, frameLength: frameLength, firstFrameOffset: firstFrameOffset)
        func start(_ i: Int) -> Double { clock.start(i) }
        func end(_ j: Int) -> Double { clock.end(j) }
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

/// Where frame `i`'s share of the time axis starts and ends, in seconds (see `SpeechSegments`).
struct FrameClock {
    var frameShift: Double, frameLength: Double, firstFrameOffset: Double
    func start(_ i: Int) -> Double { max(0, firstFrameOffset + Double(i) * frameShift + frameLength / 2 - frameShift / 2) }
    func end(_ j: Int) -> Double { max(0, firstFrameOffset + Double(j) * frameShift + frameLength / 2 + frameShift / 2) }
}

/// `SpeechSegments.find` for probabilities that arrive one frame at a time:
/// each segment is handed out as soon as its end is decided, that is once
/// the silence after it has reached `minSilenceSeconds` (no later speech can
/// be bridged to it) or the input has ended. The segments are exactly those
/// of `find` over all the probabilities.
public struct SegmentTracker {
    public let options: SegmentationOptions
    private let clock: FrameClock
    /// Frames seen so far.
    public private(set) var frames = 0
    /// The segment being built (bridged runs of speech frames), not yet decided.
    private var open: (first: Int, last: Int)?
    private var inSpeech = false

    public init(frameShift: Double, frameLength: Double, firstFrameOffset: Double = 0, options: SegmentationOptions) {
        self.options = options
        clock = FrameClock(frameShift: frameShift, frameLength: frameLength, firstFrameOffset: firstFrameOffset)
    }

    /// Takes the next frame's probability; returns the segment it decides, if any.
    public mutating func add(_ probability: Float) -> (start: Double, end: Double)? {
        let i = frames
        frames += 1
        var decided: (start: Double, end: Double)?
        if probability >= options.threshold {
            if inSpeech {
                open!.last = i
            } else if let run = open, clock.start(i) - clock.end(run.last) < options.minSilenceSeconds {
                open!.last = i  // a short silence: bridged
            } else {
                if let run = open { decided = kept(run) }
                open = (i, i)
            }
            inSpeech = true
        } else {
            inSpeech = false
            // Speech from the next frame on could no longer be bridged to the open segment.
            if let run = open, clock.start(i + 1) - clock.end(run.last) >= options.minSilenceSeconds {
                decided = kept(run)
                open = nil
            }
        }
        return decided
    }

    /// Ends the input; returns the open segment, if it is long enough.
    public mutating func finish() -> (start: Double, end: Double)? {
        defer { open = nil; inSpeech = false }
        return open.flatMap(kept)
    }

    private func kept(_ run: (first: Int, last: Int)) -> (start: Double, end: Double)? {
        let segment = (start: clock.start(run.first), end: clock.end(run.last))
        return segment.end - segment.start >= options.minSpeechSeconds ? segment : nil
    }
}
