import Foundation
import VADShards

/// Labels for clean speech that has none (`--labels energy`): a frame is
/// speech when its energy is within `rangeDb` of the utterance's loud frames
/// and above `floorDb`; then short runs are smoothed away.
///
/// A frame's level is `10 log10(mean square / 32768²)` dBFS over its window
/// (the MFCC frame grid, before dither and pre-emphasis); the loud frames'
/// level is the `percentile`-th percentile of the utterance's frame levels.
/// Smoothing first fills non-speech runs shorter than `minSilence` seconds
/// lying between speech, then drops speech runs shorter than `minSpeech`.
public struct EnergyLabelOptions: Codable, Equatable, Sendable {
    /// `--energy-range-db`: how far below the loud frames speech may lie.
    public var rangeDb = 40.0
    /// `--energy-floor-db`: the quietest speech, in dBFS.
    public var floorDb = -60.0
    /// `--energy-percentile`: which frame level counts as "loud".
    public var percentile = 95.0
    /// `--energy-min-speech`: shortest speech run kept, in seconds.
    public var minSpeech = 0.1
    /// `--energy-min-silence`: shortest pause kept between speech, in seconds.
    public var minSilence = 0.2

    public init() {}

    public func problems() -> [String] {
        var check = OptionCheck()
        check.number("--energy-range-db", rangeDb, in: 0...200, aboveLowerBound: true, unit: "dB")
        check.number("--energy-floor-db", floorDb, in: -200...0, unit: "dB")
        check.number("--energy-percentile", percentile, in: 0...100)
        check.number("--energy-min-speech", minSpeech, in: OptionLimits.seconds, unit: "seconds")
        check.number("--energy-min-silence", minSilence, in: OptionLimits.seconds, unit: "seconds")
        return check.problems
    }
}

/// Computes energy labels (see `EnergyLabelOptions`).
public enum EnergyLabeler {
    /// The level in dBFS of one frame's samples (on the int16 scale); -inf for silence.
    public static func level(_ frame: UnsafeBufferPointer<Float>) -> Double {
        var sum = 0.0
        for x in frame { sum += Double(x) * Double(x) }
        return 10 * log10(sum / Double(max(frame.count, 1)) / (32768 * 32768))
    }

    /// The level of every frame of `signal` on `grid` (frames that reach before
    /// the signal's start or past its end see zeros there).
    public static func levels(_ signal: [Float], grid: FrameGrid, frames: Int) -> [Double] {
        var window = [Float](repeating: 0, count: grid.length)
        return (0..<frames).map { frame in
            let first = grid.firstSample(frame)
            for i in 0..<grid.length {
                let n = first + i
                window[i] = n >= 0 && n < signal.count ? signal[n] : 0
            }
            return window.withUnsafeBufferPointer { level($0) }
        }
    }

    /// Speech (1) or non-speech (0) per frame, from the frames' levels.
    public static func labels(levels: [Double], options: EnergyLabelOptions, frameShiftSeconds: Double) -> [UInt8] {
        guard !levels.isEmpty else { return [] }
        let sorted = levels.sorted()
        let rank = Int((options.percentile / 100 * Double(sorted.count - 1)).rounded())
        let loud = sorted[min(max(rank, 0), sorted.count - 1)]
        var out = levels.map { $0.isFinite && $0 >= loud - options.rangeDb && $0 >= options.floorDb ? FrameLabel.speech : FrameLabel.nonSpeech }
        let minSilence = Int((options.minSilence / frameShiftSeconds).rounded())
        let minSpeech = Int((options.minSpeech / frameShiftSeconds).rounded())
        // Fill short pauses between speech, then drop short speech.
        for (start, end) in runs(of: FrameLabel.nonSpeech, in: out) where start > 0 && end < out.count && end - start < minSilence {
            for i in start..<end { out[i] = FrameLabel.speech }
        }
        for (start, end) in runs(of: FrameLabel.speech, in: out) where end - start < minSpeech {
            for i in start..<end { out[i] = FrameLabel.nonSpeech }
        }
        return out
    }

    /// The runs `[start, end)` of `value` in `labels`.
    static func runs(of value: UInt8, in labels: [UInt8]) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        var i = 0
        while i < labels.count {
            guard labels[i] == value else { i += 1; continue }
            var j = i
            while j < labels.count && labels[j] == value { j += 1 }
            out.append((i, j))
            i = j
        }
        return out
    }
}
