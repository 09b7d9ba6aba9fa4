import Testing
@testable import VADNetwork
@testable import VADTrain

/// Training works: a tiny model learns a synthetic task that needs memory.
@Suite struct LearningTests {
    /// Runs of "speech" (5 to 20 frames) alternate with silence; each frame's
    /// one input is ±1 plus unit Gaussian noise, so the best decision from a
    /// frame alone is right 84 % of the time, while integrating over the run
    /// gets well above 90 %.
    static func task(batch: Int, steps: Int, seed: UInt64) -> (Sequences<Float>, [UInt8]) {
        var random = Random(seed: seed)
        let x = Sequences<Float>(steps: steps, batch: batch, width: 1)
        var targets = [UInt8](repeating: 0, count: steps * batch)
        for b in 0..<batch {
            var label: UInt8 = random.below(2) == 0 ? 0 : 1
            var left = 5 + random.below(16)
            for t in 0..<steps {
                if left == 0 { label = 1 - label; left = 5 + random.below(16) }
                left -= 1
                targets[t * batch + b] = label
                x.row(t * batch + b)[0] = Float((label == 1 ? 1 : -1) + random.normal())
            }
        }
        return (x, targets)
    }

    @Test(arguments: [ModelConfig.Kind.lstm, .blstm])
    func learnsSmoothedDecisions(kind: ModelConfig.Kind) {
        var config = ModelConfig(kind: kind)
        (config.inputs, config.hidden) = (1, 8)
        let network = Network<Float>(config, seed: 3)
        let adam = Adam(network.parameters, learningRate: 0.02)
        for step in 0..<300 {
            let (x, targets) = Self.task(batch: 16, steps: 60, seed: UInt64(step))
            network.zeroGradients()
            let result = MaskedLoss.compute(config.loss, logits: network.forward(x, mask: nil), targets: targets, weights: nil)
            network.backward(result.gradient)
            adam.update()
        }
        let (x, targets) = Self.task(batch: 64, steps: 100, seed: 999)
        let result = MaskedLoss.compute(config.loss, logits: network.forward(x, mask: nil), targets: targets, weights: nil)
        let accuracy = Double(result.correct) / Double(result.frames)
        #expect(accuracy > 0.9, "\(kind): held-out accuracy \(accuracy), loss \(result.loss)")
    }

    /// The cosine schedule: --lr at the start, half at mid-run, 0 at the end; constant otherwise.
    @Test func learningRateSchedules() {
        var options = TrainOptions(model: ModelConfig(kind: .lstm))
        (options.epochs, options.learningRate) = (10, 2e-3)
        #expect([0, 5, 10].map(options.learningRate(at:)) == [2e-3, 2e-3, 2e-3])
        options.schedule = .cosine
        let rates = [0, 2.5, 5, 10].map(options.learningRate(at:))
        #expect(rates[0] == 2e-3 && abs(rates[1] - 1e-3 * (1 + 0.5.squareRoot())) < 1e-15 && abs(rates[2] - 1e-3) < 1e-15 && rates[3] == 0)
    }
}
