import Testing
@testable import VADNetwork
@testable import VADTrain

/// Every layer's and every model's gradients against central finite
/// differences, in double precision so that a wrong term shows as an error
/// many orders of magnitude above the 1e-6 tolerance.
@Suite struct GradientCheckTests {
    /// Random sequences with values in [-1, 1).
    static func sequences(steps: Int, batch: Int, width: Int, seed: UInt64) -> Sequences<Double> {
        var random = Random(seed: seed)
        let x = Sequences<Double>(steps: steps, batch: batch, width: width)
        for i in 0..<x.data.count { x.data[i] = random.uniform(-1, 1) }
        return x
    }

    /// Whether `analytic` and `numeric` agree to a relative 1e-6 (absolute near 0).
    static func agree(_ analytic: Double, _ numeric: Double) -> Bool {
        abs(analytic - numeric) <= 1e-6 * max(1, abs(analytic), abs(numeric))
    }

    /// Checks a layer's parameter and input gradients for the objective
    /// L = Σ r ⊙ layer(x), with fixed random weights r.
    static func check(_ layer: some Layer<Double>, input x: Sequences<Double>, mask: Buffer<Double>? = nil,
                      inputGradient: Bool = true, seed: UInt64 = 9) {
        let y = layer.forward(x, mask: mask)
        let r = sequences(steps: y.steps, batch: y.batch, width: y.width, seed: seed)
        func objective() -> Double {
            let out = layer.forward(x, mask: mask)
            return (0..<out.data.count).reduce(0) { $0 + out.data[$1] * r.data[$1] }
        }
        for parameter in layer.parameters { parameter.gradient.zero() }
        let dx = layer.backward(r)
        let analytic = layer.parameters.map { $0.gradient.copy() }
        for (n, parameter) in layer.parameters.enumerated() {
            for i in sampled(parameter.count) {
                let numeric = centralDifference(parameter.value, i, objective)
                #expect(agree(analytic[n][i], numeric), "\(parameter.name)[\(i)]: analytic \(analytic[n][i]), numeric \(numeric)")
            }
        }
        guard inputGradient else { return }
        for i in sampled(x.data.count) {
            let numeric = centralDifference(x.data, i, objective)
            #expect(agree(dx.data[i], numeric), "input[\(i)]: analytic \(dx.data[i]), numeric \(numeric)")
        }
    }

    /// (f(v + h) - f(v - h)) / 2h for the value `buffer[i]`, restored afterwards.
    static func centralDifference(_ buffer: Buffer<Double>, _ i: Int, _ objective: () -> Double) -> Double {
        let h = 1e-6, saved = buffer[i]
        buffer[i] = saved + h
        let plus = objective()
        buffer[i] = saved - h
        let minus = objective()
        buffer[i] = saved
        return (plus - minus) / (2 * h)
    }

    /// Up to 40 indices spread over 0..<count.
    static func sampled(_ count: Int) -> [Int] {
        count <= 40 ? Array(0..<count) : (0..<40).map { $0 * count / 40 + ($0 % 3) }
    }

    @Test func linear() {
        var random = Random(seed: 1)
        Self.check(Linear<Double>("l", inputs: 5, outputs: 3, random: &random), input: Self.sequences(steps: 4, batch: 2, width: 5, seed: 2))
    }

    @Test(arguments: [false, true])
    func lstm(reverse: Bool) {
        var random = Random(seed: 1)
        let layer = LSTM<Double>("lstm", inputs: 3, hidden: 4, reverse: reverse, random: &random)
        Self.check(layer, input: Self.sequences(steps: 6, batch: 2, width: 3, seed: 2))
    }

    /// With padding: the second sequence ends after 3 of 6 frames.
    @Test(arguments: [false, true])
    func lstmWithMask(reverse: Bool) {
        var random = Random(seed: 1)
        let layer = LSTM<Double>("lstm", inputs: 3, hidden: 4, reverse: reverse, random: &random)
        let mask = Buffer<Double>((0..<6).flatMap { t in [1.0, t < 3 ? 1 : 0] })
        Self.check(layer, input: Self.sequences(steps: 6, batch: 2, width: 3, seed: 2), mask: mask)
    }

