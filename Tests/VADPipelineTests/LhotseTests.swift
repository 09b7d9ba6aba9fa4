import Foundation
import Gzip
import Testing
import VADPipeline
import _VADTestSupport

/// The Lhotse manifest reader: against manifests Lhotse itself writes
/// (Pipelines/python/write_lhotse_manifests.py), and bad input line by line.
@Suite struct LhotseTests {
    /// The Python the tests use (`TestSupport.python`).
    static var python: String? { TestSupport.python }

    /// Whether that Python has Lhotse (`pip install lhotse==1.33.0 urllib3`;
    /// it needs PyTorch, so Pipelines/test.sh installs it after torch).
    static let hasLhotse: Bool = {
        guard let python else { return false }
        return (try? TestSupport.run(python, ["-c", "import lhotse"]).status) == 0
    }()

    struct Expected: Decodable {
        struct Source: Decodable { var type: String; var channels: [Int]; var source: String }
        struct Recording: Decodable {
            var id: String; var sampling_rate: Int; var num_samples: Int; var duration: Double
            var channel_ids: [Int]; var sources: [Source]
        }
        struct Supervision: Decodable {
            var id: String; var recording_id: String; var start: Double; var duration: Double; var end: Double
            var channels: [Int]; var speaker: String?
        }
        struct Cut: Decodable {
            var id: String; var start: Double; var duration: Double; var channel: Int; var recording_id: String
            var supervisions: [Supervision]
        }
        var recordings: [Recording]
        var supervisions: [Supervision]
        var cuts: [Cut]
        var all_cut_types: [String]
    }

    static func check(_ ours: LhotseSupervision, _ theirs: Expected.Supervision) {
        #expect(ours.id == theirs.id && ours.recordingID == theirs.recording_id && ours.speaker == theirs.speaker)
        #expect(ours.start == theirs.start && ours.duration == theirs.duration && ours.channels == theirs.channels, "\(ours.id)")
        #expect(abs(ours.end - theirs.end) < 1e-9, "\(ours.id) end")
    }

