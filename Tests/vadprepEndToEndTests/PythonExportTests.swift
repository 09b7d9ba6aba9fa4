import Foundation
import Testing
import VADShards
import _VADTestSupport

/// The Python package (Pipelines/python/vadprep): every model kind, trained
/// small by the built `vadprep`, gives the same per-frame speech
/// probabilities in `vadprep predict --window 0`, as a PyTorch module and as
/// an exported ONNX model run by onnxruntime (Pipelines/python/check_export.py);
/// the module's padding mask gives eval's loss (check_masked_loss.py);
/// damaged model files are refused by name (check_model_file.py).
@Suite(.serialized) struct PythonExportTests {
    /// Python with numpy, safetensors, torch, onnx and onnxruntime (`TestSupport.python`).
    static let python = TestSupport.python

    static func script(_ name: String, _ arguments: [String]) throws -> TestSupport.Run {
        let python = try #require(python)
        return try TestSupport.run(python, ["\(TestSupport.packageRoot)/Pipelines/python/\(name)"] + arguments)
    }

    /// The fixture corpus extracted with raw frames (the features dataset the
    /// checks compare on), cut into 0.5 s segments to train on and into
    /// 0.7 s segments, whose last in each recording is padded (with a mask).
    static func data(in work: TestSupport.TemporaryDirectory) throws -> (features: String, train: String, padded: String) {
        let features = work.file("features")
        var run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", features, "--raw-frames", "--quiet"])
        try #require(run.status == 0, "\(run.stderr)")
        run = try TestSupport.vadprep(["segment", features, "--out", work.file("seg"), "--mode", "fixed", "--len", "0.5",
                                       "--seed", "3", "--quiet"])
        try #require(run.status == 0, "\(run.stderr)")
        run = try TestSupport.vadprep(["segment", features, "--out", work.file("padded"), "--len", "0.7", "--short", "pad", "--quiet"])
        try #require(run.status == 0, "\(run.stderr)")
        return (features, work.file("seg"), work.file("padded"))
    }

    /// Each kind with hidden sizes small enough to train in a moment (cdnn on MFCC + deltas).
    static let kinds: [(String, [String])] = [
        ("lstm", ["--hidden", "6"]),
        ("blstm", ["--hidden", "5"]),
        ("lstm2", ["--hidden", "4", "--layers", "2"]),
        ("cdnn", ["--hidden", "5", "--filters", "3", "--inputs", "40"]),
        ("cdnn-raw", ["--hidden", "4", "--filters", "2"]),
    ]

    @Test(.enabled(if: python != nil, "needs VADPREP_PYTHON, PYTHON or .build-venv with numpy, safetensors, torch, onnx and onnxruntime"),
          arguments: kinds.map { $0.0 })
    func torchAndONNXAgreeWithPredict(kind: String) throws {
        let work = TestSupport.TemporaryDirectory()
        let data = try Self.data(in: work)
        let options = try #require(Self.kinds.first { $0.0 == kind }).1
        let run = work.file("run")
        let train = try TestSupport.vadprep(["train", data.train, "--model", kind, "--epochs", "2", "--batch", "4",
                                             "--threads", "1", "--out", run, "--quiet"] + options)
        try #require(train.status == 0, "\(train.stderr)")

        let index = try DatasetIndex.read(from: data.features)
        let audio = index.utterances.map { TestSupport.fixture("corpus/\($0.source)") }
        let predict = try TestSupport.vadprep(["predict", run] + audio + ["--window", "0", "--out", work.file("pred"),
                                                                          "--threads", "1", "--quiet"])
        try #require(predict.status == 0, "\(predict.stderr)")

        let check = try Self.script("check_export.py", [run, work.file("pred"), data.features])
        #expect(check.status == 0 && check.stderr.isEmpty, "\(check.stdout)\(check.stderr)")
        let frames = index.utterances.reduce(0) { $0 + $1.frames }
        let summary = "check_export: \(kind): \(index.utterances.count) utterances, \(frames) frames; largest differences: "
        #expect(check.stdout.hasPrefix(summary), "\(check.stdout)")
        // A causal model's streaming form is checked too; a bidirectional one has none.
        #expect(check.stdout.contains("streamed - whole") == (kind != "blstm"), "\(check.stdout)")

        // The module's padding mask is vadprep's: the masked loss of padded
        // segments is eval's (for blstm, where the reverse pass starts at the
        // last real frame, the unmasked one is not).
        let eval = try TestSupport.vadprep(["eval", run, data.padded, "--json", "--threads", "1"])
        try #require(eval.status == 0, "\(eval.stderr)")
        try TestSupport.write(eval.stdout, to: work.file("eval.json"))
        let masked = try Self.script("check_masked_loss.py", [run, data.padded, work.file("eval.json")])
        #expect(masked.status == 0 && masked.stdout.hasPrefix("check_masked_loss: \(kind): "), "\(masked.stdout)\(masked.stderr)")

        if kind == "blstm" {
            let python = try #require(Self.python)
            let refused = try TestSupport.run(python, ["-m", "vadprep", "export-onnx", run, work.file("b.onnx"), "--streaming"],
                                              in: "\(TestSupport.packageRoot)/Pipelines/python")
            #expect(refused.status == 1 && refused.stderr == "python -m vadprep export-onnx: \(run)/model.safetensors: "
                    + "a blstm model reads each sequence in both directions; it has no streaming form\n", "\(refused.stderr)")
        }
    }

    /// A frame-count mismatch between predict's output and the dataset is
    /// reported, not compared past: predict's output of another recording.
    @Test(.enabled(if: python != nil, "needs VADPREP_PYTHON, PYTHON or .build-venv with numpy, safetensors, torch, onnx and onnxruntime"))
    func checksAreNotVacuous() throws {
        let work = TestSupport.TemporaryDirectory()
        let data = try Self.data(in: work)
        let run = work.file("run")
        let train = try TestSupport.vadprep(["train", data.train, "--model", "lstm", "--hidden", "6", "--epochs", "1",
                                             "--batch", "4", "--threads", "1", "--out", run, "--quiet"])
        try #require(train.status == 0, "\(train.stderr)")
        let index = try DatasetIndex.read(from: data.features)
        let audio = index.utterances.map { TestSupport.fixture("corpus/\($0.source)") }
        let predict = try TestSupport.vadprep(["predict", run] + audio + ["--window", "0", "--out", work.file("pred"), "--quiet"])
        try #require(predict.status == 0, "\(predict.stderr)")
        // Swap two recordings' outputs of different lengths.
        let byLength = index.utterances.sorted { $0.frames < $1.frames }
        let (short, long) = (try #require(byLength.first), try #require(byLength.last))
        try #require(short.frames != long.frames)
        let name = { (u: UtteranceRecord) in work.file("pred/\((u.id as NSString).lastPathComponent).npy") }
        try FileManager.default.removeItem(atPath: name(short))
        try FileManager.default.copyItem(atPath: name(long), toPath: name(short))
        let check = try Self.script("check_export.py", [run, work.file("pred"), data.features])
        #expect(check.status == 1 && check.stderr == "check_export: FAILED: \(short.id): predict wrote \(long.frames) frames, "
                + "the dataset holds \(short.frames)\n", "\(check.stdout)\(check.stderr)")
        // Damaged and foreign model files are refused with their messages.
        let refusals = try Self.script("check_model_file.py", [run, work.file("bad")])
        #expect(refusals.status == 0 && refusals.stdout.hasPrefix("check_model_file: ") && refusals.stdout.hasSuffix(" passed, 0 failed\n"),
                "\(refusals.stdout)\(refusals.stderr)")
    }
}
