import BLAS
import Dispatch
import Foundation

/// How many threads training and inference use: OpenBLAS's pool for the
/// large matrix products, and as many parts of the batch in the LSTM's time
/// loop (`split`). Results are bit-identical for a given count, not across
/// counts.
public enum ComputeThreads {
    /// Sets the thread count. While splits are running, OpenBLAS stays
    /// single-threaded and `count` takes effect when the last one ends.
    public static func use(_ count: Int) {
        blas.withLock { state in
            state.configured = max(1, count)
            if state.activeSplits == 0 { BLAS.setThreads(state.configured) }
        }
    }

    /// The thread count in use (the one set by `use`, also while a split runs).
    public static var count: Int { blas.withLock { $0.configured } }

    /// Runs `body(part, range)` on `parts` contiguous ranges of `0..<count`,
    /// concurrently, with OpenBLAS single-threaded meanwhile (each part's
    /// matrix products run on its own thread). The ranges depend on `count`
    /// and `parts` alone; the parts must write disjoint memory.
    static func split(_ count: Int, parts: Int, _ body: (Int, Range<Int>) -> Void) {
        if parts <= 1 {
            body(0, 0..<count)
            return
        }
        beginSplit()
        defer { endSplit() }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                shared.value(part, range(part, of: parts, count: count))
            }
        }
    }

    // OpenBLAS has one thread count for the whole process. Splits may run
    // concurrently (two models evaluated at once, or tests), so saving the
    // count, setting 1 and restoring it in each split would let one split
    // restore the full count while another still runs, or leave 1 for good.
    // Instead every change goes through `blas`, under one lock: the first
    // split to begin sets 1, the last to end sets the configured count back,
    // and `use` in between only records the count. So OpenBLAS is
    // single-threaded exactly while any split runs, and otherwise uses the
    // configured count.
    private struct BLASThreads {
        /// What `use` asked for (at first, OpenBLAS's own default).
        var configured: Int
        /// Splits running now.
        var activeSplits = 0
    }

    private static let blas = Locked(BLASThreads(configured: BLAS.threads))

    private static func beginSplit() {
        blas.withLock { state in
            if state.activeSplits == 0 { BLAS.setThreads(1) }
            state.activeSplits += 1
        }
    }

    private static func endSplit() {
        blas.withLock { state in
            state.activeSplits -= 1
            if state.activeSplits == 0 { BLAS.setThreads(state.configured) }
        }
    }

    /// For tests: the configured count, OpenBLAS's count and the running
    /// splits, read together.
    static var state: (configured: Int, openBLAS: Int, activeSplits: Int) {
        blas.withLock { ($0.configured, BLAS.threads, $0.activeSplits) }
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

/// A value guarded by a lock.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
