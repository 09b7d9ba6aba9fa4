import Foundation
import Testing
import VADPipeline
import _VADTestSupport

/// vadprep's MFCCs against kaldi-native-fbank's, computed by
/// `Fixtures/reference/make-reference.sh` from the same audio (see
/// `Fixtures/README.md` for the signal path). The target: the same frame count,
/// and every coefficient within 1e-2 absolute and within 5e-4 of that
/// coefficient's standard deviation over the file.
@Suite struct KaldiAgreementTests {
    static let recordings = ["speech-16k.wav", "speech-8k.wav", "stereo-44k.flac", "float-48k.wav"]

    @Test(arguments: recordings, ["vadprep", "kaldi"])
    func matchesKaldiNativeFbank(recording: String, preset: String) throws {
        var options = preset == "kaldi" ? MFCCOptions.kaldi : MFCCOptions()
        options.frame.sampleRate = 16000
        let ours = try Self.mfcc(TestSupport.fixture("corpus/\(recording)"), options: options)
        let stem = (recording as NSString).deletingPathExtension
        let reference = try Self.readMatrix(TestSupport.fixture("reference/\(stem).\(preset).txt"))

        #expect(ours.count == reference.count, "frame count")
        let columns = options.numCeps
        var worstAbsolute = 0.0, worstRelative = 0.0
        for c in 0..<columns {
            let column = reference.map { Double($0[c]) }
            let mean = column.reduce(0, +) / Double(column.count)
            let std = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)).squareRoot()
            for t in 0..<min(ours.count, reference.count) {
                let difference = abs(Double(ours[t][c]) - Double(reference[t][c]))
                worstAbsolute = max(worstAbsolute, difference)
                worstRelative = max(worstRelative, difference / std)
                #expect(difference <= 1e-2, "frame \(t) coefficient \(c): \(ours[t][c]) vs \(reference[t][c])")
                #expect(difference <= 5e-4 * std, "frame \(t) coefficient \(c): \(ours[t][c]) vs \(reference[t][c]), std \(std)")
            }
        }
        print(String(format: "kaldi-native-fbank agreement %@ %@: %d frames, max |diff| %.2e, max |diff|/std %.2e",
                     recording, preset, ours.count, worstAbsolute, worstRelative))
    }

    /// MFCCs of a whole file through the library's streaming path.
    static func mfcc(_ path: String, options: MFCCOptions) throws -> [[Float]] {
        let computer = try MFCCComputer(options: options)
        var framer = StreamingFramer(grid: options.frame.grid)
        var rows: [[Float]] = []
        var noise = GaussianNoise(seed: 0)
        var row = [Float](repeating: 0, count: options.numCeps)
        let emit = { (_: Int, samples: UnsafeBufferPointer<Float>) in
            row.withUnsafeMutableBufferPointer { computer.compute(samples, into: $0.baseAddress!, noise: &noise) }
            rows.append(row)
        }
        _ = try AudioDecoder.decode(path: path, options: AudioOptions()) { framer.accept($0, emit: emit) }
        framer.finish(emit: emit)
        return rows
    }

    static func readMatrix(_ path: String) throws -> [[Float]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            line.split(separator: " ").map { Float($0)! }
        }
    }
}
