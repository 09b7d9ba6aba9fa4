import Foundation
import Synchronization
import Testing
@testable import VADPipeline

/// The worker threads of extract and segment: joined before the stage
/// returns or throws, and stopped by cancelling their queue.
@Suite struct WorkersTests {
    struct Stop: Error {}

    /// `join` returns only after every worker's body has returned.
    @Test func joinWaitsForEveryWorker() {
        let finished = Atomic<Int>(0)
        let workers = Workers(count: 4) { worker in
            usleep(UInt32(20_000 * (worker + 1)))
            finished.add(1, ordering: .sequentiallyConsistent)
        }
        workers.join()
        #expect(finished.load(ordering: .sequentiallyConsistent) == 4)
    }

    /// A stage that throws after taking its first result, as extract and
    /// segment are written: once it has thrown, no worker runs on (the count
    /// of items worked on no longer moves), and the cancelled queue stopped
    /// them well before the end.
    @Test func aFailingStageLeavesNoWorkerRunning() {
        let worked = Atomic<Int>(0)
        func stage() throws {
            let queue = OrderedWork<Int>(count: 1000, window: 8)
            let workers = Workers(count: 3) { _ in
                while let item = queue.claim() {
                    usleep(2_000)
                    worked.add(1, ordering: .sequentiallyConsistent)
                    queue.deliver(item, item)
                }
            }
            defer {
                queue.cancel()
                workers.join()
            }
            #expect(queue.take(0) == 0)
            throw Stop()
        }
        #expect(throws: Stop.self) { try stage() }
        let atThrow = worked.load(ordering: .sequentiallyConsistent)
        usleep(50_000)
        #expect(worked.load(ordering: .sequentiallyConsistent) == atThrow)
        #expect(atThrow < 20)
    }
}
