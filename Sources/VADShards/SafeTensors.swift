import Foundation

/// Element types of shard tensors, under safetensors' names.
public enum DType: String, Codable, Sendable, CaseIterable {
    case f32 = "F32", f64 = "F64", u8 = "U8", i16 = "I16", i32 = "I32", i64 = "I64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .u8: 1
        case .i16: 2
        case .f32, .i32: 4
        case .f64, .i64: 8
        }
    }
}

/// One tensor's entry in a safetensors header.
public struct TensorInfo: Equatable, Sendable {
    public var dtype: DType
    public var shape: [Int]
    /// Byte range within the data section (after the header), `[begin, end)`.
    public var dataOffsets: Range<Int>

    public init(dtype: DType, shape: [Int], dataOffsets: Range<Int>) {
        self.dtype = dtype
        self.shape = shape
        self.dataOffsets = dataOffsets
    }

    public var elementCount: Int { shape.reduce(1, *) }
}

/// The header of a safetensors file.
///
/// The file layout (the format of the `safetensors` project, which Python reads
/// with `safetensors.numpy.load_file`): 8 bytes, the header length N as a
/// little-endian UInt64; N bytes of UTF-8 JSON, padded with spaces so that the
/// data starts 8-byte aligned; then the data section, the raw little-endian
/// tensors back to back with no gaps. The JSON maps each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the
/// data section) and may hold `"__metadata__"`, a map from string to string.
public struct SafeTensorsHeader: Equatable, Sendable {
    public var tensors: [String: TensorInfo]
    public var metadata: [String: String]

    /// The largest header vadprep will read; safetensors itself refuses over 100 MB.
    public static let maximumHeaderBytes = 100_000_000

    public init(tensors: [String: TensorInfo], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The 8-byte length prefix and the padded JSON, ready to be written.
    /// Keys are written sorted, so the same header always gives the same bytes.
    public func encoded() -> [UInt8] {
        var json = "{"
        var first = true
        func key(_ name: String) {
            if !first { json += "," }
            first = false
            json += jsonString(name) + ":"
        }
        if !metadata.isEmpty {
            key("__metadata__")
            json += "{" + metadata.keys.sorted().map { jsonString($0) + ":" + jsonString(metadata[$0]!) }
                .joined(separator: ",") + "}"
        }
        for name in tensors.keys.sorted() {
            let info = tensors[name]!
            key(name)
            json += "{\"dtype\":\"\(info.dtype.rawValue)\",\"shape\":[\(info.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(info.dataOffsets.lowerBound),\(info.dataOffsets.upperBound)]}"
        }
        json += "}"
        var body = Array(json.utf8)
        while body.count % 8 != 0 { body.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + body.count)
        var length = UInt64(body.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(contentsOf: body)
        return out
    }

    /// Parses and checks the header at the start of `file`, which is the whole
    /// file's bytes. Returns the header and where the data section starts.
    /// Every tensor must have a known dtype, a shape that matches its byte
    /// range, and the ranges must tile the data section exactly.
    public static func parse(_ file: UnsafeRawBufferPointer, path: String) throws(ShardError) -> (SafeTensorsHeader, dataStart: Int) {
        guard file.count >= 8 else { throw ShardError(path, "too short to be a safetensors file (\(file.count) bytes)") }
        let length = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
        guard length <= UInt64(maximumHeaderBytes), Int(length) <= file.count - 8 else {
            throw ShardError(path, "header length \(length) does not fit in the file (\(file.count) bytes)")
        }
        let dataStart = 8 + Int(length)
        let json = Data(UnsafeRawBufferPointer(rebasing: file[8..<dataStart]))
        guard json.first == UInt8(ascii: "{"),
              let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw ShardError(path, "header is not a JSON object")
        }
        var header = SafeTensorsHeader(tensors: [:], metadata: [:])
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw ShardError(path, "__metadata__ is not an object") }
                for (key, entry) in map {
                    guard let text = entry as? String else { throw ShardError(path, "__metadata__.\(key) is not a string") }
                    header.metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any],
                  let dtypeName = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw ShardError(path, "tensor \(name): entry needs dtype, shape and two data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else { throw ShardError(path, "tensor \(name): unknown dtype \(dtypeName)") }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw ShardError(path, "tensor \(name): negative shape or reversed data_offsets")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, dim in
                let product = acc.0.multipliedReportingOverflow(by: dim)
                return (product.partialValue, acc.1 || product.overflow)
            }
            guard !overflow, count.multipliedReportingOverflow(by: dtype.size) == (count * dtype.size, false),
                  count * dtype.size == offsets[1] - offsets[0] else {
                throw ShardError(path, "tensor \(name): shape \(shape) of \(dtypeName) does not match its \(offsets[1] - offsets[0]) bytes")
            }
            header.tensors[name] = TensorInfo(dtype: dtype, shape: shape, dataOffsets: offsets[0]..<offsets[1])
        }
        var expected = 0
        for info in header.tensors.values.sorted(by: { $0.dataOffsets.lowerBound < $1.dataOffsets.lowerBound }) {
            guard info.dataOffsets.lowerBound == expected else {
                throw ShardError(path, "tensor data is not contiguous at byte \(expected) of the data section")
            }
            expected = info.dataOffsets.upperBound
        }
        guard expected == file.count - dataStart else {
            throw ShardError(path, "data section is \(file.count - dataStart) bytes but the header describes \(expected)")
        }
        return (header, dataStart)
    }
}

/// A problem with a shard or a dataset index: what is wrong and where.
public struct ShardError: Error, CustomStringConvertible, Equatable {
    /// The file the problem is in.
    public var path: String
    /// What is wrong.
    public var message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// JSON string literal for `text`, with the escapes RFC 8259 requires.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
