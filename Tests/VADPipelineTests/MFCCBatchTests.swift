import Foundation
import Testing
@testable import VADPipeline

/// Frames computed four at a time are bit for bit the frames computed one at
/// a time, whatever the options that add or change a serial sum.
@Suite struct MFCCBatchTests {
    static func options(dither: Double, rawEnergy: Bool, removeDC: Bool) -> MFCCOptions {
        var options = MFCCOptions()
        (options.frame.dither, options.rawEnergy, options.frame.removeDCOffset) = (dither, rawEnergy, removeDC)
        return options
    }

    @Test(arguments: [(0.0, true, true), (1.0, true, true), (0.0, false, true), (1.0, false, false)])
    func fourAtATimeEqualsOneAtATime(dither: Double, rawEnergy: Bool, removeDC: Bool) throws {
        let options = Self.options(dither: dither, rawEnergy: rawEnergy, removeDC: removeDC)
        let length = options.frame.lengthSamples, dimension = options.numCeps
        // Seven frames of a non-integer signal with an offset: one call of four, one of three.
        let signal: [Float] = (0..<(7 * length)).map { (n: Int) -> Float in
            let t = Double(n)
            return Float(300 + 2000 * sin(t * 0.037) + 0.25 * Double(n % 13))
        }
        var single = [Float](repeating: 0, count: 7 * dimension)
        var noise = GaussianNoise(seed: 5)
        let one = try MFCCComputer(options: options)
        signal.withUnsafeBufferPointer { s in
            single.withUnsafeMutableBufferPointer { out in
                for f in 0..<7 {
                    one.compute(UnsafeBufferPointer(rebasing: s[(f * length)..<((f + 1) * length)]),
                                into: out.baseAddress! + f * dimension, noise: &noise)
                }
            }
        }
        var batched = [Float](repeating: 0, count: 7 * dimension)
        var frames = signal
        noise = GaussianNoise(seed: 5)
        let many = try MFCCComputer(options: options)
        frames.withUnsafeMutableBufferPointer { x in
            batched.withUnsafeMutableBufferPointer { out in
                many.computeFrames(x.baseAddress!, count: 4, into: out.baseAddress!, noise: &noise)
                many.computeFrames(x.baseAddress! + 4 * length, count: 3, into: out.baseAddress! + 4 * dimension, noise: &noise)
            }
        }
        #expect(batched.map(\.bitPattern) == single.map(\.bitPattern))
        #expect(Set(single).count > 100, "the frames differ from one another")
    }
}
