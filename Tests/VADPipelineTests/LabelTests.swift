import Testing
import VADPipeline

@Suite struct LabelParsingTests {
    @Test func audacityTrack() throws {
        let text = "0.500000\t1.250000\tspeech\n\\\t100.0\t2000.0\n1.5\t2\tsilence\n2.5\t3.0\t\n"
        let segments = try LabelFileParser.parseSegments(text, path: "a.txt")
        #expect(segments == [
            LabeledSegment(start: 0.5, end: 1.25, label: "speech", line: 1),
            LabeledSegment(start: 1.5, end: 2, label: "silence", line: 3),
            LabeledSegment(start: 2.5, end: 3, label: "", line: 4),
        ])
    }

    @Test func whitespaceSegments() throws {
        let text = "# comment\n  0.1   0.2\r\n\n0.3 0.4 two words\n"
        let segments = try LabelFileParser.parseSegments(text, path: "a.lab")
        #expect(segments == [
            LabeledSegment(start: 0.1, end: 0.2, label: "", line: 2),
            LabeledSegment(start: 0.3, end: 0.4, label: "two words", line: 4),
        ])
    }

    @Test func rttmGroupsByFileAndKeepsSpeakerLines() throws {
        let text = """
            SPEAKER rec1 1 0.50 1.00 <NA> <NA> spk1 <NA> <NA>
            SPKR-INFO rec1 1 <NA> <NA> <NA> unknown spk1 <NA> <NA>
            NON-SPEECH rec1 1 2.0 0.5 <NA> <NA> <NA> <NA> <NA>
            SPEAKER rec2 1 0 0.25 <NA> <NA> spk2 <NA> <NA>
            """
        let byFile = try LabelFileParser.parseRTTM(text, path: "all.rttm")
        #expect(byFile["rec1"] == [LabeledSegment(start: 0.5, end: 1.5, label: "SPEAKER", line: 1)])
        #expect(byFile["rec2"] == [LabeledSegment(start: 0, end: 0.25, label: "SPEAKER", line: 4)])
    }

    @Test func frameFile() throws {
        let labels = try LabelFileParser.parseFrames("0\n1 1\n0\n", path: "a.frames")
        #expect(labels == .frames([0, 1, 1, 0], line: [1, 2, 2, 3]))
    }

    /// Every kind of bad line gets a message naming the file and the line.
    @Test(arguments: [
        ("0.1\n", "x.lab:1: expected \"start end [label]\", found \"0.1\""),
        ("0 1\nzero 1\n", "x.lab:2: start time is not a number: \"zero\""),
        ("0 1x\n", "x.lab:1: end time is not a number: \"1x\""),
        ("1.5 1.2 speech\n", "x.lab:1: end time 1.2 is before start time 1.5"),
        ("-0.5 1\n", "x.lab:1: start time -0.5 is negative"),
        ("0 nan\n", "x.lab:1: end time is not a number: \"nan\""),
        ("0\tinf\tspeech\n", "x.lab:1: end time is not a number: \"inf\""),
    ])
    func badSegmentLines(text: String, message: String) {
        #expect(throws: Error.self) { try LabelFileParser.parseSegments(text, path: "x.lab") }
        do { _ = try LabelFileParser.parseSegments(text, path: "x.lab") } catch { #expect("\(error)" == message) }
    }

    @Test(arguments: [
        ("SPEAKER r 1 0.5\n", "x.rttm:1: expected an RTTM line \"TYPE FILE CHANNEL START DURATION ...\", found \"SPEAKER r 1 0.5\""),
        ("SPEAKER r 1 0.5 -1 <NA>\n", "x.rttm:1: duration -1 is negative"),
        ("SPEAKER r 1 a 1\n", "x.rttm:1: start time is not a number: \"a\""),
    ])
    func badRTTMLines(text: String, message: String) {
        do { _ = try LabelFileParser.parseRTTM(text, path: "x.rttm"); Issue.record("accepted \(text)") } catch {
            #expect("\(error)" == message)
        }
    }

    @Test func badFrameToken() {
        do { _ = try LabelFileParser.parseFrames("0 1\n1 2\n", path: "x.frames"); Issue.record("accepted") } catch {
            #expect("\(error)" == "x.frames:2: frame label must be 0 or 1, found \"2\"")
        }
    }
}

@Suite struct FrameLabelerTests {
    let grid = FrameGrid(sampleRate: 16000, shift: 160, length: 400, snipEdges: false)

