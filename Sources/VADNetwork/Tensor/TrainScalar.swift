import BLAS
import Foundation

/// The scalar a network computes in: `Float` for training and inference,
/// `Double` for the gradient checks, where finite differences need the
/// precision. Besides BLAS, layers need a few element-wise functions over
/// whole buffers; `Float` implements them with SIMD (see `FastMath`), `Double`
/// with the C library.
public protocol TrainScalar: BLASScalar {
    /// `p[i] = 1 / (1 + exp(-p[i]))`.
    static func sigmoid(_ p: UnsafeMutablePointer<Self>, count: Int)
    /// `p[i] = tanh(p[i])`.
    static func tanh(_ p: UnsafeMutablePointer<Self>, count: Int)
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
}

extension Float: TrainScalar {
    public static func sigmoid(_ p: UnsafeMutablePointer<Float>, count: Int) { FastMath.sigmoid(p, count: count) }
    public static func tanh(_ p: UnsafeMutablePointer<Float>, count: Int) { FastMath.tanh(p, count: count) }
    public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    public static func log(_ x: Float) -> Float { Foundation.log(x) }
}

extension Double: TrainScalar {
    public static func sigmoid(_ p: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { p[i] = 1 / (1 + Foundation.exp(-p[i])) }
    }
    public static func tanh(_ p: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { p[i] = Foundation.tanh(p[i]) }
    }
    public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    public static func log(_ x: Double) -> Double { Foundation.log(x) }
}

/// Fast `exp`, sigmoid and tanh for `Float`, written as plain loops of
/// arithmetic the compiler vectorises.
///
/// `exp(x) = 2^n * exp(r)` with `n = round(x / ln 2)` and `r = x - n ln 2`
/// (ln 2 split in two parts so `r` is exact), `|r| <= ln 2 / 2`, and
/// `exp(r)` from its degree-6 Taylor polynomial, whose truncation error there
/// is below 2e-8 relative: within 2 ulp of the correctly rounded result over
/// the clamped range [-87.3, 88.7]. Rounding uses the 1.5 * 2^23 trick (adding
/// it leaves `n` in the low mantissa bits, from which 2^n is built). Then
/// `sigmoid(x) = 1 / (1 + exp(-x))` and `tanh(x) = 1 - 2 / (1 + exp(2x))`;
/// for |x| < 0.1, where that cancels, tanh is its Taylor polynomial to x^7
/// (truncation below 3e-11 relative). Measured against the C library
/// (FastMathTests): relative error below 1e-6. Results depend on the input
/// alone, never on alignment or the thread, so training stays deterministic.
enum FastMath {
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87.3), 88.7)
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let power = (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23
        return p * Float(bitPattern: power)
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let viaExp = 1 - 2 / (1 + exp(2 * x))
        let x2 = x * x
        let series = x * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315))))
        return Swift.abs(x) < 0.1 ? series : viaExp
    }

    static func sigmoid(_ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { p[i] = sigmoid(p[i]) }
    }

    static func tanh(_ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { p[i] = tanh(p[i]) }
    }
}
