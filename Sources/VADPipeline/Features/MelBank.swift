import Foundation

/// Options of the triangular mel filterbank, with Kaldi's names and defaults
/// (Kaldi's `MelBanksOptions`; `compute-mfcc-feats` uses 23 bins).
public struct MelOptions: Codable, Equatable, Sendable {
    /// Number of triangular bins.
    public var numBins = 23
    /// Lower edge of the lowest bin, in Hz.
    public var lowFreq: Double = 20
    /// Upper edge of the highest bin, in Hz; 0 or negative is an offset from
    /// the Nyquist frequency (0 means Nyquist, -400 means Nyquist - 400 Hz).
    public var highFreq: Double = 0

    public init() {}

    /// The most mel bins.
    public static let maxBins = 1024
}

extension OptionCheck {
    static func emptyMelBinMessage(_ bins: Int, bin: Int, paddedLength: Int) -> String {
        message("--num-mel-bins", bins, "fewer (or --frame-length longer): mel bin \(bin) holds no bin of the \(paddedLength)-point FFT")
    }


    /// The bins and the band at `sampleRate` (finite): `0 <= low < high <= Nyquist`,
    /// where a `highFreq` of 0 or less counts from the Nyquist frequency.
    mutating func problems(of mel: MelOptions, sampleRate: Double) {
        integer("--num-mel-bins", mel.numBins, in: 3...MelOptions.maxBins)
        let nyquist = 0.5 * sampleRate
        let nyquistText = "the Nyquist frequency, \(OptionCheck.format(nyquist)) Hz"
        let lowOK = number("--low-freq", mel.lowFreq, in: 0...nyquist, unit: "Hz")
        guard number("--high-freq", mel.highFreq, in: -nyquist...nyquist, unit: "Hz") else { return }
        let high = mel.highFreq > 0 ? mel.highFreq : nyquist + mel.highFreq
        if require(high > 0, "--high-freq", mel.highFreq, "more than minus \(nyquistText)"), lowOK {
            require(mel.lowFreq < high, "--low-freq", mel.lowFreq, "below the high cutoff (\(OptionCheck.format(high)) Hz)")
        }
    }

    /// Every mel bin must catch an FFT bin of `paddedLength` points (checked
    /// once the band is known to be good).
    mutating func emptyBins(of mel: MelOptions, sampleRate: Double, paddedLength: Int) {
        if let bin = MelBank.firstEmptyBin(options: mel, sampleRate: sampleRate, paddedLength: paddedLength) {
            add(Self.emptyMelBinMessage(mel.numBins, bin: bin, paddedLength: paddedLength))
        }
    }
}

/// A triangular mel filterbank over a power spectrum, stored banded: each bin
/// keeps only its first FFT bin and the weights up to its last non-zero one,
/// so applying it costs the triangles' widths, not bins x FFT bins.
///
/// Kaldi's construction (`MelBanks`), in single precision as Kaldi does it:
/// mel(f) = 1127 ln(1 + f / 700); bin b has left, centre and right edges at
/// mel(low) + (b, b + 1, b + 2) * delta with delta = (mel(high) - mel(low)) /
/// (numBins + 1); FFT bin i (frequency i * rate / paddedLength, i < paddedLength
/// / 2, so never the Nyquist bin) weighs (mel - left) / (centre - left) up to
/// the centre and (right - mel) / (right - centre) after it, strictly between
/// the edges.
public struct MelBank: Sendable {
    /// First FFT bin of each mel bin.
    public let firstBin: [Int]
    /// Every bin's weights (from its `firstBin` on) back to back; bin b's are
    /// `start[b] ..< start[b + 1]`.
    let packedWeights: [Float]
    let start: [Int]

    /// Kaldi's mel scale, `1127 ln(1 + f / 700)`, in single precision.
    public static func mel(_ hertz: Float) -> Float { 1127 * logf(1 + hertz / 700) }

