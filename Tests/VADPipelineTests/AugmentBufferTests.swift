import Foundation
import Testing
import VADShards
import _VADTestSupport
@testable import VADPipeline

/// The shortcuts that make an augmented copy cheap (per-block sums of squares,
/// buffers reused across utterances, noise mixed as it is read) against the
/// plain computation they stand for.
@Suite struct AugmentBufferTests {
    /// A noise library of one 16-bit WAV of `count` samples of a fixed pseudo-random signal.
    static func library(count: Int, in directory: TestSupport.TemporaryDirectory) throws -> AugmentLibraries {
        var random = AugmentRandom(seed: 9, id: "noise", copy: 0)
        var bytes: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        bytes += Array("RIFF".utf8); u32(UInt32(36 + 2 * count)); bytes += Array("WAVE".utf8)
        bytes += Array("fmt ".utf8); u32(16); u16(1); u16(1); u32(16000); u32(32000); u16(2); u16(16)
        bytes += Array("data".utf8); u32(UInt32(2 * count))
        for _ in 0..<count { u16(UInt16(bitPattern: Int16(random.index(20001)) - 10000)) }
        try FileManager.default.createDirectory(atPath: directory.file("noise"), withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: directory.file("noise/n.wav")))
        var options = AugmentOptions()
        options.noise = [directory.file("noise")]
        options.snrDb = [-5, 15]
        options.snrRange = true
        return try AugmentLibraries(options: options, audio: AudioOptions())
    }

    /// An excerpt's sum of squares from the block sums equals the sum over
    /// its samples, across block edges, the recording's end and loops.
    @Test(arguments: [(0, 3), (4095, 2), (4090, 5000), (4096, 8192), (9999, 25_000), (123, 10_000)])
    func excerptPowerFromBlocks(offset: Int, count: Int) {
        var random = AugmentRandom(seed: 3, id: "blocks", copy: count)
        let samples = (0..<10_000).map { _ in Float(random.uniform(-30000, 30000)) }
        let recording = AudioLibrary.Recording(directory: 0, file: "x", samples: samples, power: 1,
                                               blockSquares: AudioLibrary.blockSquares(samples))
        var direct = 0.0
        for i in 0..<count { let x = Double(samples[(offset + i) % samples.count]); direct += x * x }
        let fast = recording.excerptSumOfSquares(from: offset, count: count)
        #expect(abs(fast - direct) <= 1e-12 * direct, "blocks \(fast), direct \(direct)")
    }

    /// A noisy copy is the clean signal plus the recorded excerpt at the
    /// recorded SNR, and one augmenter reused over utterances of other lengths
    /// (longer first, so its buffers hold stale samples) gives the same bytes
    /// as a fresh one.
    @Test func reusedBuffersGiveTheSameCopies() throws {
        let directory = TestSupport.TemporaryDirectory()
        let libraries = try Self.library(count: 7000, in: directory)
        let noise = try #require(libraries.noise?.recordings.first)
        var options = AugmentOptions()
        options.noise = [directory.file("noise")]
        options.snrDb = [-5, 15]
        options.snrRange = true
        let reused = Augmenter(options: options, libraries: libraries, sampleRate: 16000)
        for (n, length) in [30_000, 5001, 16_007, 3].enumerated() {
            var random = AugmentRandom(seed: 4, id: "clean", copy: n)
            let clean = (0..<length).map { _ in Float(random.uniform(-8000, 8000)) }
            let speech = length > 100 ? [10..<(length / 2)] : []
            let id = "utt\(n)"
            let (mix, record) = reused.copy(1, of: id, clean: clean, speech: speech)
            let (fresh, freshRecord) = Augmenter(options: options, libraries: libraries, sampleRate: 16000)
                .copy(1, of: id, clean: clean, speech: speech)
            #expect(mix == fresh, "utterance of \(length) samples")
            #expect(record == freshRecord)
            // The plain computation: noise excerpt (looping) scaled to unit power, then to the SNR.
            let offset = try #require(record.noise?.offset)
            let snr = try #require(record.snrDb)
            let noiseScale = Float(1 / noise.power.squareRoot())
            let added = (0..<length).map { noiseScale * noise.samples[(offset + $0) % noise.samples.count] }
            let over = speech.isEmpty ? [0..<length] : speech
            let pSpeech = over.reduce(0.0) { sum, range in range.reduce(sum) { $0 + Double(clean[$1]) * Double(clean[$1]) } }
                / Double(over.reduce(0) { $0 + $1.count })
            let pAdded = added.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(length)
            let scale = Float((pSpeech / (pAdded * pow(10, snr / 10))).squareRoot())
            let peak = (0..<length).reduce(Float(0)) { max($0, abs(clean[$1] + scale * added[$1])) }
            let gain = peak > Augmenter.fullScale ? Augmenter.fullScale / peak : 1
            #expect(Float(record.gain) == gain)
            var worst: Float = 0
            for i in 0..<length { worst = max(worst, abs(mix[i] - (clean[i] + scale * added[i]) * gain)) }
            #expect(worst <= 1e-3, "utterance of \(length) samples: largest difference \(worst)")
        }
    }
}
