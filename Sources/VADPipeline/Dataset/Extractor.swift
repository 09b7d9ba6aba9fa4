import Foundation
import VADShards

/// Progress of an extraction, reported after each recording.
public struct ExtractProgress: Sendable {
    public var filesDone: Int
    public var filesTotal: Int
    public var audioSeconds: Double
    public var failures: Int
}

/// What an extraction did.
public struct ExtractReport: Sendable {
    public var index: DatasetIndex
    /// Recordings found in the corpus.
    public var files: Int
    public var failures: [FailureRecord] { index.failures }
    public var audioSeconds: Double { index.utterances.reduce(0) { $0 + $1.durationSeconds } }
}

/// A problem that stops a whole stage (as opposed to one bad recording).
public struct PipelineError: Error, CustomStringConvertible {
    public var message: String
    /// Per-file failures met before stopping, if any.
    public var failures: [FailureRecord]
    public init(_ message: String, failures: [FailureRecord] = []) {
        self.message = message
        self.failures = failures
    }
    public var description: String { message }
}

/// `vadprep extract`: a corpus directory in, a dataset directory out.
public enum Extractor {
    /// Processes every recording of `corpus` with `jobs` threads and writes the
    /// dataset to `output`. Recordings that fail are reported in the index's
    /// `failures` and the others are still written; the output is the same
    /// bytes whatever `jobs` is, because utterances are written in corpus order
    /// and each is computed independently. Only fatal problems throw: bad
    /// options, an unusable corpus or output directory, a write error, or no
    /// recording processed at all.
    public static func run(corpus: String, output: String, options: ExtractOptions, jobs: Int, force: Bool,
                           progress: @escaping (ExtractProgress) -> Void = { _ in }) throws -> ExtractReport {
        if let problem = options.problems().first { throw PipelineError(problem) }
        let items = try Corpus.scan(corpus)
        guard !items.isEmpty else {
            throw PipelineError("\(corpus): no audio files found (looked for \(Corpus.audioExtensions.sorted().prefix(6).joined(separator: ", ")), …)")
        }
        let labels = try LabelResolver(corpus: corpus, options: options.labels)
        _ = try UtteranceProcessor(options: options, labels: labels)  // fail fast on impossible feature options
        try OutputDirectory.prepare(output, force: force)

        let writer = DatasetWriter(directory: output, options: options,
                                   rawLayout: options.rawFrames.map { UtteranceProcessor.layout($0, grid: options.mfcc.frame.grid) })
        let queue = OrderedWork<Result<ProcessedUtterance, InputError>>(count: items.count, window: 2 * max(1, jobs))
        for _ in 0..<max(1, min(jobs, items.count)) {
            let thread = Thread {
                let processor = try! UtteranceProcessor(options: options, labels: labels)
                while let index = queue.claim() {
                    let result: Result<ProcessedUtterance, InputError>
                    do {
                        result = .success(try processor.process(items[index]))
                    } catch let error as InputError {
                        result = .failure(error)
                    } catch {
                        result = .failure(InputError(items[index].path, "\(error)"))
                    }
                    queue.deliver(index, result)
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }

        var failures: [FailureRecord] = []
        var seconds = 0.0
        let prefix = corpus.hasSuffix("/") ? corpus : corpus + "/"
        do {
            for index in items.indices {
                switch queue.take(index) {
                case .success(let utterance):
                    let labelSource = utterance.labelSource.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
                    try writer.add(utterance, labelSource: labelSource)
                    seconds += Double(utterance.samples) / Double(options.audio.sampleRate)
                case .failure(let error):
                    failures.append(FailureRecord(source: items[index].relativePath, error: error.description))
                }
                progress(ExtractProgress(filesDone: index + 1, filesTotal: items.count, audioSeconds: seconds,
                                         failures: failures.count))
            }
            queue.cancel()
            guard !writer.utterances.isEmpty else {
                writer.abandon()
                throw PipelineError("no recording could be processed; nothing was written", failures: failures)
            }
            return ExtractReport(index: try writer.finish(failures: failures), files: items.count)
        } catch let error as FileError {
            queue.cancel()
            writer.abandon()
            throw PipelineError(error.description, failures: failures)
        }
    }
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
}
