import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `extract --raw-frames` stores a shard's waveform as int16 when every
/// sample of it is a whole number in int16's range, float32 otherwise; the
/// two hold the same values, every reader (Swift and Python) reads both, and
/// datasets of format version 1 (float32 only) still read.
@Suite(.serialized) struct RawFramesInt16Tests {
    static let python = TestSupport.python

    /// Four copies of the 16-bit 16 kHz fixture (int16 exact) around the
    /// 8 kHz µ-law one (resampled: float32) and the stereo 24-bit FLAC
    /// (mixed down and resampled: float32).
    static func corpus(in work: TestSupport.TemporaryDirectory) throws -> String {
        let corpus = work.file("corpus"), manager = FileManager.default
        try manager.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        for k in 0..<4 {
            try manager.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.wav"), toPath: "\(corpus)/a\(k).wav")
            try manager.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.txt"), toPath: "\(corpus)/a\(k).txt")
        }
        for name in ["speech-8k.wav", "speech-8k.lab", "stereo-44k.flac", "stereo-44k.rttm"] {
            try manager.copyItem(atPath: TestSupport.fixture("corpus/\(name)"), toPath: "\(corpus)/\(name)")
        }
        return corpus
    }

    static func extract(_ corpus: String, _ out: String, _ extra: [String]) throws {
        let run = try TestSupport.vadprep(["extract", corpus, "--out", out, "--raw-frames", "--quiet"] + extra)
        try #require(run.status == 0, "\(run.stderr)")
    }

