import Foundation
import Testing
import VADShards
import _VADTestSupport

/// The Python the tests use (`TestSupport.python`), and its scripts.
enum TestPython {
    static var executable: String? { TestSupport.python }

    /// Runs `Pipelines/python/<script>` with `arguments`.
    static func script(_ script: String, _ arguments: [String]) throws -> TestSupport.Run {
        let python = try #require(executable, "no Python: run Pipelines/test.sh or set PYTHON")
        return try TestSupport.run(python, ["\(TestSupport.packageRoot)/Pipelines/python/\(script)"] + arguments)
    }
}

/// `vadprep export --kaldi`, run as the built executable; the Kaldi files are
/// read back with kaldiio (Pipelines/python/check_kaldi_export.py).
@Suite(.serialized) struct ExportCommandTests {
    static func extract(_ out: String) throws {
        let run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", out, "--quiet", "--jobs", "2", "--shard-size", "60k"])
        try #require(run.status == 0, "\(run.stderr)")
    }

    static func checkWithKaldiio(_ dataset: String, _ kaldi: String) throws {
        let check = try TestPython.script("check_kaldi_export.py", [dataset, kaldi])
        #expect(check.status == 0, "\(check.stderr)")
        let index = try DatasetIndex.read(from: dataset)
        #expect(check.stdout == "check_kaldi_export: \(index.utterances.count) utterances, \(index.statistics.frames) frames: features and labels equal the dataset's\n")
    }

