import Testing
@testable import VADPipeline

@Suite struct CorpusPartitionTests {
    /// Parts are contiguous, cover every file once, and hold about the same audio.
    @Test func contiguousAndBalanced() {
        var generator = SplitMix(seed: 3)
        let seconds = (0..<200).map { _ in 1 + Double(generator.next() % 6000) / 100 }  // 1 to 61 s
        let total = seconds.reduce(0, +), longest = seconds.max()!
        for count in [1, 2, 3, 4, 7, 16] {
            let parts = CorpusPartition.assign(seconds: seconds, count: count)
            #expect(parts.count == seconds.count)
            #expect(zip(parts, parts.dropFirst()).allSatisfy { $0 <= $1 }, "parts must be contiguous runs")
            #expect(Set(parts) == Set(0..<count), "every part gets files")
            for part in 0..<count {
                let share = zip(parts, seconds).filter { $0.0 == part }.reduce(0) { $0 + $1.1 }
                #expect(abs(share - total / Double(count)) <= longest, "part \(part)/\(count): \(share) s of \(total) s")
            }
        }
    }

    /// The same listing and durations always give the same parts; the
    /// assignment is a pure function of them.
    @Test func deterministic() {
        let seconds = [3.5, 0, 12, 7.25, 1, 1, 1, 30, 2]
        #expect(CorpusPartition.assign(seconds: seconds, count: 3) == [0, 0, 0, 0, 1, 1, 1, 2, 2])
        #expect(CorpusPartition.assign(seconds: seconds, count: 3) == CorpusPartition.assign(seconds: seconds, count: 3))
    }

    /// Without any known duration, files are shared out by count.
    @Test func unknownDurationsShareByCount() {
        #expect(CorpusPartition.assign(seconds: [0, 0, 0, 0, 0, 0], count: 3) == [0, 0, 1, 1, 2, 2])
        #expect(CorpusPartition.assign(seconds: [0, 0], count: 4) == [1, 3])
    }

    @Test func parsesPartSpecifications() {
        #expect(CorpusPart("0/4") == CorpusPart(index: 0, count: 4))
        #expect(CorpusPart("3/4") == CorpusPart(index: 3, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", " 1/2", ""] { #expect(CorpusPart(bad) == nil, "\(bad)") }
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
