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

/// Shards written in place (every recording at 16 kHz, sizes known from the
/// headers) hold what spooled shards hold, and a recording that fails or
/// decodes shorter than its header says only costs the in-place writing.
@Suite(.serialized) struct InPlaceShardTests {
    /// A corpus of copies of the fixture's 16 kHz recording, plus, when
    /// `spoilers`, two that fail after their headers were foreseen: one
    /// without labels and one whose header claims more samples than it holds.
    static func corpus(in work: TestSupport.TemporaryDirectory, spoilers: Bool) throws -> String {
        let corpus = work.file("corpus"), manager = FileManager.default
        try manager.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        for k in 0..<8 {
            try manager.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.wav"), toPath: "\(corpus)/a\(k).wav")
            try manager.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.txt"), toPath: "\(corpus)/a\(k).txt")
        }
        if spoilers {
            try manager.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.wav"), toPath: "\(corpus)/a3x.wav")
            var cut = try Data(contentsOf: URL(fileURLWithPath: TestSupport.fixture("corpus/speech-16k.wav")))
            cut.removeLast(cut.count / 3)
            try cut.write(to: URL(fileURLWithPath: "\(corpus)/a5x.wav"))
            try manager.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.txt"), toPath: "\(corpus)/a5x.txt")
        }
        return corpus
    }

    @Test(arguments: [false, true]) func inPlaceShardsHoldWhatSpooledOnesHold(spoilers: Bool) throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work, spoilers: spoilers)
        for jobs in ["1", "2"] {
            let run = try TestSupport.vadprep(["extract", corpus, "--out", work.file("jobs\(jobs)"), "--jobs", jobs,
                                               "--raw-frames", "--shard-size", "200k", "--quiet"])
            #expect(run.status == (spoilers ? 1 : 0), "\(run.stderr)")
        }
        let one = try ExtractCommandTests.contents(work.file("jobs1")), two = try ExtractCommandTests.contents(work.file("jobs2"))
        #expect(one.keys.sorted() == two.keys.sorted())
        #expect(one.keys.filter { $0.hasSuffix(".safetensors") }.count >= 3, "expected several shards")
        for (name, bytes) in one { #expect(bytes == two[name], "\(name) differs between --jobs 1 and --jobs 2") }
        let verify = try TestSupport.vadprep(["verify", work.file("jobs1")])
        #expect(verify.status == 0, "\(verify.stderr)")

        // Every utterance's tensors equal the recording's in a dataset whose
        // one shard is spooled (the fixture corpus mixes sample rates).
        let reference = TestSupport.TemporaryDirectory()
        let spooled = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", reference.path, "--raw-frames", "--quiet"])
        #expect(spooled.status == 0, "\(spooled.stderr)")
        let expected = try Dataset(directory: reference.path)
        let want = try expected.utterance(expected.index.utterances.firstIndex { $0.id == "speech-16k" }!)
        let dataset = try Dataset(directory: work.file("jobs1"))
        let ids = dataset.index.utterances.map(\.id)
        #expect(ids == (0..<8).map { "a\($0)" })
        // Shards of several recordings, so that a failure lands inside a planned one.
        #expect(dataset.index.shards.allSatisfy { $0.utterances >= 2 })
        for number in dataset.index.utterances.indices {
            let got = try dataset.utterance(number)
            #expect(Array(got.features) == Array(want.features) && Array(got.labels) == Array(want.labels)
                    && got.waveform?.floats == want.waveform?.floats, "\(ids[number])")
        }
        #expect(dataset.index.failures.map(\.source) == (spoilers ? ["a3x.wav", "a5x.wav"] : []))
    }
}
