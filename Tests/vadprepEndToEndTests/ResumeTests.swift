import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `vadprep extract --resume` after SIGKILL and SIGINT, run as real processes.
@Suite(.serialized) struct ResumeTests {
    /// 60 recordings (the fixtures, twelve times) and the options of every run:
    /// small shards, so a run writes about 30 of them.
    static let arguments = ["--raw-frames", "--shard-size", "200k", "--jobs", "1", "--quiet"]

    static func corpus(in work: TestSupport.TemporaryDirectory) throws -> String {
        let corpus = work.file("corpus")
        for group in 1...12 {
            try FileManager.default.copyItem(atPath: TestSupport.fixture("corpus"), toPath: "\(corpus)/g\(String(format: "%02d", group))")
        }
        return corpus
    }

    /// Starts extract into `output`, waits until `shards` shards exist, sends `signal`.
    static func interrupted(_ corpus: String, _ output: String, afterShards shards: Int, signal: Int32) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.vadprepExecutable)
        process.arguments = ["extract", corpus, "--out", output] + arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
            if names.filter({ $0.hasPrefix("shard-") }).count >= shards { break }
            usleep(500)
        }
        #expect(process.isRunning, "the run ended before \(shards) shards were written")
        TestSupport.signal(process, signal)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, message)
    }

    static func resume(_ corpus: String, _ output: String) throws -> TestSupport.Run {
        try TestSupport.vadprep(["extract", corpus, "--out", output, "--resume"] + arguments)
    }

    /// Killed after 1, 4 and 9 shards (each time with a shard half filled in
    /// memory), then resumed: the same bytes as a run never interrupted.
    @Test(arguments: [1, 4, 9])
    func resumeAfterKillGivesTheSameBytes(shards: Int) throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work)
        let reference = try TestSupport.vadprep(["extract", corpus, "--out", work.file("reference")] + Self.arguments)
        #expect(reference.status == 0)
        let (status, _) = try Self.interrupted(corpus, work.file("run"), afterShards: shards, signal: SIGKILL)
        #expect(status == SIGKILL)
        let plain = try TestSupport.vadprep(["extract", corpus, "--out", work.file("run")] + Self.arguments)
        #expect(plain.status == 1)
        #expect(plain.stderr == "vadprep extract: \(work.file("run")): output directory is not empty; use --resume to continue an unfinished dataset in it, or --force to replace it\n")
        let resumed = try Self.resume(corpus, work.file("run"))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let expected = try ExtractCommandTests.contents(work.file("reference"))
        let got = try ExtractCommandTests.contents(work.file("run"))
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (name, bytes) in expected { #expect(got[name] == bytes, "\(name) differs after resuming") }
    }

    /// SIGINT stops between recordings: exit 130, a message saying how to go on,
    /// finished shards and the journal kept, nothing temporary left. A damaged
    /// finished shard is found and redone when resuming.
    @Test func interruptStopsCleanlyAndDamageIsRedone() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work)
        _ = try TestSupport.vadprep(["extract", corpus, "--out", work.file("reference")] + Self.arguments)
        let output = work.file("run")
        let (status, message) = try Self.interrupted(corpus, output, afterShards: 3, signal: SIGINT)
        #expect(status == 130)
        #expect(message.hasPrefix("vadprep extract: interrupted after "))
        #expect(message.hasSuffix(" are kept in \(output): run the same command with --resume to continue\n"))
        let left = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(left.contains(".journal.jsonl"))
        #expect(left.allSatisfy { $0 == ".journal.jsonl" || ($0.hasPrefix("shard-") && $0.hasSuffix(".safetensors")) }, "\(left)")

        let shard = "\(output)/shard-00001.safetensors"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        bytes[bytes.count / 2] ^= 0x10
        try bytes.write(to: URL(fileURLWithPath: shard))
        #expect(try Self.resume(corpus, output).status == 0)
        let expected = try ExtractCommandTests.contents(work.file("reference"))
        let got = try ExtractCommandTests.contents(output)
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (name, bytes) in expected { #expect(got[name] == bytes, "\(name) differs after resuming") }

        // Resuming a finished dataset changes nothing; other options are refused.
        #expect(try Self.resume(corpus, output).status == 0)
        let other = try TestSupport.vadprep(["extract", corpus, "--out", output, "--resume", "--num-ceps", "13", "--quiet"])
        #expect(other.status == 1)
        #expect(other.stderr == "vadprep extract: \(output): holds a dataset made with other options; use --force to replace it\n")
    }

    /// `segment --resume` after SIGKILL or SIGINT (which stops cleanly: exit
    /// 130, finished shards and journal kept, nothing temporary): the shards
    /// finished before are kept, the rest written, and both splits match an
    /// uninterrupted run.
    @Test(arguments: [SIGKILL, SIGINT])
    func segmentResumeAfterStopGivesTheSameBytes(signal: Int32) throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work)
        #expect(try TestSupport.vadprep(["extract", corpus, "--out", work.file("features"), "--quiet"]).status == 0)
        let arguments = ["--len", "0.1", "--shard-size", "4k", "--jobs", "1", "--split", "valid=0.2", "--quiet"]
        #expect(try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("reference")] + arguments).status == 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.vadprepExecutable)
        process.arguments = ["segment", work.file("features"), "--out", work.file("run")] + arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        while process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: work.file("run/train"))) ?? []
            if names.filter({ $0.hasPrefix("shard-") }).count >= 40 { break }
        }
        #expect(process.isRunning, "segment ended before 40 shards were written")
        TestSupport.signal(process, signal)
        process.waitUntilExit()
        if signal == SIGINT {
            #expect(process.terminationStatus == 130)
            let left = try FileManager.default.contentsOfDirectory(atPath: work.file("run/train"))
            #expect(left.allSatisfy { $0 == ".journal.jsonl" || ($0.hasPrefix("shard-") && $0.hasSuffix(".safetensors")) }, "\(left)")
        }

        let plain = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("run")] + arguments)
        #expect(plain.stderr == "vadprep segment: \(work.file("run")): output directory is not empty; use --resume to continue an unfinished dataset in it, or --force to replace it\n")
        let resumed = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("run"), "--resume"] + arguments)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        for side in ["train", "valid"] {
            let expected = try ExtractCommandTests.contents(work.file("reference/\(side)"))
            let got = try ExtractCommandTests.contents(work.file("run/\(side)"))
            #expect(got.keys.sorted() == expected.keys.sorted(), "\(side)")
            for (name, bytes) in expected { #expect(got[name] == bytes, "\(side)/\(name) differs after resuming") }
        }
        // Finished: resuming again changes nothing; other options are refused.
        #expect(try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("run"), "--resume"] + arguments).status == 0)
        let other = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("run"), "--resume", "--len", "0.2",
                                             "--shard-size", "4k", "--split", "valid=0.2", "--quiet"])
        #expect(other.stderr == "vadprep segment: \(work.file("run/train")): holds segments made with other options or from another source; use --force to replace them\n")
    }

    /// A 64-bit seed is recorded exactly and compared exactly: a seed that
    /// differs in its lowest bit is other options for resume and for merge
    /// (through a Double, 2^64-1 and 2^64-2 were the same number).
    @Test func seedsAreComparedWithAllTheirBits() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = TestSupport.fixture("corpus")
        func extract(_ out: String, seed: String, _ more: [String] = []) throws -> TestSupport.Run {
            try TestSupport.vadprep(["extract", corpus, "--out", work.file(out), "--seed", seed, "--quiet"] + more)
        }
        #expect(try extract("a", seed: "18446744073709551615").status == 0)
        let text = try String(contentsOfFile: work.file("a/index.json"), encoding: .utf8)
        #expect(text.contains("\"seed\" : 18446744073709551615,"), "\(text)")
        let index = try DatasetIndex.read(from: work.file("a"))
        #expect(index.options["seed"] == .number(JSONNumber(UInt64.max)))
        #expect(index.options["seed"] != .number(JSONNumber(UInt64.max - 1)))

        let same = try extract("a", seed: "18446744073709551615", ["--resume"])
        #expect(same.status == 0, "\(same.stderr)")
        let other = try extract("a", seed: "18446744073709551614", ["--resume"])
        #expect(other.status == 1)
        #expect(other.stderr == "vadprep extract: \(work.file("a")): holds a dataset made with other options; use --force to replace it\n")

        #expect(try extract("p0", seed: "18446744073709551615", ["--part", "0/2"]).status == 0)
        #expect(try extract("p1", seed: "18446744073709551614", ["--part", "1/2"]).status == 0)
        let merge = try TestSupport.vadprep(["merge", work.file("p0"), work.file("p1"), "--out", work.file("m")])
        #expect(merge.status == 1)
        #expect(merge.stderr == "vadprep merge: \(work.file("p1")): was extracted with other options than \(work.file("p0")) (seed: 18446744073709551615 ≠ 18446744073709551614); extract every part with the same options\n")
    }
}