    /// 0.1 s of audio = 10 frames centred at 5, 15, ..., 95 ms.
    @Test func segmentsByHand() throws {
        let segments: [LabeledSegment] = [
            LabeledSegment(start: 0.015, end: 0.035, label: "speech"),    // frames 1, 2
            LabeledSegment(start: 0.05, end: 0.07, label: "noise"),       // non-speech by default
            LabeledSegment(start: 0.071, end: 0.1, label: ""),            // frames 8, 9 (75 ms is before 71? no: 75, 85, 95 -> 7, 8, 9)
        ]
        let labels = try FrameLabeler.labels(.segments(segments), grid: grid, frameCount: 10, samples: 1600,
                                             policy: LabelPolicy(), path: "x")
        #expect(labels == [0, 1, 1, 0, 0, 0, 0, 1, 1, 1])
    }

    @Test func explicitSpeechLabels() throws {
        var policy = LabelPolicy()
        policy.speechLabels = ["S"]
        let segments = [LabeledSegment(start: 0, end: 0.02, label: "s"), LabeledSegment(start: 0.05, end: 0.1, label: "speech")]
        let labels = try FrameLabeler.labels(.segments(segments), grid: grid, frameCount: 10, samples: 1600,
                                             policy: policy, path: "x")
        #expect(labels == [1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    /// The overshoot rule (Kaldi's `--max-overshoot`): a segment may end past
    /// the audio by at most the allowed seconds; it is then cut at the end and
    /// counted (unless it is within half a frame shift: rounding); further is an
    /// error naming the line.
    @Test func segmentsPastTheEnd() throws {
        var cut = 0
        let rounding = [LabeledSegment(start: 0.09, end: 0.104, label: "", line: 2)]
        let roundingLabels = try FrameLabeler.labels(.segments(rounding), grid: grid, frameCount: 10, samples: 1600,
                                                     policy: LabelPolicy(), maxOvershoot: 0.5, path: "x.txt", regionsCut: &cut)
        #expect(roundingLabels == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(cut == 0)
        // 0.3 s past the end of 0.1 s of audio: cut and counted.
        let within = [LabeledSegment(start: 0.05, end: 0.4, label: "", line: 3), LabeledSegment(start: 0.0, end: 0.02, label: "", line: 4)]
        let labels = try FrameLabeler.labels(.segments(within), grid: grid, frameCount: 10, samples: 1600,
                                             policy: LabelPolicy(), maxOvershoot: 0.5, path: "x.txt", regionsCut: &cut)
        #expect(labels == [1, 1, 0, 0, 0, 1, 1, 1, 1, 1])
        #expect(cut == 1)
        // 0.7 s past the end: an error, with the default 0.5 s as with an explicit one.
        let beyond = [LabeledSegment(start: 0.05, end: 0.8, label: "", line: 3)]
        #expect(throws: InputError("x.txt", line: 3, "segment 0.05-0.8 s ends after the audio (0.1 s)")) {
            _ = try FrameLabeler.labels(.segments(beyond), grid: grid, frameCount: 10, samples: 1600, policy: LabelPolicy(), path: "x.txt")
        }
        // A smaller allowance refuses what the default accepts.
        #expect(throws: InputError("x.txt", line: 3, "segment 0.05-0.4 s ends after the audio (0.1 s)")) {
            _ = try FrameLabeler.labels(.segments(within), grid: grid, frameCount: 10, samples: 1600, policy: LabelPolicy(),
                                        maxOvershoot: 0.2, path: "x.txt")
        }
        // An infinite end (Kaldi's -1) runs to the end of the audio, uncounted.
        var uncounted = 0
        let open = [LabeledSegment(start: 0.07, end: .infinity, label: "", line: 1)]
        #expect(try FrameLabeler.labels(.segments(open), grid: grid, frameCount: 10, samples: 1600, policy: LabelPolicy(),
                                        maxOvershoot: 0.5, path: "x", regionsCut: &uncounted) == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
        #expect(uncounted == 0)
    }

    @Test func frameCountMismatch() {
        do {
            _ = try FrameLabeler.labels(.frames([0, 1, 1], line: [1, 1, 2]), grid: grid, frameCount: 10, samples: 1600,
                                        policy: LabelPolicy(), path: "x.frames")
            Issue.record("accepted")
        } catch {
            #expect("\(error)" == "x.frames:2: has 3 frame labels but the audio has 10 frames (0.1 s at a 10.0 ms shift)")
        }
    }
}
