import ArgumentParser
import Foundation

/// Options of every command that writes a dataset.
struct OutputOptionGroup: ParsableArguments {
    @Option(help: "Target shard size, e.g. 256M, 1G, 500000 (bytes).")
    var shardSize = "256M"

    @Option(help: ArgumentHelp("Worker threads (the default is this machine's cores).", valueName: "n"))
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Replace a dataset already in --out.")
    var force = false

    @Flag(help: "No progress bar and no summary.")
    var quiet = false

    /// `--shard-size` in bytes.
    var shardSizeBytes: Int { parseSize(shardSize)! }

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if parseSize(shardSize) == nil { throw ValidationError("--shard-size \"\(shardSize)\" is not a size such as 256M, 1G or 500000") }
    }
}

/// "256M", "1G", "64k", "500000" -> bytes (powers of 1024 for the suffixes).
func parseSize(_ text: String) -> Int? {
    let units: [Character: Int] = ["k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30]
    var digits = text
    var scale = 1
    if let last = text.last, let unit = units[last] { digits.removeLast(); scale = unit }
    guard let value = Double(digits), value > 0, value * Double(scale) < 1e15 else { return nil }
    return Int(value * Double(scale))
}
