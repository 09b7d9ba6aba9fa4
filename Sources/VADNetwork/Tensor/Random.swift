import Foundation

/// The one source of randomness in training: a 64-bit SplitMix generator,
/// seeded explicitly. Weights, shuffles and synthetic data come from streams
/// derived from (seed, purpose), so one run's draws never depend on another's
/// and the same seed gives the same bits on every machine.
public struct Random: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one purpose (e.g. the shuffle of epoch 3), independent of
    /// the others made from the same seed.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = Random(seed: seed ^ (stream &* 0xD605_BBB5_8C8A_BB55))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    /// Uniform integer in 0..<bound (bound > 0), without modulo bias.
    public mutating func below(_ bound: Int) -> Int {
        let limit = UInt64.max - UInt64.max % UInt64(bound)
        var x = next()
        while x >= limit { x = next() }
        return Int(x % UInt64(bound))
    }

    /// A standard normal draw (Box–Muller).
    public mutating func normal() -> Double {
        let u = max(unit(), 0x1p-60), v = unit()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }

    /// A uniformly random permutation of 0..<count (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, below(i + 1)) }
        return order
    }
}
