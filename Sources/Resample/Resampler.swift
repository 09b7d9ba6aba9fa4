import CSoxr

/// A streaming sample-rate converter for one channel of `Float` samples.
///
/// This file is the only place in vadprep that calls libsoxr. The quality is
/// libsoxr's "HQ" recipe (`soxr_quality_spec(SOXR_HQ, 0)`: 20-bit precision,
/// linear phase, 91 % passband), single-precision I/O. Feed the whole signal
/// in blocks of any size with `process`, then call `finish` once: the output is
/// the same whatever the block sizes.
public final class Resampler {
    /// Input samples per second.
    public let inputRate: Double
    /// Output samples per second.
    public let outputRate: Double

    private let handle: soxr_t
    private var scratch: [Float] = []

    /// The corresponding C function is `soxr_create`.
    public init(inputRate: Double, outputRate: Double) throws(ResamplerError) {
        self.inputRate = inputRate
        self.outputRate = outputRate
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        let made = soxr_create(inputRate, outputRate, 1, &error, &io, &quality, nil)
        guard let made, error == nil else {
            throw ResamplerError(message: error.map { String(cString: $0) } ?? "soxr_create failed")
        }
        handle = made
    }

    deinit { soxr_delete(handle) }

    /// Resamples `input` and appends what is ready to `output`.
    /// The corresponding C function is `soxr_process`.
    public func process(_ input: UnsafeBufferPointer<Float>, appendingTo output: inout [Float]) throws(ResamplerError) {
        try run(input.baseAddress, count: input.count, appendingTo: &output)
    }

    /// Signals the end of the input and appends the rest of the output.
    public func finish(appendingTo output: inout [Float]) throws(ResamplerError) {
        try run(nil, count: 0, appendingTo: &output)
    }

    private func run(_ input: UnsafePointer<Float>?, count: Int, appendingTo output: inout [Float]) throws(ResamplerError) {
        // Room for this block's share of the output plus the filter's delay.
        let room = Int((Double(count) * outputRate / inputRate).rounded(.up)) + 1024
        if scratch.count < room { scratch = [Float](repeating: 0, count: room) }
        var consumed = 0
        repeat {
            var inputDone = 0
            var outputDone = 0
            let error: soxr_error_t? = scratch.withUnsafeMutableBufferPointer { out in
                soxr_process(handle, input.map { UnsafeRawPointer($0 + consumed) }, count - consumed, &inputDone,
                             out.baseAddress, out.count, &outputDone)
            }
            if let error { throw ResamplerError(message: String(cString: error)) }
            consumed += inputDone
            output.append(contentsOf: scratch[0..<outputDone])
            // At the end of the input, soxr hands out the tail until it returns nothing.
            if input == nil, outputDone == 0 { return }
            if input != nil, consumed == count, outputDone < scratch.count { return }
        } while true
    }
}

/// A libsoxr failure, with libsoxr's own message.
public struct ResamplerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "resampler: \(message)" }
}
