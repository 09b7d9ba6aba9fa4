import Foundation

/// The worker threads of a stage: `count` threads started together, each
/// running `body(worker)` with its number, and `join()` to wait until every
/// one has returned.
///
/// A stage makes its workers stop by cancelling the queue they claim work from
/// (`OrderedWork.cancel()`), then joins them before it returns or throws, so
/// that no thread outlives the stage that started it, still reading its input
/// or writing into its output directory.
final class Workers: Sendable {
    private let finished = DispatchGroup()

    /// Starts the threads, each with a stack of `stackSize` bytes (8 MiB, as
    /// a main thread has; a spawned thread's default is much smaller).
    init(count: Int, stackSize: Int = 8 << 20, _ body: @escaping @Sendable (_ worker: Int) -> Void) {
        for worker in 0..<count {
            finished.enter()
            let thread = Thread { [finished] in
                body(worker)
                finished.leave()
            }
            thread.stackSize = stackSize
            thread.start()
        }
    }

    /// Waits until every worker's `body` has returned.
    func join() {
        finished.wait()
    }
}

/// A value made on one thread and handed to one other thread, which alone
/// uses it from then on (such as a worker's `UtteranceProcessor`).
struct HandedOver<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Items `0..<count` handed to worker threads and taken back in order.
/// At most `window` items are claimed ahead of the one being taken, which
/// bounds the memory held by finished but unwritten results.
final class OrderedWork<Result: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private let window: Int
    private var nextClaim = 0
    private var nextTake = 0
    private var cancelled = false
    private var results: [Int: Result] = [:]

    init(count: Int, window: Int) {
        self.count = count
        self.window = window
    }

    /// Items `range` (the ones before it are done already).
    init(range: Range<Int>, window: Int) {
        self.count = range.upperBound
        self.window = window
        nextClaim = range.lowerBound
        nextTake = range.lowerBound
    }

    /// The next item to work on, or nil when there is none (or the run stopped).
    func claim() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && nextClaim < count && nextClaim >= nextTake + window { condition.wait() }
        guard !cancelled && nextClaim < count else { return nil }
        nextClaim += 1
        return nextClaim - 1
    }

    func deliver(_ index: Int, _ result: Result) {
        condition.lock()
        results[index] = result
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for item `index`'s result; items must be taken in order.
    func take(_ index: Int) -> Result {
        condition.lock()
        defer { condition.unlock() }
        while results[index] == nil { condition.wait() }
        nextTake = index + 1
        condition.broadcast()
        return results.removeValue(forKey: index)!
    }

    /// Stops handing out items.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops handing out items and returns how many were handed out (their
    /// results can still be taken).
    func cancelAndCountClaimed() -> Int {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
        return nextClaim
    }
}
