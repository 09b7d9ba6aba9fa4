import ArgumentParser
import VADShards

extension VADPrep {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Re-hash every shard of a dataset and check it against the index.",
            discussion: "Exits 1 and names each damaged, truncated, missing or unlisted file.")

        @Argument(help: "Dataset directory (as written by `vadprep extract`).")
        var dataset: String

        @Flag(help: "No progress bar; print only problems.")
        var quiet = false

        func run() throws {
            let terminal = Terminal(quiet: quiet)
            let report = DatasetVerifier.verify(directory: dataset) { done, total in
                terminal.progress("verify", done: done, total: total)
            }
            terminal.endProgress()
            guard report.isIntact else {
                for problem in report.problems { Terminal.warn("vadprep verify: \(problem)") }
                throw ExitCode(1)
            }
            if !quiet {
                print("ok: \(dataset): \(report.shardsChecked) shard\(report.shardsChecked == 1 ? "" : "s"), \(formatBytes(report.bytesHashed)) hashed, index consistent")
            }
        }
    }
}
