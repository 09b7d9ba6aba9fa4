import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `DatasetChecker`, on a two-utterance features dataset built here: the
/// index against itself, shard names, shard headers against the index, values.
@Suite struct DatasetCheckerTests {
    /// Utterance "a" (3 frames) and "b" (2 frames), 2 features, in one shard.
    @discardableResult
    static func makeDataset(in directory: String, features: [Float]? = nil, labels: [UInt8] = [0, 1, 1, 255, 0]) throws -> DatasetIndex {
        let values = features ?? (0..<10).map(Float.init)
        let writer = ShardWriter(directory: directory, fileName: "shard-00000.safetensors", tensors: [
            TensorSpec(ShardMetadata.utteranceOffsets, .i64), TensorSpec(ShardMetadata.features, .f32, rowShape: [2]),
            TensorSpec(ShardMetadata.labels, .u8),
        ])
        try writer.append(0, [Int64(0), 3, 5])
        try writer.append(1, values)
        try writer.append(2, labels)
        let written = try writer.finish(metadata: [ShardMetadata.utterances: ShardMetadata.encodeUtteranceIDs(["a", "b"])])
        var statistics = FeatureStatistics(dimension: 2)
        statistics.frames = 5
        let utterances = [("a", 0, 3), ("b", 1, 2)].map { id, row, frames in
            UtteranceRecord(id: id, source: "\(id).wav", labelSource: nil, shard: 0, row: row, frames: frames,
                            durationSeconds: 0.01 * Double(frames), speechFraction: nil, sourceSampleRate: 16000, sourceChannels: 1)
        }
        let index = DatasetIndex(kind: "features", vadprepVersion: "test", options: .object([:]), featureDim: 2, featureNames: ["x", "y"],
                                 frameShiftSeconds: 0.01, sampleRate: 16000, rawFrames: nil, statistics: statistics,
                                 shards: [ShardRecord(file: written.file, bytes: written.bytes, sha256: written.sha256, utterances: 2, frames: 5)],
                                 utterances: utterances, failures: [])
        try index.write(to: directory)
        return index
    }

    @Test func consistentDatasetOpens() throws {
        let directory = TestSupport.TemporaryDirectory()
        let index = try Self.makeDataset(in: directory.path)
        #expect(DatasetChecker.problems(in: index, path: "i").isEmpty)
        let dataset = try Dataset(directory: directory.path)
        try dataset.checkValues()
        let b = try dataset.utterance(1)
        #expect(Array(b.features) == [6, 7, 8, 9] && Array(b.labels) == [255, 0])
    }

    /// Each self-contradiction of an index, and the words naming it.
    @Test(arguments: [
        ("negative frames", "utterance a (row 0) has -3 frames"),
        ("missing shard", "utterance b names shard 4, which does not exist"),
        ("row gap", "utterance b is row 2 of shard 0, expected row 1"),
        ("frame sums", "shard shard-00000.safetensors is recorded with 2 utterances and 6 frames, but its utterances add up to 2 and 5"),
        ("feature names", "feature dimension 2 does not match the statistics or feature names"),
        ("listed twice", "shard shard-00000.safetensors is listed twice (shards 0 and 1)"),
        ("bad digest", "shard shard-00000.safetensors has no valid SHA-256 (64 lowercase hex digits)"),
        ("overflow", "the utterances' frames add up to more than fits in memory"),
        ("raw layout", "raw frame layout (length 400, hop 0, first 0, padding 0) is not possible"),
        ("nan statistics", "statistics hold a value that is not finite"),
        ("fixed without frames", "fixed-length segments need a positive frame count, not none"),
        ("huge shard", "shard shard-00000.safetensors holds more data than fits in memory"),
    ])
    func indexContradictionsAreNamed(edit: String, message: String) throws {
        let directory = TestSupport.TemporaryDirectory()
        var index = try Self.makeDataset(in: directory.path)
        switch edit {
        case "negative frames": index.utterances[0].frames = -3
        case "missing shard": index.utterances[1].shard = 4
        case "row gap": index.utterances[1].row = 2
        case "frame sums": index.shards[0].frames = 6
        case "feature names": index.featureNames = ["x"]
        case "listed twice": index.shards.append(index.shards[0])
        case "bad digest": index.shards[0].sha256 = "../../etc"
        case "overflow": (index.utterances[0].frames, index.utterances[1].frames) = (Int.max, Int.max)
        case "raw layout": index.rawFrames = RawFrameLayout(length: 400, hop: 0, first: 0, leftPadding: 0)
        case "nan statistics": index.statistics.mean[1] = .nan
        case "fixed without frames":
            index.kind = "segments"
            index.segments = SegmentInfo(mode: "fixed", layout: "fixed", frames: nil, masked: false, epochs: 1, dropped: 0,
                                         split: nil, sourceIndexSha256: "")
            for u in index.utterances.indices { index.utterances[u].startFrame = 0 }
        case "huge shard":
            (index.utterances[0].frames, index.utterances[1].frames) = (Int.max / 4, 0)
            (index.shards[0].frames, index.statistics.frames) = (Int.max / 4, Int.max / 4)
        default: Issue.record("unknown edit \(edit)")
        }
        let problems = DatasetChecker.problems(in: index, path: "i")
        #expect(problems.contains(ShardError("i", message)), "\(problems)")
        // Written out and re-sealed, the dataset does not open (JSON has no NaN).
        guard edit != "nan statistics" else { return }
        try index.write(to: directory.path)
        #expect(throws: ShardError.self) { try Dataset(directory: directory.path) }
    }

