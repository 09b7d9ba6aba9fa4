import Foundation
import SoundFile
import Testing
import VADPipeline
@testable import VADInference

/// The pieces of `predict --stream`, each held to the offline computation it replaces.
struct StreamingTests {
    /// Deterministic pseudo-random numbers in [0, 1).
    struct Numbers {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    /// Segments handed out one frame at a time are exactly `find`'s, over
    /// random probabilities with runs and gaps of every length, both frame
    /// grids, and minimum durations from none to longer than the input.
    @Test func trackerEqualsFind() {
        var random = Numbers(state: 11)
        for trial in 0..<400 {
            var probabilities: [Float] = []
            while probabilities.count < 300 {
                let level = Float(random.next())
                probabilities += [Float](repeating: level, count: 1 + Int(random.next() * 40))
            }
            let options = SegmentationOptions(threshold: Float(random.next()), minSpeechSeconds: random.next() * 0.6,
                                              minSilenceSeconds: trial % 5 == 0 ? 0 : random.next() * 0.6)
            let offset = trial % 2 == 0 ? 0 : -0.0075
            let expected = SpeechSegments.find(probabilities: probabilities, frameShift: 0.01, frameLength: 0.025,
                                               firstFrameOffset: offset, options: options)
            var tracker = SegmentTracker(frameShift: 0.01, frameLength: 0.025, firstFrameOffset: offset, options: options)
            var found = probabilities.compactMap { tracker.add($0) }
            if let last = tracker.finish() { found.append(last) }
            #expect(found.map(\.start) == expected.map(\.start) && found.map(\.end) == expected.map(\.end), "trial \(trial)")
        }
    }

    /// A segment comes out once the silence after it reaches --min-silence, not at the end.
    @Test func trackerDecidesAfterMinimumSilence() {
        var tracker = SegmentTracker(frameShift: 0.01, frameLength: 0.01, options: SegmentationOptions(
            threshold: 0.5, minSpeechSeconds: 0, minSilenceSeconds: 0.05))
        let p: [Float] = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
        let decided = p.enumerated().compactMap { i, p in tracker.add(p).map { (i, $0) } }
        // The first frame at which speech from the next frame on would start 0.05 s or more after the end (0.03 s).
        let deciding = (3..<10).first { Double($0 + 1) * 0.01 - 0.03 >= 0.05 }
        #expect(deciding == 7 || deciding == 8)
        #expect(decided.count == 1 && decided[0].0 == deciding && decided[0].1.start == 0 && abs(decided[0].1.end - 0.03) < 1e-12)
        #expect(tracker.finish() == nil)
    }

    /// PCM bytes split anywhere, even inside a sample, give the same samples.
    @Test func pcmDecoderCarriesOddBytes() {
        let samples: [Int16] = [0, 1, -1, 32767, -32768, 1234, -4321]
        let bytes = samples.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        for piece in 1...bytes.count {
            var decoder = PCM16Decoder()
            var out: [Float] = []
            for start in stride(from: 0, to: bytes.count, by: piece) {
                out += bytes[start..<min(start + piece, bytes.count)].withUnsafeBytes { decoder.decode($0) }
            }
            #expect(out == samples.map(Float.init) && !decoder.hasPartialSample && decoder.bytes == bytes.count)
        }
        var decoder = PCM16Decoder()
        _ = [UInt8]([1, 2, 3]).withUnsafeBytes { decoder.decode($0) }
        #expect(decoder.hasPartialSample)
        #expect(PCM16Decoder.container(startingWith: Array("RIFF....WAVE".utf8)) == "RIFF/WAVE")
        #expect(PCM16Decoder.container(startingWith: Array("fLa".utf8)) == nil)
    }
}
