import Foundation
import Testing
@testable import VADNetwork
@testable import VADTrain

/// The vectorised exp, sigmoid and tanh against the C library.
@Suite struct FastMathTests {
    /// Inputs from -90 to 90, dense near 0, plus the edges.
    static let inputs: [Float] = (-9000...9000).map { Float($0) / 100 } + (-1000...1000).map { Float($0) * 1e-4 } + [0, -0, 1e-30, -1e-30]

    static func relativeError(_ fast: Float, _ exact: Double) -> Double {
        abs(Double(fast) - exact) / max(abs(exact), 1e-30)
    }

    @Test func exp() {
        var worst = 0.0
        for x in Self.inputs where x > -87 && x < 88 { worst = max(worst, Self.relativeError(FastMath.exp(x), Foundation.exp(Double(x)))) }
        #expect(worst < 1e-6, "exp: worst relative error \(worst)")
    }

    @Test func sigmoidAndTanh() {
        var buffer = Self.inputs
        buffer.withUnsafeMutableBufferPointer { Float.sigmoid($0.baseAddress!, count: $0.count) }
        var worst = 0.0
        for (x, y) in zip(Self.inputs, buffer) { worst = max(worst, abs(Double(y) - 1 / (1 + Foundation.exp(-Double(x))))) }
        #expect(worst < 1e-7, "sigmoid: worst absolute error \(worst)")

        buffer = Self.inputs
        buffer.withUnsafeMutableBufferPointer { Float.tanh($0.baseAddress!, count: $0.count) }
        worst = 0
        for (x, y) in zip(Self.inputs, buffer) where x != 0 { worst = max(worst, Self.relativeError(y, Foundation.tanh(Double(x)))) }
        #expect(worst < 1e-6, "tanh: worst relative error \(worst)")
        #expect(buffer[Self.inputs.count - 4] == 0)
    }
}
