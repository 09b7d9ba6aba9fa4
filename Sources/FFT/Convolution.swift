import CFFTW
import Foundation

/// Linear convolution of long signals with one fixed kernel, by FFT and
/// overlap-add (FFTW, single precision, like `RealFFT`).
///
/// `y[n] = sum_k h[k] x[n - k]` for `n = 0 ..< x.count + h.count - 1`. The
/// signal is cut into blocks of `block = size - h.count + 1` samples; each
/// block is transformed, multiplied by the kernel's spectrum (computed once,
/// in `init`), transformed back and added into the output at its place. The
/// sums are taken in a fixed order, so the same inputs always give the same
/// bytes. Build one per thread (it owns its plans and buffers) and reuse it
/// for every signal convolved with the same kernel.
///
/// Plans are made with `FFTW_ESTIMATE`, for the reason given in `RealFFT`.
/// The corresponding C functions are `fftwf_plan_dft_r2c_1d`,
/// `fftwf_plan_dft_c2r_1d` and `fftwf_execute`.
public final class FFTConvolver {
    /// Samples of the kernel.
    public let kernelLength: Int
    /// Transform size: a power of two, at least four times the kernel's length
    /// (twice for kernels over `longKernel` samples).
    public let size: Int
    /// Signal samples per block.
    public let block: Int

    private let real: UnsafeMutablePointer<Float>
    private let spectrum: UnsafeMutablePointer<Float>
    private let kernelSpectrum: UnsafeMutablePointer<Float>
    private let forwardPlan: fftwf_plan
    private let inversePlan: fftwf_plan

    /// Kernels longer than this get a transform of only twice their length,
    /// to bound the memory of their spectra.
    public static let longKernel = 1 << 15

    /// The transform size `init` chooses for a kernel of `kernelLength` samples.
    /// Each block of `size - kernelLength + 1` signal samples costs two
    /// transforms of `size`: at twice the kernel's length about half of each
    /// transform is overlap, at four times a quarter, which for a one-second
    /// response at 16 kHz saves a quarter of the work per sample.
    public static func size(forKernelLength kernelLength: Int) -> Int {
        let factor = kernelLength > longKernel ? 2 : 4
        var size = 4096
        while size < factor * kernelLength { size *= 2 }
        return size
    }

    /// Prepares convolution with `kernel` (at least one sample).
    public init(kernel: UnsafeBufferPointer<Float>) {
        precondition(!kernel.isEmpty, "FFTConvolver needs a kernel of at least one sample")
        kernelLength = kernel.count
        size = Self.size(forKernelLength: kernel.count)
        block = size - kernel.count + 1
        let bins = size + 2
        real = fftwf_malloc(MemoryLayout<Float>.stride * size)!.bindMemory(to: Float.self, capacity: size)
        spectrum = fftwf_malloc(MemoryLayout<Float>.stride * bins)!.bindMemory(to: Float.self, capacity: bins)
        kernelSpectrum = UnsafeMutablePointer<Float>.allocate(capacity: bins)
        real.initialize(repeating: 0, count: size)
        spectrum.initialize(repeating: 0, count: bins)
        (forwardPlan, inversePlan) = plannerLock.withLock { [size, real, spectrum] in
            let complex = UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: fftwf_complex.self)
            return (fftwf_plan_dft_r2c_1d(Int32(size), real, complex, UInt32(FFTW_ESTIMATE))!,
                    fftwf_plan_dft_c2r_1d(Int32(size), complex, real, UInt32(FFTW_ESTIMATE))!)
        }
        real.update(from: kernel.baseAddress!, count: kernel.count)
        fftwf_execute(forwardPlan)
        // The inverse transform is unnormalised: fold 1 / size into the kernel.
        let scale = 1 / Float(size)
        for i in 0..<bins { kernelSpectrum[i] = spectrum[i] * scale }
    }

    deinit {
        plannerLock.withLock {
            fftwf_destroy_plan(forwardPlan)
            fftwf_destroy_plan(inversePlan)
        }
        fftwf_free(real)
        fftwf_free(spectrum)
        kernelSpectrum.deallocate()
    }

    /// Samples `start ..< start + output.count` of the full convolution of
    /// `signal` with the kernel (zero outside `0 ..< signal.count + kernelLength - 1`).
    public func convolve(_ signal: UnsafeBufferPointer<Float>, from start: Int, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(start >= 0, "FFTConvolver: negative output start \(start)")
        output.update(repeating: 0)
        guard !signal.isEmpty, !output.isEmpty else { return }
        let end = start + output.count
        var blockStart = 0
        while blockStart < signal.count {
            let take = min(block, signal.count - blockStart)
            // This block contributes to output samples blockStart ..< blockStart + take + kernelLength - 1.
            let reach = blockStart + take + kernelLength - 1
            if reach > start && blockStart < end {
                real.update(from: signal.baseAddress! + blockStart, count: take)
                (real + take).update(repeating: 0, count: size - take)
                fftwf_execute(forwardPlan)
                for k in 0...(size / 2) {
                    let (a, b) = (spectrum[2 * k], spectrum[2 * k + 1])
                    let (c, d) = (kernelSpectrum[2 * k], kernelSpectrum[2 * k + 1])
                    spectrum[2 * k] = a * c - b * d
                    spectrum[2 * k + 1] = a * d + b * c
                }
                fftwf_execute(inversePlan)
                let from = max(blockStart, start), to = min(reach, end)
                for n in from..<to { output[n - start] += real[n - blockStart] }
            }
            blockStart += take
        }
    }

    /// The full convolution, `signal.count + kernelLength - 1` samples.
    public func convolve(_ signal: [Float]) -> [Float] {
        guard !signal.isEmpty else { return [] }
        var output = [Float](repeating: 0, count: signal.count + kernelLength - 1)
        signal.withUnsafeBufferPointer { x in output.withUnsafeMutableBufferPointer { convolve(x, from: 0, into: $0) } }
        return output
    }
}
