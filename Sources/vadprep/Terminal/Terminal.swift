import Foundation

/// Output to the user's terminal: progress bars on standard error, drawn only
/// when standard error is a terminal and `--quiet` was not given.
final class Terminal {
    let showsProgress: Bool
    private var lastDraw = 0.0
    private var drawn = false

    init(quiet: Bool) {
        showsProgress = !quiet && isatty(STDERR_FILENO) == 1
    }

    /// Redraws the progress line at most ten times a second (always for the last step).
    func progress(_ label: String, done: Int, total: Int, detail: String = "") {
        guard showsProgress else { return }
        let now = Date().timeIntervalSince1970
        guard done == total || now - lastDraw >= 0.1 else { return }
        lastDraw = now
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let percent = total > 0 ? 100 * done / total : 100
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)% \(done)/\(total) \(detail)\u{1B}[K".utf8))
        drawn = true
    }

    /// Clears the progress line so that what follows starts on a clean line.
    func endProgress() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }

    /// A line on standard error.
    static func warn(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Byte counts as people read them: 2.9 MB, 256.0 MB, 1.2 GB.
func formatBytes(_ bytes: Int) -> String {
    let value = Double(bytes)
    if value >= 1e9 { return String(format: "%.1f GB", value / 1e9) }
    if value >= 1e6 { return String(format: "%.1f MB", value / 1e6) }
    if value >= 1e3 { return String(format: "%.1f kB", value / 1e3) }
    return "\(bytes) B"
}
