/// A model: layers applied in order to a batch of sequences, ending in a
/// linear layer whose outputs are logits (one for BCE, two for softmax CE).
public final class Network<S: TrainScalar> {
    public let config: ModelConfig
    public let layers: [any Layer<S>]

    /// Builds `config` with weights drawn from `seed` (PyTorch's default initialisation).
    public init(_ config: ModelConfig, seed: UInt64) {
        self.config = config
        var random = Random(seed: seed, stream: 1)
        var layers: [any Layer<S>] = []
        var width = config.inputs
        switch config.kind {
        case .lstm, .lstm2:
            for l in 0..<config.layers {
                layers.append(LSTM<S>("lstm\(l)", inputs: width, hidden: config.hidden, random: &random))
                width = config.hidden
            }
        case .blstm:
            for l in 0..<config.layers {
                let layer = BidirectionalLSTM<S>("blstm\(l)", inputs: width, hidden: config.hidden, random: &random)
                layers.append(layer)
                width = layer.outputWidth
            }
        case .cdnn, .cdnnRaw:
            if config.kind == .cdnnRaw {
                let raw = RawFrontEnd<S>("raw", window: width, filters: config.rawFilters,
                                         filterLength: config.rawFilterLength, random: &random)
                layers.append(raw)
                width = raw.outputWidth
            }
            let conv = FrequencyConv<S>("conv", inputs: width, filters: config.filters, kernel: config.kernel,
                                        pool: config.pool, needsInputGradient: config.kind == .cdnnRaw, random: &random)
            layers.append(conv)
            width = conv.outputWidth
            for l in 0..<config.layers {
                layers.append(LSTM<S>("lstm\(l)", inputs: width, hidden: config.hidden, random: &random))
                width = config.hidden
            }
        }
        layers.append(Linear<S>("out", inputs: width, outputs: config.loss.outputs, random: &random))
        self.layers = layers
    }

    public var parameters: [Parameter<S>] { layers.flatMap { $0.parameters } }

    /// Logits for every row of `x`.
    @_specialize(where S == Float)
    public func forward(_ x: Sequences<S>, mask: Buffer<S>?) -> Sequences<S> {
        var y = x
        for layer in layers { y = layer.forward(y, mask: mask) }
        return y
    }

    /// Backpropagates dLoss/dLogits through every layer (parameter gradients
    /// are added to, so zero them between steps).
    @_specialize(where S == Float)
    public func backward(_ dLogits: Sequences<S>) {
        var d = dLogits
        for (n, layer) in layers.enumerated().reversed() {
            let dx = layer.backward(d)
            if n > 0 { d = dx }
        }
    }

    public func zeroGradients() {
        for parameter in parameters { parameter.gradient.zero() }
    }

    /// The speech probability of each row: sigmoid of the logit, or the
    /// softmax's speech (second) class.
    @_specialize(where S == Float)
    public func speechProbabilities(_ logits: Sequences<S>) -> [S] {
        (0..<logits.rows).map { r in
            let z = logits.row(r)
            return config.loss == .bce ? 1 / (1 + S.exp(-z[0])) : 1 / (1 + S.exp(z[0] - z[1]))
        }
    }
}
