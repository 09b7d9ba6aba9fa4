import Testing
import VADPipeline

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

    /// One crop per utterance per epoch, inside the utterance; the same seed
    /// gives the same crops, another seed and other epochs other crops.
    @Test func randomCrops() {
        var o = options(.random)
        o.epochs = 3
        o.seed = 11
        let (first, _) = SegmentPlanner.plan(utterances, options: o)
        let (again, _) = SegmentPlanner.plan(utterances, options: o)
        #expect(first == again)
        #expect(first.count == 12)
        #expect(first.map(\.epoch) == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
        for segment in first {
            let length = utterances[segment.utterance].frames
            #expect(segment.startFrame >= 0 && segment.startFrame + segment.frames <= length)
            #expect(segment.frames + segment.paddedFrames == 100)
        }
        // Utterance c (650 frames) gets different crops in different epochs...
        let cStarts = first.filter { $0.utterance == 2 }.map(\.startFrame)
        #expect(Set(cStarts).count > 1)
        // ...and a different seed moves the crops.
        o.seed = 12
        let (other, _) = SegmentPlanner.plan(utterances, options: o)
        #expect(other.map(\.startFrame) != first.map(\.startFrame))
        // A crop depends only on (seed, id, epoch): dropping an utterance does not move the others.
        o.seed = 11
        let (fewer, _) = SegmentPlanner.plan(Array(utterances.dropFirst()), options: o)
        #expect(fewer.filter { $0.utterance == 2 }.map(\.startFrame) == cStarts)
    }
}

@Suite struct SplitterTests {
    let ids = (0..<40).map { "spk\($0 % 8)/utt\($0)" }

    @Test func countIsExactAndDeterministic() {
        var options = SplitOptions()
        options.validCount = 7
        let (train, valid) = Splitter.split(ids: ids, options: options, seed: 3)
        #expect(valid.count == 7 && train.count == 33)
        #expect(Set(train).isDisjoint(with: valid))
        #expect(Splitter.split(ids: ids, options: options, seed: 3).valid == valid)
        #expect(Splitter.split(ids: ids, options: options, seed: 4).valid != valid)
    }

    @Test func fractionRoundsToUtterances() {
        var options = SplitOptions()
        options.validFraction = 0.12
        #expect(Splitter.split(ids: ids, options: options, seed: 0).valid.count == 5)
    }

    /// Grouped by directory, no speaker is on both sides.
    @Test func directoriesStayTogether() {
        var options = SplitOptions()
        options.validCount = 7
        options.grouping = .directory
        let (train, valid) = Splitter.split(ids: ids, options: options, seed: 3)
        let speakers = { (side: [Int]) in Set(side.map { ids[$0].split(separator: "/")[0] }) }
        #expect(speakers(train).isDisjoint(with: speakers(valid)))
        #expect(valid.count == 10)  // two whole speakers of five utterances
    }

    @Test func explicitList() {
        var options = SplitOptions()
        options.validIDs = ["spk1/utt1", "spk2/utt2"]
        #expect(Splitter.split(ids: ids, options: options, seed: 0).valid == [1, 2])
    }
}
