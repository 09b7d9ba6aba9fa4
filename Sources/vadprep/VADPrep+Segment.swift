import ArgumentParser
import Foundation
import VADPipeline
import VADShards

extension SegmentOptions.Mode: ExpressibleByArgument {}
extension SegmentOptions.ShortPolicy: ExpressibleByArgument {}
extension SplitOptions.Grouping: ExpressibleByArgument {}

extension VADPrep {
    struct Segment: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "segment",
            abstract: "Cut the utterances of a features dataset into training segments.",
            discussion: """
                Reads the shards written by `vadprep extract` (never the audio) and writes a segment \
                dataset: fixed-length segments ([segments, frames, D] tensors, with a mask where short \
                ones were padded), random crops (one per utterance per epoch), or whole utterances \
                (variable length, for batch size 1). With a split, DIR/train and DIR/valid are each a \
                complete dataset, divided by utterance (or by directory with --split-by directory).
                """)

        @Argument(help: "Features dataset (as written by `vadprep extract`).")
        var features: String

        @Option(help: "Directory the segments are written to.")
        var out: String

        @Option(help: "fixed: consecutive segments; random: one crop per utterance per epoch; whole: whole utterances.")
        var mode: SegmentOptions.Mode = .fixed

        @Option(help: "Segment length in seconds (default 3).")
        var len: Double?

        @Option(help: "Segment length in frames, instead of --len.")
        var frames: Int?

        @Option(help: "Seconds between segment starts in fixed mode (default: --len).")
        var hop: Double?

        @Option(help: "Epochs of random crops.")
        var epochs = 1

        @Option(help: "Seed of the random crops and the split.")
        var seed: UInt64 = 0

        @Option(help: "In whole mode, cut utterances longer than this many seconds.")
        var maxLen: Double?

        @Option(help: "Utterances (and tails) shorter than a segment: pad (with a mask), drop, or keep (variable length).")
        var short: SegmentOptions.ShortPolicy = .pad

        @Option(help: "Split off a validation set, e.g. valid=0.12.")
        var split: String?

        @Option(help: "Put this many utterances in the validation set.")
        var validCount: Int?

        @Option(help: "File listing the utterance ids of the validation set, one per line.")
        var validList: String?

        @Option(help: "What stays together in the split: utterance, directory or speaker (from utt2spk).")
        var splitBy: SplitOptions.Grouping = .utterance

        @OptionGroup(title: "Output")
        var output: OutputOptionGroup

        @Flag(help: "Continue an interrupted run into the same --out: finished shards that check out are kept.")
        var resume = false

        func validate() throws {
            if len != nil && frames != nil { throw ValidationError("give --len or --frames, not both") }
            if resume && output.force { throw ValidationError("give --resume or --force, not both") }
            if mode == .whole && (len != nil || frames != nil) { throw ValidationError("--mode whole takes --max-len, not --len or --frames") }
            if [split != nil, validCount != nil, validList != nil].filter({ $0 }).count > 1 {
                throw ValidationError("give one of --split, --valid-count and --valid-list")
            }
            var check = OptionCheck()
            // The seconds are converted to frames once the dataset's frame shift is known (in `run`).
            for (name, seconds) in [("--len", len), ("--hop", hop), ("--max-len", maxLen)] {
                if let seconds { check.number(name, seconds, in: OptionLimits.seconds, aboveLowerBound: true, unit: "seconds") }
            }
            if let split { check.require(validFraction(split) != nil, "--split", split, "valid=FRACTION with 0 < FRACTION < 1, e.g. valid=0.12") }
            var splitOptions = SplitOptions()
            splitOptions.validCount = validCount
            check.add(contentsOf: splitOptions.problems())
            if let problem = try check.problems.first ?? options(frameShiftSeconds: nil).problems().first { throw ValidationError(problem) }
        }

        private func validFraction(_ text: String) -> Double? {
            let parts = text.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "valid", let value = Double(parts[1]), value > 0, value < 1 else { return nil }
            return value
        }

        /// The library's options, the seconds converted to frames of
        /// `frameShiftSeconds` (nil: left at their defaults, for `validate`).
        func options(frameShiftSeconds shift: Double?) throws(PipelineError) -> SegmentOptions {
            var options = SegmentOptions()
            options.mode = mode
            if let frames { options.frames = frames }
            if let shift {
                func frames(_ option: String, _ seconds: Double) throws(PipelineError) -> Int {
                    try SegmentOptions.frames(option: option, seconds: seconds, frameShiftSeconds: shift).get()
                }
                if self.frames == nil { options.frames = try frames("--len", len ?? 3) }
                options.hopFrames = try hop.map { seconds throws(PipelineError) in try frames("--hop", seconds) }
                options.maxFrames = try maxLen.map { seconds throws(PipelineError) in try frames("--max-len", seconds) }
            }
            options.epochs = epochs
            options.seed = seed
            options.short = short
            options.shardSizeBytes = output.shardSizeBytes
            return options
        }

        func run() throws {
            let terminal = Terminal(quiet: output.quiet)
            let started = Date()
            let report: SegmentReport
            let index: DatasetIndex, options: SegmentOptions
            do {
                index = try DatasetIndex.read(from: features)
            } catch {
                Terminal.warn("vadprep segment: \(error)")
                throw ExitCode(1)
            }
            do {
                options = try self.options(frameShiftSeconds: index.frameShiftSeconds)
            } catch {
                throw ValidationError(error.message)  // an option the dataset's frame shift makes impossible
            }
            if let problem = options.problems(featureDimension: index.featureDim).first {
                throw ValidationError(problem)
            }
            do {
                var splitOptions = SplitOptions()
                splitOptions.validFraction = split.flatMap(validFraction)
                splitOptions.validCount = validCount
                splitOptions.grouping = splitBy
                if let validList {
                    splitOptions.validIDs = try Splitter.readIDList(validList, known: Set(index.utterances.map(\.id)))
                }
                Interruption.install()
                report = try Segmenter.run(source: features, output: out, options: options, split: splitOptions,
                                           jobs: output.jobs, force: output.force, resume: resume,
                                           shouldStop: { Interruption.requested }) { done, total in
                    terminal.progress("segment", done: done, total: total)
                }
            } catch {
                terminal.endProgress()
                Terminal.warn("vadprep segment: \(error)")
                throw ExitCode((error as? PipelineError)?.status ?? 1)
            }
            terminal.endProgress()
            guard !output.quiet else { return }
            let wall = Date().timeIntervalSince(started)
            for (split, directory, index) in report.datasets {
                let info = index.segments!
                let bytes = index.shards.reduce(0) { $0 + $1.bytes }
                let padded = index.utterances.reduce(0) { $0 + ($1.paddedFrames ?? 0) }
                var line = "\(split.map { "\($0): " } ?? "")\(index.utterances.count) \(info.mode) segments"
                if let frames = info.frames { line += " of \(frames) frames" }
                line += " from \(Set(index.utterances.map(\.id)).count) utterances"
                if padded > 0 { line += ", \(padded) padded frames" }
                if info.dropped > 0 { line += ", \(info.dropped) too short and dropped" }
                line += " -> \(directory) (\(index.shards.count) shard\(index.shards.count == 1 ? "" : "s"), \(formatBytes(bytes)))"
                print(line)
            }
            print(String(format: "segmented in %.2f s", wall))
        }
    }
}
