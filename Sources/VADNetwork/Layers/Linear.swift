/// `y = x W^T + b` on every frame: W is `[outputs, inputs]`, as in PyTorch.
public final class Linear<S: TrainScalar>: Layer {
    public let inputWidth: Int
    public let outputWidth: Int
    public let weight: Parameter<S>
    public let bias: Parameter<S>
    private var input: Sequences<S>?
    // Scratch kept between batches (every element is written before it is read).
    private var outputSpace, inputGradientSpace: Buffer<S>?

    public init(_ name: String, inputs: Int, outputs: Int, random: inout Random) {
        inputWidth = inputs
        outputWidth = outputs
        weight = Parameter("\(name).weight", shape: [outputs, inputs])
        bias = Parameter("\(name).bias", shape: [outputs])
        let bound = 1 / Double(inputs).squareRoot()
        weight.initializeUniform(bound: bound, &random)
        bias.initializeUniform(bound: bound, &random)
    }

    public var parameters: [Parameter<S>] { [weight, bias] }

    @_specialize(where S == Float)
    public func forward(_ x: Sequences<S>, mask: Buffer<S>?) -> Sequences<S> {
        precondition(x.width == inputWidth)
        input = x
        let y = Sequences<S>(steps: x.steps, batch: x.batch, width: outputWidth,
                             data: reuse(&outputSpace, count: x.rows * outputWidth))
        S.gemm(transposeA: false, transposeB: true, m: x.rows, n: outputWidth, k: inputWidth, alpha: 1,
               a: x.data.pointer, lda: inputWidth, b: weight.value.pointer, ldb: inputWidth,
               beta: 0, c: y.data.pointer, ldc: outputWidth)
        addBias(bias.value.pointer, to: y.data.pointer, rows: x.rows, width: outputWidth)
        return y
    }

    @_specialize(where S == Float)
    public func backward(_ dy: Sequences<S>) -> Sequences<S> {
        let x = input!
        // dW += dy^T x, db += column sums of dy, dx = dy W.
        S.gemm(transposeA: true, transposeB: false, m: outputWidth, n: inputWidth, k: x.rows, alpha: 1,
               a: dy.data.pointer, lda: outputWidth, b: x.data.pointer, ldb: inputWidth,
               beta: 1, c: weight.gradient.pointer, ldc: inputWidth)
        addColumnSums(dy.data.pointer, rows: dy.rows, width: outputWidth, into: bias.gradient.pointer)
        let dx = Sequences<S>(steps: x.steps, batch: x.batch, width: inputWidth,
                              data: reuse(&inputGradientSpace, count: x.rows * inputWidth))
        S.gemm(transposeA: false, transposeB: false, m: x.rows, n: inputWidth, k: outputWidth, alpha: 1,
               a: dy.data.pointer, lda: outputWidth, b: weight.value.pointer, ldb: inputWidth,
               beta: 0, c: dx.data.pointer, ldc: inputWidth)
        input = nil
        return dx
    }
}