    /// A shard name in an index is a plain `.safetensors` file in the dataset.
    @Test(arguments: [
        ("../x.safetensors", "which contains a path separator"),
        ("/etc/passwd", "which contains a path separator"),
        ("sub/x.safetensors", "which contains a path separator"),
        ("..\\x.safetensors", "which contains a path separator"),
        ("", "which is empty"),
        (".hidden.safetensors", "which is hidden or a relative path"),
        ("x.bin", "which does not end in .safetensors"),
        ("x\n.safetensors", "which contains a control character"),
    ])
    func shardNamesAreRefusedWhenDecoded(name: String, why: String) throws {
        let directory = TestSupport.TemporaryDirectory()
        var index = try Self.makeDataset(in: directory.path)
        index.shards[0].file = name
        let path = directory.file("index.json")
        let data = Data(try index.encoded())
        let quoted = String(decoding: try JSONEncoder().encode(name), as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
        #expect(throws: ShardError(path, "shard 0 is named \(quoted), \(why); a shard is a plain file inside the dataset")) {
            try DatasetIndex.decode(data, path: path)
        }
    }

    /// A shard whose header disagrees with the index is refused when opened.
    @Test func shardHeaderAgainstIndex() throws {
        let directory = TestSupport.TemporaryDirectory()
        try Self.makeDataset(in: directory.path)
        try CraftedDataset.editShard(directory.path, file: "shard-00000.safetensors") { shard in
            shard.edit(ShardMetadata.utteranceOffsets, as: Int64.self) { $0[2] = 4 }
        }
        let dataset = try Dataset(directory: directory.path)
        #expect(throws: ShardError(directory.file("shard-00000.safetensors"),
                                   "utterance_offsets[2] is 4: utterance b (row 1) has 2 frames in the index, so expected 5")) {
            try dataset.openAll()
        }
    }

    @Test(arguments: [
        (Float.nan, UInt8(0), "utterance b (row 1): feature 1 of frame 0 is nan, not a finite number"),
        (Float.infinity, UInt8(0), "utterance b (row 1): feature 1 of frame 0 is inf, not a finite number"),
        (Float(1), UInt8(7), "utterance b (row 1): label of frame 1 is 7, expected 0, 1 or 255"),
    ])
    func valuesAreChecked(feature: Float, label: UInt8, message: String) throws {
        let directory = TestSupport.TemporaryDirectory()
        var features = (0..<10).map(Float.init)
        features[7] = feature
        try Self.makeDataset(in: directory.path, features: features, labels: [0, 1, 1, 255, label])
        let dataset = try Dataset(directory: directory.path)
        try dataset.openAll()  // structure is fine
        #expect(throws: ShardError(directory.file("shard-00000.safetensors"), message)) { try dataset.checkValues() }
        let report = DatasetVerifier.verify(directory: directory.path)
        #expect(report.problems == [ShardError(directory.file("shard-00000.safetensors"), message)])
    }
}
