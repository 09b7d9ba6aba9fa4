/// The raw-waveform front end of Model_CDNN_raw (after Sainath et al. 2015):
/// on each frame's window of L samples, P filters of N samples slide over
/// the L - N + 1 valid positions (PyTorch's `Conv1d(1, P, N)`), each filter's
/// output is max-pooled over all positions, and compressed:
///
///     y[p] = log(max(0, b[p] + max_t Σ_n W[p, n] x[t + n]) + 0.01)
///
/// The input is the first layer, so no input gradient is computed; the
/// weight gradient needs only each max's winning window, kept by `forward`.
/// Frames are convolved in chunks (im2col + one product per chunk) to bound
/// memory: a 3 s batch of 51 segments has 15,300 frames x 161 windows x 401
/// samples, 4 GB as one matrix.
public final class RawFrontEnd<S: TrainScalar>: Layer {
    public let window: Int
    public let filters: Int
    public let filterLength: Int
    public let weight: Parameter<S>
    public let bias: Parameter<S>
    static var chunkRows: Int { 128 }

    private var input: Sequences<S>?
    private var winners: [Int32] = []
    private var pooled: Buffer<S>?

    public init(_ name: String, window: Int, filters: Int, filterLength: Int, random: inout Random) {
        precondition(window >= filterLength)
        self.window = window
        self.filters = filters
        self.filterLength = filterLength
        weight = Parameter("\(name).weight", shape: [filters, 1, filterLength])
        bias = Parameter("\(name).bias", shape: [filters])
        let bound = 1 / Double(filterLength).squareRoot()
        weight.initializeUniform(bound: bound, &random)
        bias.initializeUniform(bound: bound, &random)
    }

    public var parameters: [Parameter<S>] { [weight, bias] }
    public var outputWidth: Int { filters }
    var positions: Int { window - filterLength + 1 }

    @_specialize(where S == Float)
    public func forward(_ x: Sequences<S>, mask: Buffer<S>?) -> Sequences<S> {
        precondition(x.width == window)
        let N = filterLength, P = filters, positions = positions
        let chunk = Self.chunkRows
        let patches = Buffer<S>(count: chunk * positions * N)
        let conv = Buffer<S>(count: chunk * positions * P)
        let pooled = Buffer<S>(count: x.rows * P)
        winners = Array(repeating: 0, count: x.rows * P)
        let y = Sequences<S>(steps: x.steps, batch: x.batch, width: P)
        var first = 0
        while first < x.rows {
            let rows = min(chunk, x.rows - first)
            for r in 0..<rows {
                let source = x.row(first + r)
                for t in 0..<positions { (patches.pointer + (r * positions + t) * N).update(from: source + t, count: N) }
            }
            S.gemm(transposeA: false, transposeB: true, m: rows * positions, n: P, k: N, alpha: 1,
                   a: patches.pointer, lda: N, b: weight.value.pointer, ldb: N, beta: 0, c: conv.pointer, ldc: P)
            for r in 0..<rows {
                for p in 0..<P {
                    var best = 0
                    var value = conv[r * positions * P + p]
                    for t in 1..<positions where conv[(r * positions + t) * P + p] > value {
                        value = conv[(r * positions + t) * P + p]
                        best = t
                    }
                    let row = first + r
                    winners[row * P + p] = Int32(best)
                    let v = value + bias.value[p]
                    pooled[row * P + p] = v
                    y.row(row)[p] = S.log(max(0, v) + S(0.01))
                }
            }
            first += rows
        }
        input = x
        self.pooled = pooled
        return y
    }

    @_specialize(where S == Float)
    public func backward(_ dy: Sequences<S>) -> Sequences<S> {
        let x = input!, pooled = pooled!
        let N = filterLength, P = filters
        for row in 0..<dy.rows {
            let up = dy.row(row)
            for p in 0..<P {
                let v = pooled[row * P + p]
                guard v > 0 else { continue }
                let g = up[p] / (v + S(0.01))
                bias.gradient[p] += g
                let samples = x.row(row) + Int(winners[row * P + p])
                let dw = weight.gradient.pointer + p * N
                for n in 0..<N { dw[n] += g * samples[n] }
            }
        }
        input = nil
        self.pooled = nil
        return Sequences<S>(steps: dy.steps, batch: dy.batch, width: 0)  // no input gradient (see `Layer`)
    }
}
