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

    /// Each recording goes to the part where the middle of its span on the
    /// cumulative duration axis falls: floor(N * (before + d / 2) / total).
    /// Expected values worked out by hand from that rule.
    @Test func middleOfSpanRule() {
        // Total 57.75 s; middles 1.75, 3.5, 9.5, 19.125, 23.25, 24.25, 25.25,
        // 41.25, 56.75 against part edges 19.25 and 38.5.
        #expect(CorpusPartition.assign(seconds: [3.5, 0, 12, 7.25, 1, 1, 1, 30, 2], count: 3) == [0, 0, 0, 0, 1, 1, 1, 2, 2])
        // A long first recording pulls the edge: middles 2.5, 5.5, 6.5, 7.5 of 8 s, edge 4.
        #expect(CorpusPartition.assign(seconds: [5, 1, 1, 1], count: 2) == [0, 1, 1, 1])
        // Middles 0.5, 1.5, 4.5, 7.5 of 8 s.
        #expect(CorpusPartition.assign(seconds: [1, 1, 5, 1], count: 2) == [0, 0, 1, 1])
        // A negative duration weighs nothing: weights 0, 2, 2, middles 0, 1, 3 of 4 s.
        #expect(CorpusPartition.assign(seconds: [-1, 2, 2], count: 2) == [0, 0, 1])
        // More parts than recordings: some parts are empty, none is out of range.
        #expect(CorpusPartition.assign(seconds: [1, 1], count: 5) == [1, 3])
        // Durations a manifest states are untrusted: NaN and infinity weigh nothing, and
        // durations whose sum overflows share by count, never a trap.
        #expect(CorpusPartition.assign(seconds: [.nan, 2, .infinity, 2], count: 2) == [0, 0, 1, 1])
        #expect(CorpusPartition.assign(seconds: [1e308, 1e308, 1e308, 1e308], count: 2) == [0, 0, 1, 1])
    }

    /// `select` keeps the part's items in listing order and sums each part's audio.
    @Test func selectTakesOnePartInOrder() {
        let seconds = [3.5, 0, 12, 7.25, 1, 1, 1, 30, 2]
        let items = seconds.indices.map { CorpusItem(relativePath: "r\($0).wav", id: "r\($0)", path: "c/r\($0).wav") }
        let (chosen, partSeconds) = CorpusPartition.select(items, part: CorpusPart(index: 1, count: 3)) { seconds[Int($0.id.dropFirst())!] }
        #expect(chosen.map(\.id) == ["r4", "r5", "r6"])
        #expect(partSeconds == [22.75, 3, 32])
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
