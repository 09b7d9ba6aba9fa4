import Testing
import VADPipeline

@Suite struct FrameGridTests {
    let kaldi = FrameGrid(sampleRate: 16000, shift: 160, length: 400, snipEdges: true)
    let centred = FrameGrid(sampleRate: 16000, shift: 160, length: 400, snipEdges: false)

    /// Kaldi's NumFrames: with snipping `1 + (n - 400) / 160` (0 below 400),
    /// without it `(n + 80) / 160`.
    @Test(arguments: [(0, 0, 0), (1, 0, 0), (79, 0, 0), (80, 0, 1), (399, 0, 2), (400, 1, 3), (559, 1, 3),
                      (560, 2, 4), (16000, 98, 100), (16079, 98, 100), (16080, 99, 101)])
    func frameCounts(samples: Int, snipped: Int, unsnipped: Int) {
        #expect(kaldi.frameCount(samples: samples) == snipped)
        #expect(centred.frameCount(samples: samples) == unsnipped)
    }

    @Test func firstSamplesAndCentres() {
        #expect(kaldi.firstSample(3) == 480)
        #expect(centred.firstSample(0) == -120)
        #expect(centred.firstSample(3) == 360)
        // Unsnipped frame i is centred at i * 10 ms + 5 ms.
        #expect(centred.centreSeconds(0) == 0.005)
        #expect(centred.centreSeconds(12) == 0.125)
        #expect(kaldi.centreSeconds(0) == 0.0125)
    }

    /// A frame belongs to [start, end) when its centre does; a centre exactly on
    /// a boundary belongs to the segment starting there.
    @Test func framesCentredInSegments() {
        // Centres 5, 15, 25, 35 ... ms.
        #expect(centred.frames(centredIn: 0.0, 0.03, frameCount: 100) == 0..<3)
        #expect(centred.frames(centredIn: 0.015, 0.035, frameCount: 100) == 1..<3)
        #expect(centred.frames(centredIn: 0.0151, 0.0351, frameCount: 100) == 2..<4)
        #expect(centred.frames(centredIn: 0.016, 0.024, frameCount: 100) == 2..<2)
        // Times are rounded to whole samples first: 0.01500001 s is sample 240.
        #expect(centred.frames(centredIn: 0.01500001, 0.035, frameCount: 100) == 1..<3)
        // Clamped to the frames that exist.
        #expect(centred.frames(centredIn: 0.5, 2.0, frameCount: 100) == 50..<100)
        #expect(centred.frames(centredIn: 1.5, 2.0, frameCount: 100) == 100..<100)
        // Absurd times (a fuzzed label file) clamp instead of trapping.
        #expect(centred.frames(centredIn: 0.5, 1e300, frameCount: 100) == 50..<100)
        #expect(centred.sampleBoundary(seconds: -1e300) < 0 && centred.sampleBoundary(seconds: .infinity) > 0)
        // Snipped frames are centred at 12.5, 22.5 ... ms.
        #expect(kaldi.frames(centredIn: 0.0, 0.0225, frameCount: 98) == 0..<1)
        #expect(kaldi.frames(centredIn: 0.0, 0.0226, frameCount: 98) == 0..<2)
        #expect(kaldi.frames(centredIn: 0.0, 0.02251, frameCount: 98) == 0..<1)  // 360.16 rounds to sample 360
    }
}

@Suite struct StreamingFramerTests {
    /// Frames cut from the whole signal at once, reflecting at the edges the way Kaldi does.
    static func reference(_ signal: [Float], grid: FrameGrid) -> [[Float]] {
        let n = signal.count
        return (0..<grid.frameCount(samples: n)).map { frame in
            (0..<grid.length).map { j in
                var s = grid.firstSample(frame) + j
                while s < 0 || s >= n { s = s < 0 ? -s - 1 : 2 * n - 1 - s }
                return signal[s]
            }
        }
    }

    /// Whatever the block sizes, streaming gives exactly the frames of the whole signal.
    @Test(arguments: [true, false])
    func blocksDoNotMatter(snipEdges: Bool) {
        let grid = FrameGrid(sampleRate: 16000, shift: 160, length: 400, snipEdges: snipEdges)
        var state: UInt64 = 42
        for samples in [1, 7, 150, 399, 400, 401, 1000, 70_001, 200_000] {
            let signal = (0..<samples).map { Float($0 % 1013) - 500 }
            let expected = Self.reference(signal, grid: grid)
            for blockLimit in [1, 160, 4096, 100_000] {
                var framer = StreamingFramer(grid: grid)
                var frames: [[Float]] = []
                var position = 0
                while position < samples {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let size = min(samples - position, 1 + Int(state >> 33) % blockLimit)
                    signal[position..<(position + size)].withUnsafeBufferPointer { block in
                        framer.accept(block) { index, frame in
                            #expect(index == frames.count)
                            frames.append(Array(frame))
                        }
                    }
                    position += size
                }
                let count = framer.finish { _, frame in frames.append(Array(frame)) }
                #expect(count == expected.count)
                #expect(frames == expected, "samples \(samples), blocks up to \(blockLimit)")
            }
        }
    }
}

