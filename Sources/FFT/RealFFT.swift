import CFFTW
import Foundation

/// FFTW's planner is not thread-safe; plans are made one at a time (by every
/// type of this module).
/// (Executing a finished plan is thread-safe and needs no lock.)
let plannerLock = NSLock()

/// A forward real-to-complex FFT of one fixed, even size, with its own buffers
/// for one or more transforms (`rows`).
///
/// This module is the only place in vadprep that calls FFTW (single precision,
/// `fftwf_*`). Build one per thread and reuse it for every frame: the plan and
/// the buffers are made once, in `init`.
///
/// Layout: write the `size` real samples of row `r` into `input(row: r)`, call
/// `forward(row: r)`; then `output(row: r)` holds `size / 2 + 1` complex bins
/// as interleaved pairs, `output[2k] = Re X[k]`, `output[2k + 1] = Im X[k]`,
/// for `k = 0 ... size/2`, where `X[k] = sum_n x[n] exp(-2 pi i k n / size)`
/// (unnormalised). `input` and `output` are row 0's.
///
/// Every row runs the same plan. Rows start a multiple of 64 bytes apart, so
/// each has row 0's alignment, which FFTW needs to run a plan on other arrays
/// (`fftwf_execute_dft_r2c`) with the same code, hence the same rounding.
///
/// Plans are made with `FFTW_ESTIMATE`, never `FFTW_MEASURE`: a measured plan
/// may pick a different algorithm on another run, and with it different
/// rounding, which would break vadprep's promise of byte-identical output.
public final class RealFFT {
    /// Number of real input samples.
    public let size: Int
    /// Transforms this object holds buffers for.
    public let rows: Int
    /// `size` real samples of row 0; the FFT reads them (`forward()` leaves them intact).
    public var input: UnsafeMutableBufferPointer<Float> { input(row: 0) }
    /// `size + 2` floats of row 0: `size / 2 + 1` interleaved complex bins.
    public var output: UnsafeMutableBufferPointer<Float> { output(row: 0) }

    /// Floats from one row's input to the next (`size` rounded up to 64 bytes).
    public let inputStride: Int
    /// Floats from one row's output to the next (`size + 2` rounded up to 64 bytes).
    public let outputStride: Int
    private let inputs: UnsafeMutablePointer<Float>
    private let outputs: UnsafeMutablePointer<Float>
    private let plan: fftwf_plan

    /// Makes the plan and the buffers of `rows` transforms. `size` must be even
    /// and positive. The buffers start zeroed. The corresponding C functions
    /// are `fftwf_malloc` and `fftwf_plan_dft_r2c_1d`.
    public init(size: Int, rows: Int = 1) {
        precondition(size > 0 && size % 2 == 0, "RealFFT size must be even and positive, got \(size)")
        precondition(rows >= 1, "RealFFT needs at least one row, got \(rows)")
        self.size = size
        self.rows = rows
        let floatsPer64Bytes = 64 / MemoryLayout<Float>.stride
        func roundUp(_ n: Int) -> Int { (n + floatsPer64Bytes - 1) / floatsPer64Bytes * floatsPer64Bytes }
        inputStride = roundUp(size)
        outputStride = roundUp(size + 2)
        inputs = fftwf_malloc(MemoryLayout<Float>.stride * rows * inputStride)!
            .bindMemory(to: Float.self, capacity: rows * inputStride)
        outputs = fftwf_malloc(MemoryLayout<Float>.stride * rows * outputStride)!
            .bindMemory(to: Float.self, capacity: rows * outputStride)
        inputs.initialize(repeating: 0, count: rows * inputStride)
        outputs.initialize(repeating: 0, count: rows * outputStride)
        plan = plannerLock.withLock { [inputs, outputs] in
            fftwf_plan_dft_r2c_1d(Int32(size), inputs, Self.complex(outputs),
                                  UInt32(FFTW_ESTIMATE | FFTW_PRESERVE_INPUT))!
        }
    }

    deinit {
        plannerLock.withLock { fftwf_destroy_plan(plan) }
        fftwf_free(inputs)
        fftwf_free(outputs)
    }

    /// Row `row`'s `size` real input samples.
    public func input(row: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(row >= 0 && row < rows, "RealFFT row \(row) out of 0..<\(rows)")
        return UnsafeMutableBufferPointer(start: inputs + row * inputStride, count: size)
    }

    /// Row `row`'s `size + 2` output floats.
    public func output(row: Int) -> UnsafeMutableBufferPointer<Float> {
        precondition(row >= 0 && row < rows, "RealFFT row \(row) out of 0..<\(rows)")
        return UnsafeMutableBufferPointer(start: outputs + row * outputStride, count: size + 2)
    }

    /// Transforms row `row`'s input into its output. The corresponding C
    /// function is `fftwf_execute_dft_r2c`.
    public func forward(row: Int = 0) {
        fftwf_execute_dft_r2c(plan, input(row: row).baseAddress, Self.complex(output(row: row).baseAddress!))
    }

    /// `fftwf_complex` is `float[2]`; Swift sees it as a `(Float, Float)` tuple.
    private static func complex(_ floats: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<fftwf_complex> {
        UnsafeMutableRawPointer(floats).assumingMemoryBound(to: fftwf_complex.self)
    }
}
