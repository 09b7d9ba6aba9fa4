import Foundation
import Testing
import _VADTestSupport

/// `vadprep predict` without a model runs the bundled one, which marks the
/// fixture's speech where its labels say; the older positional form and
/// --model name the same model; a binary without its resources says how to
/// name a model instead of stopping.
@Suite struct BundledModelTests {
    static let recording = TestSupport.fixture("corpus/speech-16k.wav")
    static let bundled = "\(TestSupport.packageRoot)/Sources/VADInference/BundledModel/model.safetensors"

    @Test func everyWayOfNamingTheModelGivesTheSameProbabilities() throws {
        let work = TestSupport.TemporaryDirectory()
        let forms: [(String, [String])] = [
            ("default", ["predict", Self.recording]),
            ("option", ["predict", "--model", Self.bundled, Self.recording]),
            ("positional", ["predict", Self.bundled, Self.recording]),
        ]
        var outputs: [Data] = []
        for (name, arguments) in forms {
            let run = try TestSupport.vadprep(arguments + ["--out", work.file(name), "--quiet"])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: work.file("\(name)/speech-16k.npy"))))
        }
        #expect(outputs[0].count == 128 + 4 * 200)  // the .npy header, then one float32 per frame
        #expect(outputs.allSatisfy { $0 == outputs[0] })
    }

    /// The fixture says "seven" at 0.25-0.751 s and "open the door" at 1.0-1.9 s
    /// (a gap of 0.249 s, which the default --min-silence of 0.25 s bridges).
    @Test func theBundledModelMarksTheFixturesSpeech() throws {
        let work = TestSupport.TemporaryDirectory()
        let run = try TestSupport.vadprep(["predict", Self.recording, "--out", work.path, "--min-silence", "0.1", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let text = try String(contentsOfFile: work.file("speech-16k.txt"), encoding: .utf8)
        let segments = text.split(separator: "\n").map { line in line.split(separator: "\t").prefix(2).compactMap { Double($0) } }
        let labelled: [[Double]] = [[0.25, 0.751], [1.0, 1.9]]
        #expect(segments.count == labelled.count, "segments: \(text)")
        // Onsets within 30 ms; a causal model holds on after speech ends (its
        // state decays over a few frames), so ends may come up to 0.15 s late.
        for (found, truth) in zip(segments, labelled) {
            #expect(abs(found[0] - truth[0]) <= 0.03, "onset \(found) against \(truth)")
            #expect(found[1] >= truth[1] - 0.03 && found[1] <= truth[1] + 0.15, "end \(found) against \(truth)")
        }
    }

    @Test func aBinaryWithoutItsResourcesNamesTheWayOut() throws {
        let work = TestSupport.TemporaryDirectory()
        let alone = work.file("vadprep")
        try FileManager.default.copyItem(atPath: TestSupport.vadprepExecutable, toPath: alone)
        let run = try TestSupport.run(alone, ["predict", Self.recording, "--out", work.file("out")])
        #expect(run.status == 1)
        #expect(run.stderr == """
            vadprep predict: the bundled model is not installed beside this vadprep (looked for \
            \(work.path)/vadprep_VADInference.resources/BundledModel/model.safetensors); name a model with --model RUN, \
            or copy the vadprep_VADInference.resources folder of the build beside the executable

            """)
        #expect(!FileManager.default.fileExists(atPath: work.file("out")))
    }

    /// The bundled model streams: standard input in odd pieces gives the
    /// lines of the offline run over the whole recording.
    @Test func theBundledModelStreamsAsItRunsOffline() throws {
        let work = TestSupport.TemporaryDirectory()
        let options = ["--min-silence", "0.1"]
        let offline = try TestSupport.vadprep(["predict", Self.recording, "--window", "0", "--out", work.path, "--quiet"] + options)
        #expect(offline.status == 0, "\(offline.stderr)")
        let expected = try String(contentsOfFile: work.file("speech-16k.txt"), encoding: .utf8)
        #expect(expected.split(separator: "\n").count == 2)
        let pcm = try StreamTests.rawPCM(Self.recording)
        for piece in [1, 333 * 2, pcm.count] {
            let streamed = try StreamTests.vadprep(["predict", "-", "--stream"] + options, input: pcm, piece: piece)
            #expect(streamed.status == 0 && streamed.stdout == expected, "pieces of \(piece) bytes: \(streamed.stderr)")
        }
    }
}
