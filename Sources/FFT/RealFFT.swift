import CFFTW
import Foundation

/// FFTW's planner is not thread-safe; plans are made one at a time.
/// (Executing a finished plan is thread-safe and needs no lock.)
private let plannerLock = NSLock()

/// A forward real-to-complex FFT of one fixed, even size, with its own buffers.
///
/// This file is the only place in vadprep that calls FFTW (single precision,
/// `fftwf_*`). Build one per thread and reuse it for every frame: the plan and
/// the buffers are made once, in `init`.
///
/// Layout: write the `size` real samples into `input`, call `forward()`; then
/// `output` holds `size / 2 + 1` complex bins as interleaved pairs,
/// `output[2k] = Re X[k]`, `output[2k + 1] = Im X[k]`, for `k = 0 ... size/2`,
/// where `X[k] = sum_n x[n] exp(-2 pi i k n / size)` (unnormalised).
///
/// Plans are made with `FFTW_ESTIMATE`, never `FFTW_MEASURE`: a measured plan
/// may pick a different algorithm on another run, and with it different
/// rounding, which would break vadprep's promise of byte-identical output.
public final class RealFFT {
    /// Number of real input samples.
    public let size: Int
    /// `size` real samples; the FFT reads them (`forward()` leaves them intact).
    public let input: UnsafeMutableBufferPointer<Float>
    /// `size + 2` floats: `size / 2 + 1` interleaved complex bins.
    public let output: UnsafeMutableBufferPointer<Float>

    private let plan: fftwf_plan

    /// Makes the plan and its buffers. `size` must be even and positive.
    /// The corresponding C functions are `fftwf_malloc` and `fftwf_plan_dft_r2c_1d`.
    public init(size: Int) {
        precondition(size > 0 && size % 2 == 0, "RealFFT size must be even and positive, got \(size)")
        self.size = size
        let inputRaw = fftwf_malloc(MemoryLayout<Float>.stride * size)!
        let outputRaw = fftwf_malloc(MemoryLayout<Float>.stride * (size + 2))!
        let input = UnsafeMutableBufferPointer(start: inputRaw.bindMemory(to: Float.self, capacity: size), count: size)
        let output = UnsafeMutableBufferPointer(start: outputRaw.bindMemory(to: Float.self, capacity: size + 2), count: size + 2)
        input.initialize(repeating: 0)
        output.initialize(repeating: 0)
        self.input = input
        self.output = output
        plan = plannerLock.withLock {
            // fftwf_complex is float[2]; Swift sees it as a (Float, Float) tuple.
            let complexOut = outputRaw.bindMemory(to: fftwf_complex.self, capacity: size / 2 + 1)
            return fftwf_plan_dft_r2c_1d(Int32(size), input.baseAddress, complexOut,
                                         UInt32(FFTW_ESTIMATE | FFTW_PRESERVE_INPUT))!
        }
    }

    deinit {
        plannerLock.withLock { fftwf_destroy_plan(plan) }
        fftwf_free(input.baseAddress)
        fftwf_free(output.baseAddress)
    }

    /// Transforms `input` into `output`. The corresponding C function is `fftwf_execute`.
    public func forward() {
        fftwf_execute(plan)
    }
}
