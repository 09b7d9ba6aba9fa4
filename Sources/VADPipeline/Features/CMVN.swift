/// Per-utterance cepstral mean (and optionally variance) normalisation.
public struct CMVNOptions: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Leave the features as they are (normalise globally at training time,
        /// with the statistics in the dataset index).
        case none
        /// Subtract the utterance's mean (Kaldi's `apply-cmvn` with per-utterance stats).
        case utterance
        /// Subtract the mean of a window of recent frames (Kaldi's `apply-cmvn-sliding`).
        case sliding
    }

    public var mode: Mode = .none
    /// Also divide by the standard deviation (Kaldi's `--norm-vars`).
    public var normalizeVariance = false
    /// Sliding window length in frames (Kaldi's `--cmn-window`).
    public var window = 600
    /// Shortest window at the start of an utterance (Kaldi's `--min-cmn-window`).
    public var minWindow = 100

    public init() {}
}

public enum CMVN {
    /// Normalises `features` (`[frames x dimension]`) in place. Statistics are
    /// accumulated in double precision.
    public static func apply(_ options: CMVNOptions, to features: inout [Float], dimension: Int) {
        let frames = features.count / dimension
        guard frames > 0 else { return }
        switch options.mode {
        case .none:
            return
        case .utterance:
            let (mean, scale) = statistics(features, dimension: dimension, frames: 0..<frames, variance: options.normalizeVariance)
            for t in 0..<frames {
                for d in 0..<dimension { features[t * dimension + d] = Float((Double(features[t * dimension + d]) - mean[d]) * scale[d]) }
            }
        case .sliding:
            let input = features
            for t in 0..<frames {
                let range = slidingWindow(frame: t, frames: frames, options: options)
                let (mean, scale) = statistics(input, dimension: dimension, frames: range, variance: options.normalizeVariance)
                for d in 0..<dimension { features[t * dimension + d] = Float((Double(input[t * dimension + d]) - mean[d]) * scale[d]) }
            }
        }
    }

    /// Kaldi's left-looking window (`center = false`): the `window` frames up to
    /// and including `frame`; near the start, the first `max(frame + 1, minWindow)`
    /// frames; never past the end of the utterance.
    public static func slidingWindow(frame t: Int, frames: Int, options: CMVNOptions) -> Range<Int> {
        var start = t - options.window
        var end = t + 1
        if start < 0 {
            end -= start
            start = 0
        }
        if end > t { end = max(t + 1, options.minWindow) }
        if end > frames {
            start = max(0, start - (end - frames))
            end = frames
        }
        return start..<end
    }

    private static func statistics(_ x: [Float], dimension: Int, frames: Range<Int>, variance: Bool) -> ([Double], [Double]) {
        var sum = [Double](repeating: 0, count: dimension)
        var squares = [Double](repeating: 0, count: dimension)
        for t in frames {
            for d in 0..<dimension {
                let v = Double(x[t * dimension + d])
                sum[d] += v
                squares[d] += v * v
            }
        }
        let n = Double(frames.count)
        let mean = sum.map { $0 / n }
        let scale = (0..<dimension).map { d -> Double in
            guard variance else { return 1 }
            let v = squares[d] / n - mean[d] * mean[d]
            return v > 0 ? 1 / v.squareRoot() : 1
        }
        return (mean, scale)
    }
}
