import Foundation
import Testing
import _VADTestSupport

/// Hostile inputs against predict (offline and --stream), eval, extract's
/// augmentation and export, run as the built executable: each must end in a
/// message naming the file and a non-zero exit, never a trap or a silent
/// wrong result.
@Suite(.serialized) struct HostileInputTests {
    static let recording = TestSupport.fixture("corpus/speech-16k.wav")

    /// A tiny LSTM trained on the fixture corpus, and the features dataset it was trained from.
    static func trainedRun(in work: TestSupport.TemporaryDirectory) throws -> (run: String, features: String) {
        let segments = try StreamTests.segments(in: work)
        return (try StreamTests.train("lstm", on: segments, in: work), work.file("features"))
    }

    /// Copies a model file with the first four bytes of tensor `name` replaced by `value`.
    static func rewriteWeight(of model: String, to path: String, tensor name: String, _ value: Float) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as! [String: Any]
        let offsets = (header[name] as! [String: Any])["data_offsets"] as! [Int]
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange((8 + length + offsets[0])..<(8 + length + offsets[0] + 4), with: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The first line of standard error.
    static func firstLine(_ run: TestSupport.Run) -> String {
        String(run.stderr.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    /// A model file that lies (NaN or infinite weights, statistics that do not
    /// cover its inputs, zero std, a frame shift of 0, impossible extract
    /// options) is refused by predict, predict --stream and eval alike, before
    /// any recording is read. Before, NaN weights gave files of NaN
    /// probabilities (exit 0) and hung eval, short statistics and a negative
    /// delta window trapped, and a sample rate of 2^40 Hz aborted allocating.
    @Test func lyingModelFilesAreRefused() throws {
        let work = TestSupport.TemporaryDirectory()
        let (run, features) = try Self.trainedRun(in: work)
        let model = "\(run)/model.safetensors"

        let nanWeight = work.file("nan-weight.safetensors")
        try Self.rewriteWeight(of: model, to: nanWeight, tensor: "lstm0.weight_ih", .nan)
        let infBias = work.file("inf-bias.safetensors")
        try Self.rewriteWeight(of: model, to: infBias, tensor: "out.bias", .infinity)
        let shortMean = work.file("short-mean.safetensors")
        try StreamTests.rewriteDescription(of: model, to: shortMean) {
            var normalization = $0["normalization"] as! [String: Any]
            normalization["mean"] = [0.0]
            $0["normalization"] = normalization
        }
        let zeroStd = work.file("zero-std.safetensors")
        try StreamTests.rewriteDescription(of: model, to: zeroStd) {
            var normalization = $0["normalization"] as! [String: Any]
            normalization["std"] = [Double](repeating: 0, count: 20)
            $0["normalization"] = normalization
        }
        let zeroShift = work.file("zero-shift.safetensors")
        try StreamTests.rewriteDescription(of: model, to: zeroShift) { $0["frame_shift_seconds"] = 0 }
        let otherShift = work.file("other-shift.safetensors")
        try StreamTests.rewriteDescription(of: model, to: otherShift) { $0["frame_shift_seconds"] = 0.02 }

        let usable: [(String, String)] = [
            (nanWeight, "is not a usable model: tensor lstm0.weight_ih holds nan at index 0; weights must be finite numbers"),
            (infBias, "is not a usable model: tensor out.bias holds inf at index 0; weights must be finite numbers"),
            (shortMean, "is not a usable model: normalization holds 1 means and 20 standard deviations, but the model reads 20 features"),
            (zeroStd, "is not a usable model: normalization.std[0] is 0.0, not a positive finite number"),
            (zeroShift, "is not a usable model: frame_shift_seconds 0.0 is not a positive number of seconds"),
        ]
        for (path, message) in usable {
            var result = try TestSupport.vadprep(["predict", path, Self.recording, "--out", work.file("out")])
            #expect(result.status == 1 && !result.signalled)
            #expect(Self.firstLine(result) == "vadprep predict: \(path): \(message)")
            result = try TestSupport.vadprep(["predict", path, Self.recording, "--stream"])
            #expect(result.status == 1 && !result.signalled && result.stdout.isEmpty)
            #expect(Self.firstLine(result) == "vadprep predict: \(path): \(message)")
            result = try TestSupport.vadprep(["eval", path, features])
            #expect(result.status == 1 && !result.signalled)
            #expect(Self.firstLine(result) == "vadprep eval: \(path): \(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: work.file("out")))

        var result = try TestSupport.vadprep(["predict", otherShift, Self.recording, "--out", work.file("out")])
        #expect(result.status == 1 && !result.signalled)
        #expect(Self.firstLine(result) == "vadprep predict: \(otherShift): frame_shift_seconds 0.02 disagrees with the model's extract options (10 ms)")

        // Extract options extract itself refuses.
        let options: [(String, (inout [String: Any]) -> Void, String)] = [
            ("negative-delta-window", { $0["window"] = -1 }, "--delta-window -1: must be between 1 and 1000 frames"),
            ("huge-delta-order", { $0["order"] = 1000 }, "--delta-order 1000: must be between 0 and 3"),
        ]
        for (name, change, message) in options {
            let path = work.file("\(name).safetensors")
            try StreamTests.rewriteDescription(of: model, to: path) {
                var extract = $0["extract_options"] as! [String: Any]
                var deltas = extract["deltas"] as! [String: Any]
                change(&deltas)
                extract["deltas"] = deltas
                $0["extract_options"] = extract
            }
            for stream in [false, true] {
                result = try TestSupport.vadprep(["predict", path, Self.recording] + (stream ? ["--stream"] : ["--out", work.file("out")]))
                #expect(result.status == 1 && !result.signalled)
                #expect(Self.firstLine(result) == "vadprep predict: \(path): the model's extract options are impossible: \(message)")
            }
        }
        let hugeRate = work.file("huge-rate.safetensors")
        try StreamTests.rewriteDescription(of: model, to: hugeRate) {
            var extract = $0["extract_options"] as! [String: Any]
            extract["audio"] = ["sample_rate": 1 << 40]
            $0["extract_options"] = extract
        }
        result = try TestSupport.vadprep(["predict", hugeRate, Self.recording, "--out", work.file("out")])
        #expect(result.status == 1 && !result.signalled)
        #expect(Self.firstLine(result) == "vadprep predict: \(hugeRate): the model's extract options are impossible: --sample-rate 1099511627776: must be between 1000 and 1000000 Hz")

        // The untouched model still predicts.
        result = try TestSupport.vadprep(["predict", model, Self.recording, "--out", work.file("out"), "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}

extension HostileInputTests {
    /// `--write-audio` naming the corpus (or a directory holding it) or the
    /// output dataset is refused before anything is written. Before, `--write-audio
    /// CORPUS` replaced the corpus's own recordings and label files with the
    /// processed audio and exited 0.
    @Test func writeAudioNeverOverwritesTheCorpusOrTheDataset() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = work.file("corpus")
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        for name in ["speech-16k.wav", "speech-16k.txt"] {
            try FileManager.default.copyItem(atPath: TestSupport.fixture("corpus/\(name)"), toPath: "\(corpus)/\(name)")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(corpus)/speech-16k.txt"))
        for directory in [corpus, work.path, "\(corpus)/sub/.."] {
            let run = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out"), "--write-audio", directory, "--quiet"])
            #expect(run.status == 1 && !run.signalled)
            #expect(run.stderr == "vadprep extract: \(directory): the --write-audio directory holds \(corpus)/speech-16k.wav, one of the recordings read, whose audio and label files its own could overwrite; choose a directory outside the corpus\n")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(corpus)/speech-16k.txt")) == before)
        #expect(!FileManager.default.fileExists(atPath: work.file("out")))
        for directory in [work.file("out"), work.file("out/audio")] {
            let run = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out"), "--write-audio", directory, "--quiet"])
            #expect(run.status == 1 && !run.signalled)
            #expect(run.stderr == "vadprep extract: \(directory): the --write-audio directory lies inside the output dataset \(work.file("out")), which holds only the dataset's files; choose another directory\n")
        }
        let run = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out"), "--write-audio", work.file("audio"), "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.file("audio")).sorted() == ["speech-16k.txt", "speech-16k.wav"])
    }

    /// A 32-bit float WAV holding NaN or an infinity is an error naming the
    /// file and the sample in extract (nothing written), predict and predict
    /// --stream; no NaN feature reaches a dataset.
    @Test func nonFiniteFloatSamplesAreErrorsNamingTheSample() throws {
        let work = TestSupport.TemporaryDirectory()
        let (run, _) = try Self.trainedRun(in: work)
        for (value, word, sample) in [(Float.nan, "NaN", 12345), (Float.infinity, "infinite", 777)] {
            let corpus = work.file("corpus-\(word)")
            let wav = "\(corpus)/a.wav"
            var samples = (0..<32000).map { Float(sin(Double($0) * 0.05)) * 0.1 }
            samples[sample] = value
            try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
            try Data(Self.floatWAV(samples)).write(to: URL(fileURLWithPath: wav))
            try TestSupport.write("0.2\t1.5\tspeech\n", to: "\(corpus)/a.txt")
            var result = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out-\(word)"), "--quiet"])
            #expect(result.status == 1 && !result.signalled)
            #expect(result.stderr.contains("  \(wav): sample \(sample) is \(word)\n"))
            #expect(!FileManager.default.fileExists(atPath: work.file("out-\(word)/index.json")))
            result = try TestSupport.vadprep(["predict", run, wav, "--out", work.file("p-\(word)")])
            #expect(result.status == 1 && !result.signalled)
            #expect(Self.firstLine(result) == "vadprep predict: \(wav): sample \(sample) is \(word)")
            #expect(!FileManager.default.fileExists(atPath: work.file("p-\(word)/a.npy")))
            result = try TestSupport.vadprep(["predict", run, wav, "--stream"])
            #expect(result.status == 1 && !result.signalled)
            #expect(Self.firstLine(result) == "vadprep predict: \(wav): sample \(sample) is \(word)")
        }
    }

    /// The bytes of a mono 16 kHz IEEE-float WAV file.
    static func floatWAV(_ samples: [Float]) -> [UInt8] {
        var bytes: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        bytes += Array("RIFF".utf8); u32(UInt32(36 + 4 * samples.count)); bytes += Array("WAVE".utf8)
        bytes += Array("fmt ".utf8); u32(16); u16(3); u16(1); u32(16000); u32(64000); u16(4); u16(32)
        bytes += Array("data".utf8); u32(UInt32(4 * samples.count))
        for x in samples { u32(x.bitPattern) }
        return bytes
    }
}

extension HostileInputTests {
    /// `export --kaldi` into the dataset, a directory inside it (also through a
    /// symbolic link) is refused and the dataset left as it was. Before, a
    /// directory inside it was written (exit 0), after which `extract --force`
    /// refused to replace the dataset ("holds files that are not part of a
    /// vadprep dataset").
    @Test func exportNeverWritesInsideTheDataset() throws {
        let work = TestSupport.TemporaryDirectory()
        let dataset = work.file("features")
        var run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", dataset, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        try FileManager.default.createSymbolicLink(atPath: work.file("link"), withDestinationPath: dataset)
        for output in [dataset, "\(dataset)/kaldi", "\(dataset)/./", work.file("link/kaldi")] {
            for force in [false, true] {
                run = try TestSupport.vadprep(["export", dataset, "--kaldi", output] + (force ? ["--force"] : []))
                #expect(run.status == 1 && !run.signalled)
                #expect(run.stderr == "vadprep export: \(output): lies inside the dataset \(dataset), which holds only the dataset's files; export to a directory outside it\n")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dataset).sorted() == ["index.json", "shard-00000.safetensors"])
        run = try TestSupport.vadprep(["export", dataset, "--kaldi", work.file("kaldi"), "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
    }

    /// A run in which every recording fails writes nothing: not even the
    /// `--out` directory it made (one the user made is left as it was).
    @Test func aRunThatWritesNothingLeavesNoOutputDirectory() throws {
        let work = TestSupport.TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: work.file("corpus"), withIntermediateDirectories: true)
        try "not audio\n".write(toFile: work.file("corpus/a.wav"), atomically: true, encoding: .utf8)
        let run = try TestSupport.vadprep(["extract", work.file("corpus"), "--out", work.file("out"), "--quiet"])
        #expect(run.status == 1)
        #expect(run.stderr.hasSuffix("vadprep extract: no recording could be processed; nothing was written\n"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.file("out")))
        try FileManager.default.createDirectory(atPath: work.file("mine"), withIntermediateDirectories: true)
        let again = try TestSupport.vadprep(["extract", work.file("corpus"), "--out", work.file("mine"), "--quiet"])
        #expect(again.status == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.file("mine")).isEmpty)
    }
}
