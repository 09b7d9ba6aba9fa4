/// The random stream of one augmented copy: SplitMix64 started from a hash of
/// (augment seed, utterance id, copy number), so a copy's draws depend on
/// nothing else (not the number of jobs, the part, or the copies before it).
struct AugmentRandom {
    private var state: UInt64

    init(seed: UInt64, id: String, copy: Int) {
        state = Self.mix(seed ^ Self.mix(fnv1a(id) ^ Self.mix(UInt64(truncatingIfNeeded: copy) &+ 0x5157_4155_474D_454E)))
    }

    /// SplitMix64's output function: a bijective scramble of 64 bits.
    static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }

    /// Uniform in `0 ..< count` (`count` > 0).
    mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }

    /// Whether an event of probability `p` happens (always drawn, so that the
    /// draws after it do not depend on `p`).
    mutating func chance(_ p: Double) -> Bool { uniform() < p }
}
