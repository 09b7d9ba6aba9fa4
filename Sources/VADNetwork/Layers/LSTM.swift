/// One LSTM layer over whole sequences, forward or reverse in time, with full
/// backpropagation through time (no truncation).
///
/// PyTorch's formulation and gate order (i, f, g, o):
///
///     [i f g o] = x_t W_ih^T + h_prev W_hh^T + b
///     i, f, o = sigmoid(.)   g = tanh(.)
///     c_t = f * c_prev + i * g          h_t = o * tanh(c_t)
///
/// with one bias (PyTorch's b_ih + b_hh). The input projection of every frame
/// is one matrix product; only `h_prev W_hh^T` is computed step by step, and
/// the backward pass likewise leaves one product per step (`dG_t W_hh`), the
/// weight gradients being whole-sequence products after the loop.
///
/// With a mask, the state is multiplied by it after each step (c_t = m c̃_t,
/// h_t = m h̃_t): padding frames output zeros and, in reverse, a sequence
/// starts from a zero state at its last real frame, as with PyTorch's packed
/// sequences.
public final class LSTM<S: TrainScalar>: Layer {
    public let inputWidth: Int
    public let hidden: Int
    public let reverse: Bool
    public let weightIH: Parameter<S>
    public let weightHH: Parameter<S>
    public let bias: Parameter<S>

    // Kept by forward for backward.
    private var input: Sequences<S>?
    private var mask: Buffer<S>?
    private var gates: Buffer<S>?      // activated i f g o, [rows, 4H]
    private var cellTanh: Buffer<S>?   // tanh(c̃_t), [rows, H]
    private var cells: Buffer<S>?      // c_t, [rows, H]
    private var outputs: Sequences<S>? // h_t, [rows, H]
    // Scratch kept between batches (every element is written before it is read).
    private var gatesSpace, cellTanhSpace, cellsSpace, outputSpace, dGatesSpace, inputGradientSpace: Buffer<S>?

    public init(_ name: String, inputs: Int, hidden: Int, reverse: Bool = false, random: inout Random) {
        inputWidth = inputs
        self.hidden = hidden
        self.reverse = reverse
        weightIH = Parameter("\(name).weight_ih", shape: [4 * hidden, inputs])
        weightHH = Parameter("\(name).weight_hh", shape: [4 * hidden, hidden])
        bias = Parameter("\(name).bias", shape: [4 * hidden])
        let bound = 1 / Double(hidden).squareRoot()
        for parameter in [weightIH, weightHH, bias] { parameter.initializeUniform(bound: bound, &random) }
    }

    public var parameters: [Parameter<S>] { [weightIH, weightHH, bias] }
    public var outputWidth: Int { hidden }

    /// How many parts the time loop splits a batch of `batch` rows into: one
    /// per thread, each of at least 8 rows.
    private func parts(batch: Int) -> Int { max(1, min(ComputeThreads.count, batch / 8)) }

    /// Row block of time step `s` in processing order.
    @inline(__always) private func time(_ s: Int, of steps: Int) -> Int { reverse ? steps - 1 - s : s }

    @_specialize(where S == Float)
    public func forward(_ x: Sequences<S>, mask: Buffer<S>?) -> Sequences<S> {
        precondition(x.width == inputWidth)
        let H = hidden, G = 4 * hidden, B = x.batch, T = x.steps
        let gates = reuse(&gatesSpace, count: x.rows * G)
        let cellTanh = reuse(&cellTanhSpace, count: x.rows * H)
        let cells = reuse(&cellsSpace, count: x.rows * H)
        let h = Sequences<S>(steps: T, batch: B, width: H, data: reuse(&outputSpace, count: x.rows * H))

        S.gemm(transposeA: false, transposeB: true, m: x.rows, n: G, k: inputWidth, alpha: 1,
               a: x.data.pointer, lda: inputWidth, b: weightIH.value.pointer, ldb: inputWidth,
               beta: 0, c: gates.pointer, ldc: G)

        // The rows of the batch are independent through time: with several
        // threads, each runs the whole loop for its part of the batch.
        let biasValues = bias.value.pointer, recurrentWeights = weightHH.value.pointer
        ComputeThreads.split(B, parts: parts(batch: B)) { _, rows in
            for s in 0..<T {
                let block = time(s, of: T) * B
                let g = gates.pointer + (block + rows.lowerBound) * G
                if s > 0 {
                    let previous = time(s - 1, of: T) * B + rows.lowerBound
                    S.gemm(transposeA: false, transposeB: true, m: rows.count, n: G, k: H, alpha: 1,
                           a: h.data.pointer + previous * H, lda: H, b: recurrentWeights, ldb: H,
                           beta: 1, c: g, ldc: G)
                }
                for b in rows {
                    let c = cells.pointer + (block + b) * H
                    let out = h.row(block + b)
                    let cPrevious = s > 0 ? UnsafePointer(cells.pointer + (time(s - 1, of: T) * B + b) * H) : nil
                    LSTMCell.forwardRow(gates: gates.pointer + (block + b) * G, bias: biasValues, cPrevious: cPrevious, c: c,
                                        tanhC: cellTanh.pointer + (block + b) * H, h: out, hidden: H)
                    if let mask, mask[block + b] != 1 {
                        let m = mask[block + b]
                        for j in 0..<H { c[j] *= m; out[j] *= m }
                    }
                }
            }
        }
        input = x
        self.mask = mask
        self.gates = gates
        self.cellTanh = cellTanh
        self.cells = cells
        outputs = h
        return h
    }

