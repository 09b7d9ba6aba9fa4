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

/// Vectorised `exp`, sigmoid and tanh for `Float`, eight lanes at a time.
///
/// `exp(x) = 2^n * exp(r)` with `n = round(x / ln 2)` and `r = x - n ln 2`
/// (ln 2 split in two parts so `r` is exact), `|r| <= ln 2 / 2`, and
/// `exp(r)` from its degree-6 Taylor polynomial, whose truncation error there
/// is below 2e-8 relative: within 2 ulp of the correctly rounded result over
/// the clamped range [-87.3, 88.7]. Then `sigmoid(x) = 1 / (1 + exp(-x))` and
/// `tanh(x) = 2 sigmoid(2x) - 1` (for |x| < 0.005, where that cancels badly,
/// tanh is `x - x^3/3`, exact to float precision). The results depend on the
/// input alone, never on alignment or the thread, so training stays
/// deterministic.
enum FastMath {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func exp(_ x: V) -> V {
        let x = x.clamped(lowerBound: V(repeating: -87.3), upperBound: V(repeating: 88.7))
        let n = (x * V(repeating: 1.442_695_04)).rounded(.toNearestOrEven)
        var r = x - n * V(repeating: 0.693_359_375)
        r = r - n * V(repeating: -2.121_944_4e-4)
        var p = V(repeating: 1.0 / 720)
        p = p * r + V(repeating: 1.0 / 120)
        p = p * r + V(repeating: 1.0 / 24)
        p = p * r + V(repeating: 1.0 / 6)
        p = p * r + V(repeating: 0.5)
        p = p * r + V(repeating: 1)
        p = p * r + V(repeating: 1)
        let bits = (SIMD8<Int32>(n) &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: V.self)
    }

    @inline(__always)
    static func sigmoid(_ x: V) -> V { V(repeating: 1) / (V(repeating: 1) + exp(-x)) }

    @inline(__always)
    static func tanh(_ x: V) -> V {
        let viaSigmoid = V(repeating: 2) * sigmoid(V(repeating: 2) * x) - V(repeating: 1)
        let small = x * (V(repeating: 1) - x * x * V(repeating: 1.0 / 3))
        return viaSigmoid.replacing(with: small, where: (x .< V(repeating: 0.005)) .& (x .> V(repeating: -0.005)))
    }

    static func sigmoid(_ p: UnsafeMutablePointer<Float>, count: Int) { apply(p, count, sigmoid) }
    static func tanh(_ p: UnsafeMutablePointer<Float>, count: Int) { apply(p, count, tanh) }

    /// Applies `f` to `count` floats in place; the tail is padded to a full vector.
    @inline(__always)
    private static func apply(_ p: UnsafeMutablePointer<Float>, _ count: Int, _ f: (V) -> V) {
        var i = 0
        let raw = UnsafeMutableRawPointer(p)
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            raw.storeBytes(of: f(v), toByteOffset: i * 4, as: V.self)
            i += 8
        }
        if i < count {
            var v = V(repeating: 0)
            for j in 0..<(count - i) { v[j] = p[i + j] }
            let y = f(v)
            for j in 0..<(count - i) { p[i + j] = y[j] }
        }
    }
}
