import Dispatch
import Foundation
import Testing
@testable import VADNetwork
@testable import VADTrain

/// OpenBLAS has one thread count per process; concurrent splits must not
/// change it under each other.
@Suite(.serialized) struct ComputeThreadsTests {
    /// Split A begins, split B begins, A ends while B still runs: B must
    /// still see OpenBLAS single-threaded, and once both have ended OpenBLAS
    /// must be back at the configured count. (Saving and restoring the count
    /// in each split fails both: A restores the full count under B, then B
    /// restores 1 for good.)
    @Test func overlappingSplitsKeepOpenBLASSingleThreaded() {
        let aBegan = DispatchSemaphore(value: 0), bBegan = DispatchSemaphore(value: 0), aEnded = DispatchSemaphore(value: 0)
        let seenInB = SeenCount()
        let other = Thread {
            aBegan.wait()
            ComputeThreads.split(2, parts: 2) { part, _ in
                guard part == 0 else { return }
                bBegan.signal()
                aEnded.wait()
                seenInB.set(ComputeThreads.state.openBLAS)
            }
        }
        other.start()
        let threads = ComputeThreads.count
        ComputeThreads.use(max(threads, 3))
        defer { ComputeThreads.use(threads) }
        ComputeThreads.split(2, parts: 2) { part, _ in
            guard part == 0 else { return }
            aBegan.signal()
            bBegan.wait()
        }
        aEnded.signal()
        let value = seenInB.wait()
        #expect(value == 1, "OpenBLAS ran \(value) threads inside a split")
        // Wait for B to end, then OpenBLAS has the configured count again.
        var state = ComputeThreads.state
        while state.activeSplits > 0 { usleep(1000); state = ComputeThreads.state }
        #expect(state.openBLAS == state.configured)
    }

    /// `use` during a split only records the count; it applies when the
    /// split ends. (Other tests may set counts meanwhile, so this checks the
    /// invariant rather than a number.)
    @Test func useDuringASplitAppliesAfterIt() {
        let threads = ComputeThreads.count
        defer { ComputeThreads.use(threads) }
        var inside = 0
        ComputeThreads.split(2, parts: 2) { part, _ in
            guard part == 0 else { return }
            ComputeThreads.use(5)
            inside = ComputeThreads.state.openBLAS
        }
        #expect(inside == 1)
        let state = ComputeThreads.state
        #expect(state.activeSplits > 0 || state.openBLAS == state.configured)
    }
}

/// A count set by one thread and waited for by another.
private final class SeenCount: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Int?
    func set(_ newValue: Int) {
        condition.lock()
        value = newValue
        condition.broadcast()
        condition.unlock()
    }
    func wait() -> Int {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}
