import Foundation
import FFT
import Testing

@Suite struct RealFFTTests {
    /// FFTW's output equals a direct DFT computed in double precision.
    @Test(arguments: [8, 400, 512])
    func matchesDirectDFT(size: Int) {
        let fft = RealFFT(size: size)
        let signal: [Float] = (0..<size).map { (n: Int) -> Float in
            let x = Double(n)
            let tone: Double = sin(x * 0.37) * 1000
            return Float(tone + Double(n % 7) * 13)
        }
        for i in 0..<size { fft.input[i] = signal[i] }
        fft.forward()
        let scale = signal.map { abs(Double($0)) }.reduce(0, +)
        for k in 0...(size / 2) {
            var re = 0.0, im = 0.0
            for n in 0..<size {
                let angle = -2 * Double.pi * Double(k * n % size) / Double(size)
                re += Double(signal[n]) * cos(angle)
                im += Double(signal[n]) * sin(angle)
            }
            #expect(abs(Double(fft.output[2 * k]) - re) <= 1e-6 * scale, "bin \(k) real")
            #expect(abs(Double(fft.output[2 * k + 1]) - im) <= 1e-6 * scale, "bin \(k) imaginary")
        }
        // The input is preserved.
        #expect(Array(fft.input) == signal)
    }
}
