import VADShards

/// An utterance's zero-padded waveform (see `RawFrameLayout`) as it is
/// collected and stored: as int16 while every sample so far is a whole
/// number in int16's range (`WaveformSamples.fitsInt16`), as float32 from
/// the first block that is not (the int16 samples so far widened, exactly).
/// A 16-bit recording thus never holds 4 bytes a sample, and the check is
/// made by the worker that computes the utterance, not by the shard writer.
public struct PaddedWaveform: Sendable {
    /// The samples while `fitsInt16`.
    public private(set) var int16: [Int16] = []
    /// The samples once not `fitsInt16`.
    public private(set) var float32: [Float] = []
    public private(set) var fitsInt16 = true

    /// `zeros` zero samples.
    public init(zeros: Int) {
        int16 = [Int16](repeating: 0, count: zeros)
    }

    public var count: Int { fitsInt16 ? int16.count : float32.count }

    /// Sample `position`, as float32 whichever way it is held.
    public subscript(position: Int) -> Float { fitsInt16 ? Float(int16[position]) : float32[position] }

    /// Appends `samples` (int16 scale).
    public mutating func append(_ samples: UnsafeBufferPointer<Float>) {
        if fitsInt16 {
            if WaveformSamples.fitsInt16(samples) {
                int16.append(contentsOf: WaveformSamples.narrowed(samples))
                return
            }
            float32.reserveCapacity(int16.count + samples.count)
            float32.append(contentsOf: int16.lazy.map(Float.init))
            int16 = []
            fitsInt16 = false
        }
        float32.append(contentsOf: samples)
    }

    /// Pads with zeros up to `count` samples.
    public mutating func pad(to total: Int) {
        guard total > count else { return }
        if fitsInt16 { int16 += repeatElement(0, count: total - int16.count) } else { float32 += repeatElement(0, count: total - float32.count) }
    }
}
