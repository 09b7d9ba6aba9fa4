import Foundation

/// How the signal is cut into frames, and what happens to each frame before
/// its spectrum is taken. Names and defaults are those of Kaldi's
/// `FrameExtractionOptions` (`compute-mfcc-feats --help`), except `dither`,
/// which is 0 in vadprep so that the same input always gives the same features.
public struct FrameOptions: Codable, Equatable, Sendable {
    /// Sample rate of the signal the frames are cut from, in Hz.
    public var sampleRate: Double = 16000
    /// Frame shift in milliseconds.
    public var frameShiftMs: Double = 10
    /// Frame length in milliseconds.
    public var frameLengthMs: Double = 25
    /// Standard deviation of the Gaussian noise added to each sample (Kaldi's
    /// int16 scale); 0 turns dithering off. Kaldi's default is 1.
    public var dither: Double = 0
    /// Pre-emphasis: `x[i] -= coefficient * x[i-1]` within each frame.
    public var preemphasisCoefficient: Double = 0.97
    /// Subtract each frame's mean before anything else.
    public var removeDCOffset = true
    /// The analysis window.
    public var windowType: WindowType = .povey
    /// Zero-pad each frame to the next power of two before the FFT.
    public var roundToPowerOfTwo = true
    /// The constant of the generalised Blackman window.
    public var blackmanCoefficient: Double = 0.42
    /// true: only frames that fit entirely in the signal (Kaldi's default).
    /// false: frame count depends only on the shift, `round(samples / shift)`,
    /// and the edges are filled by reflecting the signal (vadprep's default).
    public var snipEdges = false

    public init() {}

    /// The stored names (snake_case in indexes and models) read back with a
    /// decoder's `convertFromSnakeCase`, whose "remove_dc_offset" is
    /// "removeDcOffset", not the property's name.
    enum CodingKeys: String, CodingKey {
        case sampleRate, frameShiftMs, frameLengthMs, dither, preemphasisCoefficient
        case removeDCOffset = "removeDcOffset"
        case windowType, roundToPowerOfTwo, blackmanCoefficient, snipEdges
    }

    /// Samples between the starts of consecutive frames (Kaldi's `WindowShift()`);
    /// 0 when the shift is not a number of samples `problems()` accepts.
    public var shiftSamples: Int { Self.samples(sampleRate * 0.001 * frameShiftMs) }
    /// Samples in one frame (Kaldi's `WindowSize()`); 0 when the length is not
    /// a number of samples `problems()` accepts.
    public var lengthSamples: Int { Self.samples(sampleRate * 0.001 * frameLengthMs) }
    /// Samples handed to the FFT: the frame, zero-padded (Kaldi's `PaddedWindowSize()`).
    public var paddedLengthSamples: Int {
        guard roundToPowerOfTwo else { return lengthSamples }
        var size = 1
        while size < lengthSamples { size <<= 1 }
        return size
    }

    /// The most samples in a frame: 2^20 (65 s at 16 kHz), so that the FFT
    /// buffers and the window stay reasonable.
    public static let maxLengthSamples = 1 << 20

    /// Whole samples in `exact` (truncated, as Kaldi does), 0 when not finite or
    /// absurdly large.
    private static func samples(_ exact: Double) -> Int {
        OptionCheck.wholeNumber(exact, limit: 1e15, rule: .towardZero).map { max($0, 0) } ?? 0
    }

    /// The frame grid these options give.
    public var grid: FrameGrid {
        FrameGrid(sampleRate: sampleRate, shift: shiftSamples, length: lengthSamples, snipEdges: snipEdges)
    }

    /// Problems with the values, as messages naming the option.
    public func problems() -> [String] {
        var check = OptionCheck()
        check.problems(of: self)
        return check.problems
    }
}

extension OptionCheck {
    /// Returns whether the sample rate is good (the checks that depend on it are made only then).
    @discardableResult
    mutating func problems(of frame: FrameOptions) -> Bool {
        let rateKnown = number("--sample-rate", frame.sampleRate, in: 1000...1_000_000, unit: "Hz")
        let rate = OptionCheck.format(frame.sampleRate)
        if number("--frame-shift", frame.frameShiftMs, in: 0...10_000, aboveLowerBound: true, unit: "milliseconds"), rateKnown {
            require(frame.shiftSamples >= 1, "--frame-shift", frame.frameShiftMs, "at least one sample (\(1000 / frame.sampleRate) milliseconds at \(rate) Hz)")
        }
        if number("--frame-length", frame.frameLengthMs, in: 0...10_000, aboveLowerBound: true, unit: "milliseconds"), rateKnown {
            let samples = frame.lengthSamples
            if require(samples >= 2, "--frame-length", frame.frameLengthMs, "at least two samples (\(2000 / frame.sampleRate) milliseconds at \(rate) Hz)")
                && require(samples <= FrameOptions.maxLengthSamples, "--frame-length", frame.frameLengthMs,
                           "at most \(FrameOptions.maxLengthSamples) samples (\(OptionCheck.format((Double(FrameOptions.maxLengthSamples) * 1000 / frame.sampleRate).rounded(.down))) milliseconds at \(rate) Hz)") {
                require(frame.roundToPowerOfTwo || samples % 2 == 0, "--frame-length", frame.frameLengthMs,
                        "an even number of samples (not \(samples)) with --round-to-power-of-two false")
            }
        }
        number("--dither", frame.dither, in: 0...32768)
        number("--preemphasis-coefficient", frame.preemphasisCoefficient, in: 0...1)
        number("--blackman-coeff", frame.blackmanCoefficient, in: 0...1)
        return rateKnown
    }
}

/// Analysis windows, with Kaldi's names. For a frame of N samples and
/// `a = 2 pi / (N - 1)`, sample i is multiplied by:
public enum WindowType: String, Codable, Sendable, CaseIterable {
    /// `0.54 - 0.46 cos(a i)`
    case hamming
    /// `0.5 - 0.5 cos(a i)`
    case hanning
    /// `(0.5 - 0.5 cos(a i))^0.85`, Kaldi's default: a Hann window that does not reach 0.
    case povey
    /// `1`
    case rectangular
    /// `b - 0.5 cos(a i) + (0.5 - b) cos(2 a i)` with b = `blackmanCoefficient`
    case blackman
    /// `sin(pi i / (N - 1))`
    case sine

    /// The window's N coefficients, computed in double precision as Kaldi does.
    public func coefficients(length: Int, blackmanCoefficient: Double) -> [Float] {
        let a = 2 * Double.pi / Double(length - 1)
        return (0..<length).map { index in
            let i = Double(index)
            let value: Double = switch self {
            case .hamming: 0.54 - 0.46 * cos(a * i)
            case .hanning: 0.5 - 0.5 * cos(a * i)
            case .povey: pow(0.5 - 0.5 * cos(a * i), 0.85)
            case .rectangular: 1
            case .blackman: blackmanCoefficient - 0.5 * cos(a * i) + (0.5 - blackmanCoefficient) * cos(2 * a * i)
            case .sine: sin(Double.pi * i / Double(length - 1))
            }
            return Float(value)
        }
    }
}
