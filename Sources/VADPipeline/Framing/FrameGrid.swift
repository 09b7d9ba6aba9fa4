/// The one place where samples, frames and seconds are converted.
///
/// Frame `i` covers samples `[firstSample(i), firstSample(i) + length)`.
/// Sample `k` is taken to stand for the interval `[k, k + 1) / sampleRate`
/// seconds, so a frame covers `[firstSample(i), firstSample(i) + length) /
/// sampleRate` seconds and its centre is `firstSample(i) + length / 2` samples
/// (half-integer when the length is odd). Labels, raw-waveform frames and
/// segments all ask this type, so they cannot disagree by a frame.
///
/// With `snipEdges` (Kaldi's default) the frames are those that fit inside the
/// signal. Without it, Kaldi centres frame `i` on `i * shift + shift / 2`: the
/// frame count, `(samples + shift / 2) / shift`, then depends only on the
/// shift, which keeps segmentation arithmetic simple; samples before the start
/// or past the end are filled by reflecting the signal.
public struct FrameGrid: Equatable, Sendable {
    public var sampleRate: Double
    /// Samples between consecutive frames.
    public var shift: Int
    /// Samples per frame.
    public var length: Int
    public var snipEdges: Bool

    public init(sampleRate: Double, shift: Int, length: Int, snipEdges: Bool) {
        self.sampleRate = sampleRate
        self.shift = shift
        self.length = length
        self.snipEdges = snipEdges
    }

    /// Number of frames in a signal of `samples` samples (Kaldi's `NumFrames`).
    public func frameCount(samples: Int) -> Int {
        if snipEdges { return samples < length ? 0 : 1 + (samples - length) / shift }
        return (samples + shift / 2) / shift
    }

    /// First sample of frame `frame`; negative for early frames without snipping
    /// (Kaldi's `FirstSampleOfFrame`).
    public func firstSample(_ frame: Int) -> Int {
        snipEdges ? frame * shift : frame * shift + shift / 2 - length / 2
    }

    /// Twice the centre of frame `frame`, in samples. Doubling keeps the centre an
    /// integer for odd lengths, so comparisons with boundaries are exact.
    public func doubledCentre(_ frame: Int) -> Int {
        2 * firstSample(frame) + length
    }

    /// Centre of frame `frame` in seconds.
    public func centreSeconds(_ frame: Int) -> Double {
        Double(doubledCentre(frame)) / (2 * sampleRate)
    }

    /// `seconds` as a sample boundary: the nearest whole sample. Times beyond
    /// about ±10^14 s (which no recording reaches) are clamped, so that a
    /// label file's absurd time is an ordinary "past the end" error.
    public func sampleBoundary(seconds: Double) -> Int {
        let samples = (seconds * sampleRate).rounded()
        let limit = Double(Int.max / 4)
        return Int(min(max(samples, -limit), limit))
    }

    /// The frames whose centres lie in `[start, end)` seconds.
    ///
    /// Both times are first rounded to the nearest sample boundary, so a time
    /// written with a few decimals in a label file lands on the same frame on
    /// every machine, and a centre that falls exactly on a boundary belongs to
    /// the segment that starts there.
    public func frames(centredIn start: Double, _ end: Double, frameCount: Int) -> Range<Int> {
        let lower = 2 * sampleBoundary(seconds: start)
        let upper = 2 * sampleBoundary(seconds: end)
        let first = firstFrame(withDoubledCentreAtLeast: lower)
        let last = firstFrame(withDoubledCentreAtLeast: upper)
        let clampedFirst = min(max(first, 0), frameCount)
        return clampedFirst..<min(max(last, clampedFirst), frameCount)
    }

    /// Smallest frame index whose doubled centre is `>= doubledSample`.
    private func firstFrame(withDoubledCentreAtLeast doubledSample: Int) -> Int {
        // doubledCentre(i) = 2 * shift * i + c0; solve 2 * shift * i + c0 >= d.
        let c0 = doubledCentre(0)
        let numerator = doubledSample - c0
        let step = 2 * shift
        if numerator <= 0 { return -((-numerator) / step) }
        return (numerator + step - 1) / step
    }

    /// Duration in seconds of `samples` samples.
    public func seconds(samples: Int) -> Double { Double(samples) / sampleRate }
}
