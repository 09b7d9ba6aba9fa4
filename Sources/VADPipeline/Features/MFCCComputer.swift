import Foundation

/// Computes MFCCs frame by frame, Kaldi's algorithm (`MfccComputer` with
/// `ProcessWindow`), using FFTW for the spectrum. Build one per thread: the
/// window, mel bank, DCT matrix, lifter, FFT plan and every buffer are made
/// once, in `init`, and computing allocates nothing.
///
/// For each frame of `frame.lengthSamples` samples (Kaldi's int16 scale):
/// dither (Gaussian, if asked) -> remove the mean -> raw log energy
/// `ln(max(sum x^2, FLT_EPSILON))` -> pre-emphasis `x[i] -= k x[i-1]`
/// (`x[0] -= k x[0]`) -> window -> zero-pad -> power spectrum -> mel bank ->
/// `ln(max(e, FLT_EPSILON))` -> DCT-II (orthonormal, first `numCeps` rows) ->
/// lifter -> coefficient 0 replaced by the log energy when `useEnergy`.
///
/// Frames go through eight at a time (`framesPerCall`), in two groups of four.
/// Every sum is a serial chain of float operations in a fixed order; four
/// frames' chains run side by side, in the lanes of a `SIMD4`, each lane
/// exactly the chain one frame alone would run, and the two groups' chains
/// run at the same time, so the processor is not left waiting on one chain.
/// A frame's coefficients do not depend on its neighbours.
import FFT

public final class MFCCComputer {
    public let options: MFCCOptions
    /// Coefficients per frame.
    public var dimension: Int { options.numCeps }

    /// Frames `computeFrames` takes at a time: two groups of as many as a
    /// `SIMD4<Float>` has lanes.
    public static let framesPerCall = 2 * lanes
    private static let lanes = SIMD4<Float>.scalarCount

    /// One row per lane: each frame's windowed, zero-padded samples go
    /// straight into its row, and its spectrum comes out of it.
    private let fft: RealFFT
    private let window: [Float]
    private let melBank: MelBank
    /// `numCeps x numBins`, row-major.
    private let dct: [Float]
    private let lifter: [Float]
    /// `paddedLength / 2 + 1` power-spectrum bins, four frames per bin.
    private let power: UnsafeMutablePointer<SIMD4<Float>>
    /// `numBins` log mel energies, four frames per bin.
    private let logMel: UnsafeMutablePointer<SIMD4<Float>>
    /// One frame's samples, for `compute`.
    private let scratch: UnsafeMutablePointer<Float>
    private let logEnergyFloor: Float

    public init(options: MFCCOptions) throws(FeatureOptionsError) {
        if let problem = options.problems().first { throw FeatureOptionsError(problem) }
        self.options = options
        let frame = options.frame
        fft = RealFFT(size: frame.paddedLengthSamples, rows: Self.framesPerCall)
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
        let spectrumBins = frame.paddedLengthSamples / 2 + 1
        power = .allocate(capacity: spectrumBins)
        power.initialize(repeating: SIMD4(), count: spectrumBins)
        logMel = .allocate(capacity: bins)
        logMel.initialize(repeating: SIMD4(), count: bins)
        scratch = .allocate(capacity: frame.lengthSamples)
        scratch.initialize(repeating: 0, count: frame.lengthSamples)
        logEnergyFloor = options.energyFloor > 0 ? Float(log(options.energyFloor)) : -.infinity
    }

    deinit {
        power.deallocate()
        logMel.deallocate()
        scratch.deallocate()
    }

    /// MFCCs of one frame. `samples` holds `frame.lengthSamples` samples;
    /// `out` receives `dimension` coefficients. `noise`, when dithering, gives
    /// standard-normal numbers.
    public func compute(_ samples: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>,
                        noise: inout GaussianNoise) {
        scratch.update(from: samples.baseAddress!, count: options.frame.lengthSamples)
        computeFrames(scratch, count: 1, into: out, noise: &noise)
    }

    /// MFCCs of `count` (at most `framesPerCall`) consecutive frames stored one
    /// after another in `frames` (`frame.lengthSamples` samples each, which are
    /// overwritten); `out` receives `count` rows of `dimension` coefficients.
    /// Dither noise is drawn frame by frame, in order, as one frame at a time would.
    public func computeFrames(_ frames: UnsafeMutablePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>,
                              noise: inout GaussianNoise) {
        precondition(count >= 1 && count <= Self.framesPerCall)
        let frame = options.frame
        let length = frame.lengthSamples
        if frame.dither != 0 {
            let scale = Float(frame.dither)
            for i in 0..<count * length { frames[i] += scale * noise.next() }
        }
        if frame.removeDCOffset {
            let sums = Self.sums(frames, count: count, length: length, stride: length, squared: false)
            for f in 0..<count {
                let x = frames + f * length, mean = sums[f] / Float(length)
                for i in 0..<length { x[i] -= mean }
            }
        }
        var logEnergy = SIMD8<Float>()
        if options.useEnergy && options.rawEnergy {
            logEnergy = Self.logEnergies(frames, count: count, length: length, stride: length)
        }
        // Pre-emphasis and window, from the frame into its FFT row (whose
        // zero padding beyond `length` is never written).
        let k = Float(frame.preemphasisCoefficient)
        window.withUnsafeBufferPointer { w in
            for f in 0..<count {
                let x = frames + f * length, row = fft.input(row: f).baseAddress!
                if k != 0 {
                    row[0] = (x[0] - k * x[0]) * w[0]
                    for i in 1..<length { row[i] = (x[i] - k * x[i - 1]) * w[i] }
                } else {
                    for i in 0..<length { row[i] = x[i] * w[i] }
                }
            }
        }
        if options.useEnergy && !options.rawEnergy {
            logEnergy = Self.logEnergies(fft.input.baseAddress!, count: count, length: length, stride: fft.inputStride)
        }
        for f in 0..<count { fft.forward(row: f) }
        for first in stride(from: 0, to: count, by: Self.lanes) {
            transform(rows: first, count: min(Self.lanes, count - first), into: out + first * dimension)
        }
        if options.useEnergy {
            for f in 0..<count { out[f * dimension] = max(logEnergy[f], logEnergyFloor) }
        }
    }

