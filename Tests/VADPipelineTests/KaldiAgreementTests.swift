import Foundation
import Testing
import VADPipeline
import VADShards
import _VADTestSupport

/// vadprep's MFCCs against independent references made by
/// `Fixtures/reference/make-reference.sh` from the same audio
/// (`Fixtures/README.md` gives the signal path and the numbers).
///
/// The target for kaldi-native-fbank: the same frame count, and every
/// coefficient within 1e-2 absolute and within 5e-4 of that coefficient's
/// standard deviation over the file. It holds for 16, 44.1 and 48 kHz input
/// under both presets. 8 kHz input, upsampled, has no energy above 4 kHz: its
/// top mel bins lie 127 dB below the strongest, at the noise floor of a float32
/// FFT, where any two float32 implementations disagree (kaldi-native-fbank
/// itself is 0.28 away from the exact float64 value there). For 8 kHz input the
/// target is held on the band that carries signal (`--high-freq 3800`), the
/// decoded signal is held bit-identical, and the full band is bounded against
/// the exact float64 reference.
@Suite struct KaldiAgreementTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var recording: String
        /// Reference file suffix: vadprep, kaldi, narrowband (KNF), exact (float64 numpy).
        var reference: String
        var absolute: Double
        var relativeToStd: Double
        var testDescription: String { "\(recording) vs \(reference)" }
    }

    static let target = [("speech-16k.wav", "vadprep"), ("speech-16k.wav", "kaldi"), ("stereo-44k.flac", "vadprep"),
                         ("stereo-44k.flac", "kaldi"), ("float-48k.wav", "vadprep"), ("float-48k.wav", "kaldi"),
                         ("speech-8k.wav", "narrowband")].map { Case(recording: $0.0, reference: $0.1, absolute: 1e-2, relativeToStd: 5e-4) }
    /// The exact float64 values: wideband files to the same target; the 8 kHz
    /// file's full band to within the float32 noise floor's effect.
    static let exact = ["speech-16k.wav", "stereo-44k.flac", "float-48k.wav"].map {
        Case(recording: $0, reference: "exact", absolute: 1e-2, relativeToStd: 5e-4)
    } + [Case(recording: "speech-8k.wav", reference: "exact", absolute: 0.5, relativeToStd: 0.1)]

    @Test(arguments: target + exact)
    func agreesWithReference(_ test: Case) throws {
        var options = test.reference == "kaldi" ? MFCCOptions.kaldi : MFCCOptions()
        if test.reference == "narrowband" { options.mel.highFreq = 3800 }
        let ours = try Self.mfcc(TestSupport.fixture("corpus/\(test.recording)"), options: options).rows
        let stem = (test.recording as NSString).deletingPathExtension
        let reference = try Self.readMatrix(TestSupport.fixture("reference/\(stem).\(test.reference).txt"))

        #expect(ours.count == reference.count, "frame count")
        var worstAbsolute = 0.0, worstRelative = 0.0
        for c in 0..<options.numCeps {
            let column = reference.map { $0[c] }
            let mean = column.reduce(0, +) / Double(column.count)
            let std = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)).squareRoot()
            for t in 0..<min(ours.count, reference.count) {
                let difference = abs(Double(ours[t][c]) - reference[t][c])
                worstAbsolute = max(worstAbsolute, difference)
                worstRelative = max(worstRelative, difference / std)
            }
        }
        print(String(format: "MFCC agreement %@ vs %@: %d frames, max |diff| %.2e, max |diff|/std %.2e",
                     test.recording, test.reference, ours.count, worstAbsolute, worstRelative))
        #expect(worstAbsolute <= test.absolute)
        #expect(worstRelative <= test.relativeToStd)
    }

    /// The 16 kHz signal vadprep computes from (libsndfile, channel mean, libsoxr
    /// HQ, x 32768) is bit-identical to the reference script's (soundfile,
    /// numpy mean, python-soxr HQ, x 32768).
    @Test(arguments: ["speech-16k.wav", "speech-8k.wav", "stereo-44k.flac", "float-48k.wav"])
    func decodedSignalIsBitIdentical(recording: String) throws {
        let manifest = try String(contentsOfFile: TestSupport.fixture("reference/manifest.txt"), encoding: .utf8)
        let line = try #require(manifest.split(separator: "\n").first { $0.hasPrefix(recording + " ") })
        let fields = line.split(separator: " ")
        var hash = SHA256()
        var samples = 0
        _ = try AudioDecoder.decode(path: TestSupport.fixture("corpus/\(recording)"), options: AudioOptions()) { block in
            samples += block.count
            hash.update(UnsafeRawBufferPointer(block))
        }
        #expect(samples == Int(fields[1]))
        #expect(hash.hexDigest() == String(fields[2]))
    }

    /// MFCCs of a whole file through the library's streaming path.
    static func mfcc(_ path: String, options: MFCCOptions) throws -> (rows: [[Float]], samples: Int) {
        let computer = try MFCCComputer(options: options)
        var framer = StreamingFramer(grid: options.frame.grid)
        var rows: [[Float]] = []
        var noise = GaussianNoise(seed: 0)
        var row = [Float](repeating: 0, count: options.numCeps)
        let emit = { (_: Int, samples: UnsafeBufferPointer<Float>) in
            row.withUnsafeMutableBufferPointer { computer.compute(samples, into: $0.baseAddress!, noise: &noise) }
            rows.append(row)
        }
        let (_, samples) = try AudioDecoder.decode(path: path, options: AudioOptions()) { framer.accept($0, emit: emit) }
        framer.finish(emit: emit)
        return (rows, samples)
    }

    static func readMatrix(_ path: String) throws -> [[Double]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            line.split(separator: " ").map { Double($0)! }
        }
    }
}
