/// A causal network run one frame at a time, each LSTM layer carrying its
/// state from one frame to the next: speech probabilities for a stream.
///
/// Every frame goes through the same computation whichever way the frames
/// arrive (matrix-vector products of `LSTMCell.matrixVector`, one per layer
/// and step), so a recording stepped through in one go and the same recording
/// streamed in pieces give bit-identical probabilities. They are not
/// bit-identical to `forward` over the whole sequence, whose input projection
/// is one product over all frames (BLAS may sum in another order for another
/// row count); `predict --window 0` therefore steps too.
///
/// Only models that never look at a later frame can be stepped: a
/// bidirectional LSTM is refused.
public final class FrameStepper {
    /// The model needs the future, or is otherwise not a stack of causal layers.
    public struct NotCausal: Error, CustomStringConvertible {
        public var description: String
    }

    public let network: Network<Float>
    private let stages: [Stage]
    /// Frames stepped through since the start (or `reset`).
    public private(set) var frames = 0

    private enum Stage {
        case recurrent(LSTM<Float>, LSTMStepState)
        case frameWise(any Layer<Float>)
    }

    public init(_ network: Network<Float>) throws(NotCausal) {
        self.network = network
        var stages: [Stage] = []
        for layer in network.layers {
            if let lstm = layer as? LSTM<Float> {
                guard !lstm.reverse else { throw NotCausal(description: "a reverse LSTM layer needs the frames after each frame") }
                stages.append(.recurrent(lstm, LSTMStepState(hidden: lstm.hidden, inputs: lstm.inputWidth)))
            } else if layer is BidirectionalLSTM<Float> {
                throw NotCausal(description: "a \(network.config.kind.rawValue) model reads every frame in both directions, so each "
                                + "frame's probability needs the end of the recording; stream a causal model (lstm, lstm2, cdnn, cdnn-raw)")
            } else if layer is Linear<Float> || layer is FrequencyConv<Float> || layer is RawFrontEnd<Float> {
                stages.append(.frameWise(layer))
            } else {
                throw NotCausal(description: "layer \(type(of: layer)) cannot be run one frame at a time")
            }
        }
        self.stages = stages
    }

    /// Forgets the recurrent state: the next frame starts a new sequence.
    public func reset() {
        for case .recurrent(_, let state) in stages { state.started = false }
        frames = 0
    }

    /// The speech probability of the next frame, whose `network.config.inputs`
    /// inputs (normalised as the model's training data was) are at `input`.
    public func probability(of input: UnsafePointer<Float>) -> Float {
        var x = Sequences<Float>(steps: 1, batch: 1, width: network.config.inputs)
        x.row(0).update(from: input, count: x.width)
        for stage in stages {
            switch stage {
            case .recurrent(let lstm, let state):
                x = lstm.step(x, state: state)
            case .frameWise(let layer as Linear<Float>):
                x = layer.step(x)
            case .frameWise(let layer):
                x = layer.forward(x, mask: nil)
            }
        }
        frames += 1
        return network.speechProbabilities(x)[0]
    }
}

/// One LSTM layer's state between frames, and its scratch space.
final class LSTMStepState {
    let gates: Buffer<Float>
    var c: Buffer<Float>, h: Buffer<Float>
    var nextC: Buffer<Float>, nextH: Buffer<Float>
    let tanhC: Buffer<Float>
    var started = false

    init(hidden: Int, inputs: Int) {
        gates = Buffer(count: 4 * hidden)
        (c, h, nextC, nextH, tanhC) = (Buffer(count: hidden), Buffer(count: hidden), Buffer(count: hidden),
                                       Buffer(count: hidden), Buffer(count: hidden))
    }
}

extension Linear where S == Float {
    /// `forward` for one frame: `W x + b` as one matrix-vector product.
    func step(_ x: Sequences<Float>) -> Sequences<Float> {
        precondition(x.rows == 1 && x.width == inputWidth)
        let y = Sequences<Float>(steps: 1, batch: 1, width: outputWidth)
        LSTMCell.matrixVector(weight.value.pointer, stride: inputWidth, x.data.pointer, into: y.data.pointer,
                              rows: outputWidth, columns: inputWidth, accumulate: false)
        for j in 0..<outputWidth { y.data.pointer[j] += bias.value.pointer[j] }
        return y
    }
}

extension LSTM where S == Float {
    /// One time step of a forward LSTM for one sequence: the computation of
    /// `forward` for a batch of one at step `s` (input projection, then the
    /// recurrent product added when there is a previous step, then the cell),
    /// with `state` holding h and c of the previous step.
    func step(_ x: Sequences<Float>, state: LSTMStepState) -> Sequences<Float> {
        precondition(x.rows == 1 && x.width == inputWidth && !reverse)
        let H = hidden, G = 4 * hidden
        LSTMCell.matrixVector(weightIH.value.pointer, stride: inputWidth, x.data.pointer, into: state.gates.pointer,
                              rows: G, columns: inputWidth, accumulate: false)
        if state.started {
            LSTMCell.matrixVector(weightHH.value.pointer, stride: H, state.h.pointer, into: state.gates.pointer,
                                  rows: G, columns: H, accumulate: true)
        }
        LSTMCell.forwardRow(gates: state.gates.pointer, bias: bias.value.pointer,
                            cPrevious: state.started ? UnsafePointer(state.c.pointer) : nil,
                            c: state.nextC.pointer, tanhC: state.tanhC.pointer, h: state.nextH.pointer, hidden: H)
        swap(&state.c, &state.nextC)
        swap(&state.h, &state.nextH)
        state.started = true
        let out = Sequences<Float>(steps: 1, batch: 1, width: H)
        out.row(0).update(from: state.h.pointer, count: H)
        return out
    }
}
