import Foundation
import Testing
import _VADTestSupport

/// Every fuzz target's seeds (Fixtures/fuzz-seeds/TARGET/) and every input
/// that once crashed it (Fixtures/fuzz-regressions/TARGET/) are replayed
/// through that target and must end normally.
@Suite struct FuzzRegressionTests {
    static let targets = ["labels", "shard", "audio", "dataset", "kaldi", "lhotse"]

    static var fuzzer: String { (TestSupport.vadprepExecutable as NSString).deletingLastPathComponent + "/VADPrepFuzz" }

    static func files(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            .map { "\(directory)/\($0)" }
    }

    static func replay(_ target: String, _ inputs: [String]) throws -> TestSupport.Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: fuzzer)
        process.arguments = inputs
        process.environment = ["VADPREP_FUZZ_TARGET": target]
        let out = Pipe(), err = Pipe()
        (process.standardOutput, process.standardError) = (out, err)
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return TestSupport.Run(status: process.terminationStatus, stdout: text, stderr: errors,
                               signalled: process.terminationReason == .uncaughtSignal)
    }

    @Test(arguments: targets)
    func seedsAndCrashInputsRunCleanly(target: String) throws {
        let seeds = Self.files(in: TestSupport.fixture("fuzz-seeds/\(target)"))
        #expect(!seeds.isEmpty, "Fixtures/fuzz-seeds/\(target) holds no seeds")
        let inputs = seeds + Self.files(in: TestSupport.fixture("fuzz-regressions/\(target)"))
        let run = try Self.replay(target, inputs)
        #expect(run.status == 0 && !run.signalled, "\(run.stderr)")
        #expect(run.stdout == "replayed \(inputs.count) input\(inputs.count == 1 ? "" : "s") through \(target)\n")
    }

    /// The targets above are all the fuzzer has, and every regression folder
    /// belongs to one of them and holds something.
    @Test func everyTargetAndRegressionFolderIsReplayed() throws {
        let run = try Self.replay("none", [])
        #expect(run.status == 2)
        #expect(run.stderr == "set VADPREP_FUZZ_TARGET to one of: \(Self.targets.joined(separator: ", "))\n")
        let regressions = TestSupport.fixture("fuzz-regressions")
        for folder in try FileManager.default.contentsOfDirectory(atPath: regressions) {
            #expect(Self.targets.contains(folder), "Fixtures/fuzz-regressions/\(folder) is no fuzz target")
            #expect(!Self.files(in: "\(regressions)/\(folder)").isEmpty, "Fixtures/fuzz-regressions/\(folder) is empty")
        }
        for target in Self.targets {
            #expect(!Self.files(in: TestSupport.fixture("fuzz-seeds/\(target)")).isEmpty, "Fixtures/fuzz-seeds/\(target) is empty")
        }
    }
}
