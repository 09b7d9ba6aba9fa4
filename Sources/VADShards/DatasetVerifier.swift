import Foundation

/// Checks a dataset directory against its index: every shard present, of the
/// recorded size and SHA-256, with a well-formed header whose tensors and
/// utterance list agree with the index, and the index consistent with itself.
public enum DatasetVerifier {
    /// What a verification found.
    public struct Report: Sendable {
        /// Every problem, each naming its file.
        public var problems: [ShardError] = []
        /// Shards whose bytes were hashed.
        public var shardsChecked = 0
        /// Bytes hashed.
        public var bytesHashed = 0
        public var isIntact: Bool { problems.isEmpty }
    }

    /// Verifies the dataset in `directory`: the index against itself, then
    /// each shard's size, SHA-256, header (`DatasetChecker.checkStructure`)
    /// and values (`DatasetChecker.checkValues`). `progress` is called after
    /// each shard with (shards done, shards in all).
    public static func verify(directory: String, progress: (Int, Int) -> Void = { _, _ in }) -> Report {
        var report = Report()
        let index: DatasetIndex
        do { index = try DatasetIndex.read(from: directory) } catch {
            report.problems.append(error)
            return report
        }
        let indexPath = "\(directory)/\(DatasetIndex.fileName)"
        report.problems += DatasetChecker.problems(in: index, path: indexPath)
        // Shards are read against the index only when the index holds together;
        // otherwise they are only hashed.
        let consistent = report.problems.isEmpty
        let members = DatasetChecker.members(of: index)
        for (number, shard) in index.shards.enumerated() {
            let path = "\(directory)/\(shard.file)"
            if let problem = checkShard(shard, path: path, members: consistent ? members[number] : nil, index: index, report: &report) {
                report.problems.append(problem)
            }
            progress(number + 1, index.shards.count)
        }
        let listed = Set(index.shards.map(\.file))
        let present = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in present.sorted() where !listed.contains(name) {
            if name.hasSuffix(".safetensors") || name.hasSuffix(".partial") || name.hasSuffix(".spool") {
                report.problems.append(ShardError("\(directory)/\(name)", "is not listed in the index"))
            }
        }
        return report
    }

    /// The first problem of one shard: missing, wrong size or hash, a header
    /// that disagrees with the index, or bad values.
    private static func checkShard(_ shard: ShardRecord, path: String, members: [UtteranceRecord]?,
                                   index: DatasetIndex, report: inout Report) -> ShardError? {
        guard FileSystem.exists(path) else { return ShardError(path, "is missing") }
        guard let size = FileSystem.size(path) else { return ShardError(path, "cannot be read") }
        guard size == shard.bytes else { return ShardError(path, "is \(size) bytes, the index records \(shard.bytes) (truncated or replaced)") }
        let reader: ShardReader
        do { reader = try ShardReader(path: path) } catch { return error }
        var hash = SHA256()
        hash.update(reader.fileBytes)
        report.shardsChecked += 1
        report.bytesHashed += size
        guard hash.hexDigest() == shard.sha256 else {
            return ShardError(path, "SHA-256 does not match the index (the file is damaged)")
        }
        guard let members else { return nil }
        do {
            try DatasetChecker.checkStructure(of: reader, shard: shard, members: members, index: index)
            try DatasetChecker.checkValues(of: reader, members: members, index: index)
        } catch {
            return error
        }
        return nil
    }
}

/// Frame label values stored in datasets.
public enum FrameLabel {
    public static let nonSpeech: UInt8 = 0
    public static let speech: UInt8 = 1
    /// Unknown: the recording had no labels (`--allow-unlabelled`), or the
    /// frame is padding; training and metrics must skip it.
    public static let unknown: UInt8 = 255
}

/// Names shared by every shard's tensors and `__metadata__`.
public enum ShardMetadata {
    public static let features = "features"
    public static let labels = "labels"
    public static let utteranceOffsets = "utterance_offsets"
    public static let waveform = "waveform"
    public static let waveformOffsets = "waveform_offsets"
    /// Segments: 1 for a real frame, 0 for padding.
    public static let mask = "mask"
    /// Segments: first frame of each row in its utterance.
    public static let startFrame = "start_frame"
    /// `__metadata__` key: JSON array of utterance ids in row order.
    public static let utterances = "utterances"

    /// The utterance ids a shard's `__metadata__` lists, or nil if absent or malformed.
    public static func utteranceIDs(_ metadata: [String: String]) -> [String]? {
        guard let text = metadata[utterances], let data = text.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode([String].self, from: data)
    }

    /// The `__metadata__` every shard carries, so that it describes itself:
    /// format, versions, kind, feature layout, labels legend and every option
    /// (the utterance list is added per shard).
    public static func common(kind: String, vadprepVersion: String, featureNames: [String], frameShiftSeconds: Double,
                              sampleRate: Int, options: JSONValue, raw: RawFrameLayout?) -> [String: String] {
        var metadata = [
            "format": "vadprep-shard",
            "format_version": String(DatasetIndex.currentVersion),
            "vadprep_version": vadprepVersion,
            "kind": kind,
            "feature_dim": String(featureNames.count),
            "feature_names": encodeUtteranceIDs(featureNames),
            "frame_shift_seconds": String(frameShiftSeconds),
            "sample_rate": String(sampleRate),
            "labels": "0 non-speech, 1 speech, 255 unknown or padding",
            "options": options.compactJSON(),
        ]
        if let raw {
            metadata["raw_frame_length"] = String(raw.length)
            metadata["raw_frame_hop"] = String(raw.hop)
            metadata["raw_frame_first"] = String(raw.first)
            metadata["raw_frame_left_padding"] = String(raw.leftPadding)
        }
        return metadata
    }

    /// `ids` as the JSON array stored under `utterances`.
    public static func encodeUtteranceIDs(_ ids: [String]) -> String {
        "[" + ids.map(jsonString).joined(separator: ",") + "]"
    }
}
