import Foundation
import Testing
import VADInference
import _VADTestSupport

/// `vadprep predict --stream`, run as the built executable: for causal
/// models the streamed lines are those of the offline run with --window 0,
/// however the input arrives, and what cannot stream is refused with a message.
@Suite(.serialized) struct StreamTests {
    static let recording = TestSupport.fixture("corpus/speech-16k.wav")

    /// The fixture corpus, extracted with `extract` options, cut into 0.5 s segments.
    static func segments(in work: TestSupport.TemporaryDirectory, _ extract: [String] = []) throws -> String {
        var run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", work.file("features"),
                                           "--raw-frames", "--quiet"] + extract)
        #expect(run.status == 0, "\(run.stderr)")
        run = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("seg"), "--mode", "fixed",
                                       "--len", "0.5", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        return work.file("seg")
    }

    /// A tiny model of `kind` trained for one epoch; returns its run directory.
    static func train(_ kind: String, on data: String, in work: TestSupport.TemporaryDirectory) throws -> String {
        let out = work.file("run-\(kind)")
        let run = try TestSupport.vadprep(["train", data, "--model", kind, "--hidden", "8", "--batch", "4", "--epochs", "1",
                                           "--threads", "1", "--out", out, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        return out
    }

    /// The samples of a 16-bit WAV file as raw little-endian PCM (its `data` chunk).
    static func rawPCM(_ wav: String) throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: wav)))
        var at = 12
        while at + 8 <= bytes.count {
            let size = Int(bytes[at + 4]) | Int(bytes[at + 5]) << 8 | Int(bytes[at + 6]) << 16 | Int(bytes[at + 7]) << 24
            if bytes[at..<(at + 4)].elementsEqual("data".utf8) { return Array(bytes[(at + 8)..<(at + 8 + size)]) }
            at += 8 + size + size % 2
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    /// Copies a model file with its description (the `vadprep_model` metadata) changed by `change`.
    static func rewriteDescription(of model: String, to path: String, _ change: (inout [String: Any]) -> Void) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        var header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as! [String: Any]
        var metadata = header["__metadata__"] as! [String: String]
        var description = try JSONSerialization.jsonObject(with: Data(metadata["vadprep_model"]!.utf8)) as! [String: Any]
        change(&description)
        metadata["vadprep_model"] = String(decoding: try JSONSerialization.data(withJSONObject: description), as: UTF8.self)
        header["__metadata__"] = metadata
        var json = [UInt8](try JSONSerialization.data(withJSONObject: header))
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        let prefix = (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) }
        try Data(prefix + json + bytes[(8 + length)...]).write(to: URL(fileURLWithPath: path))
    }

    /// Runs `vadprep arguments` with `input` written to its standard input in
    /// pieces of `piece` bytes, pausing now and then so that reads see partial pieces.
    static func vadprep(_ arguments: [String], input: [UInt8], piece: Int) throws -> TestSupport.Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.vadprepExecutable)
        process.arguments = arguments
        let stdin = Pipe(), out = Pipe(), err = Pipe()
        (process.standardInput, process.standardOutput, process.standardError) = (stdin, out, err)
        try process.run()
        let writer = Thread {
            let handle = stdin.fileHandleForWriting
            var written = 0
            for start in stride(from: 0, to: input.count, by: piece) {
                let chunk = input[start..<min(start + piece, input.count)]
                chunk.withUnsafeBytes { _ = write(handle.fileDescriptor, $0.baseAddress, $0.count) }
                written += chunk.count
                if written % 1999 < piece { usleep(200) }
            }
            try? handle.close()
        }
        writer.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return TestSupport.Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                               stderr: String(decoding: errData, as: UTF8.self))
    }

    /// For each causal model: offline (`--window 0`) segments of the fixture
    /// at two settings, and the same from standard input arriving in pieces
    /// of 1 byte, 1 sample, 333 samples and all at once, and from the file.
    @Test(arguments: ["lstm", "lstm2", "cdnn", "cdnn-raw"])
    func streamEqualsOffline(kind: String) throws {
        let work = TestSupport.TemporaryDirectory()
        let run = try Self.train(kind, on: Self.segments(in: work), in: work)
        let pcm = try Self.rawPCM(Self.recording)

        // A threshold at the median probability, so that a barely trained model still finds segments.
        var offline = try TestSupport.vadprep(["predict", run, Self.recording, "--window", "0", "--out", work.file("p0"), "--quiet"])
        #expect(offline.status == 0, "\(offline.stderr)")
        let probabilities = try NPY.readFloat32Vector([UInt8](try Data(contentsOf: URL(fileURLWithPath: work.file("p0/speech-16k.npy")))))
        let median = probabilities.sorted()[probabilities.count / 2]
        let settings = [["--threshold", "\(median)", "--min-speech", "0.05", "--min-silence", "0.05"],
                        ["--threshold", "\(median)", "--min-speech", "0.1", "--min-silence", "0.3"]]
        for (n, options) in settings.enumerated() {
            offline = try TestSupport.vadprep(["predict", run, Self.recording, "--window", "0", "--out", work.file("p\(n)"), "--quiet"] + options)
            #expect(offline.status == 0, "\(offline.stderr)")
            let expected = try String(contentsOfFile: work.file("p\(n)/speech-16k.txt"), encoding: .utf8)
            if n == 0 { #expect(expected.split(separator: "\n").count >= 2, "\(kind): too few segments to compare: \(expected)") }
            // How the input is cut reaches only the front end, which the first setting
            // checks at every size; the second checks the segment decisions.
            for piece in n == 0 ? [1, 2, 666, pcm.count] : [666, pcm.count] {
                let streamed = try Self.vadprep(["predict", run, "-", "--stream"] + options, input: pcm, piece: piece)
                #expect(streamed.status == 0 && streamed.stderr.isEmpty, "\(kind), pieces of \(piece): \(streamed.stderr)")
                #expect(streamed.stdout == expected, "\(kind), pieces of \(piece) bytes")
            }
            let file = try TestSupport.vadprep(["predict", run, Self.recording, "--stream"] + options)
            #expect(file.status == 0 && file.stdout == expected, "\(kind), --stream on the file: \(file.stderr)")
        }

        // One byte too many: the segments of the whole samples, then an error naming the byte count.
        let options = settings[0]
        let expected = try String(contentsOfFile: work.file("p0/speech-16k.txt"), encoding: .utf8)
        let odd = try Self.vadprep(["predict", run, "-", "--stream"] + options, input: pcm + [7], piece: 4096)
        #expect(odd.status == 1 && odd.stdout == expected)
        #expect(odd.stderr == "vadprep predict: standard input: ends in the middle of a sample: \(pcm.count + 1) bytes are not a whole number of 16-bit samples\n")
    }

    /// What cannot stream says why: a bidirectional model, a WAV file on
    /// standard input, a model trained on per-utterance CMVN, options that
    /// do not go with --stream.
    @Test func refusals() throws {
        let work = TestSupport.TemporaryDirectory()
        let data = try Self.segments(in: work)
        let blstm = try Self.train("blstm", on: data, in: work)
        let pcm = try Self.rawPCM(Self.recording)
        var run = try Self.vadprep(["predict", blstm, "-", "--stream"], input: pcm, piece: 4096)
        #expect(run.status == 1 && run.stdout.isEmpty)
        #expect(run.stderr == "vadprep predict: \(blstm)/model.safetensors: cannot stream: a blstm model reads every frame in both directions, so each frame's probability needs the end of the recording; stream a causal model (lstm, lstm2, cdnn, cdnn-raw)\n")
        run = try TestSupport.vadprep(["predict", blstm, Self.recording, "--stream"])
        #expect(run.status == 1 && run.stderr.hasSuffix("cannot stream: a blstm model reads every frame in both directions, so each frame's probability needs the end of the recording; stream a causal model (lstm, lstm2, cdnn, cdnn-raw)\n"))

        let lstm = try Self.train("lstm", on: data, in: work)
        let wav = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.recording)))
        run = try Self.vadprep(["predict", lstm, "-", "--stream"], input: wav, piece: 3)
        #expect(run.status == 1 && run.stdout.isEmpty)
        #expect(run.stderr == "vadprep predict: standard input: starts with a RIFF/WAVE header, but --stream reads raw 16-bit little-endian mono PCM at 16 kHz from standard input; give the file's path instead of -, or strip the header (sox FILE -t raw -r 16000 -e signed -b 16 -c 1 -)\n")
        run = try Self.vadprep(["predict", lstm, "-", "--stream"], input: [], piece: 1)
        #expect(run.status == 1 && run.stderr == "vadprep predict: standard input: is too short: 0 samples give no 25.0 ms frame\n")

        run = try TestSupport.vadprep(["predict", lstm, Self.recording, "--stream", "--window", "1"])
        #expect(run.status == 64 && run.stderr.hasPrefix("Error: --stream runs the model over the whole recording, as --window 0 does; --window 1.0 cannot be used with it\n"))
        run = try TestSupport.vadprep(["predict", lstm, "-", "--out", work.file("x")])
        #expect(run.status == 64 && run.stderr.hasPrefix("Error: - (standard input) is read only with --stream\n"))
        run = try TestSupport.vadprep(["predict", lstm, Self.recording, "--stream", "--out", work.file("x")])
        #expect(run.status == 64 && run.stderr.hasPrefix("Error: --stream writes the segments to standard output; --out is not used with it\n"))

        // A model whose description this version cannot read, written by another version.
        let old = work.file("old.safetensors")
        try Self.rewriteDescription(of: "\(lstm)/model.safetensors", to: old) { description in
            description["vadprep_version"] = "0.0.9"
            var config = description["config"] as! [String: Any]
            config["kind"] = "gru"
            description["config"] = config
        }
        run = try Self.vadprep(["predict", old, "-", "--stream"], input: pcm, piece: 4096)
        #expect(run.status == 1 && run.stdout.isEmpty)
        #expect(run.stderr == "vadprep predict: \(old): was written by vadprep 0.0.9, and this vadprep 0.1.0 cannot read its model description (config.kind: Cannot initialize Kind from invalid String value gru); retrain the model with this version, or predict with vadprep 0.0.9\n")

        let cmvnWork = TestSupport.TemporaryDirectory()
        let cmvn = try Self.train("lstm", on: Self.segments(in: cmvnWork, ["--cmvn", "utterance"]), in: cmvnWork)
        run = try Self.vadprep(["predict", cmvn, "-", "--stream"], input: pcm, piece: 4096)
        #expect(run.status == 1 && run.stdout.isEmpty)
        #expect(run.stderr == "vadprep predict: \(cmvn)/model.safetensors: cannot stream: the model's features were normalised with --cmvn utterance, which needs frames after each frame (or the whole recording); only models trained with --cmvn none can stream\n")
    }
}