    /// With two threads a batch of 16 is split in two halves that run the time
    /// loop concurrently: the gradients are still right (padding in one half),
    /// and the outputs are those of one thread.
    @Test(arguments: [false, true])
    func lstmSplitOverThreads(reverse: Bool) {
        let threads = ComputeThreads.count
        defer { ComputeThreads.use(threads) }
        let x = Self.sequences(steps: 5, batch: 16, width: 3, seed: 2)
        let mask = Buffer<Double>((0..<5).flatMap { t in (0..<16).map { b in b == 11 && t >= 2 ? 0.0 : 1 } })
        var outputs: [[Double]] = []
        for count in [1, 2] {
            ComputeThreads.use(count)
            var random = Random(seed: 1)
            let layer = LSTM<Double>("lstm", inputs: 3, hidden: 4, reverse: reverse, random: &random)
            outputs.append(layer.forward(x, mask: mask).data.array)
            if count == 2 { Self.check(layer, input: x, mask: mask) }
        }
        #expect(zip(outputs[0], outputs[1]).allSatisfy { abs($0 - $1) <= 1e-12 })
    }

    @Test func bidirectionalLSTM() {
        var random = Random(seed: 1)
        Self.check(BidirectionalLSTM<Double>("b", inputs: 3, hidden: 2, random: &random),
                   input: Self.sequences(steps: 5, batch: 2, width: 3, seed: 2))
    }

    @Test func frequencyConv() {
        var random = Random(seed: 1)
        let layer = FrequencyConv<Double>("conv", inputs: 12, filters: 3, kernel: 4, pool: 3, needsInputGradient: true, random: &random)
        #expect(layer.outputWidth == 3 * 3)
        Self.check(layer, input: Self.sequences(steps: 3, batch: 2, width: 12, seed: 2))
    }

    @Test func rawFrontEnd() {
        var random = Random(seed: 1)
        let layer = RawFrontEnd<Double>("raw", window: 11, filters: 3, filterLength: 5, random: &random)
        // Shift the inputs up so most filters' maxima are positive (the ReLU passes them).
        let x = Self.sequences(steps: 3, batch: 2, width: 11, seed: 2)
        for i in 0..<x.data.count { x.data[i] += 0.5 }
        Self.check(layer, input: x, inputGradient: false)
    }

    /// Every model's masked loss, end to end, with small sizes.
    @Test(arguments: ModelConfig.Kind.allCases, ModelConfig.Loss.allCases)
    func modelLoss(kind: ModelConfig.Kind, loss: ModelConfig.Loss) {
        var config = ModelConfig(kind: kind)
        (config.hidden, config.filters, config.kernel, config.rawFilters, config.rawFilterLength, config.loss) = (3, 2, 3, 7, 5, loss)
        config.inputs = kind == .cdnnRaw ? 9 : 8
        let network = Network<Double>(config, seed: 4)
        let (steps, batch) = (5, 3)
        let x = Self.sequences(steps: steps, batch: batch, width: config.inputs, seed: 5)
        if kind == .cdnnRaw { for i in 0..<x.data.count { x.data[i] += 0.5 } }
        var random = Random(seed: 6)
        // Targets 0/1 with some unknown (255); the last sequence padded after 2 frames.
        let targets: [UInt8] = (0..<(steps * batch)).map { _ in [0, 1, 1, 0, 255][random.below(5)] }
        let mask = Buffer<Double>((0..<steps).flatMap { t in [1.0, 1, t < 2 ? 1 : 0] })
        func lossValue() -> Double {
            MaskedLoss.compute(config.loss, logits: network.forward(x, mask: mask), targets: targets, weights: mask).loss
        }
        network.zeroGradients()
        let result = MaskedLoss.compute(config.loss, logits: network.forward(x, mask: mask), targets: targets, weights: mask)
        #expect(result.frames > 0 && result.loss > 0)
        network.backward(result.gradient)
        for parameter in network.parameters {
            for i in Self.sampled(parameter.count).prefix(12) {
                let analytic = parameter.gradient[i]
                let numeric = Self.centralDifference(parameter.value, i, lossValue)
                #expect(Self.agree(analytic, numeric), "\(kind) \(loss) \(parameter.name)[\(i)]: analytic \(analytic), numeric \(numeric)")
            }
        }
    }

    /// The check itself catches a wrong gradient: a deliberately perturbed
    /// analytic value disagrees.
    @Test func toleranceCanFail() {
        #expect(!Self.agree(1.000_01, 1.0))
        #expect(Self.agree(1.000_000_1, 1.0))
    }
}
