/// A stored waveform's samples, on Kaldi's int16 scale, as the shard holds
/// them: int16 when every sample of the shard is a whole number in
/// [-32768, 32767] (a 16-bit source at the target rate, neither resampled
/// nor augmented), float32 otherwise (and in every dataset of format
/// version 1). Either way `self[i]` is the same `Float`: int16 values widen
/// to float32 exactly.
public enum WaveformSamples {
    case int16(UnsafeBufferPointer<Int16>)
    case float32(UnsafeBufferPointer<Float>)

    /// The element type as safetensors names it.
    public var dtype: DType {
        switch self {
        case .int16: .i16
        case .float32: .f32
        }
    }

    public var count: Int {
        switch self {
        case .int16(let samples): samples.count
        case .float32(let samples): samples.count
        }
    }

    public subscript(position: Int) -> Float {
        switch self {
        case .int16(let samples): Float(samples[position])
        case .float32(let samples): samples[position]
        }
    }

    public var last: Float? { count > 0 ? self[count - 1] : nil }

    /// Samples `range` (which must lie within `0..<count`).
    public subscript(range: Range<Int>) -> WaveformSamples {
        switch self {
        case .int16(let samples): .int16(UnsafeBufferPointer(rebasing: samples[range]))
        case .float32(let samples): .float32(UnsafeBufferPointer(rebasing: samples[range]))
        }
    }

    /// Copies samples `from ..< from + target.count` into `target`, widened
    /// to float32 (`from` and the count must lie within `0..<count`).
    public func copy(from: Int, into target: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .int16(let samples):
            for i in target.indices { target[i] = Float(samples[from + i]) }
        case .float32(let samples):
            for i in target.indices { target[i] = samples[from + i] }
        }
    }

    /// All samples as float32.
    public var floats: [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            copy(from: 0, into: buffer)
            initialized = count
        }
    }

    /// Whether every one of `values` is stored exactly as int16: a whole
    /// number in [-32768, 32767] (NaN and infinities are not). A value in
    /// range is whole when adding and taking away 1.5 * 2^23 (which rounds
    /// to a whole number at float32's precision there) gives it back; eight
    /// values at a time, without branches.
    public static func fitsInt16(_ values: UnsafeBufferPointer<Float>) -> Bool {
        guard let base = values.baseAddress else { return true }
        let magic = SIMD8<Float>(repeating: roundingMagic)
        let low = SIMD8<Float>(repeating: -32768), high = SIMD8<Float>(repeating: 32767)
        var fits = SIMDMask<SIMD8<Int32>>(repeating: true)
        var i = 0
        while i + 8 <= values.count {
            let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self)
            fits .&= (v .>= low) .& (v .<= high) .& ((v + magic) - magic .== v)
            i += 8
        }
        var rest = true
        while i < values.count {
            let v = values[i]
            rest = rest && v >= -32768 && v <= 32767 && (v + roundingMagic) - roundingMagic == v
            i += 1
        }
        return all(fits) && rest
    }

    /// Whether every one of `values` is stored exactly as int16.
    public static func fitsInt16(_ values: [Float]) -> Bool {
        values.withUnsafeBufferPointer { fitsInt16($0) }
    }

    /// 1.5 * 2^23: `x + roundingMagic` is `x` rounded to a whole number, for
    /// |x| <= 2^22, held in the low mantissa bits.
    private static let roundingMagic: Float = 12_582_912

    /// `values`, each a whole number in int16's range (`fitsInt16`), as int16:
    /// the low 16 bits of `value + 1.5 * 2^23` (branch-free; values outside
    /// are clamped first, NaN gives some value; none is expected).
    public static func narrowed(_ values: UnsafeBufferPointer<Float>) -> [Int16] {
        [Int16](unsafeUninitializedCapacity: values.count) { buffer, initialized in
            for i in values.indices {
                let clamped = Swift.max(-32768, Swift.min(32767, values[i]))
                buffer[i] = Int16(truncatingIfNeeded: (clamped + roundingMagic).bitPattern)
            }
            initialized = values.count
        }
    }
}

extension ShardReader {
    /// The `waveform` tensor of a shard, int16 or float32.
    public func waveform() throws(ShardError) -> WaveformSamples {
        let info = try info(ShardMetadata.waveform)
        switch info.dtype {
        case .i16: return .int16(try tensor(ShardMetadata.waveform, as: Int16.self, dtype: .i16))
        case .f32: return .float32(try floats(ShardMetadata.waveform))
        default: throw ShardError(path, "tensor \"waveform\" is \(info.dtype.rawValue), expected I16 or F32")
        }
    }
}
