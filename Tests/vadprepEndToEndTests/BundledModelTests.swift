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

    /// On the default corpus, mixed with its noise as the demo mixes it: for
    /// 20 recordings, `--stream` over the files gives each file's lines of the
    /// offline run over the whole recording, and standard input does for
    /// three clean 16-bit recordings.
    @Test(.enabled(if: TestSupport.python != nil, "needs VADPREP_PYTHON, PYTHON or .build-venv with numpy"))
    func streamingEqualsOfflineOnTheDefaultCorpus() throws {
        let python = try #require(TestSupport.python)
        let work = TestSupport.TemporaryDirectory()
        let corpus = work.file("corpus"), mixed = work.file("mixed")
        let generate = try TestSupport.generateDefaultCorpus(corpus, python: python)
        try #require(generate.status == 0, "\(generate.stderr)")
        let mix = try TestSupport.vadprep(["extract", "\(corpus)/clean", "--noise", "\(corpus)/noise", "--snr", "0,5,10,20", "--copies", "1",
                                           "--no-clean", "--augment-seed", "1", "--write-audio", mixed, "--out", work.file("features"), "--quiet"])
        try #require(mix.status == 0, "\(mix.stderr)")
        func files(_ directory: String, _ suffix: String) -> [String] {
            let all = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
            return all.filter { $0.hasSuffix(suffix) }.sorted().map { "\(directory)/\($0)" }
        }
        let recordings = Array(files(mixed, ".wav").prefix(20))
        try #require(recordings.count == 20)
        let offline = try TestSupport.vadprep(["predict"] + recordings + ["--window", "0", "--out", work.file("offline"), "--quiet"])
        try #require(offline.status == 0, "\(offline.stderr)")
        let streamed = try TestSupport.vadprep(["predict"] + recordings + ["--stream"])
        try #require(streamed.status == 0, "\(streamed.stderr)")
        var segments = 0
        for recording in recordings {
            let stem = ((recording as NSString).lastPathComponent as NSString).deletingPathExtension
            let expected = try String(contentsOfFile: work.file("offline/\(stem).txt"), encoding: .utf8)
            let lines = streamed.stdout.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { $0.hasPrefix("\(recording)\t") }.map { $0.dropFirst(recording.count + 1) + "\n" }.joined()
            #expect(lines == expected, "\(stem)")
            segments += expected.split(separator: "\n").count
        }
        #expect(segments >= 40, "too few segments to compare: \(segments)")
        // Standard input carries 16 kHz mono 16-bit PCM: recordings already in that form.
        func isPCM16k(_ path: String) -> Bool {
            guard let header = FileManager.default.contents(atPath: path)?.prefix(36), header.count == 36 else { return false }
            let h = [UInt8](header)
            return h[22] == 1 && h[23] == 0 && (Int(h[24]) | Int(h[25]) << 8 | Int(h[26]) << 16) == 16000 && h[34] == 16
        }
        let pcm = files("\(corpus)/clean", ".wav").filter(isPCM16k).prefix(3)
        #expect(pcm.count == 3)
        for recording in pcm {
            let name = ((recording as NSString).lastPathComponent as NSString).deletingPathExtension
            let run = try TestSupport.vadprep(["predict", recording, "--window", "0", "--out", work.file("clean"), "--quiet"])
            try #require(run.status == 0, "\(run.stderr)")
            let expected = try String(contentsOfFile: work.file("clean/\(name).txt"), encoding: .utf8)
            let piped = try StreamTests.vadprep(["predict", "-", "--stream"], input: try StreamTests.rawPCM(recording), piece: 4001)
            #expect(piped.status == 0 && piped.stdout == expected, "\(name): \(piped.stderr)")
        }
    }
}
