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
