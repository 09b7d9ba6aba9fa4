import Foundation
import Testing
import _VADTestSupport

/// Writing to a full or read-only file system, on a small tmpfs the test
/// mounts (so it needs root, as CI has; elsewhere it is skipped, not passed).
@Suite(.serialized, .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct FullDiskTests {
    static func mount(_ options: String, at path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = ["-t", "tmpfs", "-o", options, "tmpfs", path]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func unmount(_ path: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/umount")
        process.arguments = [path]
        try? process.run()
        process.waitUntilExit()
    }

    /// The disk fills mid-run: a clear error naming the file, exit 1, the
    /// finished shards kept and nothing partial; with room made, --resume
    /// finishes with the same bytes as a run that never ran out.
    @Test func fullDiskThenResume() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try ResumeTests.corpus(in: work)
        let arguments = ["--raw-frames", "--shard-size", "100k", "--jobs", "2", "--quiet"]
        _ = try TestSupport.vadprep(["extract", corpus, "--out", work.file("reference")] + arguments)
        let disk = work.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        try #require(try Self.mount("size=300k", at: disk) == 0)
        defer { Self.unmount(disk) }

        let output = "\(disk)/dataset"
        let full = try TestSupport.vadprep(["extract", corpus, "--out", output] + arguments)
        #expect(full.status == 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        let shards = names.filter { $0.hasPrefix("shard-") }
        #expect(!shards.isEmpty && names == [".journal.jsonl"] + shards, "\(names)")
        let next = "shard-" + String(format: "%05d", shards.count) + ".safetensors"
        #expect(full.stderr == "vadprep extract: cannot write \(output)/\(next): No space left on device; the finished shards are kept: free space or fix the output, then run the same command with --resume\n")

        try #require(try Self.mount("remount,size=20m", at: disk) == 0)
        let resumed = try TestSupport.vadprep(["extract", corpus, "--out", output, "--resume"] + arguments)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let expected = try ExtractCommandTests.contents(work.file("reference"))
        let got = try ExtractCommandTests.contents(output)
        #expect(got.keys.sorted() == expected.keys.sorted())
        for (name, bytes) in expected { #expect(got[name] == bytes, "\(name) differs") }
    }

    @Test func readOnlyOutput() throws {
        let work = TestSupport.TemporaryDirectory()
        let disk = work.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        try #require(try Self.mount("size=1m,ro", at: disk) == 0)
        defer { Self.unmount(disk) }
        let run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", "\(disk)/dataset", "--quiet"])
        #expect(run.status == 1)
        #expect(run.stderr == "vadprep extract: \(disk)/dataset: cannot create the output directory: Read-only file system\n")
    }
}
