import Foundation
import VADPipeline
import VADShards

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
