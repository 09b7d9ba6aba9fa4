import Foundation
import VADPipeline
import VADShards
import VADTrain

/// Fuzz targets: arbitrary bytes into each reader of untrusted input. Every
/// input must end in a value or a thrown error, never a crash.
///
/// Built with `-sanitize=fuzzer,address -DFUZZING` (Pipelines/fuzz.sh), this is
/// a libFuzzer binary; the target is named by VADPREP_FUZZ_TARGET. Built
/// normally, it replays the files given as arguments through the target,
/// which is how a crash found by fuzzing becomes a test.
enum FuzzTarget: String, CaseIterable {
    /// The label parsers, and frame alignment of what they accept.
    case labels
    /// The safetensors header reader and the index decoder.
    case shard
    /// The audio front end: libsndfile, mixing, resampling, framing, MFCC.
    case audio
    /// A whole small dataset through its readers: `Dataset` (open, every
    /// utterance, as `segment` reads them), `DatasetVerifier`, and
    /// `TrainingData` (every batch, as `train` and `eval` read them). The
    /// input is an index and a shard, split at the first `datasetSeparator`;
    /// the shard is written as `shard-00000.safetensors` and the index re-sealed
    /// (shard size and SHA-256, `index_sha256`), as anyone editing a dataset
    /// can, so that mutations reach the consistency checks and not just the hashes.
    case dataset
    /// A Kaldi data directory through `CorpusSource`, in both utterance
    /// modes: the input is `wav.scp`, then `segments`, `utt2spk`, `spk2utt`
    /// and `reco2dur`, split at each `fileSeparator` (missing ones are absent).
    /// Commands are never run: piped lines must be refused.
    case kaldi
    /// A Lhotse manifest (recordings or cuts, gzip or not) and, after a
    /// `fileSeparator`, a supervisions manifest, through `CorpusSource`.
    /// Commands are never run.
    case lhotse

    /// Between the index and the shard in a `dataset` input.
    static let datasetSeparator = Array("\n--shard--\n".utf8)
    /// Between the files of a `kaldi` input.
    static let fileSeparator = Array("\n--file--\n".utf8)

    static var selected: FuzzTarget {
        let name = ProcessInfo.processInfo.environment["VADPREP_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("set VADPREP_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .labels:
            let text = String(decoding: bytes, as: UTF8.self)
            let grid = FrameGrid(sampleRate: 16000, shift: 160, length: 400, snipEdges: false)
            if let segments = try? LabelFileParser.parseSegments(text, path: "fuzz") {
                _ = try? FrameLabeler.labels(.segments(segments), grid: grid, frameCount: 100, samples: 16000,
                                             policy: LabelPolicy(), path: "fuzz")
            }
            for (_, segments) in (try? LabelFileParser.parseRTTM(text, path: "fuzz")) ?? [:] {
                _ = try? FrameLabeler.labels(.segments(segments), grid: grid, frameCount: 100, samples: 16000,
                                             policy: LabelPolicy(), path: "fuzz")
            }
            if let frames = try? LabelFileParser.parseFrames(text, path: "fuzz") {
                _ = try? FrameLabeler.labels(frames, grid: grid, frameCount: 100, samples: 16000, policy: LabelPolicy(), path: "fuzz")
            }
        case .shard:
            _ = try? SafeTensorsHeader.parse(bytes, path: "fuzz")
            _ = try? DatasetIndex.decode(Data(bytes), path: "fuzz")
        case .audio:
            let path = NSTemporaryDirectory() + "vadprep-fuzz-\(getpid())"
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
            defer { try? FileManager.default.removeItem(atPath: path) }
            guard let computer = try? MFCCComputer(options: MFCCOptions()) else { return }
            var framer = StreamingFramer(grid: computer.options.frame.grid)
            var noise = GaussianNoise(seed: 0)
            var row = [Float](repeating: 0, count: computer.dimension)
            let emit = { (_: Int, samples: UnsafeBufferPointer<Float>) in
                row.withUnsafeMutableBufferPointer { computer.compute(samples, into: $0.baseAddress!, noise: &noise) }
            }
            _ = try? AudioDecoder.decode(path: path, options: AudioOptions()) { framer.accept($0, emit: emit) }
            framer.finish(emit: emit)
        case .dataset:
            Self.runDataset(Array(bytes))
        case .kaldi:
            Self.runKaldi(Array(bytes))
        case .lhotse:
            Self.runLhotse(Array(bytes))
        }
    }

    private static let lhotseDirectory = scratchDirectory("lhotse")

    /// The `lhotse` target (see there).
    private static func runLhotse(_ input: [UInt8]) {
        guard let directory = lhotseDirectory else { return }
        let pieces = split(input, at: fileSeparator)
        let manifest = "\(directory)/manifest.jsonl", supervisions = "\(directory)/supervisions.jsonl"
        try? FileManager.default.removeItem(atPath: supervisions)
        guard FileManager.default.createFile(atPath: manifest, contents: Data(pieces[0])) else { return }
        var input = InputOptions()
        (input.kind, input.allowCommands) = (.lhotse, false)
        if pieces.count > 1 {
            guard FileManager.default.createFile(atPath: supervisions, contents: Data(pieces[1])) else { return }
            input.supervisions = supervisions
        }
        var options = ExtractOptions()
        options.input = input
        // Only the listing: the audio paths it names are the fuzzer's invention.
        _ = try? CorpusSource.open(manifest, options: options)
    }

