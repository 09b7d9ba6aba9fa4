import CLSTMKernels

/// The element-wise part of one LSTM step for one row of the batch, between
/// the step's matrix products: gate activations and cell update forward,
/// pre-activation gradients backward.
///
/// For `Float` on a processor with AVX2 and FMA these run the C kernels of
/// `CLSTMKernels` (eight lanes, fused multiply-add); otherwise, and for
/// `Double`, the portable loops below. Both compute the same formulas; the
/// tests hold them to each other.
enum LSTMCell {
    /// Whether this processor runs the AVX2 and FMA kernels.
    static let vectorKernels = clstm_has_avx2_fma() != 0

    /// Adds `bias` to the 4H pre-activations in `gates` (i, f, g, o), activates
    /// them in place and writes `c = f c_prev + i g` (`cPrevious` nil: zero),
    /// `tanhC = tanh(c)` and `h = o tanhC`.
    @inline(__always)
    static func forwardRow<S: TrainScalar>(
        gates: UnsafeMutablePointer<S>, bias: UnsafePointer<S>, cPrevious: UnsafePointer<S>?,
        c: UnsafeMutablePointer<S>, tanhC: UnsafeMutablePointer<S>, h: UnsafeMutablePointer<S>, hidden: Int
    ) {
        if S.self == Float.self, vectorKernels {
            clstm_forward_row_avx2(float(gates), float(bias), cPrevious.map(float), float(c), float(tanhC), float(h), hidden)
        } else {
            portableForwardRow(gates: gates, bias: bias, cPrevious: cPrevious, c: c, tanhC: tanhC, h: h, hidden: hidden)
        }
    }

    /// From the activated gates `a`, `tanhC`, `cPrevious` (nil: zero), the
    /// gradient from above `up`, the recurrent gradients `dh` and `dc` (which
    /// becomes the previous step's) and the mask value `m`: writes the
    /// pre-activation gradients `d` (4H) and adds them to `biasGradient`.
    @inline(__always)
    static func backwardRow<S: TrainScalar>(
        a: UnsafePointer<S>, tanhC: UnsafePointer<S>, cPrevious: UnsafePointer<S>?, up: UnsafePointer<S>,
        dh: UnsafePointer<S>, dc: UnsafeMutablePointer<S>, m: S, d: UnsafeMutablePointer<S>,
        biasGradient: UnsafeMutablePointer<S>, hidden: Int
    ) {
        if S.self == Float.self, vectorKernels {
            clstm_backward_row_avx2(float(a), float(tanhC), cPrevious.map(float), float(up), float(dh), float(dc),
                                    unsafeBitCast(m, to: Float.self), float(d), float(biasGradient), hidden)
        } else {
            portableBackwardRow(a: a, tanhC: tanhC, cPrevious: cPrevious, up: up, dh: dh, dc: dc, m: m, d: d,
                                biasGradient: biasGradient, hidden: hidden)
        }
    }

    /// `y = W x` (or `y += W x` when `accumulate`) for a row-major `W` of
    /// `rows` x `columns`, row stride `stride`: the products of one frame when
    /// a causal network is stepped (BLAS would spend more on dispatch and
    /// packing than on the few thousand multiply-adds).
    @inline(__always)
    static func matrixVector(_ w: UnsafePointer<Float>, stride: Int, _ x: UnsafePointer<Float>,
                             into y: UnsafeMutablePointer<Float>, rows: Int, columns: Int, accumulate: Bool) {
        if vectorKernels {
            clstm_matvec_avx2(w, stride, x, y, rows, columns, accumulate ? 1 : 0)
        } else {
            portableMatrixVector(w, stride: stride, x, into: y, rows: rows, columns: columns, accumulate: accumulate)
        }
    }

    static func portableMatrixVector(_ w: UnsafePointer<Float>, stride: Int, _ x: UnsafePointer<Float>,
                                     into y: UnsafeMutablePointer<Float>, rows: Int, columns: Int, accumulate: Bool) {
        for r in 0..<rows {
            let row = w + r * stride
            var sum: Float = 0
            for k in 0..<columns { sum += row[k] * x[k] }
            y[r] = accumulate ? y[r] + sum : sum
        }
    }

    static func portableForwardRow<S: TrainScalar>(
        gates row: UnsafeMutablePointer<S>, bias: UnsafePointer<S>, cPrevious: UnsafePointer<S>?,
        c: UnsafeMutablePointer<S>, tanhC: UnsafeMutablePointer<S>, h: UnsafeMutablePointer<S>, hidden H: Int
    ) {
        for k in 0..<(4 * H) { row[k] += bias[k] }
        S.sigmoid(row, count: 2 * H)          // i, f
        S.tanh(row + 2 * H, count: H)         // g
        S.sigmoid(row + 3 * H, count: H)      // o
        if let cPrevious {
            for j in 0..<H { c[j] = row[H + j] * cPrevious[j] + row[j] * row[2 * H + j] }
        } else {
            for j in 0..<H { c[j] = row[j] * row[2 * H + j] }
        }
        tanhC.update(from: c, count: H)
        S.tanh(tanhC, count: H)
        for j in 0..<H { h[j] = row[3 * H + j] * tanhC[j] }
    }

    static func portableBackwardRow<S: TrainScalar>(
        a: UnsafePointer<S>, tanhC tc: UnsafePointer<S>, cPrevious: UnsafePointer<S>?, up: UnsafePointer<S>,
        dh: UnsafePointer<S>, dc: UnsafeMutablePointer<S>, m: S, d: UnsafeMutablePointer<S>,
        biasGradient db: UnsafeMutablePointer<S>, hidden H: Int
    ) {
        for j in 0..<H {
            let i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j], t = tc[j]
            let dhTilde = (up[j] + dh[j]) * m
            let dcTilde = dc[j] * m + dhTilde * o * (1 - t * t)
            d[j] = dcTilde * g * i * (1 - i)
            d[H + j] = dcTilde * (cPrevious?[j] ?? 0) * f * (1 - f)
            d[2 * H + j] = dcTilde * i * (1 - g * g)
            d[3 * H + j] = dhTilde * t * o * (1 - o)
            dc[j] = dcTilde * f
        }
        for k in 0..<(4 * H) { db[k] += d[k] }
    }

    @inline(__always)
    private static func float<S>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
    }

    @inline(__always)
    private static func float<S>(_ p: UnsafePointer<S>) -> UnsafePointer<Float> {
        UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
    }
}
