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

    /// Verifies the dataset in `directory`. `progress` is called after each
    /// shard with (shards done, shards in all).
    public static func verify(directory: String, progress: (Int, Int) -> Void = { _, _ in }) -> Report {
        var report = Report()
        let index: DatasetIndex
        do { index = try DatasetIndex.read(from: directory) } catch {
            report.problems.append(error)
            return report
        }
        let indexPath = "\(directory)/\(DatasetIndex.fileName)"
        report.problems += checkIndex(index, path: indexPath)
        for (number, shard) in index.shards.enumerated() {
            let path = "\(directory)/\(shard.file)"
            let members = index.utterances.filter { $0.shard == number }
            report.problems += checkShard(shard, path: path, members: members, index: index, report: &report)
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

    private static func checkIndex(_ index: DatasetIndex, path: String) -> [ShardError] {
        var problems: [ShardError] = []
        var rows = Array(repeating: 0, count: index.shards.count)
        var frames = Array(repeating: 0, count: index.shards.count)
        for utterance in index.utterances {
            guard index.shards.indices.contains(utterance.shard) else {
                problems.append(ShardError(path, "utterance \(utterance.id) names shard \(utterance.shard), which does not exist"))
                continue
            }
            if utterance.row != rows[utterance.shard] {
                problems.append(ShardError(path, "utterance \(utterance.id) is row \(utterance.row) of shard \(utterance.shard), expected row \(rows[utterance.shard])"))
            }
            rows[utterance.shard] += 1
            frames[utterance.shard] += utterance.frames
        }
        for (number, shard) in index.shards.enumerated() {
            if shard.utterances != rows[number] || shard.frames != frames[number] {
                problems.append(ShardError(path, "shard \(shard.file) is recorded with \(shard.utterances) utterances and \(shard.frames) frames, but its utterances add up to \(rows[number]) and \(frames[number])"))
            }
        }
        let total = index.utterances.reduce(0) { $0 + $1.frames }
        if index.segments == nil && index.statistics.frames != total {
            problems.append(ShardError(path, "statistics count \(index.statistics.frames) frames, utterances \(total)"))
        }
        if index.statistics.sum.count != index.featureDim || index.featureNames.count != index.featureDim {
            problems.append(ShardError(path, "feature dimension \(index.featureDim) does not match the statistics or feature names"))
        }
        return problems
    }

    private static func checkShard(_ shard: ShardRecord, path: String, members: [UtteranceRecord],
                                   index: DatasetIndex, report: inout Report) -> [ShardError] {
        guard FileSystem.exists(path) else { return [ShardError(path, "is missing")] }
        guard let size = FileSystem.size(path) else { return [ShardError(path, "cannot be read")] }
        guard size == shard.bytes else { return [ShardError(path, "is \(size) bytes, the index records \(shard.bytes) (truncated or replaced)")] }
        let reader: ShardReader
        do { reader = try ShardReader(path: path) } catch { return [error] }
        var hash = SHA256()
        hash.update(reader.fileBytes)
        report.shardsChecked += 1
        report.bytesHashed += size
        guard hash.hexDigest() == shard.sha256 else {
            return [ShardError(path, "SHA-256 does not match the index (the file is damaged)")]
        }
        do {
            try checkContents(reader, shard: shard, members: members, index: index)
        } catch {
            return [error]
        }
        return []
    }

    /// The shard's tensors and metadata agree with the index's account of it.
    private static func checkContents(_ reader: ShardReader, shard: ShardRecord, members: [UtteranceRecord],
                                      index: DatasetIndex) throws(ShardError) {
        let path = reader.path
        let ids = ShardMetadata.utteranceIDs(reader.header.metadata)
        guard ids == members.map(\.id) else { throw ShardError(path, "utterance list in the header does not match the index") }
        let dimension = index.featureDim
        if let segments = index.segments, segments.isFixedLength, let length = segments.frames {
            // [segments, frames, D] tensors; real frames per row in the index.
            let rows = members.count
            guard try reader.info(ShardMetadata.features).shape == [rows, length, dimension] else {
                throw ShardError(path, "features do not have shape [\(rows), \(length), \(dimension)]")
            }
            guard try reader.info(ShardMetadata.labels).shape == [rows, length] else { throw ShardError(path, "labels do not have shape [\(rows), \(length)]") }
            if segments.masked {
                let mask = try reader.bytes(ShardMetadata.mask)
                guard mask.count == rows * length else { throw ShardError(path, "mask does not have shape [\(rows), \(length)]") }
                for (row, member) in members.enumerated() {
                    let real = mask[(row * length)..<((row + 1) * length)].reduce(0) { $0 + Int($1) }
                    guard real == member.frames else { throw ShardError(path, "mask of row \(row) marks \(real) real frames, the index \(member.frames)") }
                }
            }
            guard Array(try reader.int64s(ShardMetadata.startFrame)) == members.map({ Int64($0.startFrame ?? -1) }) else {
                throw ShardError(path, "start_frame does not match the index")
            }
            return
        }
        let offsets = try reader.int64s(ShardMetadata.utteranceOffsets)
        var expected: [Int64] = [0]
        for member in members { expected.append(expected.last! + Int64(member.frames)) }
        guard Array(offsets) == expected else { throw ShardError(path, "utterance_offsets do not match the frames in the index") }
        let features = try reader.info(ShardMetadata.features)
        guard features.shape == [shard.frames, dimension] else {
            throw ShardError(path, "features have shape \(features.shape), expected [\(shard.frames), \(dimension)]")
        }
        guard try reader.info(ShardMetadata.labels).shape == [shard.frames] else {
            throw ShardError(path, "labels do not have one value per frame")
        }
        if index.segments != nil {
            guard Array(try reader.int64s(ShardMetadata.startFrame)) == members.map({ Int64($0.startFrame ?? -1) }) else {
                throw ShardError(path, "start_frame does not match the index")
            }
        }
        if index.rawFrames != nil {
            let waveformOffsets = try reader.int64s(ShardMetadata.waveformOffsets)
            let waveform = try reader.info(ShardMetadata.waveform)
            guard waveformOffsets.count == members.count + 1, waveformOffsets.last == Int64(waveform.elementCount) else {
                throw ShardError(path, "waveform_offsets do not match the waveform")
            }
        }
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
