import Testing
@testable import VADInference

/// `predict`'s windows: every frame gets the windows that hold it, in the
/// right place, averaged with the right weights, however many windows go
/// through the network at a time.
@Suite struct WindowedInferenceTests {
    static func sequence(steps: Int, width: Int) -> Sequences<Double> {
        var random = Random(seed: 11)
        let x = Sequences<Double>(steps: steps, batch: 1, width: width)
        for r in 0..<x.rows { for d in 0..<width { x.row(r)[d] = random.normal() } }
        return x
    }

    static func slice(_ x: Sequences<Double>, from start: Int, count: Int) -> Sequences<Double> {
        let part = Sequences<Double>(steps: count, batch: 1, width: x.width)
        for t in 0..<count { part.row(t).update(from: x.row(start + t), count: x.width) }
        return part
    }

    @Test(arguments: [ModelConfig.Kind.lstm, .blstm])
    func windowsAreRunAndAveragedInPlace(kind: ModelConfig.Kind) {
        var config = ModelConfig(kind: kind)
        (config.inputs, config.hidden) = (3, 5)
        let network = Network<Double>(config, seed: 7)
        // 23 frames in windows of 8: starts 0, 4, 8, 12 and 15 (the last ends at the last frame).
        let x = Self.sequence(steps: 23, width: 3)
        let windowed = network.speechProbabilities(of: x, window: 8)
        let alone = [0, 4, 8, 12, 15].map { network.speechProbabilities(network.forward(Self.slice(x, from: $0, count: 8), mask: nil)) }
        #expect(windowed.count == 23)
        // Frames 0-3 are in the first window only, frames 20-22 in the last only.
        for t in 0..<4 { #expect(abs(windowed[t] - alone[0][t]) < 1e-12, "frame \(t)") }
        for t in 20..<23 { #expect(abs(windowed[t] - alone[4][t - 15]) < 1e-12, "frame \(t)") }
        // Frame 6 is position 6 of window 0 (weight 2) and 2 of window 1 (weight 3);
        // frame 16 is position 4 of window 3 (weight 4) and 1 of window 4 (weight 2).
        #expect(abs(windowed[6] - (2 * alone[0][6] + 3 * alone[1][2]) / 5) < 1e-12)
        #expect(abs(windowed[16] - (4 * alone[3][4] + 2 * alone[4][1]) / 6) < 1e-12)
        // No window, or one as long as the sequence: the sequence runs whole.
        let whole = network.speechProbabilities(network.forward(x, mask: nil))
        #expect(network.speechProbabilities(of: x, window: nil) == whole)
        #expect(network.speechProbabilities(of: x, window: 23) == whole)
        #expect(windowed != whole)
        // Two windows per pass (three passes) give the same probabilities as one pass.
        let passes = network.speechProbabilities(of: x, window: 8, rowsPerPass: 16)
        #expect(zip(passes, windowed).allSatisfy { abs($0 - $1) < 1e-12 })
    }
}