    /// `input` cut at every occurrence of `separator`.
    private static func split(_ input: [UInt8], at separator: [UInt8]) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var start = 0, at = 0
        while at + separator.count <= input.count {
            if input[at..<(at + separator.count)].elementsEqual(separator) {
                pieces.append(Array(input[start..<at]))
                at += separator.count
                start = at
            } else {
                at += 1
            }
        }
        pieces.append(Array(input[start...]))
        return pieces
    }

    private static let kaldiDirectory = scratchDirectory("kaldi")

    /// The `kaldi` target (see there).
    private static func runKaldi(_ input: [UInt8]) {
        guard let directory = kaldiDirectory else { return }
        let names = ["wav.scp", "segments", "utt2spk", "spk2utt", "reco2dur"]
        let pieces = split(input, at: fileSeparator)
        for (number, name) in names.enumerated() {
            let path = "\(directory)/\(name)"
            try? FileManager.default.removeItem(atPath: path)
            if number < pieces.count { _ = FileManager.default.createFile(atPath: path, contents: Data(pieces[number])) }
        }
        for utterances in KaldiUtterances.allCases {
            var options = ExtractOptions()
            var input = InputOptions()
            (input.kind, input.kaldiUtterances, input.allowCommands) = (.kaldi, utterances, false)
            options.input = input
            // Only the listing: the audio paths it names are the fuzzer's
            // invention (/dev/stdin among them), so nothing is opened.
            _ = try? CorpusSource.open(directory, options: options)
        }
    }

    /// This process's scratch folder, removed at exit: the targets that need
    /// files on disk write them below it, each in a folder of its own.
    private static let scratch: String? = {
        let directory = NSTemporaryDirectory() + "vadprep-fuzz-scratch-\(getpid())"
        guard (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil else { return nil }
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "vadprep-fuzz-scratch-\(getpid())") }
        return directory
    }()

    /// Folder `name` in the scratch folder, created.
    private static func scratchDirectory(_ name: String) -> String? {
        guard let scratch else { return nil }
        let directory = "\(scratch)/\(name)"
        guard (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil else { return nil }
        return directory
    }

    private static let datasetDirectory = scratchDirectory("dataset")

    /// The `dataset` target (see there).
    private static func runDataset(_ input: [UInt8]) {
        let separator = datasetSeparator
        var split = input.count
        if input.count >= separator.count {
            split = (0...(input.count - separator.count)).first { input[$0..<($0 + separator.count)].elementsEqual(separator) } ?? input.count
        }
        let indexBytes = Array(input[..<split])
        let shardBytes = split < input.count ? Array(input[(split + separator.count)...]) : []

        // One directory per process, holding only the two files written below
        // (each run replaces both), removed at exit.
        guard let directory = datasetDirectory else { return }
        try? FileManager.default.removeItem(atPath: "\(directory)/\(DatasetIndex.fileName)")

        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard var index = try? decoder.decode(DatasetIndex.self, from: Data(indexBytes)) else {
            _ = try? DatasetIndex.decode(Data(indexBytes), path: "fuzz")
            return
        }
        // Only this one name is ever written; the index may name others, which
        // the readers must refuse or find missing.
        let shardName = "shard-00000.safetensors"
        guard FileManager.default.createFile(atPath: "\(directory)/\(shardName)", contents: Data(shardBytes)) else { return }
        var hash = SHA256()
        hash.update(shardBytes)
        let digest = hash.hexDigest()
        for number in index.shards.indices where index.shards[number].file == shardName {
            index.shards[number].bytes = shardBytes.count
            index.shards[number].sha256 = digest
        }
        guard let sealed = try? index.encoded(),
              FileManager.default.createFile(atPath: "\(directory)/\(DatasetIndex.fileName)", contents: Data(sealed)) else { return }

        // segment's reader: open, then every utterance's frames.
        if let dataset = try? Dataset(directory: directory), (try? dataset.openAll()) != nil {
            var sink: Float = 0
            for number in dataset.index.utterances.indices {
                guard let view = try? dataset.utterance(number) else { continue }
                sink += (view.features.last ?? 0) + Float(view.labels.last ?? 0) + (view.waveform?.last ?? 0)
            }
            _ = (try? dataset.checkValues(), sink)
        }
        _ = DatasetVerifier.verify(directory: directory)

        // train's and eval's reader: every batch of stored epoch 0.
        var config = ModelConfig(kind: .lstm)
        (config.inputs, config.hidden) = (1, 1)
        if let raw = index.rawFrames, raw.length > 0, raw.length <= 1024 {
            config = ModelConfig(kind: .cdnnRaw)
            (config.inputs, config.rawFilterLength) = (raw.length, 1)
        }
        guard let data = try? TrainingData(directory: directory, config: config, normalization: nil, batchSize: 4) else { return }
        for members in data.batches(epoch: 0, shuffleSeed: 1) {
            // Bound the memory of one batch (the checks bound it by the shard's size).
            guard data.frames(members) <= 1 << 16, (data.segmentFrames ?? 0) <= 1 << 16 else { continue }
            let batch: Batch<Float>? = try? data.batch(members)
            _ = batch?.targets.count
        }
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

nonisolated(unsafe) private var target = FuzzTarget.labels

/// libFuzzer's callback.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    target.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// The executable's entry point under SwiftPM (which links `main` to
/// `<target>_main`): hand over to libFuzzer's driver.
@_cdecl("VADPrepFuzz_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    target = FuzzTarget.selected
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { fuzzerTestOneInput($0, $1) }
}
#else
@main
struct Replay {
    static func main() {
        let target = FuzzTarget.selected
        let files = CommandLine.arguments.dropFirst()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("cannot read \(file)\n".utf8))
                exit(1)
            }
            data.withUnsafeBytes { target.run($0) }
        }
        print("replayed \(files.count) input\(files.count == 1 ? "" : "s") through \(target.rawValue)")
    }
}
#endif
