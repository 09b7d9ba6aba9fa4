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
    /// Problems that did not stop a recording (e.g. a stated duration that is off).
    public var warnings: [String] = []
    public var failures: [FailureRecord] { index.failures }
    /// Label regions cut at the end of the audio (within --max-overshoot).
    public var regionsCut: Int { index.utterances.reduce(0) { $0 + ($1.regionsCut ?? 0) } }
    public var audioSeconds: Double { index.utterances.reduce(0) { $0 + $1.durationSeconds } }
    /// Where the run's wall time went (also in the dataset's `timings.json`).
    public var timings: ExtractTimings?
}

/// A problem that stops a whole stage (as opposed to one bad recording).
public struct PipelineError: Error, CustomStringConvertible {
    public var message: String
    /// Per-file failures met before stopping, if any.
    public var failures: [FailureRecord]
    /// The exit status the command should end with: 1, or 130 when interrupted.
    public var status: Int32
    public init(_ message: String, failures: [FailureRecord] = [], status: Int32 = 1) {
        self.message = message
        self.failures = failures
        self.status = status
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
    /// options, an unusable corpus or output directory, a write error, no
    /// recording processed at all, or `shouldStop` answering true (checked
    /// between recordings; finished shards are kept for `resume`).
    ///
    /// With `resume`, an unfinished dataset in `output` is continued: every
    /// shard its journal lists whose size and SHA-256 check out is kept, the
    /// rest is redone, and the result is byte-identical to an uninterrupted run.
    ///
    /// With `part`, only that part of the corpus (see `CorpusPartition`) is
    /// extracted, into a dataset of its own that records which part it is.
    ///
    /// With `options.augment`, each recording gives its clean utterance (unless
    /// left out) and its augmented copies, written one after the other; the
    /// noise, babble and impulse-response directories are loaded and checked
    /// before anything is written. With `writeAudio`, every utterance's signal
    /// and label track are also written there (see `AudioWriter`). With
    /// `writeTimings`, where the wall time went (`ExtractTimings`, in the
    /// report either way) is also written to `timings.json` beside the index.
    public static func run(corpus: String, output: String, options: ExtractOptions, jobs: Int, force: Bool,
                           resume: Bool = false, part: CorpusPart? = nil, writeAudio: String? = nil, writeTimings: Bool = false,
                           shouldStop: @escaping () -> Bool = { false },
                           progress: @escaping (ExtractProgress) -> Void = { _ in }) throws -> ExtractReport {
        let clock = PhaseClock()
        if let problem = options.problems().first { throw PipelineError(problem) }
        let source = try CorpusSource.open(corpus, options: options)
        let listing = source.items
        guard !listing.isEmpty else {
            throw PipelineError("\(corpus): no audio files found (looked for \(Corpus.audioExtensions.sorted().prefix(6).joined(separator: ", ")), …)")
        }
        let items = part.map { CorpusPartition.select(listing, part: $0).items } ?? listing
        var partInfo: PartInfo?
        if let part {
            guard !items.isEmpty else {
                throw PipelineError("\(corpus): part \(part) holds no recordings (the corpus has \(listing.count)); use fewer parts")
            }
            partInfo = PartInfo(index: part.index, count: part.count, corpusFiles: listing.count, corpusDigest: Corpus.digest(listing),
                                sourcesDigest: Corpus.sourcesDigest(listing.map(\.relativePath)))
        }
        let labels = source.labels
        _ = try UtteranceProcessor(options: options, labels: labels)  // fail fast on impossible feature options
        let augment = try options.augment.map { augment throws(PipelineError) in try AugmentLibraries(options: augment, audio: options.audio) }
        if let writeAudio {
            if let problem = AudioWriter.problem(directory: writeAudio, output: output, recordings: items.map(\.path)) { throw PipelineError(problem) }
            do { try FileManager.default.createDirectory(atPath: writeAudio, withIntermediateDirectories: true) } catch {
                throw PipelineError("\(writeAudio): cannot make the --write-audio directory: \((error as NSError).localizedDescription)")
            }
        }
        let header = ExtractJournalHeader(options: try options.jsonValue(), corpus: items, part: part)
        var journal: ExtractJournal
        var createdOutput = false
        switch resume ? try resumable(output, header: header, part: partInfo) : nil {
        case .finished(let index)?:
            return ExtractReport(index: index, files: items.count)
        case .unfinished(let found)?:
            journal = found
        case nil:
            createdOutput = try OutputDirectory.prepare(output, force: force, resumable: true)
            journal = ExtractJournal(header: header)
        }
        try journal.write(to: output)

        let writer = DatasetWriter(directory: output, options: options,
                                   rawLayout: options.rawFrames.map { UtteranceProcessor.layout($0, grid: options.mfcc.frame.grid) },
                                   part: partInfo, continuing: journal.entries)
        writer.input = source.record(for: items)
        let planner = ShardPlanner(items: items, options: options)
        writer.planner = { planner.plan(from: $0) }
        var warnings: [String] = []
        let first = journal.entries.last?.nextItem ?? 0
        var failures = journal.entries.flatMap(\.failures)
        var failuresJournalled = failures.count
        // Cuts of one recording that follow each other are decoded once, as a group.
        let groups = UtteranceProcessor.decodeGroups(items, range: first..<items.count, options: options)
        let queue = OrderedWork<[Result<[ProcessedUtterance], InputError>]>(range: 0..<groups.count, window: 2 * max(1, jobs))
        // One processor per worker, made here so that a failure is thrown, not trapped in a thread.
        let processors = try (0..<max(1, min(jobs, groups.count))).map { _ in
            HandedOver(try UtteranceProcessor(options: options, labels: labels, augment: augment, writeAudio: writeAudio))
        }
        let workers = Workers(count: processors.count) { worker in
            let processor = processors[worker].value
            clock.workerStarted()
            var busy: UInt64 = 0
            defer { clock.workerEnded(busy: busy) }
            while let group = queue.claim() {
                let range = groups[group]
                let began = PhaseClock.now()
                let results = processor.processAll(group: Array(items[range]))
                busy += PhaseClock.now() - began
                queue.deliver(group, zip(range, results).map { index, result in
                    result.mapError { error in
                        error as? InputError ?? InputError(items[index].path, "\(error)")
                    }
                })
            }
        }
        // However this returns or throws, no worker is left running: the
        // queue stops handing out recordings and the workers are waited for.
        defer {
            queue.cancel()
            workers.join()
        }

        // Closed shards not yet in the journal: what its entry will say.
        var unjournalled: [(utterances: [UtteranceRecord], failures: [FailureRecord], nextItem: Int, statistics: FeatureStatistics)] = []
        var utterancesJournalled = writer.utterances.count
        func journalFinished() throws {
            for record in try writer.collect() {
                let entry = unjournalled.removeFirst()
                try journal.append(ExtractJournalEntry(shard: record, utterances: entry.utterances, failures: entry.failures,
                                                       nextItem: entry.nextItem, statistics: entry.statistics), in: output)
            }
        }
        var seconds = writer.utterances.reduce(0) { $0 + $1.durationSeconds }
        let prefix = corpus.hasSuffix("/") ? corpus : corpus + "/"
        do {
            var results: [Result<[ProcessedUtterance], InputError>] = []
            var group = -1
            for index in first..<items.count {
                if shouldStop() {
                    queue.cancel()
                    writer.abandonOpenShard()
                    try journalFinished()
                    throw PipelineError("interrupted after \(index) of \(items.count) files; \(writer.shards.count) finished shard\(writer.shards.count == 1 ? " is" : "s are") kept in \(output): run the same command with --resume to continue",
                                        failures: failures, status: 130)
                }
                if group < 0 || index == groups[group].upperBound {
                    group += 1
                    results = queue.take(group)
                }
                switch results[index - groups[group].lowerBound] {
                case .success(let made):
                    // Shards close between recordings only, so a recording's copies share its shard.
                    // The shard is finished in the background; its journal
                    // entry is written once it is, at the next full shard.
                    if writer.shardIsFull {
                        try journalFinished()
                        try writer.closeShard()
                        unjournalled.append((Array(writer.utterances.suffix(writer.utterances.count - utterancesJournalled)),
                                             Array(failures[failuresJournalled...]), index, writer.statistics))
                        utterancesJournalled = writer.utterances.count
                        failuresJournalled = failures.count
                    }
                    for utterance in made {
                        let labelSource = utterance.labelSource.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
                        try writer.add(utterance, labelSource: labelSource, item: index)
                        warnings += utterance.warnings
                        seconds += Double(utterance.samples) / Double(options.audio.sampleRate)
                    }
                case .failure(let error):
                    failures.append(FailureRecord(source: items[index].relativePath, error: error.description))
                }
                progress(ExtractProgress(filesDone: index + 1, filesTotal: items.count, audioSeconds: seconds,
                                         failures: failures.count))
            }
            queue.cancel()
            guard !writer.utterances.isEmpty else {
                writer.abandon()
                FileSystem.remove("\(output)/\(ExtractJournal.fileName)")
                if createdOutput { rmdir(output) }  // this run made it; it holds nothing now
                throw PipelineError("no recording could be processed; nothing was written", failures: failures)
            }
            let index = try writer.finish(failures: failures)
            FileSystem.remove("\(output)/\(ExtractJournal.fileName)")
            workers.join()  // returned already: the queue is exhausted
            let timings = clock.timings()
            if writeTimings { try timings.write(to: output) }
            return ExtractReport(index: index, files: items.count, warnings: warnings, timings: timings)
        } catch let error as FileError {
            queue.cancel()
            writer.abandonOpenShard()
            try? journalFinished()
            throw PipelineError("\(error.description); the finished shards are kept: free space or fix the output, then run the same command with --resume",
                                failures: failures)
        }
    }

    private enum Resumable {
        case finished(DatasetIndex)
        case unfinished(ExtractJournal)
    }

    /// What `--resume` finds in `output`: a finished dataset, an unfinished one
    /// (its journal cut to the shards that check out, every other file of
    /// ours removed), or nothing to resume (nil: start afresh).
    private static func resumable(_ output: String, header: ExtractJournalHeader, part: PartInfo?) throws -> Resumable? {
        guard FileSystem.isDirectory(output) else { return nil }
        guard var journal = ExtractJournal.read(from: output) else {
            if FileSystem.exists("\(output)/\(DatasetIndex.fileName)") {
                let index = try DatasetIndex.read(from: output)
                guard index.options == header.options else {
                    throw PipelineError("\(output): holds a dataset made with other options; use --force to replace it")
                }
                guard index.part == part else {
                    throw PipelineError("\(output): holds \(index.part.map { "part \($0.index)/\($0.count)" } ?? "a whole-corpus dataset"), not \(part.map { "part \($0.index)/\($0.count)" } ?? "the whole corpus"); use --force to replace it")
                }
                return .finished(index)
            }
            return nil
        }
        guard journal.header.options == header.options else {
            throw PipelineError("\(output): the unfinished dataset there was made with other options; use the same options to resume, or --force to start over")
        }
        guard journal.header.part == header.part else {
            throw PipelineError("\(output): the unfinished dataset there is \(journal.header.part.map { "part \($0)" } ?? "of the whole corpus"), not \(header.part.map { "part \($0)" } ?? "of the whole corpus"); use --force to start over")
        }
        guard journal.header.corpusDigest == header.corpusDigest else {
            throw PipelineError("\(output): the corpus has changed since the unfinished dataset there was started; use --force to start over")
        }
        // Keep the longest run of journalled shards whose bytes check out.
        let kept = journal.entries.prefix { $0.shard.isIntact(in: output) }.count
        journal.entries.removeLast(journal.entries.count - kept)
        let keep = Set(journal.entries.map(\.shard.file) + [ExtractJournal.fileName])
        for name in (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? [] where !keep.contains(name) {
            FileSystem.remove("\(output)/\(name)")
        }
        return .unfinished(journal)
    }
}
