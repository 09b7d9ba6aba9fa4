/// The CDNN's front block on each frame's feature vector, PyTorch's
/// `Conv2d(1, C, (1, K))`, `MaxPool2d((1, P))`, `ReLU`, then flattening
/// channels x positions per frame:
///
///     conv[c, w] = b[c] + Σ_k W[c, k] x[w + k]       w < F - K + 1 = Wc
///     out[c * Wp + j] = max(0, max_{w in jP..<jP+P} conv[c, w])   j < Wp = Wc / P
///
/// The convolution is one matrix product over all frames' patches (im2col);
/// the pool remembers its argmax so the backward pass routes each gradient
/// to the one position that won.
public final class FrequencyConv<S: TrainScalar>: Layer {
    public let inputWidth: Int
    public let filters: Int
    public let kernel: Int
    public let pool: Int
    public let weight: Parameter<S>
    public let bias: Parameter<S>
    /// Whether `backward` computes dLoss/dInput (not for a network's first layer).
    public let needsInputGradient: Bool

    private var patches: Buffer<S>?
    private var winners: [Int32] = []
    private var outputs: Sequences<S>?

    public init(_ name: String, inputs: Int, filters: Int, kernel: Int, pool: Int, needsInputGradient: Bool,
                random: inout Random) {
        precondition(inputs >= kernel && (inputs - kernel + 1) / pool >= 1)
        inputWidth = inputs
        self.filters = filters
        self.kernel = kernel
        self.pool = pool
        self.needsInputGradient = needsInputGradient
        weight = Parameter("\(name).weight", shape: [filters, 1, 1, kernel])
        bias = Parameter("\(name).bias", shape: [filters])
        let bound = 1 / Double(kernel).squareRoot()
        weight.initializeUniform(bound: bound, &random)
        bias.initializeUniform(bound: bound, &random)
    }

    public var parameters: [Parameter<S>] { [weight, bias] }
    var convolved: Int { inputWidth - kernel + 1 }
    var pooled: Int { convolved / pool }
    public var outputWidth: Int { filters * pooled }

    @_specialize(where S == Float)
    public func forward(_ x: Sequences<S>, mask: Buffer<S>?) -> Sequences<S> {
        let Wc = convolved, Wp = pooled, C = filters, K = kernel
        let patches = Buffer<S>(count: x.rows * Wc * K)
        for r in 0..<x.rows {
            let source = x.row(r)
            for w in 0..<Wc { (patches.pointer + (r * Wc + w) * K).update(from: source + w, count: K) }
        }
        let conv = Buffer<S>(count: x.rows * Wc * C)
        S.gemm(transposeA: false, transposeB: true, m: x.rows * Wc, n: C, k: K, alpha: 1,
               a: patches.pointer, lda: K, b: weight.value.pointer, ldb: K, beta: 0, c: conv.pointer, ldc: C)
        let y = Sequences<S>(steps: x.steps, batch: x.batch, width: outputWidth)
        winners = Array(repeating: 0, count: x.rows * C * Wp)
        for r in 0..<x.rows {
            let out = y.row(r)
            for c in 0..<C {
                for j in 0..<Wp {
                    var best = j * pool
                    for w in (j * pool + 1)..<(j * pool + pool) where conv[(r * Wc + w) * C + c] > conv[(r * Wc + best) * C + c] {
                        best = w
                    }
                    winners[(r * C + c) * Wp + j] = Int32(best)
                    out[c * Wp + j] = max(0, conv[(r * Wc + best) * C + c] + bias.value[c])
                }
            }
        }
        self.patches = patches
        outputs = y
        return y
    }

    @_specialize(where S == Float)
    public func backward(_ dy: Sequences<S>) -> Sequences<S> {
        let patches = patches!, y = outputs!
        let Wc = convolved, Wp = pooled, C = filters, K = kernel, rows = dy.rows
        let dConv = Buffer<S>(count: rows * Wc * C)
        for r in 0..<rows {
            let up = dy.row(r), out = y.row(r)
            for c in 0..<C {
                for j in 0..<Wp where out[c * Wp + j] > 0 {
                    dConv[(r * Wc + Int(winners[(r * C + c) * Wp + j])) * C + c] += up[c * Wp + j]
                }
            }
        }
        S.gemm(transposeA: true, transposeB: false, m: C, n: K, k: rows * Wc, alpha: 1,
               a: dConv.pointer, lda: C, b: patches.pointer, ldb: K, beta: 1, c: weight.gradient.pointer, ldc: K)
        addColumnSums(dConv.pointer, rows: rows * Wc, width: C, into: bias.gradient.pointer)
        let dx = Sequences<S>(steps: dy.steps, batch: dy.batch, width: needsInputGradient ? inputWidth : 0)
        if needsInputGradient {
            let dPatches = Buffer<S>(count: rows * Wc * K)
            S.gemm(transposeA: false, transposeB: false, m: rows * Wc, n: K, k: C, alpha: 1,
                   a: dConv.pointer, lda: C, b: weight.value.pointer, ldb: K, beta: 0, c: dPatches.pointer, ldc: K)
            for r in 0..<rows {
                let target = dx.row(r)
                for w in 0..<Wc {
                    let patch = dPatches.pointer + (r * Wc + w) * K
                    for k in 0..<K { target[w + k] += patch[k] }
                }
            }
        }
        self.patches = nil
        outputs = nil
        return dx
    }
}