    @_specialize(where S == Float)
    public func backward(_ dy: Sequences<S>) -> Sequences<S> {
        let x = input!, gates = gates!, cellTanh = cellTanh!, cells = cells!, h = outputs!
        let H = hidden, G = 4 * hidden, B = x.batch, T = x.steps
        let dGates = reuse(&dGatesSpace, count: x.rows * G)
        let dhNext = Buffer<S>(count: B * H)
        let dcNext = Buffer<S>(count: B * H)

        // Each part of the batch sums its own bias gradient; the parts' sums
        // are added in order afterwards.
        let parts = parts(batch: B)
        let biasGradients = parts > 1 ? Buffer<S>(count: parts * G) : nil
        let recurrentWeights = weightHH.value.pointer
        ComputeThreads.split(B, parts: parts) { part, rows in
            let biasGradient = biasGradients.map { $0.pointer + part * G } ?? bias.gradient.pointer
            for s in stride(from: T - 1, through: 0, by: -1) {
                let block = time(s, of: T) * B
                for b in rows {
                    let r = block + b
                    let cPrevious = s > 0 ? UnsafePointer(cells.pointer + (time(s - 1, of: T) * B + b) * H) : nil
                    LSTMCell.backwardRow(a: gates.pointer + r * G, tanhC: cellTanh.pointer + r * H, cPrevious: cPrevious,
                                         up: dy.row(r), dh: dhNext.pointer + b * H, dc: dcNext.pointer + b * H,
                                         m: mask?[r] ?? 1, d: dGates.pointer + r * G, biasGradient: biasGradient,
                                         hidden: H)
                }
                if s > 0 {  // dh_prev = dG_t W_hh
                    S.gemm(transposeA: false, transposeB: false, m: rows.count, n: H, k: G, alpha: 1,
                           a: dGates.pointer + (block + rows.lowerBound) * G, lda: G, b: recurrentWeights, ldb: H,
                           beta: 0, c: dhNext.pointer + rows.lowerBound * H, ldc: H)
                }
            }
        }
        if let biasGradients {
            for part in 0..<parts {
                let sum = biasGradients.pointer + part * G
                for k in 0..<G { bias.gradient.pointer[k] += sum[k] }
            }
        }

        // dW_hh += Σ_t dG_t^T h_prev(t): one product over the steps that have a previous one.
        if T > 1 {
            let later = reverse ? 0 : B, earlier = reverse ? B : 0
            S.gemm(transposeA: true, transposeB: false, m: G, n: H, k: (T - 1) * B, alpha: 1,
                   a: dGates.pointer + later * G, lda: G, b: h.data.pointer + earlier * H, ldb: H,
                   beta: 1, c: weightHH.gradient.pointer, ldc: H)
        }
        S.gemm(transposeA: true, transposeB: false, m: G, n: inputWidth, k: x.rows, alpha: 1,
               a: dGates.pointer, lda: G, b: x.data.pointer, ldb: inputWidth,
               beta: 1, c: weightIH.gradient.pointer, ldc: inputWidth)
        let dx = Sequences<S>(steps: T, batch: B, width: inputWidth, data: reuse(&inputGradientSpace, count: x.rows * inputWidth))
        S.gemm(transposeA: false, transposeB: false, m: x.rows, n: inputWidth, k: G, alpha: 1,
               a: dGates.pointer, lda: G, b: weightIH.value.pointer, ldb: inputWidth,
               beta: 0, c: dx.data.pointer, ldc: inputWidth)
        input = nil; self.mask = nil; self.gates = nil; self.cellTanh = nil; self.cells = nil; outputs = nil
        return dx
    }
}

/// A forward and a reverse LSTM over the same input, outputs side by side
/// (`[forward | reverse]`, 2H wide), as PyTorch's `bidirectional=True`.
public final class BidirectionalLSTM<S: TrainScalar>: Layer {
    public let forwardLSTM: LSTM<S>
    public let reverseLSTM: LSTM<S>

    public init(_ name: String, inputs: Int, hidden: Int, random: inout Random) {
        forwardLSTM = LSTM("\(name).forward", inputs: inputs, hidden: hidden, random: &random)
        reverseLSTM = LSTM("\(name).reverse", inputs: inputs, hidden: hidden, reverse: true, random: &random)
    }

    public var parameters: [Parameter<S>] { forwardLSTM.parameters + reverseLSTM.parameters }
    public var outputWidth: Int { 2 * forwardLSTM.hidden }

    @_specialize(where S == Float)
    public func forward(_ x: Sequences<S>, mask: Buffer<S>?) -> Sequences<S> {
        let a = forwardLSTM.forward(x, mask: mask), b = reverseLSTM.forward(x, mask: mask)
        let H = forwardLSTM.hidden
        let y = Sequences<S>(steps: x.steps, batch: x.batch, width: 2 * H)
        for r in 0..<x.rows {
            y.row(r).update(from: a.row(r), count: H)
            (y.row(r) + H).update(from: b.row(r), count: H)
        }
        return y
    }

    @_specialize(where S == Float)
    public func backward(_ dy: Sequences<S>) -> Sequences<S> {
        let H = forwardLSTM.hidden
        let da = Sequences<S>(steps: dy.steps, batch: dy.batch, width: H)
        let db = Sequences<S>(steps: dy.steps, batch: dy.batch, width: H)
        for r in 0..<dy.rows {
            da.row(r).update(from: dy.row(r), count: H)
            db.row(r).update(from: dy.row(r) + H, count: H)
        }
        let dx = forwardLSTM.backward(da), dxReverse = reverseLSTM.backward(db)
        for i in 0..<dx.data.count { dx.data[i] += dxReverse.data[i] }
        return dx
    }
}
