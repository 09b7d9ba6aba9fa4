import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Row-major single-precision BLAS, backed by OpenBLAS.
///
/// This file is the only place in vadprep that calls CBLAS. Every matrix is
/// row-major, so callers never pass a layout; each function says its formula.
///
/// OpenBLAS is opened on the first call, not linked: loading it starts a
/// thread pool that spins a core for about 0.1 s, which commands that never
/// multiply matrices should not pay (see `Sources/COpenBLAS/shim.h`).
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
        OpenBLAS.library.sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// The same in double precision (used where exactness matters more than
    /// speed, such as gradient checks). The corresponding C function is `cblas_dgemm`.
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false,
                            m: Int, n: Int, k: Int, alpha: Double = 1,
                            a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int,
                            beta: Double = 0,
                            c: UnsafeMutablePointer<Double>, ldc: Int) {
        OpenBLAS.library.dgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// Number of threads OpenBLAS uses for one call. The corresponding C function
    /// is `openblas_set_num_threads`.
    public static func setThreads(_ count: Int) {
        OpenBLAS.library.setNumThreads(Int32(count))
    }

    /// The number of threads OpenBLAS uses for one call (`openblas_get_num_threads`).
    public static var threads: Int { Int(OpenBLAS.library.getNumThreads()) }
}

/// The OpenBLAS functions vadprep calls, looked up once in the shared library.
private struct OpenBLAS: @unchecked Sendable {
    let sgemm: vadprep_cblas_sgemm_fn
    let dgemm: vadprep_cblas_dgemm_fn
    let setNumThreads: vadprep_openblas_set_num_threads_fn
    let getNumThreads: vadprep_openblas_get_num_threads_fn

    /// Opened on first use (Swift initialises a static once, thread-safely).
    /// Without OpenBLAS there is nothing vadprep could do instead, so a
    /// missing library stops the program with the reason.
    static let library: OpenBLAS = {
        let names = ["libopenblas.so.0", "libopenblas.so"]
        guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            fatalError("cannot load OpenBLAS (\(names.joined(separator: " or "))): \(reason); install Debian's libopenblas0")
        }
        func symbol<T>(_ name: String, as type: T.Type) -> T {
            guard let address = dlsym(handle, name) else { fatalError("OpenBLAS has no \(name)") }
            return unsafeBitCast(address, to: type)
        }
        return OpenBLAS(sgemm: symbol("cblas_sgemm", as: vadprep_cblas_sgemm_fn.self),
                        dgemm: symbol("cblas_dgemm", as: vadprep_cblas_dgemm_fn.self),
                        setNumThreads: symbol("openblas_set_num_threads", as: vadprep_openblas_set_num_threads_fn.self),
                        getNumThreads: symbol("openblas_get_num_threads", as: vadprep_openblas_get_num_threads_fn.self))
    }()
}

/// A floating-point type BLAS computes in: `Float` (training) or `Double`
/// (checks). Generic numeric code calls `gemm` through this protocol.
public protocol BLASScalar: BinaryFloatingPoint, Sendable {
    /// C = alpha * op(A) * op(B) + beta * C, row-major (see `BLAS.gemm`).
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: BLASScalar {
    @inlinable
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                  a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

extension Double: BLASScalar {
    @inlinable
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                  a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}