    /// FFT rows `first ..< first + 4`: spectra -> power spectrum -> mel bank
    /// -> log -> DCT -> lifter, four frames side by side. Lanes beyond `count`
    /// carry whatever spectrum their row last held (zeros at first) and are
    /// not written out.
    private func transform(rows first: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        // Two bins (re, im, re, im) of the four rows at a time, transposed.
        let spectra = fft.output(row: first).baseAddress!, stride = fft.outputStride
        let spectrumBins = fft.size / 2 + 1
        var i = 0
        while i + 2 <= spectrumBins {
            let (re0, im0, re1, im1) = Self.transposed(spectra, at: 2 * i, stride: stride)
            power[i] = re0 * re0 + im0 * im0
            power[i + 1] = re1 * re1 + im1 * im1
            i += 2
        }
        if i < spectrumBins {
            let (re, im) = (Self.column(spectra, at: 2 * i, stride: stride), Self.column(spectra, at: 2 * i + 1, stride: stride))
            power[i] = re * re + im * im
        }
        melBank.apply(power, into: logMel)
        let melBins = options.mel.numBins
        for b in 0..<melBins {
            for f in 0..<count { logMel[b][f] = logf(max(logMel[b][f], Float.ulpOfOne)) }
        }
        dct.withUnsafeBufferPointer { d in
            for c in 0..<options.numCeps {
                var sum = SIMD4<Float>()
                let row = d.baseAddress! + c * melBins
                for b in 0..<melBins { sum += SIMD4(repeating: row[b]) * logMel[b] }
                for f in 0..<count { out[f * dimension + c] = sum[f] * lifter[c] }
            }
        }
    }

    /// `ln(max(sum x^2, FLT_EPSILON))` of each frame.
    private static func logEnergies(_ frames: UnsafeMutablePointer<Float>, count: Int, length: Int, stride: Int) -> SIMD8<Float> {
        var energies = sums(frames, count: count, length: length, stride: stride, squared: true)
        for f in 0..<count { energies[f] = logf(max(energies[f], Float.ulpOfOne)) }
        return energies
    }

    /// Sum of each frame's `length` samples (or of their squares), frames
    /// `stride` floats apart; each sum a serial chain in sample order.
    @inline(__always)
    private static func sums(_ frames: UnsafeMutablePointer<Float>, count: Int, length: Int, stride: Int,
                             squared: Bool) -> SIMD8<Float> {
        if count == framesPerCall {
            let low = frames, high = frames + lanes * stride
            var (sumLow, sumHigh) = (SIMD4<Float>(), SIMD4<Float>())
            var i = 0
            while i + lanes <= length {
                let (l0, l1, l2, l3) = transposed(low, at: i, stride: stride)
                let (h0, h1, h2, h3) = transposed(high, at: i, stride: stride)
                if squared {
                    sumLow += l0 * l0; sumHigh += h0 * h0; sumLow += l1 * l1; sumHigh += h1 * h1
                    sumLow += l2 * l2; sumHigh += h2 * h2; sumLow += l3 * l3; sumHigh += h3 * h3
                } else {
                    sumLow += l0; sumHigh += h0; sumLow += l1; sumHigh += h1
                    sumLow += l2; sumHigh += h2; sumLow += l3; sumHigh += h3
                }
                i += lanes
            }
            for j in i..<length {
                let (xLow, xHigh) = (column(low, at: j, stride: stride), column(high, at: j, stride: stride))
                sumLow += squared ? xLow * xLow : xLow
                sumHigh += squared ? xHigh * xHigh : xHigh
            }
            return SIMD8(lowHalf: sumLow, highHalf: sumHigh)
        }
        var result = SIMD8<Float>()
        for f in 0..<count {
            let x = frames + f * stride
            var sum: Float = 0
            if squared { for i in 0..<length { sum += x[i] * x[i] } } else { for i in 0..<length { sum += x[i] } }
            result[f] = sum
        }
        return result
    }

    /// Samples `i ..< i + 4` of four frames `stride` apart, as four vectors
    /// whose lane f is frame f's sample: `[k][f] = frames[f * stride + i + k]`.
    @inline(__always)
    private static func transposed(_ frames: UnsafeMutablePointer<Float>, at i: Int, stride: Int)
        -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
        func load(_ f: Int) -> SIMD4<Float> { UnsafeRawPointer(frames + f * stride + i).loadUnaligned(as: SIMD4<Float>.self) }
        let (a, b, c, d) = (load(0), load(1), load(2), load(3))
        return (SIMD4(a[0], b[0], c[0], d[0]), SIMD4(a[1], b[1], c[1], d[1]),
                SIMD4(a[2], b[2], c[2], d[2]), SIMD4(a[3], b[3], c[3], d[3]))
    }

    /// Sample `i` of four frames `stride` apart.
    @inline(__always)
    private static func column(_ frames: UnsafeMutablePointer<Float>, at i: Int, stride: Int) -> SIMD4<Float> {
        SIMD4(frames[i], frames[stride + i], frames[2 * stride + i], frames[3 * stride + i])
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
