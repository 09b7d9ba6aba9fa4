import Testing
@testable import VADPipeline

/// `AudioDecoder.mixDown` finds the first sample that is not finite wherever
/// it lies: in the eight-sample blocks of its fast check or in the tail after them.
@Suite struct MixDownTests {
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func findsTheFirstNonFiniteSample(_ bad: Float) {
        for frames in [1, 7, 8, 21] {
            for position in 0..<frames {
                var input = (0..<frames).map { Float($0) * 0.25 - 1 }
                input[position] = bad
                if position + 2 < frames { input[position + 2] = bad }
                var output = [Float](repeating: 0, count: frames)
                let found = input.withUnsafeBufferPointer { i in
                    output.withUnsafeMutableBufferPointer {
                        AudioDecoder.mixDown(i.baseAddress!, frames: frames, channels: 1, keep: nil, into: $0.baseAddress!)
                    }
                }
                #expect(found == position, "\(frames) frames, \(bad) at \(position)")
            }
        }
        let clean: [Float] = [1, -2, 3.5, 0, 4, 5, 6, 7, 8, -9]
        var output = [Float](repeating: 0, count: clean.count)
        let none = clean.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer {
                AudioDecoder.mixDown(i.baseAddress!, frames: clean.count, channels: 1, keep: nil, into: $0.baseAddress!)
            }
        }
        #expect(none == nil)
        #expect(output == clean)
    }
}
