import BLAS
import Testing

@Suite struct BLASTests {
    /// Row-major sgemm with each transposition equals the textbook triple loop.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesLoops(transposeA: Bool, transposeB: Bool) {
        let m = 5, n = 7, k = 3
        let a = (0..<(m * k)).map { Float($0 % 5) - 2 }
        let b = (0..<(k * n)).map { Float($0 % 3) * 0.5 }
        var c = [Float](repeating: 1, count: m * n)
        func aAt(_ i: Int, _ p: Int) -> Float { transposeA ? a[p * m + i] : a[i * k + p] }
        func bAt(_ p: Int, _ j: Int) -> Float { transposeB ? b[j * k + p] : b[p * n + j] }
        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 2,
                  a: a, lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n, beta: 0.5, c: &c, ldc: n)
        for i in 0..<m {
            for j in 0..<n {
                let expected = 2 * (0..<k).reduce(Float(0)) { $0 + aAt(i, $1) * bAt($1, j) } + 0.5
                #expect(c[i * n + j] == expected)
            }
        }
    }
}
