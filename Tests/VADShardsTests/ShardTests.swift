import Foundation
import Testing
import VADShards
import _VADTestSupport

@Suite struct ShardTests {
    /// Rows appended in pieces come back as the same values, shapes and
    /// metadata, and the recorded hash is the file's.
    @Test(arguments: [10, 200_000])
    func roundTrip(rows: Int) throws {
        let directory = TestSupport.TemporaryDirectory()
        let writer = ShardWriter(directory: directory.path, fileName: "shard-00000.safetensors", tensors: [
            TensorSpec("offsets", .i64), TensorSpec("features", .f32, rowShape: [3]), TensorSpec("labels", .u8),
        ])
        var features: [Float] = []
        var labels: [UInt8] = []
        for row in 0..<rows {
            features += [Float(row), -Float(row) / 3, .pi * Float(row)]
            labels.append(UInt8(row % 2))
        }
        // Appended in uneven pieces, crossing the spool's memory limit for the large case.
        var start = 0
        for size in sequence(first: 1, next: { $0 * 3 }) {
            let end = min(rows, start + size)
            try writer.append(1, Array(features[(3 * start)..<(3 * end)]))
            try writer.append(2, Array(labels[start..<end]))
            start = end
            if start == rows { break }
        }
        try writer.append(0, [Int64(0), Int64(rows)])
        let written = try writer.finish(metadata: ["utterances": "[\"a\"]", "note": "quote \" and \\ and é"])

        let path = directory.file("shard-00000.safetensors")
        #expect(written.bytes == FileSystem.size(path))
        #expect(written.sha256 == (try FileSystem.sha256(ofFile: path)))
        let reader = try ShardReader(path: path)
        #expect(Array(try reader.floats("features")) == features)
        #expect(Array(try reader.bytes("labels")) == labels)
        #expect(Array(try reader.int64s("offsets")) == [0, Int64(rows)])
        #expect(try reader.info("features").shape == [rows, 3])
        #expect(reader.header.metadata["note"] == "quote \" and \\ and é")
        // Nothing but the shard is left in the directory: no spool, no temporary file.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["shard-00000.safetensors"])
    }

    /// The header is the safetensors layout to the byte: little-endian length,
    /// JSON padded with spaces to 8 bytes, tensors in declaration order.
    @Test func headerBytes() throws {
        let directory = TestSupport.TemporaryDirectory()
        let writer = ShardWriter(directory: directory.path, fileName: "s.safetensors",
                                 tensors: [TensorSpec("b", .i64), TensorSpec("a", .u8)])
        try writer.append(0, [Int64(1)])
        try writer.append(1, [UInt8(7), 8, 9])
        _ = try writer.finish(metadata: ["k": "v"])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory.file("s.safetensors"))))
        let json = #"{"__metadata__":{"k":"v"},"a":{"dtype":"U8","shape":[3],"data_offsets":[8,11]},"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#
        let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
        #expect(bytes.count == 8 + padded.utf8.count + 11)
        #expect(Array(bytes[0..<8]) == withUnsafeBytes(of: UInt64(padded.utf8.count).littleEndian, Array.init))
        #expect(String(decoding: bytes[8..<(8 + padded.utf8.count)], as: UTF8.self) == padded)
        #expect(Array(bytes.suffix(11)) == [1, 0, 0, 0, 0, 0, 0, 0, 7, 8, 9])
    }

    /// Malformed headers are refused with a message naming the file and the fault.
    @Test(arguments: [
        ([UInt8]([1, 2, 3]), "too short to be a safetensors file (3 bytes)"),
        (frame(#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: 4),
         "data section is 4 bytes but the header describes 8"),
        (frame(#"{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: 4), "tensor x: unknown dtype F16"),
        (frame(#"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: 8),
         "tensor x: shape [3] of F32 does not match its 8 bytes"),
        (frame(#"{"x":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}"#, data: 4),
         "tensor data is not contiguous at byte 0 of the data section"),
        (frame("[1,2]", data: 0), "header is not a JSON object"),
        ([UInt8](repeating: 0xFF, count: 16), "header length 18446744073709551615 does not fit in the file (16 bytes)"),
    ])
    func rejectsMalformedHeaders(file: [UInt8], message: String) throws {
        let directory = TestSupport.TemporaryDirectory()
        let path = directory.file("bad.safetensors")
        try Data(file).write(to: URL(fileURLWithPath: path))
        #expect(throws: ShardError(path, message)) { try ShardReader(path: path) }
    }
}

/// A safetensors file with header `json` and `data` zero bytes.
private func frame(_ json: String, data: Int) -> [UInt8] {
    withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian, Array.init) + Array(json.utf8) + [UInt8](repeating: 0, count: data)
}