    public init(options: MelOptions, sampleRate: Double, paddedLength: Int) throws(FeatureOptionsError) {
        let nyquist = Float(0.5 * sampleRate)
        let low = Float(options.lowFreq)
        let high = options.highFreq > 0 ? Float(options.highFreq) : nyquist + Float(options.highFreq)
        guard options.numBins >= 3 else { throw FeatureOptionsError("--num-mel-bins must be at least 3") }
        guard low >= 0, low < nyquist, high > 0, high <= nyquist, low < high else {
            throw FeatureOptionsError("bad mel band: --low-freq \(options.lowFreq) and --high-freq \(options.highFreq) "
                + "must give 0 <= low < high <= Nyquist (\(nyquist) Hz)")
        }
        let fftBins = paddedLength / 2
        let binWidth = Float(sampleRate) / Float(paddedLength)
        let melLow = MelBank.mel(low)
        let melHigh = MelBank.mel(high)
        let delta = (melHigh - melLow) / Float(options.numBins + 1)
        var firstBin: [Int] = []
        var weights: [[Float]] = []
        for bin in 0..<options.numBins {
            let left = melLow + Float(bin) * delta
            let centre = melLow + Float(bin + 1) * delta
            let right = melLow + Float(bin + 2) * delta
            var first = -1
            var row: [Float] = []
            for i in 0..<fftBins {
                let mel = MelBank.mel(binWidth * Float(i))
                guard mel > left && mel < right else { continue }
                let weight = mel <= centre ? (mel - left) / (centre - left) : (right - mel) / (right - centre)
                if first < 0 { first = i }
                row += Array(repeating: 0, count: i - first - row.count)
                row.append(weight)
            }
            guard first >= 0 else {
                    throw FeatureOptionsError(OptionCheck.emptyMelBinMessage(options.numBins, bin: bin, paddedLength: paddedLength))
            }
            firstBin.append(first)
            weights.append(row)
        }
        self.firstBin = firstBin
        self.packedWeights = weights.flatMap { $0 }
        self.start = weights.reduce(into: [0]) { $0.append($0.last! + $1.count) }
    }

    /// The first mel bin that no FFT bin falls in (strictly between its
    /// edges), with the edges and FFT-bin mels computed as `init` computes
    /// them, but in one pass over the FFT bins instead of one per mel bin; nil
    /// when every mel bin catches one. For options whose band `OptionCheck`
    /// has accepted.
    static func firstEmptyBin(options: MelOptions, sampleRate: Double, paddedLength: Int) -> Int? {
        let nyquist = Float(0.5 * sampleRate)
        let low = Float(options.lowFreq)
        let high = options.highFreq > 0 ? Float(options.highFreq) : nyquist + Float(options.highFreq)
        let binWidth = Float(sampleRate) / Float(paddedLength)
        let melLow = MelBank.mel(low)
        let delta = (MelBank.mel(high) - melLow) / Float(options.numBins + 1)
        let bins = options.numBins
        var filled = [Bool](repeating: false, count: bins)
        // Edges grow with the bin and mels with the FFT bin, so the mel bins
        // whose right edge is still above the current mel start at `first`,
        // and of those at most two have their left edge below it.
        var first = 0
        for i in 0..<paddedLength / 2 {
            let mel = MelBank.mel(binWidth * Float(i))
            while first < bins && !(mel < melLow + Float(first + 2) * delta) { first += 1 }
            if first == bins { break }
            var bin = first
            while bin < bins && melLow + Float(bin) * delta < mel {
                filled[bin] = true
                bin += 1
            }
        }
        return filled.firstIndex(of: false)
    }

    /// `out[b] = sum_i weights[b][i] * power[firstBin[b] + i]`, summed in order
    /// of i, for four spectra at once: lane f of each vector is spectrum f, and
    /// every lane runs the same chain of multiplications and additions one
    /// spectrum alone would.
    @inline(__always)
    public func apply(_ power: UnsafePointer<SIMD4<Float>>, into out: UnsafeMutablePointer<SIMD4<Float>>) {
        packedWeights.withUnsafeBufferPointer { w in
            start.withUnsafeBufferPointer { start in
                firstBin.withUnsafeBufferPointer { first in
                    for bin in 0..<first.count {
                        let p = power + first[bin] - start[bin]
                        var sum = SIMD4<Float>()
                        for i in start[bin]..<start[bin + 1] { sum += SIMD4(repeating: w[i]) * p[i] }
                        out[bin] = sum
                    }
                }
            }
        }
    }
}

/// A combination of feature options that cannot work, in words naming the option.
public struct FeatureOptionsError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
