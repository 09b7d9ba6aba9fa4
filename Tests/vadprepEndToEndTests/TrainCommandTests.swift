import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `vadprep train`, `eval` and `predict`, run as the built executable on the
/// fixture corpus with small models.
@Suite(.serialized) struct TrainCommandTests {
    /// Features of the fixture corpus (with raw frames) cut into 1 s segments, split 60/40.
    static func segments(in work: TestSupport.TemporaryDirectory) throws -> (train: String, valid: String, features: String) {
        let features = work.file("features")
        var run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", features, "--raw-frames", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        run = try TestSupport.vadprep(["segment", features, "--out", work.file("seg"), "--mode", "fixed", "--len", "0.5",
                                       "--split", "valid=0.4", "--seed", "3", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        return (work.file("seg/train"), work.file("seg/valid"), features)
    }

    static func train(_ data: (train: String, valid: String, features: String), _ out: String, _ extra: [String] = []) throws -> TestSupport.Run {
        try TestSupport.vadprep(["train", data.train, "--valid", data.valid, "--model", "lstm", "--hidden", "8", "--batch", "4",
                                 "--threads", "1", "--out", out] + extra)
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// A run writes weights, history, curves and checkpoints; the same seed
    /// gives the same weights bit for bit; a run continued with --resume gives
    /// the weights of an uninterrupted one.
    @Test func trainsDeterministicallyAndResumes() throws {
        let work = TestSupport.TemporaryDirectory()
        let data = try Self.segments(in: work)
        let first = try Self.train(data, work.file("a"), ["--epochs", "3"])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("epoch 1/3  train loss ") && lines[2].contains("valid loss"), "\(first.stdout)")
        for file in ["model.safetensors", "history.jsonl", "history.csv", "curves.svg", "checkpoints/epoch-0001.safetensors",
                     "checkpoints/epoch-0003.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: work.file("a/\(file)")), "\(file) is missing")
        }
        #expect(try String(contentsOfFile: work.file("a/history.jsonl"), encoding: .utf8).split(separator: "\n").count == 3)

        #expect(try Self.train(data, work.file("b"), ["--epochs", "3", "--quiet"]).status == 0)
        #expect(try Self.bytes(work.file("a/model.safetensors")) == Self.bytes(work.file("b/model.safetensors")))

        // One epoch, then continued to three.
        #expect(try Self.train(data, work.file("c"), ["--epochs", "1", "--quiet"]).status == 0)
        let resumed = try Self.train(data, work.file("c"), ["--epochs", "3", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.hasPrefix("epoch 2/3"), "\(resumed.stdout)")
        #expect(try Self.bytes(work.file("a/model.safetensors")) == Self.bytes(work.file("c/model.safetensors")))

        // Another seed, other weights; other options cannot resume.
        #expect(try Self.train(data, work.file("d"), ["--epochs", "1", "--seed", "2", "--quiet"]).status == 0)
        #expect(try Self.bytes(work.file("d/model.safetensors")) != Self.bytes(work.file("c/checkpoints/epoch-0001.safetensors")))
        let mismatch = try Self.train(data, work.file("c"), ["--epochs", "4", "--resume", "--lr", "0.01"])
        #expect(mismatch.status == 1 && mismatch.stderr.hasPrefix("vadprep train: \(work.file("c")): was trained with other options"), "\(mismatch.stderr)")
        let busy = try Self.train(data, work.file("c"), ["--epochs", "1"])
        #expect(busy.stderr == "vadprep train: \(work.file("c")): is not empty; use --resume to continue the run in it, or --force to replace it\n")
    }

    /// SIGINT or SIGKILL in the middle of a run; --resume then ends with the
    /// weights of a run never interrupted (with a cosine learning rate, which
    /// must pick up where it was).
    @Test(arguments: [SIGINT, SIGKILL])
    func resumesAfterInterruption(signal: Int32) throws {
        let work = TestSupport.TemporaryDirectory()
        let data = try Self.segments(in: work)
        let options = ["--epochs", "30", "--batch", "1", "--lr-schedule", "cosine", "--quiet"]
        #expect(try Self.train(data, work.file("reference"), options).status == 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.vadprepExecutable)
        process.arguments = ["train", data.train, "--valid", data.valid, "--model", "lstm", "--hidden", "8", "--threads", "1",
                             "--out", work.file("run")] + options
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline
            && !FileManager.default.fileExists(atPath: work.file("run/checkpoints/epoch-0003.safetensors")) { usleep(1000) }
        #expect(process.isRunning, "the run ended before its third epoch was written")
        TestSupport.signal(process, signal)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if signal == SIGINT {
            #expect(process.terminationStatus == 130)
            #expect(message.hasPrefix("vadprep train: interrupted in epoch ") && message.hasSuffix("run the same command with --resume to continue\n"), "\(message)")
        }
        let resumed = try Self.train(data, work.file("run"), options + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.bytes(work.file("run/model.safetensors")) == Self.bytes(work.file("reference/model.safetensors")))
        #expect(try String(contentsOfFile: work.file("run/history.jsonl"), encoding: .utf8).split(separator: "\n").count == 30)
        // The learning rate of each epoch's last batch falls from near --lr to near 0.
        let rates = try String(contentsOfFile: work.file("run/history.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { Double($0.split(separator: ",").last!)! }
        #expect(rates.count == 30 && zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 } && rates[0] > 9.9e-4 && rates[29] < 1e-5,
                "\(rates)")
    }

    /// The float32 vector of an .npy file (version 1, little-endian, 1-D),
    /// parsed here independently of vadprep's writer.
    static func npy(_ path: String) throws -> [Float] {
        let bytes = [UInt8](try bytes(path))
        try #require(bytes.count >= 10 && Array(bytes[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0], "\(path): not an .npy v1 file")
        let headerEnd = 10 + (Int(bytes[8]) | Int(bytes[9]) << 8)
        let header = String(decoding: bytes[10..<headerEnd], as: UTF8.self)
        let count = (bytes.count - headerEnd) / 4
        try #require(headerEnd % 64 == 0 && (bytes.count - headerEnd) % 4 == 0
                     && header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (\(count),), }") && header.hasSuffix("\n"),
                     "\(path): header \(header)")
        return stride(from: headerEnd, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    /// eval's metrics are those of predict's probabilities against the
    /// dataset's labels; predict writes probabilities on extract's frame grid
    /// and speech segments where the frames are speech, and reports a bad
    /// recording by name.
    @Test func evaluatesAndPredicts() throws {
        let work = TestSupport.TemporaryDirectory()
        let data = try Self.segments(in: work)
        // Enough epochs that the model finds speech (F1 about 0.7 on the fixtures).
        #expect(try Self.train(data, work.file("run"), ["--epochs", "20", "--quiet"]).status == 0)

        let eval = try TestSupport.vadprep(["eval", work.file("run"), data.features, "--json", "--threads", "1"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let metrics = try JSONDecoder().decode([String: Double].self, from: Data(eval.stdout.utf8))
        let index = try DatasetIndex.read(from: data.features)
        #expect(Int(metrics["frames"] ?? 0) == index.statistics.labelledFrames)
        func metric(_ key: String) -> Double { metrics[key] ?? .nan }
        // eval's own numbers agree with each other.
        let (tp, fp, tn, fn) = (metric("true_positives"), metric("false_positives"), metric("true_negatives"), metric("false_negatives"))
        #expect(tp + fp + tn + fn == metric("frames"))
        #expect(abs(metric("accuracy") - (tp + tn) / metric("frames")) < 1e-12)
        #expect(abs(metric("precision") - tp / (tp + fp)) < 1e-12 && abs(metric("recall") - tp / (tp + fn)) < 1e-12)
        #expect(abs(metric("f1") - 2 * tp / (2 * tp + fp + fn)) < 1e-12)
        #expect(metric("f1") > 0.5, "the model should have learnt the fixtures' speech: \(eval.stdout)")

        // Recomputed from predict's probabilities (whole recordings, as eval
        // runs them) and the labels stored in the dataset.
        let corpus = TestSupport.fixture("corpus")
        let all = try TestSupport.vadprep(["predict", work.file("run")] + index.utterances.map { "\(corpus)/\($0.source)" }
                                          + ["--out", work.file("all"), "--window", "0", "--threads", "1", "--quiet"])
        #expect(all.status == 0, "\(all.stderr)")
        let dataset = try Dataset(directory: data.features)
        var counts = (tp: 0.0, fp: 0.0, tn: 0.0, fn: 0.0), loss = 0.0
        var speechScores: [Float] = [], otherScores: [Float] = []
        for (n, utterance) in index.utterances.enumerated() {
            let labels = Array(try dataset.utterance(n).labels)
            let p = try Self.npy(work.file("all/\((utterance.id as NSString).lastPathComponent).npy"))
            #expect(p.count == labels.count, "\(utterance.id)")
            #expect(p.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(utterance.id): probabilities outside [0, 1]")
            for (probability, label) in zip(p, labels) where label <= 1 {
                let speech = probability >= 0.5
                switch (speech, label == 1) {
                case (true, true): counts.tp += 1
                case (true, false): counts.fp += 1
                case (false, false): counts.tn += 1
                case (false, true): counts.fn += 1
                }
                loss -= log(max(Double(label == 1 ? probability : 1 - probability), 1e-12))
                if label == 1 { speechScores.append(probability) } else { otherScores.append(probability) }
            }
        }
        // The same frames scored the same way, up to the odd frame on the
        // threshold (eval runs utterances batched, predict one at a time).
        let differing = abs(counts.tp - tp) + abs(counts.fp - fp) + abs(counts.tn - tn) + abs(counts.fn - fn)
        #expect(differing <= 4, "eval \((tp, fp, tn, fn)), from predict \(counts)")
        #expect(abs(loss / metric("frames") - metric("loss")) < 1e-3, "loss \(loss / metric("frames")) vs eval \(metric("loss"))")
        var wins = 0.0
        for s in speechScores { for o in otherScores { wins += s > o ? 1 : (s == o ? 0.5 : 0) } }
        #expect(abs(wins / Double(speechScores.count * otherScores.count) - metric("roc_auc")) < 0.01)

        let other = work.file("other")
        #expect(try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", other, "--quiet", "--num-ceps", "13"]).status == 0)
        let mismatch = try TestSupport.vadprep(["eval", work.file("run"), other])
        #expect(mismatch.status == 1 && mismatch.stderr == "vadprep eval: \(other): was extracted with other feature options than the model was trained on\n", "\(mismatch.stderr)")
        let mixed = try TestSupport.vadprep(["train", data.train, "--valid", other, "--model", "lstm", "--out", work.file("mixed")])
        #expect(mixed.status == 1 && mixed.stderr == "vadprep train: \(other): was extracted with other feature options than \(data.train)\n", "\(mixed.stderr)")
        // Options that do not change what a feature is (here the dither seed
        // and the shard size; augmentation likewise) do not stand in the way.
        let reseeded = work.file("reseeded")
        #expect(try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", reseeded, "--raw-frames", "--quiet", "--seed", "5",
                                         "--shard-size", "1M"]).status == 0)
        let accepted = try TestSupport.vadprep(["eval", work.file("run"), reseeded, "--threads", "1"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        // The table prints the same numbers as the JSON.
        let table = try TestSupport.vadprep(["eval", work.file("run"), data.features, "--threads", "1"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains(String(format: "F1         %.4f", metric("f1"))), "\(table.stdout)")

        try TestSupport.write("not audio", to: work.file("broken.wav"))
        let audio = TestSupport.fixture("corpus/speech-16k.wav")
        let predict = try TestSupport.vadprep(["predict", work.file("run"), audio, work.file("broken.wav"), "--out", work.file("pred")])
        #expect(predict.status == 1)
        #expect(predict.stderr.contains("\(work.file("broken.wav")): cannot read audio"), "\(predict.stderr)")
        #expect(predict.stderr.hasSuffix("vadprep predict: 1 of 2 recordings failed\n"), "\(predict.stderr)")
        // One line per recording done: frames, segments (singular for one), seconds of speech, outputs.
        #expect(predict.stdout.wholeMatch(of: #/.+: \d+ frames, (1 speech segment|\d+ speech segments), \d+\.\d\d s of speech -> .+\{txt,npy\}\n/#) != nil
                && !predict.stdout.contains(" 1 speech segments"), "\(predict.stdout)")
        #expect(!FileManager.default.fileExists(atPath: work.file("pred/broken.npy")))
        let npy = try Self.bytes(work.file("pred/speech-16k.npy"))
        let probabilities = try Self.npy(work.file("pred/speech-16k.npy"))
        let speechIndex = try #require(index.utterances.firstIndex { $0.id == "speech-16k" })
        let labels = Array(try dataset.utterance(speechIndex).labels)
        #expect(probabilities.count == labels.count && probabilities.allSatisfy { $0 >= 0 && $0 <= 1 })

        // Segments: present, in order, inside the recording, and where the
        // frames are speech: frame i (25 ms, every 10 ms) is centred at
        // 0.0125 + 0.01 i s. Most frames inside the segments are scored and
        // labelled speech; most frames scored speech are inside a segment.
        let text = try String(contentsOfFile: work.file("pred/speech-16k.txt"), encoding: .utf8)
        let segments = try text.split(separator: "\n").map { line -> (Double, Double) in
            let fields = line.split(separator: "\t")
            try #require(fields.count == 3 && fields[2] == "speech", "\(line)")
            return (try #require(Double(fields[0])), try #require(Double(fields[1])))
        }
        #expect(!segments.isEmpty, "no speech segment in a recording that is 70 % speech")
        #expect(segments.allSatisfy { $0.0 < $0.1 && $0.0 >= 0 && $0.1 <= 0.0125 + 0.01 * Double(labels.count) + 0.0125 })
        #expect(zip(segments, segments.dropFirst()).allSatisfy { $0.1 <= $1.0 })
        let inside = labels.indices.filter { i in segments.contains { $0.0 <= 0.0125 + 0.01 * Double(i) && 0.0125 + 0.01 * Double(i) < $0.1 } }
        let scoredSpeech = labels.indices.filter { probabilities[$0] >= 0.5 }
        #expect(!inside.isEmpty)
        #expect(Double(inside.filter { probabilities[$0] >= 0.5 }.count) >= 0.8 * Double(inside.count))
        #expect(Double(inside.filter { labels[$0] == 1 }.count) >= 0.8 * Double(inside.count))
        #expect(Double(scoredSpeech.filter { inside.contains($0) }.count) >= 0.8 * Double(scoredSpeech.count))

        // The model runs in windows of its training segments (0.5 s) unless told otherwise.
        for (name, window) in [("half", "0.5"), ("whole", "0"), ("long", "600")] {
            let run = try TestSupport.vadprep(["predict", work.file("run"), audio, "--out", work.file(name), "--window", window, "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(try Self.bytes(work.file("half/speech-16k.npy")) == npy)
        #expect(try Self.bytes(work.file("whole/speech-16k.npy")) != npy)
        #expect(try Self.bytes(work.file("long/speech-16k.npy")) == Self.bytes(work.file("whole/speech-16k.npy")))
        let negative = try TestSupport.vadprep(["predict", work.file("run"), audio, "--out", work.file("x"), "--window=-1"])
        #expect(negative.status == 64 && negative.stderr.hasPrefix("Error: --window -1.0: must be between 0 and 86400 seconds\n"), "\(negative.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.file("x")), "a refused --window leaves no output directory")
    }

    /// The CDNN on raw frames trains end to end; a dataset without raw frames is refused by name.
    @Test func rawWaveformModel() throws {
        let work = TestSupport.TemporaryDirectory()
        let data = try Self.segments(in: work)
        let raw = try TestSupport.vadprep(["train", data.train, "--valid", data.valid, "--model", "cdnn-raw", "--epochs", "1",
                                           "--batch", "4", "--threads", "1", "--out", work.file("raw"), "--quiet"])
        #expect(raw.status == 0, "\(raw.stderr)")
        let plain = work.file("plain")
        #expect(try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", plain, "--quiet"]).status == 0)
        let refused = try TestSupport.vadprep(["train", plain, "--model", "cdnn-raw", "--out", work.file("x")])
        #expect(refused.status == 1)
        #expect(refused.stderr == "vadprep train: \(plain): has no raw-waveform frames, which cdnn-raw reads; extract with --raw-frames\n")
    }
}
