import Foundation
import Testing
import VADShards
import _VADTestSupport

/// Datasets edited and then re-sealed (every SHA-256 recomputed, which anyone
/// can do: the hashes detect damage, not tampering). `verify` rejects each
/// one naming the file and the utterance or row; `segment`, `train`, `eval`,
/// `inspect`, `merge` and `export` refuse it (or, `inspect`, report it) with an exit
/// status, never a crash, and write nothing outside their output.
@Suite(.serialized) struct CraftedDatasetTests {
    /// A small real features dataset (several shards, raw frames), a fixed-length segments
    /// dataset cut from it with padded tails, and a model trained on that.
    final class Base {
        let work = TestSupport.TemporaryDirectory()
        var features: String { work.file("features") }
        var segments: String { work.file("segments") }
        var run: String { work.file("run") }

        init() throws {
            let extract = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", features, "--quiet",
                                                   "--shard-size", "100k", "--raw-frames"])
            #expect(extract.status == 0, "\(extract.stderr)")
            let segment = try TestSupport.vadprep(["segment", features, "--out", segments, "--mode", "fixed", "--len", "0.7", "--quiet"])
            #expect(segment.status == 0, "\(segment.stderr)")
            let train = try TestSupport.vadprep(["train", segments, "--model", "lstm", "--hidden", "4", "--epochs", "1",
                                                 "--batch", "4", "--out", run, "--quiet"])
            #expect(train.status == 0, "\(train.stderr)")
        }
    }

    /// One crafted dataset: how to make it from a copy, and what verify says.
    struct Case {
        var name: String
        var craft: (_ directory: String, _ work: String) throws -> Void
        /// What `vadprep verify` prints, after "vadprep verify: DIRECTORY/".
        var verify: String
    }


    /// Runs every command on `directory` and checks each refuses it cleanly.
    func expectRefusedEverywhere(_ directory: String, base: Base, name: String, verifyMessage: String) throws {
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: base.work.path))
        let verify = try TestSupport.vadprep(["verify", directory, "--quiet"])
        #expect(verify.status == 1 && !verify.signalled, "\(name): verify \(verify.status) \(verify.stderr)")
        #expect(verify.stderr.contains("vadprep verify: \(directory)/\(verifyMessage)"), "\(name): verify said \(verify.stderr)")

        let runs: [(String, [String], String)] = [
            ("segment", ["segment", directory, "--out", "\(directory)-seg", "--mode", "fixed", "--len", "0.5", "--quiet"], "\(directory)-seg"),
            ("train", ["train", directory, "--model", "lstm", "--hidden", "4", "--epochs", "1", "--batch", "4",
                       "--out", "\(directory)-run", "--quiet"], "\(directory)-run"),
            ("eval", ["eval", base.run, directory], ""),
            ("merge", ["merge", directory, "--out", "\(directory)-merged", "--quiet"], "\(directory)-merged"),
            ("export", ["export", directory, "--kaldi", "\(directory)-kaldi", "--quiet"], "\(directory)-kaldi"),
        ]
        for (command, arguments, output) in runs {
            let run = try TestSupport.vadprep(arguments)
            #expect((1...127).contains(run.status) && !run.signalled, "\(name): \(command) exited \(run.status): \(run.stderr)")
            #expect(run.stderr.contains(directory), "\(name): \(command) did not name the dataset: \(run.stderr)")
            if !output.isEmpty {
                #expect(!FileManager.default.fileExists(atPath: output), "\(name): \(command) left \(output) behind")
                try? FileManager.default.removeItem(atPath: output)
            }
        }
        let inspect = try TestSupport.vadprep(["inspect", directory, "--utterances"])
        #expect((0...127).contains(inspect.status) && !inspect.signalled, "\(name): inspect \(inspect.status) \(inspect.stderr)")
        if verifyMessage.hasPrefix("index.json: ") {
            // inspect reads only the index, and refuses one that contradicts itself.
            #expect(inspect.status == 1 && inspect.stdout.isEmpty, "\(name): inspect \(inspect.status) \(inspect.stderr)")
            #expect(inspect.stderr.contains("vadprep inspect: \(directory)/\(verifyMessage)"), "\(name): inspect said \(inspect.stderr)")
        }
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: base.work.path))
        #expect(after == before, "\(name): files appeared or vanished beside the dataset: \(after.symmetricDifference(before))")
    }

    @Test func craftedFeaturesDatasetsAreRefused() throws {
        let base = try Base()
        let index = try CraftedDataset.index(base.features)
        #expect(index.shards.count >= 2)
        let first = index.utterances[0], frames = first.frames, dim = index.featureDim
        let shard0 = index.shards[0].file
        let cases: [Case] = [
            Case(name: "parent", craft: { dir, work in
                try FileManager.default.copyItem(atPath: "\(dir)/\(shard0)", toPath: "\(work)/x.safetensors")
                try CraftedDataset.editIndex(dir) { $0.shards[0].file = "../x.safetensors" }
            }, verify: "index.json: shard 0 is named \"../x.safetensors\", which contains a path separator; a shard is a plain file inside the dataset"),
            Case(name: "absolute", craft: { dir, _ in try CraftedDataset.editIndex(dir) { $0.shards[0].file = "/etc/passwd" } },
                 verify: "index.json: shard 0 is named \"/etc/passwd\", which contains a path separator; a shard is a plain file inside the dataset"),
            Case(name: "subdirectory", craft: { dir, _ in
                try FileManager.default.createDirectory(atPath: "\(dir)/sub", withIntermediateDirectories: false)
                try FileManager.default.moveItem(atPath: "\(dir)/\(shard0)", toPath: "\(dir)/sub/x.safetensors")
                try CraftedDataset.editIndex(dir) { $0.shards[0].file = "sub/x.safetensors" }
            }, verify: "index.json: shard 0 is named \"sub/x.safetensors\", which contains a path separator; a shard is a plain file inside the dataset"),
            Case(name: "offset-past-end", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("utterance_offsets", as: Int64.self) { $0[$0.count - 1] += 1000 } }
            }, verify: "\(shard0): utterance_offsets[\(index.shards[0].utterances)] is \(index.shards[0].frames + 1000): utterance \(index.utterances[index.shards[0].utterances - 1].id) (row \(index.shards[0].utterances - 1)) has"),
            Case(name: "offset-negative", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("utterance_offsets", as: Int64.self) { $0[1] = -5 } }
            }, verify: "\(shard0): utterance_offsets[1] is -5: utterance \(first.id) (row 0) has \(frames) frames in the index, so expected \(frames)"),
            Case(name: "shape-lies", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { shard in
                    shard.tensors["features"]!.shape[0] -= 1
                    shard.tensors["features"]!.bytes.removeLast(dim * 4)
                }
            }, verify: "\(shard0): tensor \"features\" is F32 [\(index.shards[0].frames - 1), \(dim)], expected F32 [\(index.shards[0].frames), \(dim)]"),
            Case(name: "shape-disagrees-with-bytes", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.tensors["features"]!.shape[0] += 1 }
            }, verify: "\(shard0): tensor features: shape [\(index.shards[0].frames + 1), \(dim)] of F32 does not match its"),
            Case(name: "huge-shape", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.tensors["features"]!.shape = [1 << 40, 1 << 40, dim] }
            }, verify: "\(shard0): tensor features: shape [\(1 << 40), \(1 << 40), \(dim)] of F32 does not match its"),
            Case(name: "wrong-dtype", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { shard in
                    shard.tensors["labels"]!.dtype = .i16
                    shard.tensors["labels"]!.bytes = shard.tensors["labels"]!.bytes.flatMap { [$0, 0] }
                }
            }, verify: "\(shard0): tensor \"labels\" is I16 [\(index.shards[0].frames)], expected U8 [\(index.shards[0].frames)]"),
            Case(name: "nan-feature", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("features", as: Float.self) { $0[3 * dim + 2] = .nan } }
            }, verify: "\(shard0): utterance \(first.id) (row 0): feature 2 of frame 3 is nan, not a finite number"),
            Case(name: "label-7", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("labels", as: UInt8.self) { $0[5] = 7 } }
            }, verify: "\(shard0): utterance \(first.id) (row 0): label of frame 5 is 7, expected 0, 1 or 255"),
            Case(name: "index-lies-about-frames", craft: { dir, _ in
                try CraftedDataset.editIndex(dir) { index in
                    index.utterances[0].frames += 10
                    index.shards[0].frames += 10
                    index.statistics.frames += 10
                }
            }, verify: "\(shard0): utterance_offsets[1] is \(frames): utterance \(first.id) (row 0) has \(frames + 10) frames in the index, so expected \(frames + 10)"),
            Case(name: "waveform-offsets-decrease", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("waveform_offsets", as: Int64.self) { $0[1] = -1 } }
            }, verify: "\(shard0): waveform_offsets of row 0 (utterance \(first.id)) decrease, from 0 to -1"),
            Case(name: "waveform-offsets-past-end", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("waveform_offsets", as: Int64.self) { $0[$0.count - 1] += 1 << 40 } }
            }, verify: "\(shard0): waveform_offsets end at"),
            Case(name: "shard-listed-twice", craft: { dir, _ in
                try CraftedDataset.editIndex(dir) { $0.shards.append($0.shards[0]) }
            }, verify: "index.json: shard \(shard0) is listed twice (shards 0 and \(index.shards.count))"),
        ]
        for item in cases {
            let directory = base.work.file(item.name)
            try CraftedDataset.copy(base.features, to: directory)
            try item.craft(directory, base.work.path)
            try expectRefusedEverywhere(directory, base: base, name: item.name, verifyMessage: item.verify)
            try FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: base.work.file("x.safetensors"))
        }
        // The untouched dataset still passes everything.
        #expect(try TestSupport.vadprep(["verify", base.features, "--quiet"]).status == 0)
    }

    @Test func craftedSegmentsDatasetsAreRefused() throws {
        let base = try Base()
        let index = try CraftedDataset.index(base.segments)
        #expect(index.segments?.masked == true && index.segments?.isFixedLength == true)
        let first = index.utterances[0], shard0 = index.shards[0].file, dim = index.featureDim
        let cases: [Case] = [
            Case(name: "mask-2", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("mask", as: UInt8.self) { $0[4] = 2 } }
            }, verify: "\(shard0): utterance \(first.id) (row 0): mask of frame 4 is 2, expected 0 or 1"),
            Case(name: "segment-nan", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("features", as: Float.self) { $0[dim + 1] = -.infinity } }
            }, verify: "\(shard0): utterance \(first.id) (row 0): feature 1 of frame 1 is -inf, not a finite number"),
            Case(name: "segment-label-7", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("labels", as: UInt8.self) { $0[2] = 7 } }
            }, verify: "\(shard0): utterance \(first.id) (row 0): label of frame 2 is 7, expected 0, 1 or 255"),
            Case(name: "segment-start-frame", craft: { dir, _ in
                try CraftedDataset.editShard(dir, file: shard0) { $0.edit("start_frame", as: Int64.self) { $0[0] = -1 << 62 } }
            }, verify: "\(shard0): start_frame of row 0 (utterance \(first.id)) is \(-1 << 62), the index records \(first.startFrame ?? -1)"),
            Case(name: "segment-frames-too-many", craft: { dir, _ in
                try CraftedDataset.editIndex(dir) { index in
                    index.utterances[0].frames = Int.max / 2
                }
            }, verify: "index.json: utterance \(first.id) (row 0) has \(Int.max / 2) real frames in a segment of \(index.segments?.frames ?? 0)"),
        ]
        for item in cases {
            let directory = base.work.file(item.name)
            try CraftedDataset.copy(base.segments, to: directory)
            try item.craft(directory, base.work.path)
            try expectRefusedEverywhere(directory, base: base, name: item.name, verifyMessage: item.verify)
            try FileManager.default.removeItem(atPath: directory)
        }
        #expect(try TestSupport.vadprep(["verify", base.segments, "--quiet"]).status == 0)
    }

    /// The Python interpreter with numpy, safetensors and torch (`TestSupport.python`).
    static let python = TestSupport.python

    /// The Python readers make the same structural checks, with the same words.
    @Test(.enabled(if: python != nil, "needs VADPREP_PYTHON, PYTHON or .build-venv with numpy, safetensors and torch"))
    func pythonReadersRefuseCraftedDatasets() throws {
        let base = try Base()
        let python = try #require(Self.python)
        let scripts = "\(TestSupport.packageRoot)/Pipelines/python"
        let features = try CraftedDataset.index(base.features)
        let segments = try CraftedDataset.index(base.segments)
        let first = features.utterances[0], shard0 = features.shards[0].file

        let traversal = base.work.file("py-traversal")
        try CraftedDataset.copy(base.features, to: traversal)
        try CraftedDataset.editIndex(traversal) { $0.shards[0].file = "../\(shard0)" }
        let lying = base.work.file("py-lying")
        try CraftedDataset.copy(base.features, to: lying)
        try CraftedDataset.editIndex(lying) { index in
            index.utterances[0].frames += 10
            index.shards[0].frames += 10
            index.statistics.frames += 10
        }
        let lyingSegments = base.work.file("py-lying-segments")
        try CraftedDataset.copy(base.segments, to: lyingSegments)
        try CraftedDataset.editShard(lyingSegments, file: segments.shards[0].file) { shard in
            shard.tensors["labels"]!.shape = [shard.tensors["labels"]!.bytes.count]
        }
        let runs: [([String], String)] = [
            (["check_shards.py", traversal],
             "check_shards: FAILED: \(traversal)/index.json: shard 0 is named '../\(shard0)', which contains a path separator; a shard is a plain file inside the dataset\n"),
            (["compare_datasets.py", traversal, base.features],
             "compare_datasets: \(traversal)/index.json: shard 0 is named '../\(shard0)', which contains a path separator; a shard is a plain file inside the dataset\n"),
            (["check_shards.py", lying],
             "check_shards: FAILED: \(lying)/\(shard0): utterance_offsets[1] is \(first.frames): utterance \(first.id) (row 0) has \(first.frames + 10) frames in the index, so expected \(first.frames + 10)\n"),
            (["torch_segments.py", lyingSegments],
             "torch_segments: \(lyingSegments)/\(segments.shards[0].file): tensor \"labels\" is uint8 [\(segments.shards[0].utterances * (segments.segments?.frames ?? 0))], expected uint8 [\(segments.shards[0].utterances), \(segments.segments?.frames ?? 0)]\n"),
        ]
        for (arguments, message) in runs {
            let run = try TestSupport.run(python, ["\(scripts)/\(arguments[0])"] + arguments.dropFirst())
            #expect(run.status == 1 && run.stderr == message, "\(arguments): \(run.status) \(run.stderr)")
        }
        let good = try TestSupport.run(python, ["\(scripts)/check_shards.py", base.features])
        #expect(good.status == 0, "\(good.stderr)")
    }
}
