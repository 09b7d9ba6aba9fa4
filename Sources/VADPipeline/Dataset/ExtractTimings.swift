import Dispatch
import Foundation
import VADShards

/// Where the wall time of one extraction went, in three phases, so that its
/// serial share can be read on any machine and projected to more cores:
///
///     before  run start → the first worker starts (options, listing, header
///             reads, libraries, output directory, journal)
///     workers the first worker starts → the last worker ends
///     after   the last worker ends → the index is written (the last results
///             written, the open shard hashed, synced and renamed, the index)
///
/// `workerBusySeconds` sums, over the workers, the time spent processing
/// recordings (not waiting for work): the part that divides among cores. The
/// serial share of a run is the part of its wall time outside the workers'
/// phase, `(wall - workersSeconds) / wall`, with `wall` the whole process's
/// time measured from outside (process start included) or `totalSeconds`.
/// With a serial share `s` at one job, N cores run at most
/// `1 / (s + (1 - s) / N)` times faster (Amdahl).
///
/// Timings differ from run to run, so they are kept out of `index.json` (whose
/// bytes depend only on the inputs and options): `extract --timings` writes
/// them to `timings.json` beside it, which nothing hashes, checks or compares
/// (without `--timings` the dataset holds only the index and its shards).
public struct ExtractTimings: Codable, Equatable, Sendable {
    /// Worker threads that ran.
    public var jobs: Int
    /// Run start to the first worker's start.
    public var beforeWorkersSeconds: Double
    /// The first worker's start to the last worker's end.
    public var workersSeconds: Double
    /// Time the workers spent processing recordings, summed over the workers.
    public var workerBusySeconds: Double
    /// The last worker's end to the index written.
    public var afterWorkersSeconds: Double

    /// The sidecar's file name inside a dataset directory.
    public static let fileName = "timings.json"

    public init(jobs: Int, beforeWorkersSeconds: Double, workersSeconds: Double, workerBusySeconds: Double,
                afterWorkersSeconds: Double) {
        self.jobs = jobs
        self.beforeWorkersSeconds = beforeWorkersSeconds
        self.workersSeconds = workersSeconds
        self.workerBusySeconds = workerBusySeconds
        self.afterWorkersSeconds = afterWorkersSeconds
    }

    /// Everything: before + workers + after.
    public var totalSeconds: Double { beforeWorkersSeconds + workersSeconds + afterWorkersSeconds }

    /// The share of `wall` seconds (the run's, or the whole process's) spent
    /// outside the workers' phase: `(wall - workersSeconds) / wall`.
    public func serialShare(wall: Double) -> Double {
        wall > 0 ? min(1, max(0, (wall - workersSeconds) / wall)) : 0
    }

    /// Amdahl's bound on the speed-up of `cores` cores over one, for a run
    /// whose serial share at one job is `serialShare`.
    public static func projectedSpeedUp(serialShare: Double, cores: Int) -> Double {
        1 / (serialShare + (1 - serialShare) / Double(max(1, cores)))
    }

    /// Writes `DIRECTORY/timings.json` (snake_case keys, sorted).
    public func write(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let path = "\(directory)/\(ExtractTimings.fileName)"
        let bytes: [UInt8]
        do { bytes = Array(try encoder.encode(self)) + [0x0A] } catch {
            throw FileError("cannot encode", path, reason: "\(error)")
        }
        let file = try AtomicFile(path: path)
        try file.write(bytes)
        try file.commit(sync: false)
    }
}

/// Collects an extraction's phase boundaries and the workers' busy time, from
/// any thread.
final class PhaseClock: @unchecked Sendable {
    private let lock = NSLock()
    private let start = PhaseClock.now()
    private var firstWorkerStart: UInt64?
    private var lastWorkerEnd: UInt64?
    private var busy: UInt64 = 0
    private var jobs = 0

    /// Nanoseconds of a monotonic clock.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    func workerStarted() {
        let time = PhaseClock.now()
        lock.lock()
        if firstWorkerStart == nil { firstWorkerStart = time }
        jobs += 1
        lock.unlock()
    }

    /// A worker returns after `busy` nanoseconds of work.
    func workerEnded(busy worked: UInt64) {
        let time = PhaseClock.now()
        lock.lock()
        lastWorkerEnd = max(lastWorkerEnd ?? 0, time)
        busy += worked
        lock.unlock()
    }

    /// The timings up to now (the end of the run).
    func timings() -> ExtractTimings {
        let end = PhaseClock.now()
        lock.lock()
        defer { lock.unlock() }
        let first = firstWorkerStart ?? end, last = max(lastWorkerEnd ?? first, first)
        func seconds(_ from: UInt64, _ to: UInt64) -> Double { Double(to &- from) / 1e9 }
        return ExtractTimings(jobs: jobs, beforeWorkersSeconds: seconds(start, first), workersSeconds: seconds(first, last),
                              workerBusySeconds: Double(busy) / 1e9, afterWorkersSeconds: seconds(last, max(end, last)))
    }
}
