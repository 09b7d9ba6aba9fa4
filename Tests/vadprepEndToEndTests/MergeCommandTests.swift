import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `vadprep extract --part K/N` and `vadprep merge`, run as the built executable.
@Suite(.serialized) struct MergeCommandTests {
    /// The fixture corpus plus one unreadable recording, in a scratch directory.
    static func corpus(in work: TestSupport.TemporaryDirectory) throws -> String {
        let corpus = work.file("corpus")
        try FileManager.default.copyItem(atPath: TestSupport.fixture("corpus"), toPath: corpus)
        try TestSupport.write("not audio", to: "\(corpus)/broken.wav")
        return corpus
    }

    static func extract(_ corpus: String, _ out: String, _ options: [String] = []) throws -> TestSupport.Run {
        try TestSupport.vadprep(["extract", corpus, "--out", out, "--quiet", "--raw-frames", "--shard-size", "60k"] + options)
    }

    /// Three parts, merged in any order, hold every utterance of a single run
    /// with the same bytes, in the same order, and the same failures.
    @Test func mergedPartsEqualASingleRun() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work)
        #expect(try Self.extract(corpus, work.file("single"), ["--jobs", "2"]).status == 1)  // broken.wav fails
        var partIDs: [[String]] = []
        for k in 0..<3 {
            _ = try Self.extract(corpus, work.file("part-\(k)"), ["--part", "\(k)/3", "--jobs", "1"])
            let index = try DatasetIndex.read(from: work.file("part-\(k)"))
            #expect(index.part?.index == k && index.part?.count == 3 && index.part?.corpusFiles == 6)
            partIDs.append(index.utterances.map(\.id) + index.failures.map(\.source))
        }
        #expect(partIDs.allSatisfy { !$0.isEmpty }, "\(partIDs)")

        let merge = try TestSupport.vadprep(["merge", work.file("part-2"), work.file("part-0"), work.file("part-1"),
                                             "--out", work.file("merged")])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stdout.hasPrefix("merged 3 datasets: 5 utterances, "), "\(merge.stdout)")
        #expect(try TestSupport.vadprep(["verify", work.file("merged")]).status == 0)

        let single = try Dataset(directory: work.file("single")), merged = try Dataset(directory: work.file("merged"))
        #expect(merged.index.utterances.map(\.id) == single.index.utterances.map(\.id))
        #expect(merged.index.failures == single.index.failures && merged.index.failures.map(\.source) == ["broken.wav"])
        #expect(merged.index.part == nil && merged.index.options == single.index.options)
        for number in single.index.utterances.indices {
            let a = try single.utterance(number), b = try merged.utterance(number)
            #expect(Array(a.features) == Array(b.features), "features of \(a.record.id)")
            #expect(Array(a.labels) == Array(b.labels), "labels of \(a.record.id)")
            #expect(a.waveform?.floats == b.waveform?.floats, "waveform of \(a.record.id)")
            var record = b.record
            (record.shard, record.row) = (a.record.shard, a.record.row)
            #expect(record == a.record)
        }
        // Statistics are the parts' sums added: a single run's, up to rounding.
        let s = single.index.statistics, m = merged.index.statistics
        #expect((s.frames, s.speechFrames, s.labelledFrames) == (m.frames, m.speechFrames, m.labelledFrames))
        for (x, y) in zip(s.sum + s.sumOfSquares, m.sum + m.sumOfSquares) {
            #expect(abs(x - y) <= 1e-12 * max(abs(x), 1), "\(x) vs \(y)")
        }
        // Hard links: the parts keep their shards and stay intact.
        #expect(try TestSupport.vadprep(["verify", work.file("part-0")]).status == 0)

        // The later stages take the merged dataset as any other.
        let segment = try TestSupport.vadprep(["segment", work.file("merged"), "--out", work.file("segments"),
                                               "--mode", "fixed", "--len", "0.5", "--quiet"])
        #expect(segment.status == 0, "\(segment.stderr)")
        let train = try TestSupport.vadprep(["train", work.file("segments"), "--model", "lstm", "--hidden", "4",
                                             "--epochs", "1", "--batch", "4", "--out", work.file("run"), "--quiet"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(FileSystem.exists(work.file("run/model.safetensors")))
    }

    @Test func refusesPartsWithOtherOptions() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = TestSupport.fixture("corpus")
        _ = try Self.extract(corpus, work.file("p0"), ["--part", "0/2"])
        _ = try Self.extract(corpus, work.file("p1"), ["--part", "1/2", "--num-ceps", "13"])
        let run = try TestSupport.vadprep(["merge", work.file("p0"), work.file("p1"), "--out", work.file("m")])
        #expect(run.status == 1)
        #expect(run.stderr == "vadprep merge: \(work.file("p1")): was extracted with other options than \(work.file("p0")) (mfcc.num_ceps: 20 ≠ 13); extract every part with the same options\n")
        #expect(!FileManager.default.fileExists(atPath: work.file("m/index.json")))
    }

    @Test func refusesMissingDuplicateAndOverlappingParts() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = TestSupport.fixture("corpus")
        for k in 0..<3 { _ = try Self.extract(corpus, work.file("p\(k)"), ["--part", "\(k)/3"]) }
        _ = try Self.extract(corpus, work.file("whole"))
        _ = try Self.extract(corpus, work.file("whole2"))
        let cases: [([String], String)] = [
            (["p0", "p2"], "part 1/3 of the partition is missing; give every part's directory"),
            (["p0", "p1", "p1", "p2"], "\(work.file("p1")): is part 1/3, and so is \(work.file("p1"))"),
            (["whole", "whole2"], "utterance \"float-48k\" is in both \(work.file("whole")) and \(work.file("whole2")); parts must hold different recordings"),
            (["p0", "whole"], "\(work.file("whole")): is not a part of a partitioned extraction, but \(work.file("p0")) is; merge the parts of one partition, or whole datasets"),
        ]
        for (parts, message) in cases {
            let run = try TestSupport.vadprep(["merge"] + parts.map(work.file) + ["--out", work.file("m")])
            #expect(run.status == 1 && run.stderr == "vadprep merge: \(message)\n", "\(parts): \(run.stderr)")
        }
        let bad = try TestSupport.vadprep(["extract", corpus, "--out", work.file("x"), "--part", "3/3"])
        #expect(bad.status != 0 && bad.stderr.contains("--part 3/3: must be K/N with 0 ≤ K < N"))
    }

    /// The parts' utterances and failures must be the corpus listing their
    /// part information records, each once: a part edited and re-sealed to
    /// drop, rename or duplicate a recording is refused, and nothing is merged.
    @Test func refusesPartsThatDoNotAddUpToTheListing() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work)
        for k in 0..<2 { _ = try Self.extract(corpus, work.file("p\(k)"), ["--part", "\(k)/2"]) }
        let holder = try (0..<2).first { try !CraftedDataset.index(work.file("p\($0)")).failures.isEmpty }!
        let other = 1 - holder
        let otherSource = try CraftedDataset.index(work.file("p\(other)")).utterances[0].source
        let cases: [(String, (inout DatasetIndex) -> Void, String)] = [
            ("dropped", { $0.failures.removeAll() },
             "the parts hold 5 utterances and 0 failures, 5 recordings, but the corpus listing they were extracted from has 6; a part is incomplete or was edited"),
            ("renamed", { $0.failures[0].source = "other.wav" },
             "the parts' utterances and failures are not the recordings of the corpus listing they were extracted from (its SHA-256 differs); a part is incomplete or was edited"),
            ("duplicated", { $0.failures[0].source = otherSource },
             "recording \(otherSource) is listed twice, in \(work.file("p\(min(holder, other))")) and \(work.file("p\(max(holder, other))")) (as an utterance or a failure); parts must hold different recordings"),
        ]
        let original = try Data(contentsOf: URL(fileURLWithPath: work.file("p\(holder)/index.json")))
        for (name, edit, message) in cases {
            try original.write(to: URL(fileURLWithPath: work.file("p\(holder)/index.json")))
            try CraftedDataset.editIndex(work.file("p\(holder)"), edit)
            let run = try TestSupport.vadprep(["merge", work.file("p0"), work.file("p1"), "--out", work.file("m")])
            #expect(run.status == 1 && run.stderr == "vadprep merge: \(message)\n", "\(name): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: work.file("m")), "\(name)")
        }
        try original.write(to: URL(fileURLWithPath: work.file("p\(holder)/index.json")))
        let good = try TestSupport.vadprep(["merge", work.file("p0"), work.file("p1"), "--out", work.file("m"), "--quiet"])
        #expect(good.status == 0, "\(good.stderr)")
    }
}
