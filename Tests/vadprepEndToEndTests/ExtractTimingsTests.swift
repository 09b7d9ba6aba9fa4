import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `extract --timings`: the three phases of the wall time, printed and in
/// `timings.json`, which leaves the dataset's own bytes alone.
@Suite(.serialized) struct ExtractTimingsTests {
    static let corpus = TestSupport.fixture("corpus")

    struct Timings: Decodable {
        var jobs: Int
        var beforeWorkersSeconds: Double
        var workersSeconds: Double
        var workerBusySeconds: Double
        var afterWorkersSeconds: Double
    }

    @Test(arguments: ["1", "2"]) func timingsArePrintedAndWrittenBesideTheIndex(jobs: String) throws {
        let work = TestSupport.TemporaryDirectory()
        let timed = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.file("timed"), "--jobs", jobs, "--quiet", "--timings"])
        #expect(timed.status == 0, "\(timed.stderr)")
        let plain = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.file("plain"), "--jobs", jobs, "--quiet"])
        #expect(plain.status == 0, "\(plain.stderr)")

        // Printed even with --quiet, as one line.
        let line = timed.stdout.split(separator: "\n").map(String.init)
        #expect(line.count == 1 && line[0].hasPrefix("timings: before workers "), "\(timed.stdout)")
        #expect(line.first?.contains("over \(jobs) job\(jobs == "1" ? "" : "s")") == true, "\(timed.stdout)")

        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let timings = try decoder.decode(Timings.self, from: Data(contentsOf: URL(fileURLWithPath: work.file("timed/timings.json"))))
        #expect(timings.jobs == Int(jobs))
        // Sane: nothing negative, the busy time fits in the workers' phase on every job.
        #expect(timings.beforeWorkersSeconds >= 0 && timings.afterWorkersSeconds >= 0)
        #expect(timings.workerBusySeconds > 0 && timings.workersSeconds > 0)
        #expect(timings.workerBusySeconds <= timings.workersSeconds * Double(timings.jobs) + 0.01)

        // The dataset itself is the same bytes as without --timings; only the sidecar is added.
        let names = try FileManager.default.contentsOfDirectory(atPath: work.file("timed")).sorted()
        #expect(names == ["index.json", "shard-00000.safetensors", "timings.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.file("plain")).sorted() == ["index.json", "shard-00000.safetensors"])
        for name in ["index.json", "shard-00000.safetensors"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: work.file("timed/\(name)")))
                    == Data(contentsOf: URL(fileURLWithPath: work.file("plain/\(name)"))), "\(name) differs with --timings")
        }
        // A dataset with its timings is still a dataset: verify accepts it and --force replaces it.
        let verify = try TestSupport.vadprep(["verify", work.file("timed")])
        #expect(verify.status == 0, "\(verify.stderr)")
        let again = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.file("timed"), "--force", "--quiet"])
        #expect(again.status == 0, "\(again.stderr)")
    }
}