    /// Manifests written by Lhotse 1.33 (gzip and plain JSONL) parse to what
    /// Lhotse itself reads back: ids, durations, sample counts, channels, regions.
    @Test(.enabled(if: LhotseTests.hasLhotse, "needs Lhotse 1.33 in the Python of Pipelines/test.sh"))
    func manifestsWrittenByLhotse() throws {
        let work = TestSupport.TemporaryDirectory()
        let python = try #require(Self.python)
        let run = try TestSupport.run(python, ["\(TestSupport.packageRoot)/Pipelines/python/write_lhotse_manifests.py",
                                               TestSupport.fixture("corpus"), work.path])
        try #require(run.status == 0, "\(run.stderr)")
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: work.file("expected.json"))))

        let recordings = try LhotseManifest.readRecordings(work.file("recordings.jsonl.gz"))
        #expect(recordings.count == expected.recordings.count && recordings.count == 5)
        for (ours, theirs) in zip(recordings, expected.recordings) {
            #expect(ours.id == theirs.id && ours.samplingRate == theirs.sampling_rate && ours.numSamples == theirs.num_samples)
            #expect(ours.duration == theirs.duration && ours.channelIDs == theirs.channel_ids, "\(ours.id)")
            #expect(ours.sources.map { [$0.kind.rawValue, $0.source] } == theirs.sources.map { [$0.type, $0.source] })
            #expect(ours.sources.map(\.channels) == theirs.sources.map(\.channels))
        }
        #expect(recordings.map(\.id).contains("nested/vorbis-22k"))

        let supervisions = try LhotseManifest.readSupervisions(work.file("supervisions.jsonl.gz"), recordings: recordings)
        #expect(supervisions.count == expected.supervisions.count && supervisions.count == 10)
        for (ours, theirs) in zip(supervisions, expected.supervisions) { Self.check(ours, theirs) }
        #expect(supervisions.contains { $0.channels == [0, 1] })

        let cuts = try LhotseManifest.readCuts(work.file("cuts.jsonl.gz"))
        #expect(cuts.count == expected.cuts.count && cuts.count == 4)
        for (ours, theirs) in zip(cuts, expected.cuts) {
            #expect(ours.id == theirs.id && ours.start == theirs.start && ours.duration == theirs.duration)
            #expect(ours.channel == theirs.channel && ours.recording.id == theirs.recording_id)
            #expect(ours.supervisions.count == theirs.supervisions.count)
            for (s, t) in zip(ours.supervisions, theirs.supervisions) { Self.check(s, t) }
        }

        // Lhotse makes a MultiCut of the stereo recording: refused by name, on its line.
        let line = try #require(expected.all_cut_types.firstIndex(of: "MultiCut")) + 1
        #expect(throws: LhotseError(work.file("cuts-all.jsonl"), line: line, "cut type \"MultiCut\" is not supported (only MonoCut)")) {
            try LhotseManifest.readCuts(work.file("cuts-all.jsonl"))
        }
        // A supervisions manifest against recordings that lack one of its recordings.
        #expect(throws: LhotseError(work.file("supervisions.jsonl.gz"), line: 1,
                                    "supervision \"float-48k-a\" names recording \"float-48k\", which the recordings manifest does not hold")) {
            try LhotseManifest.readSupervisions(work.file("supervisions.jsonl.gz"), recordings: Array(recordings.dropFirst()))
        }
    }

    static let recordingLine = #"{"id": "r1", "sources": [{"type": "file", "channels": [0], "source": "a.wav"}], "sampling_rate": 16000, "num_samples": 16000, "duration": 1.0, "channel_ids": [0]}"#

    /// Each bad line gives an error naming the file and the 1-based line.
    @Test func badLinesNameFileAndLine() throws {
        let good = Self.recordingLine
        func recordingsError(_ second: String) -> String {
            do { _ = try LhotseManifest.parseRecordings(Array((good + "\n" + second + "\n").utf8), path: "r.jsonl"); return "no error" }
            catch { return error.description }
        }
        #expect(recordingsError(good) == "r.jsonl:2: duplicate recording id \"r1\" (first on line 1)")
        #expect(recordingsError("{\"id\": ") == "r.jsonl:2: not a JSON object: unexpected end of line at column 8")
        #expect(recordingsError("[1, 2]") == "r.jsonl:2: not a JSON object (a line holds a list)")
        #expect(recordingsError(good.replacingOccurrences(of: "\"r1\"", with: "7")) == "r.jsonl:2: field \"id\" is a number, expected a string")
        #expect(recordingsError(good.replacingOccurrences(of: "\"r1\"", with: "\"r2\"").replacingOccurrences(of: "\"sampling_rate\": 16000", with: "\"sampling_rate\": \"16000\""))
                == "r.jsonl:2: field \"sampling_rate\" is a string, expected an integer")
        #expect(recordingsError(good.replacingOccurrences(of: "\"r1\"", with: "\"r2\"").replacingOccurrences(of: "1.0", with: "-0.5"))
                == "r.jsonl:2: field \"duration\" is negative (-0.5)")
        #expect(recordingsError(good.replacingOccurrences(of: "\"r1\"", with: "\"r2\"").replacingOccurrences(of: "1.0", with: "NaN"))
                == "r.jsonl:2: field \"duration\" is NaN, not a finite number")
        #expect(recordingsError(good.replacingOccurrences(of: "\"r1\"", with: "\"r2\"").replacingOccurrences(of: "1.0", with: "1e999"))
                == "r.jsonl:2: field \"duration\" is 1e999, not a finite number")
        #expect(recordingsError(good.replacingOccurrences(of: "\"r1\"", with: "\"r2\"").replacingOccurrences(of: "\"file\"", with: "\"url\""))
                == "r.jsonl:2: field \"sources[0].type\" is \"url\"; only file and command sources are supported")
        #expect(recordingsError(good.replacingOccurrences(of: "\"r1\"", with: "\"r2\"").replacingOccurrences(of: "\"num_samples\": 16000", with: "\"num_samples\": 1.5"))
                == "r.jsonl:2: field \"num_samples\" is 1.5, not an integer")
        #expect(recordingsError(#"{"id": "r2", "id": "r3"}"#) == "r.jsonl:2: not a JSON object: duplicate key \"id\" at column 14")

        var bytes = Array((good + "\n").utf8) + [0x7B, 0x22, 0xFF, 0x22, 0x7D, 0x0A]
        #expect(throws: LhotseError("r.jsonl", line: 2, "not UTF-8 text")) { try LhotseManifest.parseRecordings(bytes, path: "r.jsonl") }
        bytes = Array("\n\(good)\r\n\n".utf8)   // blank lines skipped, CRLF accepted
        #expect(try LhotseManifest.parseRecordings(bytes, path: "r.jsonl").map(\.id) == ["r1"])

        func supervisionsError(_ text: String) -> String {
            do { _ = try LhotseManifest.parseSupervisions(Array(text.utf8), path: "s.jsonl", recordingIDs: ["r1"]); return "no error" }
            catch { return error.description }
        }
        let supervision = #"{"id": "s1", "recording_id": "r1", "start": 0.25, "duration": 0.5, "channel": 0, "speaker": "A"}"#
        #expect(supervisionsError(supervision) == "no error")
        #expect(supervisionsError(supervision + "\n" + supervision) == "s.jsonl:2: duplicate supervision id \"s1\" (first on line 1)")
        #expect(supervisionsError(supervision.replacingOccurrences(of: "0.5", with: "-0.5")) == "s.jsonl:1: field \"duration\" is negative (-0.5)")
        #expect(supervisionsError(supervision.replacingOccurrences(of: "\"r1\"", with: "\"r9\""))
                == "s.jsonl:1: supervision \"s1\" names recording \"r9\", which the recordings manifest does not hold")
        #expect(supervisionsError(supervision.replacingOccurrences(of: "\"A\"", with: "true")) == "s.jsonl:1: field \"speaker\" is a boolean, expected a string")
        #expect(supervisionsError(supervision.replacingOccurrences(of: "\"start\": 0.25, ", with: "")) == "s.jsonl:1: no field \"start\"")

        func cutsError(_ text: String) -> String {
            do { _ = try LhotseManifest.parseCuts(Array(text.utf8), path: "c.jsonl"); return "no error" } catch { return error.description }
        }
        let cut = #"{"id": "c1", "start": 0, "duration": 1.0, "channel": 0, "supervisions": [\#(supervision)], "recording": \#(good), "type": "MonoCut"}"#
        #expect(cutsError(cut) == "no error")
        #expect(try LhotseManifest.parseCuts(Array(cut.utf8), path: "c.jsonl").first?.supervisions.first?.speaker == "A")
        #expect(cutsError(cut.replacingOccurrences(of: "\"sampling_rate\": 16000", with: "\"sampling_rate\": null"))
                == "c.jsonl:1: no field \"recording.sampling_rate\"")
        #expect(cutsError(cut.replacingOccurrences(of: "\"recording_id\": \"r1\"", with: "\"recording_id\": \"r2\""))
                == "c.jsonl:1: supervision \"s1\" names recording \"r2\", not the cut's \"r1\"")
        #expect(cutsError(cut.replacingOccurrences(of: "\"channel\": 0, \"speaker\"", with: "\"channel\": [0, -1], \"speaker\""))
                == "c.jsonl:1: field \"supervisions[0].channel[1]\" is -1, less than 0")
        #expect(cutsError(cut.replacingOccurrences(of: "\"channel\": 0, \"supervisions\"", with: "\"channel\": 1, \"supervisions\""))
                == "c.jsonl:1: cut \"c1\" is on channel 1, which recording \"r1\" does not have")
        #expect(cutsError(cut.replacingOccurrences(of: "\"start\": 0, ", with: "\"start\": 0.5, "))
                == "c.jsonl:1: cut \"c1\" ends at 1.5 s, after the end of recording \"r1\" (1.0 s)")
        #expect(cutsError(cut.replacingOccurrences(of: "\"num_samples\": 16000", with: "\"num_samples\": 16002"))
                == "c.jsonl:1: field \"recording.duration\" is 1.0 s, but 16002 samples at 16000 Hz last 1.000125 s")
        #expect(cutsError(cut.replacingOccurrences(of: "MonoCut", with: "PaddingCut")) == "c.jsonl:1: cut type \"PaddingCut\" is not supported (only MonoCut)")
    }

    static let helloGzip: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xCB, 0x48, 0xCD, 0xC9, 0xC9, 0x57,
                                     0x48, 0xAF, 0xCA, 0x2C, 0xE0, 0x02, 0x00, 0x39, 0x7C, 0x63, 0x56, 0x0B, 0x00, 0x00, 0x00]

    /// gzip.compress(b"hello gzip\n", mtime=0): inflated whole; truncated,
    /// corrupt, and concatenated members.
    @Test func gzipWholeTruncatedCorrupt() throws {
        func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
            try bytes.withUnsafeBytes { try Gzip.inflate($0, path: "x.gz") }
        }
        #expect(try inflate(Self.helloGzip) == Array("hello gzip\n".utf8))
        #expect(try inflate(Self.helloGzip + Self.helloGzip) == Array("hello gzip\nhello gzip\n".utf8))
        // A bound on what it inflates to: exactly the contents pass, one byte less is refused.
        #expect(try Self.helloGzip.withUnsafeBytes { try Gzip.inflate($0, path: "x.gz", limit: 11) } == Array("hello gzip\n".utf8))
        #expect(throws: GzipError("x.gz", "inflates to more than 10 bytes, the most that is read into memory; split it into smaller files")) {
            try Self.helloGzip.withUnsafeBytes { try Gzip.inflate($0, path: "x.gz", limit: 10) }
        }
        #expect(throws: GzipError("x.gz", "truncated gzip data: the stream ends after 25 bytes, before its end")) {
            try inflate(Array(Self.helloGzip.prefix(25)))
        }
        var crc = Self.helloGzip
        crc[24] ^= 0xFF
        #expect(throws: GzipError("x.gz", "corrupt gzip data: incorrect data check")) { try inflate(crc) }
        #expect(throws: GzipError("x.gz", "corrupt gzip data: 3 bytes after the end of the stream")) { try inflate(Self.helloGzip + [1, 2, 3]) }
        #expect(throws: GzipError("x.gz", "not gzip data (no 1f 8b header)")) { try inflate([0x7B]) }

        // Through the manifest reader: a truncated .jsonl.gz names the file.
        let work = TestSupport.TemporaryDirectory()
        try Data(Self.helloGzip.prefix(20)).write(to: URL(fileURLWithPath: work.file("r.jsonl.gz")))
        #expect(throws: LhotseError(work.file("r.jsonl.gz"), line: nil, "truncated gzip data: the stream ends after 20 bytes, before its end")) {
            try LhotseManifest.readRecordings(work.file("r.jsonl.gz"))
        }
        #expect(throws: LhotseError(work.file("none.jsonl"), line: nil, "cannot open: No such file or directory")) {
            try LhotseManifest.readRecordings(work.file("none.jsonl"))
        }
    }
}
