import BLAS

/// How many threads the matrix products use (OpenBLAS's pool). Results are
/// bit-identical for a given count, not across counts.
public enum ComputeThreads {
    public static func use(_ count: Int) { BLAS.setThreads(max(1, count)) }
}
