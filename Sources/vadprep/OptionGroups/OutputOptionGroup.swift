import ArgumentParser
import Foundation
import VADPipeline

/// Options of every command that writes a dataset.
struct OutputOptionGroup: ParsableArguments {
    @Option(help: "Target shard size, e.g. 256M, 1G, 500000 (bytes).")
    var shardSize = "256M"

    @Option(help: ArgumentHelp("Worker threads (the default is this machine's cores).", valueName: "n"))
    var jobs = min(ProcessInfo.processInfo.activeProcessorCount, OptionLimits.threads.upperBound)

    @Flag(help: "Replace a dataset already in --out.")
    var force = false

    @Flag(help: "No progress bar and no summary.")
    var quiet = false

    /// `--shard-size` in bytes (once `validate()` has accepted it).
    var shardSizeBytes: Int { parseSize(shardSize) ?? 256 << 20 }

    func validate() throws {
        var check = OptionCheck()
        check.integer("--jobs", jobs, in: OptionLimits.threads)
        check.require(parseSize(shardSize) != nil, "--shard-size", shardSize,
                      "a size such as 256M, 1G or 500000 (bytes), from 1 byte to less than 10^15")
        if let problem = check.problems.first { throw ValidationError(problem) }
    }
}

/// "256M", "1G", "64k", "500000" -> bytes (powers of 1024 for the suffixes);
/// nil for anything else, for less than one byte and for 10^15 bytes or more.
func parseSize(_ text: String) -> Int? {
    let units: [Character: Double] = ["k": 0x1p10, "K": 0x1p10, "m": 0x1p20, "M": 0x1p20, "g": 0x1p30, "G": 0x1p30]
    var digits = text
    var scale: Double = 1
    if let last = text.last, let unit = units[last] { digits.removeLast(); scale = unit }
    guard let value = Double(digits), let bytes = OptionCheck.wholeNumber(value * scale, limit: 1e15, rule: .down),
          bytes >= 1 else { return nil }
    return bytes
}
