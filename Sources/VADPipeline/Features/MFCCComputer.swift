import Foundation

/// Computes MFCCs frame by frame, Kaldi's algorithm (`MfccComputer` with
/// `ProcessWindow`), using FFTW for the spectrum. Build one per thread: the
/// window, mel bank, DCT matrix, lifter and FFT plan are made once, in `init`,
/// and `compute` allocates nothing.
///
/// For each frame of `frame.lengthSamples` samples (Kaldi's int16 scale):
/// dither (Gaussian, if asked) -> remove the mean -> raw log energy
/// `ln(max(sum x^2, FLT_EPSILON))` -> pre-emphasis `x[i] -= k x[i-1]`
/// (`x[0] -= k x[0]`) -> window -> zero-pad -> power spectrum -> mel bank ->
/// `ln(max(e, FLT_EPSILON))` -> DCT-II (orthonormal, first `numCeps` rows) ->
/// lifter -> coefficient 0 replaced by the log energy when `useEnergy`.
import FFT

public final class MFCCComputer {
    public let options: MFCCOptions
    /// Coefficients per frame.
    public var dimension: Int { options.numCeps }

    private let fft: RealFFT
    private let window: [Float]
    private let melBank: MelBank
    /// `numCeps x numBins`, row-major.
    private let dct: [Float]
    private let lifter: [Float]
    private var power: [Float]
    private var logMel: [Float]
    private let logEnergyFloor: Float

    public init(options: MFCCOptions) throws(FeatureOptionsError) {
        if let problem = options.problems().first { throw FeatureOptionsError(problem) }
        self.options = options
        let frame = options.frame
        fft = RealFFT(size: frame.paddedLengthSamples)
        window = frame.windowType.coefficients(length: frame.lengthSamples, blackmanCoefficient: frame.blackmanCoefficient)
        melBank = try MelBank(options: options.mel, sampleRate: frame.sampleRate, paddedLength: frame.paddedLengthSamples)
        let bins = options.mel.numBins
        var dct = [Float](repeating: 0, count: options.numCeps * bins)
        for k in 0..<options.numCeps {
            for n in 0..<bins {
                let scale = k == 0 ? (1 / Double(bins)).squareRoot() : (2 / Double(bins)).squareRoot()
                dct[k * bins + n] = Float(scale * cos(Double.pi / Double(bins) * (Double(n) + 0.5) * Double(k)))
            }
        }
        self.dct = dct
        let q = options.cepstralLifter
        lifter = (0..<options.numCeps).map { i in q == 0 ? 1 : Float(1 + 0.5 * q * sin(Double.pi * Double(i) / q)) }
        power = Array(repeating: 0, count: frame.paddedLengthSamples / 2 + 1)
        logMel = Array(repeating: 0, count: bins)
        logEnergyFloor = options.energyFloor > 0 ? Float(log(options.energyFloor)) : -.infinity
    }

    /// MFCCs of one frame. `samples` holds `frame.lengthSamples` samples;
    /// `out` receives `dimension` coefficients. `noise`, when dithering, gives
    /// standard-normal numbers.
    public func compute(_ samples: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>,
                        noise: inout GaussianNoise) {
        let frame = options.frame
        let length = frame.lengthSamples
        let x = fft.input.baseAddress!
        for i in 0..<length { x[i] = samples[i] }
        if frame.dither != 0 {
            let scale = Float(frame.dither)
            for i in 0..<length { x[i] += scale * noise.next() }
        }
        if frame.removeDCOffset {
            var sum: Float = 0
            for i in 0..<length { sum += x[i] }
            let mean = sum / Float(length)
            for i in 0..<length { x[i] -= mean }
        }
        var logEnergy: Float = 0
        if options.useEnergy && options.rawEnergy { logEnergy = MFCCComputer.logEnergy(x, count: length) }
        let k = Float(frame.preemphasisCoefficient)
        if k != 0 {
            var i = length - 1
            while i > 0 { x[i] -= k * x[i - 1]; i -= 1 }
            x[0] -= k * x[0]
        }
        window.withUnsafeBufferPointer { w in
            for i in 0..<length { x[i] *= w[i] }
        }
        for i in length..<fft.size { x[i] = 0 }
        if options.useEnergy && !options.rawEnergy { logEnergy = MFCCComputer.logEnergy(x, count: length) }
        fft.forward()
        let spectrum = fft.output.baseAddress!
        let bins = options.mel.numBins
        power.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                let re = spectrum[2 * i], im = spectrum[2 * i + 1]
                p[i] = re * re + im * im
            }
            logMel.withUnsafeMutableBufferPointer { m in
                melBank.apply(p.baseAddress!, into: m.baseAddress!)
                for b in 0..<bins { m[b] = logf(max(m[b], Float.ulpOfOne)) }
            }
        }
        dct.withUnsafeBufferPointer { d in
            logMel.withUnsafeBufferPointer { m in
                for c in 0..<options.numCeps {
                    var sum: Float = 0
                    let row = d.baseAddress! + c * bins
                    for b in 0..<bins { sum += row[b] * m[b] }
                    out[c] = sum * lifter[c]
                }
            }
        }
        if options.useEnergy { out[0] = max(logEnergy, logEnergyFloor) }
    }

    @inline(__always)
    private static func logEnergy(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += x[i] * x[i] }
        return logf(max(sum, Float.ulpOfOne))
    }
}

/// Deterministic standard-normal numbers (xoshiro256** and the Box-Muller
/// transform), for dithering. Seeded explicitly, so dithered features are
/// the same on every run and machine.
public struct GaussianNoise: Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spare: Float?

    /// A stream determined by `seed` (expanded with SplitMix64).
    public init(seed: UInt64) {
        var z = seed
        func splitMix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    private mutating func nextUInt64() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// A uniform number in (0, 1].
    private mutating func uniform() -> Double {
        (Double(nextUInt64() >> 11) + 1) * 0x1.0p-53
    }

    /// The next standard-normal number.
    public mutating func next() -> Float {
        if let value = spare { spare = nil; return value }
        let radius = (-2 * log(uniform())).squareRoot()
        let angle = 2 * Double.pi * uniform()
        spare = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }
}
