import BLAS
import Dispatch

/// How many threads training and inference use: OpenBLAS's pool for the
/// large matrix products, and as many parts of the batch in the LSTM's time
/// loop (`split`). Results are bit-identical for a given count, not across
/// counts.
public enum ComputeThreads {
    public static func use(_ count: Int) { BLAS.setThreads(max(1, count)) }

    /// The thread count in use.
    public static var count: Int { BLAS.threads }

    /// Runs `body(part, range)` on `parts` contiguous ranges of `0..<count`,
    /// concurrently, with OpenBLAS single-threaded meanwhile (each part's
    /// matrix products run on its own thread). The ranges depend on `count`
    /// and `parts` alone; the parts must write disjoint memory.
    static func split(_ count: Int, parts: Int, _ body: (Int, Range<Int>) -> Void) {
        if parts <= 1 {
            body(0, 0..<count)
            return
        }
        let threads = BLAS.threads
        BLAS.setThreads(1)
        defer { BLAS.setThreads(threads) }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                shared.value(part, range(part, of: parts, count: count))
            }
        }
    }

    /// Part `part` of `0..<count` cut into `parts` nearly equal ranges.
    static func range(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
        (part * count / parts)..<((part + 1) * count / parts)
    }
}

/// A value handed to the threads of `ComputeThreads.split`, which promises
/// that they touch disjoint memory.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
