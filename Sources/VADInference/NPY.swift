/// NumPy's `.npy` format, version 1.0, for one float32 vector: what
/// `numpy.load` reads without options.
public enum NPY {
    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]

    /// Magic, version 1.0, the header length (little-endian UInt16), the
    /// header dictionary padded with spaces and a newline so that the data
    /// starts at a multiple of 64 bytes, then the values, little-endian.
    public static func float32Vector(_ values: [Float]) -> [UInt8] {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(values.count),), }"
        let unpadded = magic.count + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(header.utf8.count)
        var bytes = magic + [UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8)
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    /// Reads back a file written by `float32Vector` (or numpy's own 1-D `<f4`).
    public static func readFloat32Vector(_ bytes: [UInt8]) throws -> [Float] {
        guard bytes.count >= 10, Array(bytes[0..<8]) == magic else { throw FormatError(description: "not an .npy version 1.0 file") }
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        guard bytes.count >= 10 + length else { throw FormatError(description: "header runs past the end of the file") }
        let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")"),
              let count = Int(header[open.upperBound..<close].replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces))
        else { throw FormatError(description: "not a 1-D little-endian float32 array") }
        let data = bytes[(10 + length)...]
        guard data.count == 4 * count else { throw FormatError(description: "holds \(data.count) data bytes, the header says \(4 * count)") }
        return stride(from: data.startIndex, to: data.endIndex, by: 4).map { i in
            Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        }
    }
}
