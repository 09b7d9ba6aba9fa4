import Testing
@testable import VADPipeline

/// The padded waveform a worker collects: int16 while every block fits int16
/// exactly, then float32 with the earlier samples widened, never a value changed.
@Suite struct PaddedWaveformTests {
    func append(_ values: [Float], to waveform: inout PaddedWaveform) {
        values.withUnsafeBufferPointer { waveform.append($0) }
    }

    @Test func staysInt16WhileEverySampleFits() {
        var waveform = PaddedWaveform(zeros: 3)
        append([1, -32768, 32767], to: &waveform)
        append([5, 6], to: &waveform)
        waveform.pad(to: 10)
        #expect(waveform.fitsInt16 && waveform.float32.isEmpty)
        #expect(waveform.int16 == [0, 0, 0, 1, -32768, 32767, 5, 6, 0, 0])
        #expect(waveform.count == 10 && waveform[4] == -32768)
    }

    @Test func turnsFloat32AtTheFirstBlockThatDoesNot() {
        var waveform = PaddedWaveform(zeros: 2)
        append([1, -2, 32767], to: &waveform)
        append([0.5, 40000], to: &waveform)
        append([7], to: &waveform)
        waveform.pad(to: 9)
        waveform.pad(to: 4)  // never shortens
        #expect(!waveform.fitsInt16 && waveform.int16.isEmpty)
        #expect(waveform.float32 == [0, 0, 1, -2, 32767, 0.5, 40000, 7, 0])
        #expect(waveform.count == 9 && waveform[5] == 0.5)
    }
}
