#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An I/O failure on one path, with the system's own reason (`strerror`).
public struct FileError: Error, CustomStringConvertible, Equatable {
    /// The path the operation was about.
    public var path: String
    /// What was being done, e.g. "cannot write".
    public var action: String
    /// The system's reason, e.g. "No space left on device".
    public var reason: String

    public var description: String { "\(action) \(path): \(reason)" }

    public init(_ action: String, _ path: String, errno code: Int32 = errno) {
        self.action = action
        self.path = path
        self.reason = String(cString: strerror(code))
    }

    public init(_ action: String, _ path: String, reason: String) {
        self.action = action
        self.path = path
        self.reason = reason
    }
}

/// A file written under a temporary name beside its final path and renamed into
/// place by `commit()`, so that a reader never sees a partial file: either the
/// old file (or none) or the complete new one. Dropping the object without
/// `commit()` removes the temporary file.
public final class AtomicFile {
    /// Where the file will be once committed.
    public let path: String
    /// The temporary name the bytes go to until `commit()`.
    public let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferSize = 1 << 20

    /// Where a file bound for `path` is written until it is renamed into
    /// place: `DIR/.NAME.partial`, beside it (so the rename stays within one
    /// file system) and hidden.
    public static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return directory + "." + name + ".partial"
    }

    /// Creates the temporary file (replacing a stale one of the same name).
    public init(path: String) throws {
        self.path = path
        temporaryPath = AtomicFile.temporaryPath(for: path)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor < 0 { throw FileError("cannot create", temporaryPath) }
        buffer.reserveCapacity(AtomicFile.bufferSize)
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > AtomicFile.bufferSize { try flush() }
        if bytes.count >= AtomicFile.bufferSize {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in try write(raw) }
    }

    /// Flushes, syncs to disk (unless `sync` is false: for files that may be
    /// lost in a crash, such as timings) and renames the file to its final path.
    public func commit(sync: Bool = true) throws {
        try flush()
        if sync && fsync(descriptor) != 0 { throw FileError("cannot write", path) }
        if close(descriptor) != 0 { descriptor = -1; unlink(temporaryPath); throw FileError("cannot write", path) }
        descriptor = -1
        if rename(temporaryPath, path) != 0 {
            let code = errno
            unlink(temporaryPath)
            throw FileError("cannot rename into place", path, errno: code)
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { raw in try writeAll(raw) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        try FileSystem.writeAll(bytes, to: descriptor, path: path)
    }
}

/// A whole file mapped read-only into memory.
public final class MappedFile: @unchecked Sendable {
    /// The mapped path.
    public let path: String
    /// The file's bytes; valid while this object lives.
    public let bytes: UnsafeRawBufferPointer

    /// Maps `path`. The corresponding C functions are `open`, `fstat` and `mmap`.
    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw FileError("cannot open", path) }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) != 0 { throw FileError("cannot open", path) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw FileError("cannot open", path, reason: "is a directory") }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw FileError("cannot map", path)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }
}

/// Small file-system queries used by the dataset code.
public enum FileSystem {
    /// Whether `path` exists (following links) and is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether anything (file, directory, link, even a broken one) is at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Size in bytes of the file at `path`, or nil when it cannot be stat'ed.
    public static func size(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Why `path` cannot be opened for reading, in words ("No such file or
    /// directory", "Permission denied", "broken symbolic link"), or nil if it can.
    public static func openProblem(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 { close(descriptor); return nil }
        let code = errno
        var info = stat()
        if code == ENOENT, lstat(path, &info) == 0 { return "broken symbolic link" }
        return String(cString: strerror(code))
    }

    /// Writes all of `bytes` to the open `descriptor` (retrying short writes
    /// and EINTR); errors name `path`.
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let wrote = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if wrote < 0 {
                if errno == EINTR { continue }
                throw FileError("cannot write", path)
            }
            offset += wrote
        }
    }

    /// Removes the file at `path`, ignoring a missing file.
    public static func remove(_ path: String) {
        unlink(path)
    }

    /// SHA-256 of the file at `path`, read in 1 MiB blocks.
    public static func sha256(ofFile path: String) throws -> String {
        var hash = SHA256()
        try readChunks(path) { hash.update($0) }
        return hash.hexDigest()
    }

    /// Hands the file at `path` to `body` in order, in blocks of at most 1 MiB.
    public static func readChunks(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 { throw FileError("cannot open", path) }
        defer { close(descriptor) }
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { block.deallocate() }
        while true {
            let got = read(descriptor, block.baseAddress, block.count)
            if got < 0 { if errno == EINTR { continue }; throw FileError("cannot read", path) }
            if got == 0 { break }
            try body(UnsafeRawBufferPointer(rebasing: block[0..<got]))
        }
    }
}