    /// Features dataset (several shards) -> Kaldi: kaldiio reads back every
    /// matrix and label vector equal to the dataset's, through scp and ark.
    @Test(.enabled(if: TestPython.executable != nil, "needs the Python of Pipelines/test.sh (kaldiio)"))
    func featuresReadBackWithKaldiio() throws {
        let work = TestSupport.TemporaryDirectory()
        try Self.extract(work.file("dataset"))
        let run = try TestSupport.vadprep(["export", work.file("dataset"), "--kaldi", work.file("kaldi")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "exported 5 utterances, 800 frames of 40 features (132.2 kB) -> \(work.file("kaldi"))\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.file("kaldi")).sorted()
                == ["feats.ark", "feats.scp", "labels.ark", "labels.scp", "utt2num_frames"])
        try Self.checkWithKaldiio(work.file("dataset"), work.file("kaldi"))

        // The same dataset exported again: the same bytes.
        let again = try TestSupport.vadprep(["export", work.file("dataset"), "--kaldi", work.file("again"), "--quiet"])
        #expect(again.status == 0 && again.stdout.isEmpty)
        for name in ["feats.ark", "labels.ark", "utt2num_frames"] {
            #expect(FileManager.default.contentsEqual(atPath: work.file("kaldi/\(name)"), andPath: work.file("again/\(name)")))
        }
    }

    /// Speakers the input names (a Kaldi `utt2spk`) come out as `utt2spk`,
    /// sorted like the archives; a speaker that cannot be a Kaldi token (a
    /// Lhotse supervision's may hold a space) is refused, naming it.
    @Test func speakersBecomeUtt2spk() throws {
        let work = TestSupport.TemporaryDirectory()
        let data = work.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let corpus = TestSupport.fixture("corpus")
        try "rec-b \(corpus)/speech-8k.wav\nrec-a \(corpus)/speech-16k.wav\n".write(toFile: "\(data)/wav.scp", atomically: true, encoding: .utf8)
        try "rec-a spk-1\nrec-b spk-2\n".write(toFile: "\(data)/utt2spk", atomically: true, encoding: .utf8)
        let extract = try TestSupport.vadprep(["extract", data, "--out", work.file("dataset"), "--quiet", "--allow-unlabelled"])
        try #require(extract.status == 0, "\(extract.stderr)")
        let run = try TestSupport.vadprep(["export", work.file("dataset"), "--kaldi", work.file("kaldi"), "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try String(contentsOfFile: work.file("kaldi/utt2spk"), encoding: .utf8) == "rec-a spk-1\nrec-b spk-2\n")

        let recordings = work.file("recordings.jsonl"), supervisions = work.file("supervisions.jsonl")
        try #"{"id": "rec-a", "sources": [{"type": "file", "channels": [0], "source": "\#(corpus)/speech-16k.wav"}], "sampling_rate": 16000, "num_samples": 32000, "duration": 2.0, "channel_ids": [0]}"#
            .appending("\n").write(toFile: recordings, atomically: true, encoding: .utf8)
        try #"{"id": "sup-1", "recording_id": "rec-a", "start": 0.5, "duration": 0.5, "channel": 0, "speaker": "Ann Lee"}"#
            .appending("\n").write(toFile: supervisions, atomically: true, encoding: .utf8)
        let lhotse = try TestSupport.vadprep(["extract", recordings, "--supervisions", supervisions, "--out", work.file("lhotse"), "--quiet"])
        try #require(lhotse.status == 0, "\(lhotse.stderr)")
        let refused = try TestSupport.vadprep(["export", work.file("lhotse"), "--kaldi", work.file("kaldi-lhotse")])
        #expect(refused.status == 1)
        #expect(refused.stderr == "vadprep export: \(work.file("lhotse")): the speaker \"Ann Lee\" of utterance \"rec-a\" (row 0) cannot be a Kaldi speaker id: it holds white space or control characters\n")
        #expect(!FileManager.default.fileExists(atPath: work.file("kaldi-lhotse")))
    }

    /// Whole-utterance segments cut at --max-len: each piece is an utterance
    /// `ID-START-END` holding exactly its frames.
    @Test(.enabled(if: TestPython.executable != nil, "needs the Python of Pipelines/test.sh (kaldiio)"))
    func wholeSegmentsReadBackWithKaldiio() throws {
        let work = TestSupport.TemporaryDirectory()
        try Self.extract(work.file("dataset"))
        let segment = try TestSupport.vadprep(["segment", work.file("dataset"), "--out", work.file("whole"), "--mode", "whole", "--max-len", "0.7", "--quiet"])
        try #require(segment.status == 0, "\(segment.stderr)")
        let run = try TestSupport.vadprep(["export", work.file("whole"), "--kaldi", work.file("kaldi"), "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let frames = try String(contentsOfFile: work.file("kaldi/utt2num_frames"), encoding: .utf8)
        #expect(frames.hasPrefix("float-48k-0000000-0000070 70\nfloat-48k-0000070-0000140 70\nfloat-48k-0000140-0000150 10\n"))
        try Self.checkWithKaldiio(work.file("whole"), work.file("kaldi"))
    }

    /// Refusals: fixed-length segments, an occupied output directory, a
    /// directory that holds something else, a damaged shard, no dataset.
    @Test func badInputIsRefusedWithItsPath() throws {
        let work = TestSupport.TemporaryDirectory()
        let dataset = work.file("dataset"), kaldi = work.file("kaldi")
        try Self.extract(dataset)
        _ = try TestSupport.vadprep(["segment", dataset, "--out", work.file("fixed"), "--len", "1", "--quiet"])
        var run = try TestSupport.vadprep(["export", work.file("fixed"), "--kaldi", kaldi])
        #expect(run.status == 1)
        #expect(run.stderr == "vadprep export: \(work.file("fixed")): a fixed-length segments dataset (100 frames per row, padded) cannot be exported to Kaldi; export the features dataset it was cut from, or segments made with --mode whole\n")
        #expect(!FileManager.default.fileExists(atPath: kaldi))

        #expect(try TestSupport.vadprep(["export", dataset, "--kaldi", kaldi, "--quiet"]).status == 0)
        run = try TestSupport.vadprep(["export", dataset, "--kaldi", kaldi])
        #expect(run.status == 1)
        #expect(run.stderr == "vadprep export: \(kaldi): output directory is not empty; use --force to replace the Kaldi export in it\n")
        run = try TestSupport.vadprep(["export", dataset, "--kaldi", kaldi, "--force", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        try TestSupport.write("mine", to: "\(kaldi)/notes.txt")
        run = try TestSupport.vadprep(["export", dataset, "--kaldi", kaldi, "--force"])
        #expect(run.stderr == "vadprep export: \(kaldi): holds files that are not part of a Kaldi export; refusing to replace it\n")
        #expect(run.status == 1 && FileManager.default.fileExists(atPath: "\(kaldi)/feats.ark"))

        let shard = "\(dataset)/shard-00001.safetensors"
        let handle = try #require(FileHandle(forUpdatingAtPath: shard))
        try handle.seek(toOffset: 2000)
        try handle.write(contentsOf: Data([0x55, 0xAA]))
        try handle.close()
        run = try TestSupport.vadprep(["export", dataset, "--kaldi", work.file("other")])
        #expect(run.status == 1)
        #expect(run.stderr == "vadprep export: \(shard): SHA-256 does not match the index (the file is damaged); run vadprep verify\n")
        #expect(!FileManager.default.fileExists(atPath: work.file("other")))

        run = try TestSupport.vadprep(["export", dataset, "--kaldi", work.file("two\nlines")])
        #expect(run.status == 1 && run.stderr == "vadprep export: \(work.file("two\nlines")): a path with control characters or leading or trailing spaces cannot be named in an scp file\n")

        run = try TestSupport.vadprep(["export", work.file("nothing"), "--kaldi", work.file("other")])
        #expect(run.status == 1 && run.stderr == "vadprep export: \(work.file("nothing")): no such dataset directory\n")
    }
}
