import Foundation
import Testing
import VADPipeline
import _VADTestSupport

/// Reading a Kaldi data directory: its tables, their order, and every error.
@Suite struct KaldiDataDirectoryTests {
    /// A data directory holding `files` (name -> text).
    static func directory(_ files: [String: String]) throws -> TestSupport.TemporaryDirectory {
        let work = TestSupport.TemporaryDirectory()
        for (name, text) in files { try TestSupport.write(text, to: work.file(name)) }
        return work
    }

    static func read(_ files: [String: String], allowCommands: Bool = false) throws -> KaldiDataDirectory {
        let work = try directory(files)
        return try KaldiDataDirectory.read(work.path, allowCommands: allowCommands)
    }

    /// The error reading `files` gives, with the directory's path replaced by "DIR".
    static func error(_ files: [String: String], allowCommands: Bool = false) throws -> String {
        let work = try directory(files)
        do {
            _ = try KaldiDataDirectory.read(work.path, allowCommands: allowCommands)
            return "no error"
        } catch {
            return error.description.replacingOccurrences(of: work.path, with: "DIR")
        }
    }

    /// Unsorted tables come back in C-locale (byte) order: upper case before
    /// lower case, "a-1" before "a_1", whatever the locale.
    @Test func unsortedFilesAreReadInByteOrder() throws {
        let data = try Self.read([
            "wav.scp": "b x/b.wav\nB x/B.wav\n\na_1 x/a_1.wav\na-1   x/a-1.wav\r\n",
            "segments": "s2 b 1.5 -1\ns1 a-1 0 0.5\ns10 b 0.25 1\n",
            "utt2spk": "s1 alice\ns2 bob\n",
            "reco2dur": "b 2.5\n",
        ])
        #expect(data.recordings.map(\.id) == ["B", "a-1", "a_1", "b"])
        #expect(data.recordings.map(\.entry) == ["x/B.wav", "x/a-1.wav", "x/a_1.wav", "x/b.wav"])
        #expect(data.recordings.map(\.line) == [2, 5, 4, 1])
        #expect(data.segments?.map(\.id) == ["s1", "s10", "s2"])
        #expect(data.segments?.map(\.end) == [0.5, 1, nil])
        #expect(data.speakers == ["s1": "alice", "s2": "bob"])
        #expect(data.durations["b"]?.seconds == 2.5)
        #expect(data.files == ["reco2dur", "segments", "utt2spk", "wav.scp"])
    }

    @Test func pipedLines() throws {
        let files = ["wav.scp": "r1 a.wav\nr2 flac -c -d -s f.flac |\n"]
        let data = try Self.read(files, allowCommands: true)
        #expect(data.recordings[1].audio == .command("flac -c -d -s f.flac", file: data.directory + "/wav.scp", line: 2))
        #expect(data.recordings[0].audio == .file("a.wav"))
        #expect(try Self.error(files) == "DIR/wav.scp:2: recording \"r2\" is read through a command (\"flac -c -d -s f.flac |\"); running commands named in a data file needs --allow-commands")
        #expect(try Self.error(["wav.scp": "r1 |\n"], allowCommands: true) == "DIR/wav.scp:1: recording \"r1\": the command before \"|\" is empty")
    }

    /// speakers from spk2utt when there is no utt2spk.
    @Test func spk2utt() throws {
        let data = try Self.read(["wav.scp": "r a.wav\n", "spk2utt": "bob u2 u3\nalice u1\n"])
        #expect(data.speakers == ["u1": "alice", "u2": "bob", "u3": "bob"])
        #expect(data.files == ["spk2utt", "wav.scp"])
    }

    @Test(arguments: [
        (["segments": "s a 0 1\n"], "DIR: is not a Kaldi data directory (no wav.scp)"),
        (["wav.scp": "\n\n"], "DIR/wav.scp: lists no recordings"),
        (["wav.scp": "a x.wav\nb\n"], "DIR/wav.scp:2: expected \"<recording-id> <path>\" or \"<recording-id> <command> |\", found \"b\""),
        (["wav.scp": "a x.wav extra\n"], "DIR/wav.scp:1: expected \"<recording-id> <path>\" or \"<recording-id> <command> |\", found \"a x.wav extra\""),
        (["wav.scp": "a x.wav\nb y.wav\na z.wav\n"], "DIR/wav.scp:3: duplicate recording id \"a\" (also on line 1)"),
        (["wav.scp": "a x.wav\n", "segments": "s a 0 1\ns b 0 1\n"], "DIR/segments:2: recording \"b\" is not in wav.scp"),
        (["wav.scp": "a x.wav\n", "segments": "s a 1.5 1.2\n"], "DIR/segments:1: end time 1.2 is before start time 1.5"),
        (["wav.scp": "a x.wav\n", "segments": "s a 0 1\ns a 1 2\n"], "DIR/segments:2: duplicate segment id \"s\" (also on line 1)"),
        (["wav.scp": "a x.wav\n", "segments": "s a 0\n"], "DIR/segments:1: expected \"<segment-id> <recording-id> <start> <end>\", found \"s a 0\""),
        (["wav.scp": "a x.wav\n", "segments": "s a zero 1\n"], "DIR/segments:1: start time is not a number: \"zero\""),
        (["wav.scp": "a x.wav\n", "segments": "s a -0.5 1\n"], "DIR/segments:1: start time -0.5 is negative"),
        (["wav.scp": "a x.wav\n", "segments": "s a 0 -2\n"], "DIR/segments:1: end time -2 is negative"),
        (["wav.scp": "a x.wav\n", "segments": "s a 0 1e300\n"], "DIR/segments:1: end time 1e300 is beyond 10000000 s"),
        (["wav.scp": "a x.wav\n", "utt2spk": "u1 s1\nu1 s2\n"], "DIR/utt2spk:2: duplicate utterance id \"u1\" (also on line 1)"),
        (["wav.scp": "a x.wav\n", "utt2spk": "u1\n"], "DIR/utt2spk:1: expected \"<utterance-id> <speaker-id>\", found \"u1\""),
        (["wav.scp": "a x.wav\n", "spk2utt": "s1 u1\ns2 u1\n"], "DIR/spk2utt:2: duplicate utterance id \"u1\" (also on line 1)"),
        (["wav.scp": "a x.wav\n", "reco2dur": "b 1.0\n"], "DIR/reco2dur:1: recording \"b\" is not in wav.scp"),
        (["wav.scp": "a x.wav\n", "reco2dur": "a 1.0 2.0\n"], "DIR/reco2dur:1: expected \"<recording-id> <seconds>\", found \"a 1.0 2.0\""),
    ])
    func errors(files: [String: String], message: String) throws {
        #expect(try Self.error(files) == message)
    }

