import Foundation
import SoundFile
import Testing
import _VADTestSupport

/// libsndfile keeps the error of a failed `sf_open` in a global, which any
/// other thread's open overwrites. Extract's workers open files side by side,
/// so a bad file must still get its own message while other threads open
/// good ones (before the fix this read "No Error." now and then).
@Suite struct SoundFileConcurrencyTests {
    @Test func failedOpenKeepsItsMessageWhileOthersOpen() throws {
        let work = TestSupport.TemporaryDirectory()
        // A valid 16-bit mono WAV of 1600 samples, and its first 20 bytes.
        var wav = Data("RIFF".utf8)
        func le<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { wav.append(contentsOf: $0) } }
        let samples = 1600
        le(UInt32(36 + 2 * samples)); wav.append(contentsOf: Array("WAVEfmt ".utf8))
        le(UInt32(16)); le(UInt16(1)); le(UInt16(1)); le(UInt32(16000)); le(UInt32(32000)); le(UInt16(2)); le(UInt16(16))
        wav.append(contentsOf: Array("data".utf8)); le(UInt32(2 * samples))
        for n in 0..<samples { le(Int16(truncatingIfNeeded: n * 37 % 2000 - 1000)) }
        try wav.write(to: URL(fileURLWithPath: work.file("good.wav")))
        try wav.prefix(20).write(to: URL(fileURLWithPath: work.file("cut.wav")))

        let good = work.file("good.wav"), cut = work.file("cut.wav")
        let expected = "Error in WAV/W64/RF64 file. Malformed 'fmt ' chunk."
        let rounds = 3000
        let stop = DispatchGroup()
        let opener = Thread {
            for _ in 0..<rounds { _ = try? SoundFile(path: good) }
            stop.leave()
        }
        stop.enter()
        opener.start()
        var messages: [String: Int] = [:]
        for _ in 0..<rounds {
            do {
                _ = try SoundFile(path: cut)
                messages["opened", default: 0] += 1
            } catch {
                messages[error.message, default: 0] += 1
            }
        }
        stop.wait()
        #expect(messages == [expected: rounds])
    }
}
