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

    /// Every row of a many-row FFT gives, bit for bit, what a one-row FFT
    /// gives for the same samples: the rows share one plan and its rounding.
    @Test(arguments: [400, 512])
    func rowsEqualSingleTransforms(size: Int) {
        let rows = 3
        let many = RealFFT(size: size, rows: rows), one = RealFFT(size: size)
        for r in 0..<rows {
            let input = many.input(row: r)
            for n in 0..<size { input[n] = Float(sin(Double(n * (r + 2)) * 0.11) * 3000 + Double(r)) }
        }
        for r in 0..<rows { many.forward(row: r) }
        for r in 0..<rows {
            for n in 0..<size { one.input[n] = many.input(row: r)[n] }
            one.forward()
            #expect(Array(many.output(row: r)).map(\.bitPattern) == Array(one.output).map(\.bitPattern), "row \(r)")
        }
        #expect(Array(many.output(row: 0)) != Array(many.output(row: 1)), "the rows hold different transforms")
    }
}
