import Testing
@testable import VADNetwork
@testable import VADTrain

/// The AVX2 kernels of the LSTM cell compute what the portable loops do.
@Suite struct LSTMCellTests {
    static let hidden = 37  // not a multiple of 8: the kernels' remainder loop runs too

    static func values(_ count: Int, scale: Float, _ random: inout Random) -> [Float] {
        (0..<count).map { _ in scale * Float(random.normal()) }
    }

    static func expectClose(_ a: [Float], _ b: [Float], _ what: String) {
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst < 1e-5, "\(what): worst difference \(worst)")
    }

    @Test(.enabled(if: LSTMCell.vectorKernels, "this processor has no AVX2 and FMA"), arguments: [false, true])
    func kernelsAgreeWithPortableLoops(firstStep: Bool) {
        let H = Self.hidden
        var random = Random(seed: 9)
        let pre = Self.values(4 * H, scale: 3, &random), bias = Self.values(4 * H, scale: 1, &random)
        let cPrevious = Self.values(H, scale: 2, &random)
        var outputs: [[[Float]]] = []
        for vector in [true, false] {
            var gates = pre, c = [Float](repeating: 0, count: H), tanhC = c, h = c
            cPrevious.withUnsafeBufferPointer { cp in
                let previous = firstStep ? nil : cp.baseAddress!
                if vector {
                    LSTMCell.forwardRow(gates: &gates, bias: bias, cPrevious: previous, c: &c, tanhC: &tanhC, h: &h, hidden: H)
                } else {
                    LSTMCell.portableForwardRow(gates: &gates, bias: bias, cPrevious: previous, c: &c, tanhC: &tanhC, h: &h, hidden: H)
                }
            }
            outputs.append([gates, c, tanhC, h])
        }
        for (name, (vector, portable)) in zip(["gates", "c", "tanh c", "h"], zip(outputs[0], outputs[1])) {
            Self.expectClose(vector, portable, "forward \(name)")
        }

        let activated = outputs[1][0], tanhC = outputs[1][2]
        let up = Self.values(H, scale: 1, &random), dh = Self.values(H, scale: 1, &random)
        let dcIn = Self.values(H, scale: 1, &random), biasGradientIn = Self.values(4 * H, scale: 1, &random)
        var gradients: [[[Float]]] = []
        for vector in [true, false] {
            var dc = dcIn, d = [Float](repeating: 0, count: 4 * H), biasGradient = biasGradientIn
            cPrevious.withUnsafeBufferPointer { cp in
                let previous = firstStep ? nil : cp.baseAddress!
                if vector {
                    LSTMCell.backwardRow(a: activated, tanhC: tanhC, cPrevious: previous, up: up, dh: dh, dc: &dc, m: 0.75,
                                         d: &d, biasGradient: &biasGradient, hidden: H)
                } else {
                    LSTMCell.portableBackwardRow(a: activated, tanhC: tanhC, cPrevious: previous, up: up, dh: dh, dc: &dc,
                                                 m: 0.75, d: &d, biasGradient: &biasGradient, hidden: H)
                }
            }
            gradients.append([dc, d, biasGradient])
        }
        for (name, (vector, portable)) in zip(["dc", "d", "bias gradient"], zip(gradients[0], gradients[1])) {
            Self.expectClose(vector, portable, "backward \(name)")
        }
        // The forget gate's gradient is zero exactly when there is no previous cell.
        #expect(gradients[0][1][H..<(2 * H)].allSatisfy { $0 == 0 } == firstStep)
    }

    /// The step's matrix-vector kernel against a double-precision sum, for row
    /// counts around its four-row blocks and column counts around its eight
    /// lanes, with a row stride wider than the rows; accumulating adds to y.
    @Test(arguments: [(1, 1), (3, 7), (4, 8), (7, 9), (148, 37), (256, 64)])
    func matrixVectorProduct(rows: Int, columns: Int) {
        var random = Random(seed: UInt64(rows * 1000 + columns))
        let stride = columns + 3
        let w = Self.values(rows * stride, scale: 1, &random), x = Self.values(columns, scale: 1, &random)
        let start = Self.values(rows, scale: 1, &random)
        let exact = (0..<rows).map { r in (0..<columns).reduce(0.0) { $0 + Double(w[r * stride + $1]) * Double(x[$1]) } }
        for accumulate in [false, true] {
            var vector = start, portable = start
            LSTMCell.matrixVector(w, stride: stride, x, into: &vector, rows: rows, columns: columns, accumulate: accumulate)
            LSTMCell.portableMatrixVector(w, stride: stride, x, into: &portable, rows: rows, columns: columns,
                                          accumulate: accumulate)
            let expected = (0..<rows).map { Float(exact[$0] + (accumulate ? Double(start[$0]) : 0)) }
            Self.expectClose(vector, expected, "kernel, accumulate \(accumulate)")
            Self.expectClose(portable, expected, "portable loop, accumulate \(accumulate)")
        }
    }
}
