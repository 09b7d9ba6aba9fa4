import Foundation
import Testing
import VADShards
import _VADTestSupport

/// A float32 tensor stored narrowed to int16 (the waveform of a shard whose
/// samples are all whole numbers in range) is the same file whichever way
/// the shard was written: planned narrowed, planned otherwise and spooled,
/// or spooled with its spool spilled to disk.
@Suite struct NarrowedShardTests {
    static let specs = [TensorSpec("offsets", .i64), TensorSpec("waveform", .f32), TensorSpec("labels", .u8)]
    static let name = "shard-00000.safetensors"

    /// Utterances of whole-number samples over int16's whole range; the
    /// first is long enough (6 MB as float32) that a spool spills to disk.
    static func rows(_ utterances: Int) -> (offsets: [Int64], samples: [[Float]], labels: [[UInt8]]) {
        var offsets: [Int64] = [0], samples: [[Float]] = [], labels: [[UInt8]] = []
        for u in 0..<utterances {
            let count = u == 0 ? 1_500_001 : 1000 + 37 * u
            samples.append((0..<count).map { Float(Int(($0 &* 7919 &+ u) % 65536) - 32768) })
            samples[u][0] = 32767
            offsets.append(offsets.last! + Int64(count))
            labels.append([UInt8(u % 2)])
        }
        return (offsets, samples, labels)
    }

    static func spooled(_ utterances: Int, narrowing: Bool, in directory: String) throws -> WrittenShard {
        let (offsets, samples, labels) = rows(utterances)
        let writer = ShardWriter(directory: directory, fileName: name, tensors: specs)
        try writer.append(0, [offsets[0]])
        for u in 0..<utterances {
            try writer.append(1, floats: samples[u])
            try writer.append(2, labels[u])
            try writer.append(0, [offsets[u + 1]])
        }
        return try writer.finish(metadata: ["n": "\(utterances)"], narrowing: narrowing ? [1] : [])
    }

    static func planned(_ utterances: Int, narrowed: Bool, unplanAfter: Int?, narrowing: Bool, in directory: String) throws -> WrittenShard {
        let (offsets, samples, labels) = rows(utterances)
        let writer = try ShardWriter(directory: directory, fileName: name, tensors: specs,
                                     plannedRows: [utterances + 1, Int(offsets.last!), utterances],
                                     metadata: ["n": "\(utterances)"], narrowed: narrowed ? [1] : [])
        try writer.append(0, offsets)
        for u in 0..<utterances {
            if u == unplanAfter { try writer.unplan() }
            try writer.append(1, floats: samples[u])
            try writer.append(2, labels[u])
        }
        return try writer.finish(metadata: ["n": "\(utterances)"], narrowing: narrowing ? [1] : [])
    }

    static func bytes(_ directory: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")) }

    @Test func everyWayOfWritingGivesTheSameNarrowedFile() throws {
        let reference = TestSupport.TemporaryDirectory()
        let want = try Self.spooled(6, narrowing: true, in: reference.path)
        let reader = try ShardReader(path: "\(reference.path)/\(Self.name)")
        let stored = try reader.waveform()
        #expect(stored.dtype == .i16)
        #expect(try reader.info("waveform").shape == [Int(Self.rows(6).offsets.last!)])
        #expect(stored.floats == Self.rows(6).samples.flatMap { $0 }, "int16 holds the float32 values exactly")
        #expect(want.bytes < 2 * Int(Self.rows(6).offsets.last!) + 4096, "2 bytes a sample")

        for (narrowed, unplanAfter) in [(true, nil), (true, 3), (false, nil), (false, 2)] as [(Bool, Int?)] {
            let other = TestSupport.TemporaryDirectory()
            let got = try Self.planned(6, narrowed: narrowed, unplanAfter: unplanAfter, narrowing: true, in: other.path)
            #expect(got == want, "planned \(narrowed ? "int16" : "float32"), unplanned after \(unplanAfter.map(String.init) ?? "none")")
            #expect(try Self.bytes(other.path) == Self.bytes(reference.path))
            #expect(try FileManager.default.contentsOfDirectory(atPath: other.path) == [Self.name])
        }
    }

    /// Planned int16 but finished as float32 (an utterance that did not fit
    /// int16 arrived): the int16 rows written so far are widened back.
    @Test func aNarrowedPlanGivenUpWidensWhatItWrote() throws {
        let reference = TestSupport.TemporaryDirectory(), other = TestSupport.TemporaryDirectory()
        let want = try Self.spooled(4, narrowing: false, in: reference.path)
        #expect(try ShardReader(path: "\(reference.path)/\(Self.name)").waveform().dtype == .f32)
        let got = try Self.planned(4, narrowed: true, unplanAfter: 2, narrowing: false, in: other.path)
        #expect(got == want)
        #expect(try Self.bytes(other.path) == Self.bytes(reference.path))
        let third = TestSupport.TemporaryDirectory()
        #expect(try Self.planned(4, narrowed: true, unplanAfter: nil, narrowing: false, in: third.path) == want)
    }

    @Test func whatFitsInt16() {
        #expect(WaveformSamples.fitsInt16([0, -0.0, 1, -1, 32767, -32768, 12345]))
        for bad: Float in [32768, -32769, 32767.5, -32768.5, 0.5, -0.25, 1e10, 4_194_305, .nan, .infinity, -.infinity] {
            #expect(!WaveformSamples.fitsInt16([0, bad, 0]), "\(bad)")
            // Anywhere in a longer run: in the eight-at-a-time body or the tail.
            for position in [0, 5, 7, 8, 15, 16, 20, 22] {
                var values = (0..<23).map { Float($0 * 1000 - 11000) }
                #expect(WaveformSamples.fitsInt16(values))
                values[position] = bad
                #expect(!WaveformSamples.fitsInt16(values), "\(bad) at \(position)")
            }
        }
        #expect(WaveformSamples.fitsInt16([]))
    }
}
