import ArgumentParser
import Foundation
import VADPipeline
import VADShards

extension ShardTransfer: ExpressibleByArgument {}

extension VADPrep {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Join the parts of a partitioned extraction into one dataset, without rewriting shards.",
            discussion: """
                The parts (`vadprep extract --part K/N` outputs) must all be given, made with the same \
                options from the same corpus listing; they are put in part order, so the merged dataset \
                holds the utterances of a single run, in the same order and with the same bytes. Shards \
                are hard-linked under new names (the parts stay usable) or, with --copy, copied; \
                statistics are summed from the parts' sums. Whole datasets made with the same options \
                from different recordings can be merged too, in the order given.
                """)

        @Argument(help: "The part directories.")
        var parts: [String]

        @Option(help: "Directory the merged dataset is written to.")
        var out: String

        @Flag(help: "Copy the shards instead of hard-linking them (for an output on another filesystem).")
        var copy = false

        @Flag(help: "Replace a dataset already in --out.")
        var force = false

        @Flag(help: "Print nothing on success.")
        var quiet = false

        func run() throws {
            let index: DatasetIndex
            do {
                index = try DatasetMerger.run(parts: parts, output: out, transfer: copy ? .copy : .link, force: force)
            } catch let error as PipelineError {
                Terminal.warn("vadprep merge: \(error.message)")
                throw ExitCode(error.status)
            }
            if !quiet {
                let seconds = index.utterances.reduce(0) { $0 + $1.durationSeconds }
                print(String(format: "merged %d dataset%@: %d utterances, %.3f h of audio, %d frames, %d shard%@%@ -> %@",
                             parts.count, parts.count == 1 ? "" : "s", index.utterances.count, seconds / 3600,
                             index.statistics.frames, index.shards.count, index.shards.count == 1 ? "" : "s",
                             index.failures.isEmpty ? "" : ", \(index.failures.count) failed recordings listed", out))
            }
        }
    }
}
