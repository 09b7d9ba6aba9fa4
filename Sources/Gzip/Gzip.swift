import CZlib
import Foundation

/// A gzip file that cannot be inflated, with the reason (zlib's own message where it gives one).
public struct GzipError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var message: String
    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// Whole-buffer gzip decompression with zlib. The only file that calls zlib.
public enum Gzip {
    /// The default largest inflated size: 2 GiB (a manifest of millions of
    /// lines), or a quarter of physical memory where that is less.
    public static let defaultLimit = Int(clamping: min(ProcessInfo.processInfo.physicalMemory / 4, 2 << 30))

    /// Whether `bytes` start with gzip's magic number (1f 8b).
    public static func isGzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The decompressed contents of the gzip data `bytes` (`path` names it in
    /// errors). Members concatenated one after another (as `cat a.gz b.gz`
    /// makes) are inflated in turn, as gunzip does. A stream that ends before
    /// its trailer is "truncated"; bad data, a wrong CRC or length, and bytes
    /// after the last member that are not another member are "corrupt".
    /// Data that inflates to more than `limit` bytes is refused rather than
    /// held: a few megabytes of gzip can claim a thousand times as much.
    /// The C functions are `inflateInit2_`, `inflate`, `inflateReset` and `inflateEnd`.
    public static func inflate(_ bytes: UnsafeRawBufferPointer, path: String, limit: Int = defaultLimit) throws(GzipError) -> [UInt8] {
        guard isGzip(bytes), let base = bytes.baseAddress else { throw GzipError(path, "not gzip data (no 1f 8b header)") }
        var stream = z_stream()
        // 15 + 16: a 32 KiB window, gzip header and trailer (not zlib's, not raw deflate).
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipError(path, "cannot start zlib (out of memory)")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(bytes.count * 4, 1 << 30))
        let chunk = 1 << 18
        var block = [UInt8](repeating: 0, count: chunk)
        var consumed = 0
        while true {
            let available = min(bytes.count - consumed, Int(Int32.max))
            stream.next_in = UnsafeMutablePointer(mutating: (base + consumed).assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(available)
            let status: Int32 = block.withUnsafeMutableBufferPointer { buffer in
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(chunk)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            let produced = chunk - Int(stream.avail_out)
            guard produced <= limit - output.count else {
                throw GzipError(path, "inflates to more than \(limit) bytes, the most that is read into memory; split it into smaller files")
            }
            output.append(contentsOf: block[0..<produced])
            consumed += available - Int(stream.avail_in)
            switch status {
            case Z_STREAM_END:
                if consumed == bytes.count { return output }
                let rest = UnsafeRawBufferPointer(rebasing: bytes[consumed...])
                guard isGzip(rest) else { throw GzipError(path, "corrupt gzip data: \(bytes.count - consumed) bytes after the end of the stream") }
                guard inflateReset(&stream) == Z_OK else { throw GzipError(path, "cannot restart zlib for the next gzip member") }
            case Z_OK:
                continue
            case Z_BUF_ERROR where consumed == bytes.count:
                throw GzipError(path, "truncated gzip data: the stream ends after \(bytes.count) bytes, before its end")
            case Z_BUF_ERROR:  // no progress with input and room left: should not happen
                throw GzipError(path, "corrupt gzip data: zlib made no progress at byte \(consumed)")
            case Z_MEM_ERROR:
                throw GzipError(path, "out of memory while inflating")
            default:  // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw GzipError(path, "corrupt gzip data: \(reason)")
            }
        }
    }
}
