import Foundation
import VADShards

/// The random noise shaping of `--noise-shaping` (the one the corpus generator's
/// `noise --noise-shaping` applies): a band-pass (second-order Butterworth high-pass at the
/// low edge, when it is above 0, and low-pass at the high edge), a peak or dip
/// (the audio-EQ-cookbook peaking filter) and a slow sinusoidal level drift.
enum NoiseShaping {
    /// Draws the parameters: low edge 0 (30 % of the time) or 50-600 Hz, high
    /// edge 1.2-7.6 kHz, peak or dip of -12..12 dB at 0.2-4 kHz with Q 0.5-2,
    /// drift of 0.05-0.6 Hz and 5-60 % depth. Frequencies are kept below 0.45
    /// of the sample rate.
    static func draw(_ random: inout AugmentRandom, sampleRate: Double) -> AugmentationRecord.Shaping {
        let top = 0.45 * sampleRate
        let low = random.chance(0.3) ? 0 : random.uniform(50, 600)
        let high = random.uniform(1200, 7600)
        return AugmentationRecord.Shaping(
            lowHz: min(low, top / 2), highHz: min(high, top),
            eqHz: min(random.uniform(200, 4000), top), eqQ: random.uniform(0.5, 2), eqDb: random.uniform(-12, 12),
            driftHz: random.uniform(0.05, 0.6), driftDepth: random.uniform(0.05, 0.6), driftPhase: random.uniform(0, 2 * .pi))
    }

    /// Applies `shaping` to `signal` in place.
    static func apply(_ shaping: AugmentationRecord.Shaping, to signal: UnsafeMutableBufferPointer<Float>, sampleRate: Double) {
        var filters: [Biquad] = []
        if shaping.lowHz > 0 { filters.append(.highPass(shaping.lowHz, sampleRate: sampleRate)) }
        filters.append(.lowPass(shaping.highHz, sampleRate: sampleRate))
        filters.append(.peaking(shaping.eqHz, q: shaping.eqQ, gainDb: shaping.eqDb, sampleRate: sampleRate))
        for var filter in filters { filter.run(signal) }
        let step = 2 * Double.pi * shaping.driftHz / sampleRate
        for i in signal.indices {
            let gain = 1 - shaping.driftDepth * (1 + sin(step * Double(i) + shaping.driftPhase)) / 2
            signal[i] = Float(Double(signal[i]) * gain)
        }
    }
}

/// A second-order IIR filter (transposed direct form II, in Double), with the
/// coefficients of R. Bristow-Johnson's audio EQ cookbook.
struct Biquad {
    var b0, b1, b2, a1, a2: Double
    private var z1 = 0.0, z2 = 0.0

    init(b0: Double, b1: Double, b2: Double, a0: Double, a1: Double, a2: Double) {
        (self.b0, self.b1, self.b2, self.a1, self.a2) = (b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0)
    }

    static func lowPass(_ hz: Double, q: Double = 0.5.squareRoot(), sampleRate: Double) -> Biquad {
        let w = 2 * Double.pi * hz / sampleRate, alpha = sin(w) / (2 * q), c = cos(w)
        return Biquad(b0: (1 - c) / 2, b1: 1 - c, b2: (1 - c) / 2, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    static func highPass(_ hz: Double, q: Double = 0.5.squareRoot(), sampleRate: Double) -> Biquad {
        let w = 2 * Double.pi * hz / sampleRate, alpha = sin(w) / (2 * q), c = cos(w)
        return Biquad(b0: (1 + c) / 2, b1: -(1 + c), b2: (1 + c) / 2, a0: 1 + alpha, a1: -2 * c, a2: 1 - alpha)
    }

    static func peaking(_ hz: Double, q: Double, gainDb: Double, sampleRate: Double) -> Biquad {
        let a = pow(10, gainDb / 40), w = 2 * Double.pi * hz / sampleRate, alpha = sin(w) / (2 * q), c = cos(w)
        return Biquad(b0: 1 + alpha * a, b1: -2 * c, b2: 1 - alpha * a, a0: 1 + alpha / a, a1: -2 * c, a2: 1 - alpha / a)
    }

    mutating func run(_ signal: UnsafeMutableBufferPointer<Float>) {
        for i in signal.indices {
            let x = Double(signal[i])
            let y = b0 * x + z1
            z1 = b1 * x - a1 * y + z2
            z2 = b2 * x - a2 * y
            signal[i] = Float(y)
        }
    }
}
