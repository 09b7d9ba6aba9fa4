import FFT
import Foundation
import Testing
import _VADTestSupport
@testable import VADPipeline

/// The MFCC computer runs frames side by side in SIMD lanes (eight per call,
/// two groups of four) and feeds FFTW from its own rows. None of that may
/// change a bit of the output: its coefficients equal, bit for bit, those of
/// the plain algorithm below, which takes one frame at a time, each step a
/// scalar loop (the computer as it was before it was vectorised).
@Suite struct MFCCBatchTests {
    /// Kaldi's MFCC of one frame, one scalar step after another.
    final class PlainMFCC {
        let options: MFCCOptions
        let fft: RealFFT
        let window: [Float]
        let melBank: MelBank

        init(options: MFCCOptions) throws {
            self.options = options
            let frame = options.frame
            fft = RealFFT(size: frame.paddedLengthSamples)
            window = frame.windowType.coefficients(length: frame.lengthSamples, blackmanCoefficient: frame.blackmanCoefficient)
            melBank = try MelBank(options: options.mel, sampleRate: frame.sampleRate, paddedLength: frame.paddedLengthSamples)
        }

        func compute(_ samples: ArraySlice<Float>, noise: inout GaussianNoise) -> [Float] {
            let frame = options.frame, length = frame.lengthSamples, bins = options.mel.numBins
            var x = Array(samples)
            if frame.dither != 0 { for i in 0..<length { x[i] += Float(frame.dither) * noise.next() } }
            if frame.removeDCOffset {
                var sum: Float = 0
                for i in 0..<length { sum += x[i] }
                let mean = sum / Float(length)
                for i in 0..<length { x[i] -= mean }
            }
            func logEnergy() -> Float {
                var sum: Float = 0
                for i in 0..<length { sum += x[i] * x[i] }
                return logf(max(sum, Float.ulpOfOne))
            }
            var energy: Float = 0
            if options.useEnergy && options.rawEnergy { energy = logEnergy() }
            let k = Float(frame.preemphasisCoefficient)
            if k != 0 {
                for i in stride(from: length - 1, to: 0, by: -1) { x[i] -= k * x[i - 1] }
                x[0] -= k * x[0]
            }
            for i in 0..<length { x[i] *= window[i] }
            if options.useEnergy && !options.rawEnergy { energy = logEnergy() }
            for i in 0..<fft.size { fft.input[i] = i < length ? x[i] : 0 }
            fft.forward()
            let power = (0...(fft.size / 2)).map { i -> Float in
                let re = fft.output[2 * i], im = fft.output[2 * i + 1]
                return re * re + im * im
            }
            var logMel = [Float](repeating: 0, count: bins)
            for b in 0..<bins {
                var sum: Float = 0
                for i in melBank.start[b]..<melBank.start[b + 1] {
                    sum += melBank.packedWeights[i] * power[melBank.firstBin[b] + i - melBank.start[b]]
                }
                logMel[b] = logf(max(sum, Float.ulpOfOne))
            }
            var out = [Float](repeating: 0, count: options.numCeps)
            let q = options.cepstralLifter
            for c in 0..<options.numCeps {
                let scale = c == 0 ? (1 / Double(bins)).squareRoot() : (2 / Double(bins)).squareRoot()
                var sum: Float = 0
                for b in 0..<bins {
                    sum += Float(scale * cos(Double.pi / Double(bins) * (Double(b) + 0.5) * Double(c))) * logMel[b]
                }
                out[c] = sum * (q == 0 ? 1 : Float(1 + 0.5 * q * sin(Double.pi * Double(c) / q)))
            }
            if options.useEnergy {
                out[0] = max(energy, options.energyFloor > 0 ? Float(log(options.energyFloor)) : -.infinity)
            }
            return out
        }
    }

    struct Variant: CustomTestStringConvertible, Sendable {
        var name: String
        var change: @Sendable (inout MFCCOptions) -> Void
        var testDescription: String { name }
    }

