import COpenBLAS

/// Row-major single-precision BLAS, backed by OpenBLAS.
///
/// This file is the only place in vadprep that calls CBLAS. Every matrix is
/// row-major, so callers never pass a layout; each function says its formula.
public enum BLAS {
    /// C = alpha * op(A) * op(B) + beta * C, where op(A) is m x k, op(B) is k x n
    /// and C is m x n. `lda`, `ldb`, `ldc` are the row strides of A, B and C as
    /// stored (before transposition). The corresponding C function is `cblas_sgemm`.
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false,
                            m: Int, n: Int, k: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// Number of threads OpenBLAS uses for one call. The corresponding C function
    /// is `openblas_set_num_threads`.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }
}