    /// One utterance a shard: the 16 kHz recordings' shards are int16, the
    /// others float32; one shard for all: float32 (a float32 member decides).
    /// Every utterance reads the same values either way, and the bytes do not
    /// depend on --jobs.
    @Test func int16ShardsHoldWhatFloat32ShardsHold() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work)
        try Self.extract(corpus, work.file("small"), ["--shard-size", "1k", "--jobs", "1"])
        try Self.extract(corpus, work.file("small2"), ["--shard-size", "1k", "--jobs", "2"])
        try Self.extract(corpus, work.file("one"), ["--jobs", "2"])

        let small = try Dataset(directory: work.file("small")), one = try Dataset(directory: work.file("one"))
        #expect(small.index.formatVersion == 2)
        #expect(small.index.shards.map(\.waveformDtype) == ["I16", "I16", "I16", "I16", "F32", "F32"])
        #expect(one.index.shards.map(\.waveformDtype) == ["F32"])
        for number in small.index.shards.indices {
            #expect(try small.shard(number).waveform().dtype.rawValue == small.index.shards[number].waveformDtype)
        }
        let ids = small.index.utterances.map(\.id)
        #expect(ids == ["a0", "a1", "a2", "a3", "speech-8k", "stereo-44k"])
        #expect(one.index.utterances.map(\.id) == ids)
        for number in ids.indices {
            let a = try small.utterance(number), b = try one.utterance(number)
            #expect(Array(a.features) == Array(b.features) && Array(a.labels) == Array(b.labels), "\(ids[number])")
            #expect(a.waveform != nil && a.waveform?.floats == b.waveform?.floats, "waveform of \(ids[number])")
        }
        // The int16 samples are those of the 16-bit file (at the int16 scale).
        let first = try small.utterance(0)
        let stored = try #require(first.waveform)
        let raw = try #require(small.index.rawFrames)
        #expect(stored.dtype == .i16 && stored[raw.leftPadding..<stored.count].floats.contains { $0 != 0 })

        let a = try ExtractCommandTests.contents(work.file("small")), b = try ExtractCommandTests.contents(work.file("small2"))
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, bytes) in a { #expect(bytes == b[name], "\(name) differs between --jobs 1 and --jobs 2") }
        // int16: 2 bytes a sample on disk.
        let info = try small.shard(0).info("waveform")
        #expect(info.dataOffsets.count == 2 * stored.count && info.shape == [stored.count])

        // Whatever the type, verify checks it and segment reads it.
        for name in ["small", "one"] {
            let verify = try TestSupport.vadprep(["verify", work.file(name)])
            #expect(verify.status == 0, "\(verify.stderr)")
        }
        let segmentsOfSmall = try TestSupport.vadprep(["segment", work.file("small"), "--out", work.file("seg-small"), "--mode", "whole", "--quiet"])
        let segmentsOfOne = try TestSupport.vadprep(["segment", work.file("one"), "--out", work.file("seg-one"), "--mode", "whole", "--quiet"])
        #expect(segmentsOfSmall.status == 0 && segmentsOfOne.status == 0, "\(segmentsOfSmall.stderr) \(segmentsOfOne.stderr)")
        // Segments store float32 whatever their source stored: the same rows from either.
        let x = try Dataset(directory: work.file("seg-small")), y = try Dataset(directory: work.file("seg-one"))
        #expect(x.index.utterances.count == y.index.utterances.count && !x.index.utterances.isEmpty)
        for number in x.index.utterances.indices {
            let p = try x.utterance(number), q = try y.utterance(number)
            #expect(p.waveform?.dtype == .f32 && p.waveform?.floats == q.waveform?.floats, "segment \(number)")
        }
    }

    /// A raw-waveform model reads int16 shards as it reads float32 ones:
    /// trained on one, it scores the int16 dataset exactly as the float32
    /// dataset of the same audio, and trains on int16 utterances directly.
    @Test func rawWaveformModelsReadBothTypes() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work)
        try Self.extract(corpus, work.file("small"), ["--shard-size", "1k"])
        try Self.extract(corpus, work.file("one"), [])
        let train = try TestSupport.vadprep(["train", work.file("small"), "--model", "cdnn-raw", "--epochs", "1",
                                             "--threads", "1", "--out", work.file("run"), "--quiet"])
        try #require(train.status == 0, "\(train.stderr)")
        let a = try TestSupport.vadprep(["eval", work.file("run"), work.file("small"), "--json"])
        let b = try TestSupport.vadprep(["eval", work.file("run"), work.file("one"), "--json"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        func metrics(_ text: String) throws -> [String: JSONValue] {
            let object = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            guard case .object(var members) = object else { return [:] }
            members["dataset"] = nil
            return members
        }
        #expect(!a.stdout.isEmpty)
        #expect(try metrics(a.stdout) == metrics(b.stdout), "\(a.stdout)\n\(b.stdout)")
    }

    /// The Python readers read both types, and the README's strided view of
    /// raw frames gives the same frames from an int16 shard and a float32 one.
    @Test(.enabled(if: python != nil, "needs VADPREP_PYTHON, PYTHON or .build-venv with numpy"))
    func pythonReadsBothTypes() throws {
        let python = try #require(Self.python)
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work)
        try Self.extract(corpus, work.file("small"), ["--shard-size", "1k"])
        try Self.extract(corpus, work.file("one"), [])
        let scripts = "\(TestSupport.packageRoot)/Pipelines/python"
        for name in ["small", "one"] {
            let check = try TestSupport.run(python, ["\(scripts)/check_shards.py", work.file(name)])
            #expect(check.status == 0, "\(name): \(check.stderr)")
        }
        let program = """
            import sys; sys.path.insert(0, sys.argv[1])
            import numpy as np
            from numpy.lib.stride_tricks import as_strided
            from vadprep.dataset import read_index, load_shard, waveform_dtype
            def frames(directory):
                index, out, types = read_index(directory), {}, []
                raw = index["raw_frames"]
                for number in range(len(index["shards"])):
                    tensors, ids = load_shard(directory, index, number)
                    assert tensors["waveform"].dtype == waveform_dtype(index, number)
                    types.append(str(tensors["waveform"].dtype))
                    for row, id in enumerate(ids):
                        u = [u for u in index["utterances"] if u["id"] == id][0]
                        w = tensors["waveform"][tensors["waveform_offsets"][row]:tensors["waveform_offsets"][row + 1]]
                        view = as_strided(w[raw["first"]:], (u["frames"], raw["length"]), (raw["hop"] * w.itemsize, w.itemsize), writeable=False)
                        out[id] = view.astype(np.float32)
                return out, types
            a, ta = frames(sys.argv[2]); b, tb = frames(sys.argv[3])
            assert sorted(a) == sorted(b) and len(a) == 6
            assert all(np.array_equal(a[k], b[k]) for k in a)
            print(" ".join(ta), "|", " ".join(tb))
            """
        let run = try TestSupport.run(python, ["-c", program, scripts, work.file("small"), work.file("one")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "int16 int16 int16 int16 float32 float32 | float32\n")
    }

    /// A dataset of format version 1 (float32 waveforms, no waveform type in
    /// the index) still reads; one that claims version 1 but holds int16 is refused.
    @Test func formatVersion1StillReads() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.corpus(in: work)
        try Self.extract(corpus, work.file("v2"), ["--shard-size", "1k"])
        try Self.extract(corpus, work.file("float"), [])
        // The old layout: the float32 dataset, its index as version 1 wrote it.
        let old = work.file("v1")
        try CraftedDataset.copy(work.file("float"), to: old)
        try CraftedDataset.editIndex(old) { index in
            index.formatVersion = 1
            for number in index.shards.indices { index.shards[number].waveformDtype = nil }
        }
        let text = try String(contentsOfFile: "\(old)/index.json", encoding: .utf8)
        #expect(text.contains("\"format_version\" : 1") && !text.contains("waveform_dtype"))
        let verify = try TestSupport.vadprep(["verify", old])
        #expect(verify.status == 0, "\(verify.stderr)")
        let v1 = try Dataset(directory: old), v2 = try Dataset(directory: work.file("v2"))
        for number in v1.index.utterances.indices {
            #expect(try v1.utterance(number).waveform?.floats == v2.utterance(number).waveform?.floats)
        }
        let segment = try TestSupport.vadprep(["segment", old, "--out", work.file("seg"), "--quiet"])
        #expect(segment.status == 0, "\(segment.stderr)")
        if let python = Self.python {
            let check = try TestSupport.run(python, ["\(TestSupport.packageRoot)/Pipelines/python/check_shards.py", old])
            #expect(check.status == 0, "\(check.stderr)")
        }

        // Copies of the version 2 dataset with the index edited, verified.
        func verifyEdited(_ name: String, _ edit: (inout DatasetIndex) -> Void) throws -> (path: String, run: TestSupport.Run) {
            let path = work.file(name)
            try CraftedDataset.copy(work.file("v2"), to: path)
            try CraftedDataset.editIndex(path, edit)
            return (path, try TestSupport.vadprep(["verify", path]))
        }
        // Version 1 with an int16 shard: refused, naming the shard.
        let (lying, refused) = try verifyEdited("lying") { $0.formatVersion = 1 }
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(lying)/index.json: shard shard-00000.safetensors records an int16 waveform, which only features datasets of format version 2 or later store"), "\(refused.stderr)")
        let (unrecorded, wrongType) = try verifyEdited("unrecorded") { index in
            index.formatVersion = 1
            for number in index.shards.indices { index.shards[number].waveformDtype = nil }
        }
        let samples = try Dataset(directory: work.file("v2")).shard(0).info("waveform").shape[0]
        #expect(wrongType.status == 1)
        #expect(wrongType.stderr.contains("\(unrecorded)/shard-00000.safetensors: tensor \"waveform\" is I16 [\(samples)], expected F32 [samples]"), "\(wrongType.stderr)")
        let (future, tooNew) = try verifyEdited("future") { $0.formatVersion = 3 }
        #expect(tooNew.status == 1)
        #expect(tooNew.stderr.contains("\(future)/index.json: format version 3 is not supported (this vadprep reads versions 1 to 2)"), "\(tooNew.stderr)")
    }
}
