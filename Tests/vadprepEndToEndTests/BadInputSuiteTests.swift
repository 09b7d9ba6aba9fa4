import Foundation
import Testing
import VADShards
import _VADTestSupport

/// The bad-input suite made by `Fixtures/bad-input/make-bad-input.sh`: in one
/// run, every valid recording is extracted and every invalid recording or
/// bad label file is rejected with its exact message, naming the file (and
/// the line).
@Suite struct BadInputSuiteTests {
    static let valid = ["aiff-96k", "alaw-8k", "clipped", "extra-chunk", "flac-11k", "float32-32k", "float64-22k",
                        "pcm-s16-16k", "pcm-s24-44k", "pcm-s32-48k", "pcm-u8-8k", "short-0.1s", "silence",
                        "six-channels-48k", "stereo-16k", "streaming-size", "ulaw-8k", "vorbis-24k", "w64-16k"]

    static func rejected(_ path: (String) -> String) -> [String: String] {
        var messages = [
            "broken-link.wav": "\(path("broken-link.wav")): cannot open: broken symbolic link",
            "directory.wav": "\(path("directory.wav")): is a directory, not an audio file",
            "empty.wav": "\(path("empty.wav")): is empty (0 bytes)",
            "header-cut.wav": "\(path("header-cut.wav")): cannot read audio: Error in WAV/W64/RF64 file. Malformed 'fmt ' chunk.",
            "infinite.wav": "\(path("infinite.wav")): sample 100 is infinite",
            "jpeg.wav": "\(path("jpeg.wav")): cannot read audio: Format not recognised.",
            "nan.wav": "\(path("nan.wav")): sample 100 is NaN",
            "text.wav": "\(path("text.wav")): cannot read audio: Format not recognised.",
            "truncated.wav": "\(path("truncated.wav")): truncated: the header announces 16000 bytes of audio data but the file holds 8000",
            "zero-channels.wav": "\(path("zero-channels.wav")): cannot read audio: Channel count is zero.",
            "zero-rate.wav": "\(path("zero-rate.wav")): cannot read audio: Internal error : SF_INFO struct incomplete.",
        ]
        // Permissions do not stop root.
        if getuid() != 0 { messages["unreadable.wav"] = "\(path("unreadable.wav")): cannot open: Permission denied" }
        return messages
    }

    /// Good audio with a bad label file, by file: the message names the label file and line.
    static func badLabels(_ path: (String) -> String) -> [String: String] {
        [
            "end-before-start.wav": "\(path("end-before-start.txt")):1: end time 0.2 is before start time 0.3",
            "end-not-a-number.wav": "\(path("end-not-a-number.lab")):1: end time is not a number: \"0.2x\"",
            "frames-bad-token.wav": "\(path("frames-bad-token.frames")):3: frame label must be 0 or 1, found \"2\"",
            "frames-too-few.wav": "\(path("frames-too-few.frames")):3: has 3 frame labels but the audio has 50 frames (0.5 s at a 10.0 ms shift)",
            "nan-end.wav": "\(path("nan-end.txt")):1: end time is not a number: \"nan\"",
            "negative-start.wav": "\(path("negative-start.lab")):2: start time -0.1 is negative",
            "not-utf8.wav": "\(path("not-utf8.lab")): label file is not UTF-8 text",
            "one-field.wav": "\(path("one-field.lab")):1: expected \"start end [label]\", found \"0.1\"",
            "past-the-end.wav": "\(path("past-the-end.lab")):2: segment 0.3-1.2 s ends after the audio (0.5 s)",
            "rttm-negative.wav": "\(path("rttm-negative.rttm")):1: duration -0.2 is negative",
            "rttm-other-file.wav": "\(path("rttm-other-file.rttm")): has no SPEAKER lines for \"rttm-other-file\" (it names somebody-else)",
            "rttm-short-line.wav": "\(path("rttm-short-line.rttm")):1: expected an RTTM line \"TYPE FILE CHANNEL START DURATION ...\", found \"SPEAKER rttm-short-line 1 0.1\"",
            "start-not-a-number.wav": "\(path("start-not-a-number.lab")):1: start time is not a number: \"zero\"",
        ]
    }

    @Test func everyCaseHasItsOutcome() throws {
        let work = TestSupport.TemporaryDirectory()
        let suite = work.file("suite")
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: TestSupport.fixture("bad-input/make-bad-input.sh"))
        generate.arguments = [suite]
        try generate.run()
        generate.waitUntilExit()
        try #require(generate.terminationStatus == 0)

        let run = try TestSupport.vadprep(["extract", suite, "--out", work.file("out"), "--quiet"])
        #expect(run.status == 1)
        let index = try DatasetIndex.read(from: work.file("out"))
        var accepted = Self.valid.map { "valid/\($0)" }
        if getuid() == 0 { accepted.append("invalid/unreadable") }
        #expect(index.utterances.map(\.id).sorted() == accepted.sorted())
        var expected: [String: String] = [:]
        for (file, message) in Self.rejected({ "\(suite)/invalid/\($0)" }) { expected["invalid/\(file)"] = message }
        for (file, message) in Self.badLabels({ "\(suite)/bad-labels/\($0)" }) { expected["bad-labels/\(file)"] = message }
        let got = Dictionary(uniqueKeysWithValues: index.failures.map { ($0.source, $0.error) })
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (file, message) in expected { #expect(got[file] == message, "\(file)") }
        // The same messages, in corpus order, on standard error.
        let lines = index.failures.map { "  \($0.error)" }
        #expect(run.stderr == "vadprep extract: \(expected.count) of \(accepted.count + expected.count) files failed:\n" + lines.joined(separator: "\n") + "\n")

        // What was accepted is what the files hold: channels, rates, lengths.
        let byID = Dictionary(uniqueKeysWithValues: index.utterances.map { ($0.id, $0) })
        #expect(byID["valid/six-channels-48k"]?.sourceChannels == 6 && byID["valid/six-channels-48k"]?.sourceSampleRate == 48000)
        #expect(byID["valid/aiff-96k"]?.sourceSampleRate == 96000)
        #expect(byID["valid/short-0.1s"]?.frames == 10)
        #expect(byID["valid/streaming-size"]?.frames == byID["valid/pcm-s16-16k"]?.frames)
        #expect(byID["valid/extra-chunk"]?.frames == byID["valid/pcm-s16-16k"]?.frames)
        #expect(index.utterances.allSatisfy { $0.frames == ($0.id == "valid/short-0.1s" ? 10 : 50) })
    }
}
