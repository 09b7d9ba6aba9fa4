import Foundation
import Testing
import VADShards
import _VADTestSupport

/// A shard written in place (its shapes planned up front) is the same file as
/// one spooled and copied, whether the plan holds or has to be given up.
@Suite struct PlannedShardTests {
    static let specs = [TensorSpec("offsets", .i64), TensorSpec("features", .f32, rowShape: [3]), TensorSpec("labels", .u8)]

    /// Rows of `utterances` utterances of 1, 2, 3 … frames: offsets, features, labels.
    static func rows(_ utterances: Int) -> (offsets: [Int64], features: [[Float]], labels: [[UInt8]]) {
        var offsets: [Int64] = [0], features: [[Float]] = [], labels: [[UInt8]] = []
        for u in 0..<utterances {
            let frames = u + 1
            offsets.append(offsets.last! + Int64(frames))
            features.append((0..<(3 * frames)).map { Float(u * 100 + $0) / 7 })
            labels.append((0..<frames).map { UInt8(($0 + u) % 2) })
        }
        return (offsets, features, labels)
    }

    /// The spooled reference: offsets appended row by row, as extract does.
    static func spooled(_ utterances: Int, in directory: String) throws -> WrittenShard {
        let (offsets, features, labels) = rows(utterances)
        let writer = ShardWriter(directory: directory, fileName: "shard-00000.safetensors", tensors: specs)
        try writer.append(0, [offsets[0]])
        for u in 0..<utterances {
            try writer.append(1, features[u])
            try writer.append(2, labels[u])
            try writer.append(0, [offsets[u + 1]])
        }
        return try writer.finish(metadata: ["utterances": "\(utterances)"])
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func aPlanThatHoldsGivesTheSameFile() throws {
        let spooled = TestSupport.TemporaryDirectory(), planned = TestSupport.TemporaryDirectory()
        let reference = try Self.spooled(40, in: spooled.path)
        let (offsets, features, labels) = Self.rows(40)
        let frames = Int(offsets.last!)
        let writer = try ShardWriter(directory: planned.path, fileName: "shard-00000.safetensors", tensors: Self.specs,
                                     plannedRows: [41, frames, frames], metadata: ["utterances": "40"])
        #expect(writer.isPlanned)
        // The offsets are known up front; features and labels arrive together,
        // so the labels (after the features in the file) are hashed on reading back.
        try writer.append(0, offsets)
        for u in 0..<40 {
            try writer.append(1, features[u])
            try writer.append(2, labels[u])
        }
        let written = try writer.finish(metadata: ["utterances": "40"])
        #expect(writer.isPlanned)
        #expect(written == reference)
        #expect(try Self.bytes(planned.file("shard-00000.safetensors")) == Self.bytes(spooled.file("shard-00000.safetensors")))
        #expect(written.sha256 == (try FileSystem.sha256(ofFile: planned.file("shard-00000.safetensors"))))
        #expect(try FileManager.default.contentsOfDirectory(atPath: planned.path) == ["shard-00000.safetensors"])
    }

    /// Planned for 50 utterances, given 40: unplanned with the offsets cut back,
    /// it is the spooled file of the 40.
    @Test func aPlanThatFailsIsGivenUp() throws {
        let spooled = TestSupport.TemporaryDirectory(), planned = TestSupport.TemporaryDirectory()
        let reference = try Self.spooled(40, in: spooled.path)
        let (offsets, features, labels) = Self.rows(50)
        let frames = Int(offsets.last!)
        let writer = try ShardWriter(directory: planned.path, fileName: "shard-00000.safetensors", tensors: Self.specs,
                                     plannedRows: [51, frames, frames], metadata: ["utterances": "50"])
        try writer.append(0, offsets)
        for u in 0..<40 {
            try writer.append(1, features[u])
            try writer.append(2, labels[u])
        }
        try writer.unplan(keepBytes: [8 * 41, nil, nil])
        #expect(!writer.isPlanned)
        let written = try writer.finish(metadata: ["utterances": "40"])
        #expect(written == reference)
        #expect(try Self.bytes(planned.file("shard-00000.safetensors")) == Self.bytes(spooled.file("shard-00000.safetensors")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: planned.path) == ["shard-00000.safetensors"])
    }

    /// More rows than planned: the writer gives the plan up by itself and
    /// keeps every row; so it does when the metadata differs at the end.
    @Test func overflowingThePlanSpools() throws {
        let spooled = TestSupport.TemporaryDirectory(), planned = TestSupport.TemporaryDirectory()
        let reference = try Self.spooled(3, in: spooled.path)
        let (offsets, features, labels) = Self.rows(3)
        let writer = try ShardWriter(directory: planned.path, fileName: "shard-00000.safetensors", tensors: Self.specs,
                                     plannedRows: [4, 3, 3], metadata: ["utterances": "3"])
        try writer.append(0, [offsets[0]])
        for u in 0..<3 {
            try writer.append(1, features[u])
            try writer.append(2, labels[u])
            try writer.append(0, [offsets[u + 1]])
        }
        #expect(!writer.isPlanned)  // the second utterance's features did not fit
        #expect(try writer.finish(metadata: ["utterances": "3"]) == reference)
        #expect(try Self.bytes(planned.file("shard-00000.safetensors")) == Self.bytes(spooled.file("shard-00000.safetensors")))
    }
}
