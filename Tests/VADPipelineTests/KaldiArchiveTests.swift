import Foundation
import Testing
@testable import VADPipeline
import VADShards
import _VADTestSupport

/// The bytes of Kaldi's binary archives, against bytes written out by hand
/// from Kaldi's `Matrix<float>::Write` and `BasicVectorHolder<int32>::Write`.
@Suite struct KaldiArchiveTests {
    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func tinyMatrixAndLabelVectorAreKaldisBytes() throws {
        let work = TestSupport.TemporaryDirectory()
        let writer = try KaldiArchiveWriter(arkPath: work.file("feats.ark"), scpPath: work.file("feats.scp"), arkPathInScript: "out/feats.ark")
        let matrix: [Float] = [1, -2, 0.5, 0, 3, 1e-3]   // 2 x 3
        try matrix.withUnsafeBufferPointer { try writer.writeMatrix(key: "a", rows: 2, columns: 3, data: $0) }
        try writer.writeIntVector(key: "bb", [UInt8]([0, 1, 255]))
        try [Float]().withUnsafeBufferPointer { try writer.writeMatrix(key: "c", rows: 0, columns: 3, data: $0) }
        #expect(!FileManager.default.fileExists(atPath: work.file("feats.ark")))   // nothing under the final name before commit
        try writer.commit()

        var expected: [UInt8] = Array("a ".utf8) + [0x00, 0x42, 0x46, 0x4D, 0x20,   // "\0B" "FM "
                                                   0x04, 0x02, 0x00, 0x00, 0x00,     // rows 2
                                                   0x04, 0x03, 0x00, 0x00, 0x00]     // columns 3
        expected += [0x00, 0x00, 0x80, 0x3F,  0x00, 0x00, 0x00, 0xC0,  0x00, 0x00, 0x00, 0x3F,   // 1, -2, 0.5
                     0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x40, 0x40,  0x6F, 0x12, 0x83, 0x3A]   // 0, 3, 0.001
        let second = expected.count + 3
        expected += Array("bb ".utf8) + [0x00, 0x42,
                                        0x04, 0x03, 0x00, 0x00, 0x00,     // three elements
                                        0x04, 0x00, 0x00, 0x00, 0x00,     // 0
                                        0x04, 0x01, 0x00, 0x00, 0x00,     // 1
                                        0x04, 0xFF, 0x00, 0x00, 0x00]     // 255
        let third = expected.count + 2
        expected += Array("c ".utf8) + [0x00, 0x42, 0x46, 0x4D, 0x20,
                                       0x04, 0x00, 0x00, 0x00, 0x00,      // an empty matrix is 0 x 0
                                       0x04, 0x00, 0x00, 0x00, 0x00]
        #expect(try Self.bytes(work.file("feats.ark")) == expected)
        #expect(String(decoding: try Self.bytes(work.file("feats.scp")), as: UTF8.self)
                == "a out/feats.ark:2\nbb out/feats.ark:\(second)\nc out/feats.ark:\(third)\n")
        #expect(second == 44 && third == 68)
        #expect(writer.bytesWritten == expected.count && writer.entries == 3)
    }

    @Test func keysMustBeKaldiTokens() throws {
        let work = TestSupport.TemporaryDirectory()
        let writer = try KaldiArchiveWriter(arkPath: work.file("x.ark"), scpPath: work.file("x.scp"), arkPathInScript: "x.ark")
        for key in ["", "two words", "tab\there", "new\nline"] {
            #expect(throws: KaldiArchiveError("\(work.file("x.ark")): \"\(key)\" cannot be a Kaldi key (it is empty or holds white space or control characters)")) {
                try writer.writeIntVector(key: key, [Int32(1)])
            }
        }
        #expect(KaldiBinary.isToken("en/utt-0001") && KaldiBinary.isToken("Łódź/ñ"))
        #expect(throws: KaldiArchiveError("\(work.file("x.ark")): entry k: a count or value does not fit Kaldi's int32")) {
            try writer.writeIntVector(key: "k", [Int64(Int32.max) + 1])
        }
        #expect(throws: KaldiArchiveError("\(work.file("x.ark")): entry m: 5 values do not make 2 x 3")) {
            try [Float](repeating: 0, count: 5).withUnsafeBufferPointer { try writer.writeMatrix(key: "m", rows: 2, columns: 3, data: $0) }
        }
    }

    /// Keys: ids in byte order (not Swift's string order); segments cut from
    /// one utterance get their frame range, and with epochs their epoch.
    @Test func keysAreSortedBytewiseAndSegmentsGetRanges() throws {
        func record(_ id: String, start: Int? = nil, frames: Int = 10, epoch: Int? = nil) -> UtteranceRecord {
            var r = UtteranceRecord(id: id, source: id + ".wav", labelSource: nil, shard: 0, row: 0, frames: frames, durationSeconds: 0.1,
                                    speechFraction: nil, sourceSampleRate: 16000, sourceChannels: 1)
            r.startFrame = start
            r.epoch = epoch
            return r
        }
        var index = DatasetIndex(kind: "features", vadprepVersion: "0", options: .null, featureDim: 1, featureNames: ["f"],
                                 frameShiftSeconds: 0.01, sampleRate: 16000, rawFrames: nil, statistics: FeatureStatistics(dimension: 1),
                                 shards: [], utterances: [record("b"), record("a/x"), record("a-x"), record("Z"), record("é")], failures: [])
        #expect(try KaldiExporter.entries(index, directory: "d").map(\.key) == ["Z", "a-x", "a/x", "b", "é"])

        index.kind = "segments"
        index.segments = SegmentInfo(mode: "whole", layout: "offsets", frames: nil, masked: false, epochs: 1, dropped: 0,
                                     split: nil, sourceIndexSha256: "")
        index.utterances = [record("u", start: 0, frames: 70), record("u", start: 70, frames: 5), record("v", start: 0)]
        #expect(try KaldiExporter.entries(index, directory: "d").map(\.key) == ["u-0000000-0000070", "u-0000070-0000075", "v-0000000-0000010"])
        index.segments?.epochs = 2
        index.utterances = [record("u", start: 0, epoch: 0), record("u", start: 0, epoch: 1)]
        #expect(try KaldiExporter.entries(index, directory: "d").map(\.key) == ["u-0000000-0000010-e0", "u-0000000-0000010-e1"])

        index.segments = nil
        index.utterances = [record("a"), record("with space")]
        #expect(throws: PipelineError.self) { try KaldiExporter.entries(index, directory: "d") }
        do { _ = try KaldiExporter.entries(index, directory: "d") } catch let error as PipelineError {
            #expect(error.message == "d: utterance \"with space\" (row 1) cannot be a Kaldi utterance id: it holds white space or control characters")
        }
    }
}
