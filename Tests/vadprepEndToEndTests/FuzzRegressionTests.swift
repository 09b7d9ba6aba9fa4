import Foundation
import Testing
import _VADTestSupport

/// Every input that once crashed a fuzz target (Fixtures/fuzz-regressions/
/// TARGET/) is replayed through that target and must end normally.
@Suite struct FuzzRegressionTests {
    static let targets = ["labels", "shard", "audio"]

    @Test(arguments: targets)
    func crashInputsNoLongerCrash(target: String) throws {
        let directory = TestSupport.fixture("fuzz-regressions/\(target)")
        let inputs = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { "\(directory)/\($0)" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: (TestSupport.vadprepExecutable as NSString).deletingLastPathComponent + "/VADPrepFuzz")
        process.arguments = inputs
        process.environment = ["VADPREP_FUZZ_TARGET": target]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text == "replayed \(inputs.count) input\(inputs.count == 1 ? "" : "s") through \(target)\n")
    }
}
