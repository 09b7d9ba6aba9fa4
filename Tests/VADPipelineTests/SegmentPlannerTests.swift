import Testing
@testable import VADPipeline

@Suite struct SegmentPlannerTests {
    /// Utterances of 250, 300, 650 and 99 frames.
    let utterances = [(0, "a", 250), (1, "b", 300), (2, "c", 650), (3, "d", 99)].map { (index: $0.0, id: $0.1, frames: $0.2) }

    func options(_ mode: SegmentOptions.Mode, frames: Int = 100, short: SegmentOptions.ShortPolicy = .pad) -> SegmentOptions {
        var options = SegmentOptions()
        options.mode = mode
        options.frames = frames
        options.short = short
        return options
    }

    /// Fixed 100-frame segments: 2 + tail, 3, 6 + tail, and one short utterance.
    @Test func fixedPadsTailsAndShortUtterances() {
        let (segments, dropped) = SegmentPlanner.plan(utterances, options: options(.fixed))
        #expect(dropped == 0)
        #expect(segments.map { [$0.utterance, $0.startFrame, $0.frames, $0.paddedFrames] } == [
            [0, 0, 100, 0], [0, 100, 100, 0], [0, 200, 50, 50],
            [1, 0, 100, 0], [1, 100, 100, 0], [1, 200, 100, 0],
            [2, 0, 100, 0], [2, 100, 100, 0], [2, 200, 100, 0], [2, 300, 100, 0], [2, 400, 100, 0], [2, 500, 100, 0], [2, 600, 50, 50],
            [3, 0, 99, 1],
        ])
    }

    @Test func fixedDropsAndCounts() {
        let (segments, dropped) = SegmentPlanner.plan(utterances, options: options(.fixed, short: .drop))
        #expect(segments.count == 11 && dropped == 3)  // 2 + 3 + 6 full; two tails and d dropped
        #expect(segments.allSatisfy { $0.frames == 100 && $0.paddedFrames == 0 })
    }

    @Test func fixedKeepsShortPiecesUnpadded() {
        let (segments, dropped) = SegmentPlanner.plan(utterances, options: options(.fixed, short: .keep))
        #expect(dropped == 0 && segments.count == 14)
        #expect(segments.filter { $0.frames < 100 }.map(\.frames) == [50, 50, 99])
        #expect(segments.allSatisfy { $0.paddedFrames == 0 })
    }

    /// A hop shorter than the segment overlaps; the tail starts at the next hop.
    @Test func fixedWithHop() {
        var o = options(.fixed)
        o.hopFrames = 50
        let (segments, _) = SegmentPlanner.plan([(index: 0, id: "a", frames: 220)], options: o)
        #expect(segments.map(\.startFrame) == [0, 50, 100, 150])
        #expect(segments.map(\.frames) == [100, 100, 100, 70])
    }

    @Test func wholeAndMaxLength() {
        let (whole, _) = SegmentPlanner.plan(utterances, options: options(.whole))
        #expect(whole.map(\.frames) == [250, 300, 650, 99] && whole.allSatisfy { $0.startFrame == 0 })
        var cut = options(.whole)
        cut.maxFrames = 300
        let (pieces, _) = SegmentPlanner.plan(utterances, options: cut)
        #expect(pieces.map { [$0.utterance, $0.startFrame, $0.frames] } == [
            [0, 0, 250], [1, 0, 300], [2, 0, 300], [2, 300, 300], [2, 600, 50], [3, 0, 99],
        ])
    }

    /// One crop per utterance per epoch, inside the utterance, at the start
    /// the documented hash gives: splitmix64's finaliser of
    /// seed ^ FNV-1a(id) ^ epoch * 0x9E3779B97F4A7C15, modulo the room left
    /// (frames - 100 + 1). The expected starts were computed from that
    /// definition by a separate implementation (Python), not by this code.
    @Test func randomCrops() {
        var o = options(.random)
        o.epochs = 3
        o.seed = 11
        let (first, _) = SegmentPlanner.plan(utterances, options: o)
        #expect(first.map(\.epoch) == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
        #expect(first.map(\.utterance) == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3])
        #expect(first.map(\.startFrame) == [129, 30, 401, 0, 64, 181, 422, 0, 84, 69, 120, 0])
        // d (99 frames) is shorter than a segment: whole, padded to 100.
        #expect(first.map(\.frames) == [100, 100, 100, 99, 100, 100, 100, 99, 100, 100, 100, 99])
        #expect(first.map(\.paddedFrames) == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1])
        o.seed = 12
        #expect(SegmentPlanner.plan(utterances, options: o).segments.map(\.startFrame) == [5, 1, 285, 0, 35, 132, 280, 0, 100, 46, 8, 0])
        // A crop depends only on (seed, id, epoch): dropping an utterance does not move the others.
        o.seed = 11
        let (fewer, _) = SegmentPlanner.plan(Array(utterances.dropFirst()), options: o)
        #expect(fewer.filter { $0.utterance == 2 }.map(\.startFrame) == [401, 422, 120])
    }

    /// The hash itself, at two points computed by the separate implementation
    /// (the empty id, and the largest seed with the split's epoch -1).
    @Test func randomNumberGoldenValues() {
        #expect(SegmentPlanner.randomNumber(seed: 0, id: "", epoch: 0) == 17665956581633026203)
        #expect(SegmentPlanner.randomNumber(seed: .max, id: "spk1/utt1", epoch: -1) == 6620387518939495983)
    }
}

@Suite struct SplitterTests {
    let ids = (0..<40).map { "spk\($0 % 8)/utt\($0)" }

    @Test func countIsExactAndDeterministic() {
        var options = SplitOptions()
        options.validCount = 7
        let (train, valid) = Splitter.split(ids: ids, options: options, seed: 3)
        // Utterances in the order of the hash of (seed, id); expected values
        // from the separate implementation of the same definition.
        #expect(valid == [4, 20, 24, 28, 30, 33, 36])
        #expect(train == (0..<40).filter { !valid.contains($0) })
        #expect(Splitter.split(ids: ids, options: options, seed: 4).valid == [4, 9, 10, 17, 19, 21, 36])
    }

    @Test func fractionRoundsToUtterances() {
        var options = SplitOptions()
        options.validFraction = 0.12
        #expect(Splitter.split(ids: ids, options: options, seed: 0).valid == [3, 5, 8, 28, 34])
    }

    /// Grouped by directory, no speaker is on both sides.
    @Test func directoriesStayTogether() {
        var options = SplitOptions()
        options.validCount = 7
        options.grouping = .directory
        let (train, valid) = Splitter.split(ids: ids, options: options, seed: 3)
        let speakers = { (side: [Int]) in Set(side.map { ids[$0].split(separator: "/")[0] }) }
        #expect(speakers(train).isDisjoint(with: speakers(valid)))
        #expect(valid == [0, 7, 8, 15, 16, 23, 24, 31, 32, 39])  // speakers 0 and 7, five utterances each
    }

    @Test func explicitList() {
        var options = SplitOptions()
        options.validIDs = ["spk1/utt1", "spk2/utt2"]
        #expect(Splitter.split(ids: ids, options: options, seed: 0).valid == [1, 2])
    }
}