    @Test func nonUTF8() throws {
        let work = TestSupport.TemporaryDirectory()
        var bytes = Array("a x.wav\nb y.wav\nc ".utf8) + [0xE9] + Array(".wav\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: work.file("wav.scp")))
        #expect(throws: InputError(work.file("wav.scp"), line: 3, "is not UTF-8 text")) {
            _ = try KaldiDataDirectory.read(work.path, allowCommands: false)
        }
        bytes = Array("a x.wav\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: work.file("wav.scp")))
        try Data([0x73, 0x20, 0xFF, 0x0A]).write(to: URL(fileURLWithPath: work.file("utt2spk")))
        #expect(throws: InputError(work.file("utt2spk"), line: 1, "is not UTF-8 text")) {
            _ = try KaldiDataDirectory.read(work.path, allowCommands: false)
        }
    }

    /// By default each recording is an utterance and `segments` gives its
    /// speech regions (none for a recording without segments); a recording's
    /// speaker is its own utt2spk entry or the one speaker of its segments.
    @Test func recordingsAsUtterances() throws {
        let work = try Self.directory([
            "wav.scp": "r2 b.wav\nr1 a.wav\nr3 c.wav\n",
            "segments": "r1-2 r1 1.0 -1\nr1-1 r1 0.2 0.5\nr2-1 r2 0 1\n",
            "utt2spk": "r1-1 ann\nr1-2 ann\nr2-1 ben\nr3 cat\n",
        ])
        var options = ExtractOptions()
        options.input = InputOptions()
        options.input?.kind = .kaldi
        let source = try CorpusSource.open(work.path, options: options)
        #expect(source.kind == .kaldi)
        #expect(source.items.map(\.id) == ["r1", "r2", "r3"])
        #expect(source.items.map(\.speaker) == ["ann", "ben", "cat"])
        #expect(source.items[0].regions == CorpusItem.Regions(segments: [
            LabeledSegment(start: 0.2, end: 0.5, label: "", line: 2), LabeledSegment(start: 1.0, end: .infinity, label: "", line: 1),
        ], file: work.file("segments")))
        #expect(source.items[2].regions?.segments == [])
        #expect(source.items.map(\.cut) == [nil, nil, nil])
        #expect(source.record?.kind == "kaldi")
        #expect(source.record?.manifests.map(\.file) == ["segments", "utt2spk", "wav.scp"])
        #expect(source.record?.manifests.allSatisfy { $0.sha256.count == 64 } == true)
    }

    /// With `--kaldi-utterances segments`, each segment is an utterance cut
    /// from its recording, with no regions of its own.
    @Test func segmentsAsUtterances() throws {
        let work = try Self.directory(["wav.scp": "r1 a.wav\n", "segments": "r1-b r1 1.0 -1\nr1-a r1 0.2 0.5\n"])
        var options = ExtractOptions()
        options.input = InputOptions()
        options.input?.kaldiUtterances = .segments
        let source = try CorpusSource.open(work.path, options: options)
        #expect(source.items.map(\.id) == ["r1-a", "r1-b"])
        #expect(source.items.map(\.recording) == ["r1", "r1"])
        #expect(source.items.map(\.cut) == [CorpusItem.Cut(start: 0.2, end: 0.5, file: work.file("segments"), line: 2),
                                            CorpusItem.Cut(start: 1.0, end: nil, file: work.file("segments"), line: 1)])
        #expect(source.items.allSatisfy { $0.regions == nil })

        let bare = try Self.directory(["wav.scp": "r1 a.wav\n"])
        #expect(throws: InputError(bare.path, "--kaldi-utterances segments needs a segments file, and this data directory has none")) {
            _ = try CorpusSource.open(bare.path, options: options)
        }
    }

    /// How the input kind is recognised without --input.
    @Test func detection() throws {
        let kaldi = try Self.directory(["wav.scp": "a x.wav\n"])
        let plain = try Self.directory(["a.wav": ""])
        #expect(CorpusSource.detect(kaldi.path) == .kaldi)
        #expect(CorpusSource.detect(plain.path) == .dir)
        #expect(CorpusSource.detect("cuts.jsonl.gz") == .lhotse)
        #expect(CorpusSource.detect("cuts.jsonl") == .lhotse)
        #expect(throws: InputError("cuts.jsonl", "cannot open: No such file or directory (the manifest cannot be read, so nothing is extracted)")) {
            _ = try CorpusSource.open("cuts.jsonl", options: ExtractOptions())
        }
    }
}
