import Foundation

/// Paths and helpers shared by the test targets.
public enum TestSupport {
    /// The package's root directory.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `Fixtures/<relative>`.
    public static func fixture(_ relative: String) -> String { "\(packageRoot)/Fixtures/\(relative)" }

    /// The Python the tests that run the project's Python use: `VADPREP_PYTHON`,
    /// else `PYTHON` (Pipelines/test.sh sets it to the virtualenv it fills),
    /// else that virtualenv, `.build-venv`; nil when none is executable.
    public static let python: String? = {
        let environment = ProcessInfo.processInfo.environment
        let candidates = [environment["VADPREP_PYTHON"], environment["PYTHON"], "\(packageRoot)/.build-venv/bin/python"]
        return candidates.compactMap { $0 }.first { !$0.isEmpty && FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// A new empty directory, removed when the returned object is released.
    public final class TemporaryDirectory {
        public let path: String
        public init() {
            let template = NSTemporaryDirectory() + "vadprep-test-XXXXXX"
            var bytes = Array(template.utf8CString)
            path = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        public func file(_ name: String) -> String { "\(path)/\(name)" }
    }

    /// Writes `text` to `path`, creating directories.
    public static func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// Result of running a program.
    public struct Run: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Whether the program was killed by a signal (a crash or trap), `status` then being the signal.
        public var signalled = false

        public init(status: Int32, stdout: String, stderr: String, signalled: Bool = false) {
            (self.status, self.stdout, self.stderr, self.signalled) = (status, stdout, stderr, signalled)
        }
    }

    /// The built `vadprep` executable, beside the test bundle.
    public static var vadprepExecutable: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = (exe as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: "\(directory)/vadprep") {
            directory = URL(fileURLWithPath: directory).deletingLastPathComponent().path
        }
        return "\(directory)/vadprep"
    }

    /// Runs `vadprep` with `arguments` and collects its output.
    public static func vadprep(_ arguments: [String], in directory: String? = nil) throws -> Run {
        try run(vadprepExecutable, arguments, in: directory)
    }

    /// Runs one of the package's scripts, `Pipelines/<name>`, and collects its output.
    public static func pipeline(_ name: String, _ arguments: [String]) throws -> Run {
        try run("\(packageRoot)/Pipelines/\(name)", arguments)
    }

    /// Makes the default corpus at `directory` as the demo does (common.sh's
    /// generate_default_corpus: `clean/` speech and a `noise/` library) with
    /// the Python generator run by `python`.
    public static func generateDefaultCorpus(_ directory: String, python: String) throws -> Run {
        try run("/usr/bin/env", ["VADPREP_PYTHON=\(python)", "bash", "-c",
                                 "source \"$1/Pipelines/common.sh\" && generate_default_corpus \"$2\" --quiet",
                                 "generate", packageRoot, directory])
    }

    /// Sends `signal` to `process` while it runs, and never to anything else:
    /// kill(2) with a pid of 0 or less signals the whole process group, the
    /// test runner with it.
    public static func signal(_ process: Process, _ signal: Int32) {
        let pid = process.processIdentifier
        guard pid > 0, process.isRunning else { return }
        kill(pid, signal)
    }

    /// Runs `executable` with `arguments` and collects its output.
    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self), signalled: process.terminationReason == .uncaughtSignal)
    }
}