    static let variants: [Variant] = [
        Variant(name: "defaults") { _ in },
        Variant(name: "kaldi preset") { $0 = .kaldi },
        Variant(name: "dither 1") { $0.frame.dither = 1 },
        Variant(name: "windowed energy, 13 ceps, floor") { $0.rawEnergy = false; $0.numCeps = 13; $0.energyFloor = 1 },
        Variant(name: "no energy, no pre-emphasis, no DC removal") {
            $0.useEnergy = false; $0.frame.preemphasisCoefficient = 0; $0.frame.removeDCOffset = false
        },
    ]

    /// Every fixture recording, framed, `framesPerCall` frames per call (and
    /// the last few of a recording in a call of their own): the same bits as
    /// one at a time.
    @Test(arguments: variants)
    func batchedEqualsPlainOnFixtures(_ variant: Variant) throws {
        var options = MFCCOptions()
        variant.change(&options)
        let length = options.frame.lengthSamples, dimension = options.numCeps
        var remainders: Set<Int> = []
        for recording in ["speech-16k.wav", "speech-8k.wav", "stereo-44k.flac", "float-48k.wav"] {
            var frames: [Float] = []
            var framer = StreamingFramer(grid: options.frame.grid)
            let emit = { (_: Int, samples: UnsafeBufferPointer<Float>) in frames.append(contentsOf: samples) }
            _ = try AudioDecoder.decode(path: TestSupport.fixture("corpus/\(recording)"), options: AudioOptions()) {
                framer.accept($0, emit: emit)
            }
            let count = framer.finish(emit: emit)
            remainders.insert(count % MFCCComputer.framesPerCall)

            let plain = try PlainMFCC(options: options)
            var noise = GaussianNoise(seed: 11)
            var expected: [Float] = []
            for f in 0..<count {
                expected += plain.compute(frames[(f * length)..<((f + 1) * length)], noise: &noise)
            }

            let computer = try MFCCComputer(options: options)
            noise = GaussianNoise(seed: 11)
            var batched = [Float](repeating: 0, count: count * dimension)
            frames.withUnsafeMutableBufferPointer { x in
                batched.withUnsafeMutableBufferPointer { out in
                    let batch = MFCCComputer.framesPerCall
                    for first in stride(from: 0, to: count, by: batch) {
                        computer.computeFrames(x.baseAddress! + first * length, count: min(batch, count - first),
                                               into: out.baseAddress! + first * dimension, noise: &noise)
                    }
                }
            }
            let mismatches = zip(batched, expected).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(mismatches == 0, "\(recording), \(variant.name): \(mismatches) of \(expected.count) coefficients differ")
            #expect(Set(expected).count > expected.count / 2, "\(recording): the frames differ from one another")
        }
        #expect(remainders.count >= 2, "some recording should end in a call of fewer than framesPerCall frames")
    }

    /// `compute` (one frame, the other lanes idle) equals its lane in a full call.
    @Test func oneFrameEqualsItsLaneInAFullCall() throws {
        let options = MFCCOptions()
        let length = options.frame.lengthSamples, dimension = options.numCeps, batch = MFCCComputer.framesPerCall
        let signal: [Float] = (0..<(batch * length)).map { (n: Int) -> Float in
            let tone: Double = 2000 * sin(Double(n) * 0.037)
            return Float(300 + tone + 0.25 * Double(n % 13))
        }
        let computer = try MFCCComputer(options: options)
        var noise = GaussianNoise(seed: 5)
        var all = [Float](repeating: 0, count: batch * dimension)
        var frames = signal
        frames.withUnsafeMutableBufferPointer { x in
            all.withUnsafeMutableBufferPointer { computer.computeFrames(x.baseAddress!, count: batch, into: $0.baseAddress!, noise: &noise) }
        }
        for f in [2, batch - 3] {
            var single = [Float](repeating: 0, count: dimension)
            signal.withUnsafeBufferPointer { s in
                single.withUnsafeMutableBufferPointer {
                    computer.compute(UnsafeBufferPointer(rebasing: s[(f * length)..<((f + 1) * length)]), into: $0.baseAddress!, noise: &noise)
                }
            }
            #expect(single.map(\.bitPattern) == all[(f * dimension)..<((f + 1) * dimension)].map(\.bitPattern), "frame \(f)")
        }
    }
}
