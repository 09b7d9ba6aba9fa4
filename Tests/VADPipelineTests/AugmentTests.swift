import FFT
import Foundation
import Testing
import VADShards
@testable import VADPipeline

@Suite struct AugmentTests {
    /// Overlap-add FFT convolution agrees with the direct sum, whole and for a
    /// window that starts past zero (as reverberation takes it).
    @Test(arguments: [(1, 100), (700, 20_000), (3000, 9000), (5000, 4000)])
    func fftConvolutionEqualsDirect(kernelLength: Int, signalLength: Int) {
        var random = AugmentRandom(seed: 1, id: "conv", copy: kernelLength)
        let kernel = (0..<kernelLength).map { _ in Float(random.uniform(-1, 1)) }
        let signal = (0..<signalLength).map { _ in Float(random.uniform(-1000, 1000)) }
        let convolver = kernel.withUnsafeBufferPointer { FFTConvolver(kernel: $0) }
        let fast = convolver.convolve(signal)
        #expect(fast.count == signalLength + kernelLength - 1)
        var worst = 0.0
        for n in stride(from: 0, to: fast.count, by: max(1, fast.count / 997)) {
            var sum = 0.0
            for k in max(0, n - signalLength + 1)...min(n, kernelLength - 1) { sum += Double(kernel[k]) * Double(signal[n - k]) }
            worst = max(worst, abs(sum - Double(fast[n])))
        }
        // float32 FFT of sums of up to a few thousand terms of magnitude 1000
        #expect(worst < 0.05 * Double(kernelLength).squareRoot(), "largest difference \(worst)")
        var window = [Float](repeating: 0, count: 500)
        let start = min(kernelLength / 2 + 17, fast.count - 1)
        signal.withUnsafeBufferPointer { x in window.withUnsafeMutableBufferPointer { convolver.convolve(x, from: start, into: $0) } }
        for i in 0..<window.count {
            #expect(window[i] == (start + i < fast.count ? fast[start + i] : 0))
        }
    }

    /// Tone bursts in faint noise at known places: the energy labels find them
    /// to within a frame, and smoothing fills a short pause and drops a click.
    @Test func energyLabelsFindKnownSpeech() {
        let rate = 16000.0
        let grid = FrameGrid(sampleRate: rate, shift: 160, length: 400, snipEdges: true)
        var random = AugmentRandom(seed: 2, id: "energy", copy: 0)
        var signal = (0..<Int(3 * rate)).map { _ in Float(random.uniform(-3, 3)) }  // about -84 dBFS
        func burst(_ from: Double, _ to: Double) {
            for n in Int(from * rate)..<Int(to * rate) { signal[n] += Float(8000 * sin(2 * Double.pi * 440 * Double(n) / rate)) }
        }
        burst(0.5, 1.0); burst(1.1, 1.6)   // a 0.1 s pause: filled (min silence 0.2 s)
        burst(2.0, 2.05)                   // a 0.05 s click: dropped (min speech 0.1 s)
        let frames = grid.frameCount(samples: signal.count)
        let labels = EnergyLabeler.labels(levels: EnergyLabeler.levels(signal, grid: grid, frames: frames),
                                          options: EnergyLabelOptions(), frameShiftSeconds: 0.01)
        let runs = EnergyLabeler.runs(of: FrameLabel.speech, in: labels)
        #expect(runs.count == 1, "\(runs)")
        // Frames whose 25 ms window overlaps the speech: from (0.5 - 0.025) / 0.01 to 1.6 / 0.01.
        if let (start, end) = runs.first {
            #expect(abs(start - 48) <= 1, "starts at frame \(start)")
            #expect(abs(end - 160) <= 1, "ends at frame \(end)")
        }
        // Louder floor than the noise: nothing at all in noise alone.
        let quiet = (0..<Int(rate)).map { _ in Float(random.uniform(-3, 3)) }
        let none = EnergyLabeler.labels(levels: EnergyLabeler.levels(quiet, grid: grid, frames: grid.frameCount(samples: quiet.count)),
                                        options: EnergyLabelOptions(), frameShiftSeconds: 0.01)
        #expect(!none.contains(FrameLabel.speech))
    }

    /// The copy's stream depends on (seed, id, copy) and on nothing else.
    @Test func randomStreamsAreKeyed() {
        func first(_ seed: UInt64, _ id: String, _ copy: Int) -> [UInt64] {
            var random = AugmentRandom(seed: seed, id: id, copy: copy)
            return (0..<4).map { _ in random.next() }
        }
        #expect(first(1, "a", 1) == first(1, "a", 1))
        #expect(first(1, "a", 1) != first(2, "a", 1))
        #expect(first(1, "a", 1) != first(1, "b", 1))
        #expect(first(1, "a", 1) != first(1, "a", 2))
    }

    @Test func optionProblems() {
        var options = AugmentOptions()
        #expect(options.problems() == ["--copies 1: augmented copies need --noise, --babble or --rir"])
        options.noise = ["n"]
        #expect(options.problems().isEmpty)
        options.snrDb = [10, .nan]
        #expect(options.problems() == ["--snr 10,nan: must be a list of finite numbers of dB between -50 and 100"])
        options.snrDb = [20, 10]
        options.snrRange = true
        #expect(options.problems() == ["--snr 20:10: must be LO:HI with LO at most HI"])
        #expect(AugmentOptions.parseSNR("0:20")! == ([0, 20], true))
        #expect(AugmentOptions.parseSNR("20,10, 5")! == ([20, 10, 5], false))
        #expect(AugmentOptions.parseSNR("20,,5") == nil)
    }
}