@Suite struct DeltaAndCMVNTests {
    @Test func deltaScales() {
        let options = DeltaOptions()
        #expect(options.scales[1] == [-0.2, -0.1, 0, 0.1, 0.2])
        var second = DeltaOptions()
        second.order = 2
        #expect(second.scales[2].count == 9)
        #expect(abs(second.scales[2].reduce(0, +)) < 1e-12)
    }

    /// One feature, frames 0, 1, 4, 9, 16: deltas by hand with edges replicated.
    @Test func deltasByHand() {
        let x: [Float] = [0, 1, 4, 9, 16]
        let out = Deltas.apply(DeltaOptions(), to: x, dimension: 1)
        // t=0 sees [0, 0, 0, 1, 4]: (-2*0 - 0 + 0 + 1 + 2*4) / 10 = 0.9
        // t=2 sees [0, 1, 4, 9, 16]: (0 - 1 + 9 + 32) / 10 = 4
        // t=3 sees [1, 4, 9, 16, 16]: (-2 - 4 + 16 + 32) / 10 = 4.2
        // t=4 sees [4, 9, 16, 16, 16]: (-8 - 9 + 16 + 32) / 10 = 3.1
        let expected: [Float] = [0, 0.9, 1, 2.2, 4, 4.0, 9, 4.2, 16, 3.1]
        for (a, b) in zip(out, expected) { #expect(abs(a - b) < 1e-6) }
        // Two features stay independent and keep their order: [x0, x1, dx0, dx1].
        let two = Deltas.apply(DeltaOptions(), to: [1, 10, 2, 20, 3, 30], dimension: 2)
        #expect(two.count == 12)
        // Row t=1 sees [1, 1, 2, 3, 3] and ten times that: (-2 - 1 + 3 + 6) / 10 = 0.6 and 6.
        #expect(Array(two[4..<6]) == [2, 20])
        #expect(abs(two[6] - 0.6) < 1e-6 && abs(two[7] - 6) < 1e-5)
    }

    /// Kaldi's left-looking window: the first 100 frames share [0, 100); up to
    /// frame 600 the window is [0, t + 1); then the last 601 frames.
    @Test func slidingWindows() {
        let options = CMVNOptions()
        #expect(CMVN.slidingWindow(frame: 0, frames: 1000, options: options) == 0..<100)
        #expect(CMVN.slidingWindow(frame: 99, frames: 1000, options: options) == 0..<100)
        #expect(CMVN.slidingWindow(frame: 100, frames: 1000, options: options) == 0..<101)
        #expect(CMVN.slidingWindow(frame: 700, frames: 1000, options: options) == 100..<701)
        #expect(CMVN.slidingWindow(frame: 10, frames: 50, options: options) == 0..<50)
    }

    @Test func utteranceCMVNRemovesTheMean() {
        var options = CMVNOptions()
        options.mode = .utterance
        options.normalizeVariance = true
        var x: [Float] = [1, 10, 2, 30, 3, 50, 6, 70]
        CMVN.apply(options, to: &x, dimension: 2)
        let first = stride(from: 0, to: 8, by: 2).map { Double(x[$0]) }
        #expect(abs(first.reduce(0, +)) < 1e-6)
        #expect(abs(first.map { $0 * $0 }.reduce(0, +) / 4 - 1) < 1e-6)
    }

    @Test func slidingCMVNSubtractsTheWindowMean() {
        var options = CMVNOptions()
        options.mode = .sliding
        options.window = 2
        options.minWindow = 1
        var x: [Float] = [1, 2, 3, 4, 5]
        CMVN.apply(options, to: &x, dimension: 1)
        // windows: t0 [0,1)... with window 2: t=0 -> [0,1) after min-window; t=3 -> [1,4).
        let windows = (0..<5).map { CMVN.slidingWindow(frame: $0, frames: 5, options: options) }
        let input: [Float] = [1, 2, 3, 4, 5]
        for t in 0..<5 {
            let mean = windows[t].map { input[$0] }.reduce(0, +) / Float(windows[t].count)
            #expect(abs(x[t] - (input[t] - mean)) < 1e-6)
        }
    }
}
