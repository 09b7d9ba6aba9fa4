import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Declares one tensor of a shard: its name, element type and the shape of one
/// row. Rows are appended; the leading dimension is the number of rows written.
public struct TensorSpec: Sendable, Equatable {
    public var name: String
    public var dtype: DType
    /// Shape of one row; `[]` for a 1-D tensor of scalars.
    public var rowShape: [Int]

    public init(_ name: String, _ dtype: DType, rowShape: [Int] = []) {
        self.name = name
        self.dtype = dtype
        self.rowShape = rowShape
    }

    var rowBytes: Int { rowShape.reduce(dtype.size, *) }
}

/// What a finished shard is: its file name, size and SHA-256.
public struct WrittenShard: Sendable, Equatable {
    public var file: String
    public var bytes: Int
    public var sha256: String

    public init(file: String, bytes: Int, sha256: String) {
        self.file = file
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// Writes one safetensors shard whose tensors grow row by row.
///
/// The header, which comes first in the file, holds every tensor's final shape,
/// so rows are spooled until `finish`: in memory up to a few MiB per tensor,
/// then in an unlinked scratch file beside the shard. `finish` writes header and
/// data under a temporary name, syncs, and renames the shard into place, so a
/// shard file either is complete or does not exist. Tensors are laid out in the
/// order they are declared; declare 8-byte types first to keep every tensor
/// naturally aligned for memory-mapped readers.
public final class ShardWriter {
    /// Directory the shard goes to.
    public let directory: String
    /// The shard's file name within `directory`.
    public let fileName: String
    private let specs: [TensorSpec]
    private var spools: [Spool]

    /// Bytes of tensor data appended so far, over all tensors.
    public var dataBytes: Int { spools.reduce(0) { $0 + $1.count } }

    public init(directory: String, fileName: String, tensors: [TensorSpec]) {
        self.directory = directory
        self.fileName = fileName
        self.specs = tensors
        self.spools = tensors.map { Spool(path: "\(directory)/.\(fileName).\($0.name).spool") }
    }

    /// Appends bytes to tensor number `index` (in declaration order). A row may
    /// be appended in pieces; by `finish` every tensor must hold whole rows.
    public func append(_ index: Int, _ bytes: UnsafeRawBufferPointer) throws {
        try spools[index].append(bytes)
    }

    /// Appends `values` to tensor number `index`.
    public func append<T: BitwiseCopyable>(_ index: Int, _ values: [T]) throws {
        try values.withUnsafeBytes { raw in try append(index, raw) }
    }

    /// Writes the shard with `metadata` as its `__metadata__` and returns what was written.
    public func finish(metadata: [String: String]) throws -> WrittenShard {
        var tensors: [String: TensorInfo] = [:]
        var offset = 0
        for (spec, spool) in zip(specs, spools) {
            precondition(spool.count % spec.rowBytes == 0, "\(spec.name): \(spool.count) bytes is not a whole number of rows")
            let rows = spool.count / spec.rowBytes
            tensors[spec.name] = TensorInfo(dtype: spec.dtype, shape: [rows] + spec.rowShape,
                                            dataOffsets: offset..<(offset + spool.count))
            offset += spool.count
        }
        let header = SafeTensorsHeader(tensors: tensors, metadata: metadata).encoded()
        let path = "\(directory)/\(fileName)"
        let file = try AtomicFile(path: path)
        // Each chunk is hashed on another thread while this one writes it:
        // the two take about as long, and the hash's order is the file's.
        let hash = Hashing()
        let hashed = DispatchGroup()
        func add(_ chunk: UnsafeRawBufferPointer) throws {
            let shared = SharedBytes(bytes: chunk)
            DispatchQueue.global().async(group: hashed) { hash.state.update(shared.bytes) }
            defer { hashed.wait() }  // the chunk's memory is reused once this returns
            try file.write(shared.bytes)
        }
        try header.withUnsafeBytes { raw in try add(raw) }
        for spool in spools { try spool.drain(add) }
        try file.commit()
        abandon()
        return WrittenShard(file: fileName, bytes: header.count + offset, sha256: hash.state.hexDigest())
    }

    /// Removes the spool files; the shard is not written.
    public func abandon() {
        for spool in spools { spool.remove() }
    }
}

/// A hash that one thread at a time updates (`finish` waits for each update).
private final class Hashing: @unchecked Sendable {
    var state = SHA256()
}

/// Bytes read by two threads at once while neither changes them.
private struct SharedBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
}

/// Bytes of one tensor on their way into a shard: a memory buffer that moves
/// to a scratch file once it passes `memoryLimit`.
///
/// The scratch file is unlinked as soon as it is created, so it lives exactly
/// as long as its descriptor: nothing is left behind, even by a killed
/// process. It is never synced (the shard is; the scratch is only a detour).
private final class Spool {
    let path: String
    private(set) var count = 0
    private var memory: [UInt8] = []
    private var descriptor: Int32 = -1
    private var fileBytes = 0
    private static let memoryLimit = 4 << 20

    init(path: String) { self.path = path }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        count += bytes.count
        memory.append(contentsOf: bytes)
        if memory.count >= Spool.memoryLimit { try spill() }
    }

    private func spill() throws {
        if descriptor < 0 {
            descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            if descriptor < 0 { throw FileError("cannot create", path) }
            unlink(path)
        }
        try memory.withUnsafeBytes { raw in try FileSystem.writeAll(raw, to: descriptor, path: path) }
        fileBytes += memory.count
        memory.removeAll(keepingCapacity: true)
    }

    /// Hands every byte, in order, to `body`, in chunks of at most 4 MiB
    /// (read, not mapped: a mapping of the whole spool would count, page by
    /// page, towards the process's resident memory).
    func drain(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        if descriptor >= 0 {
            let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
            defer { block.deallocate() }
            var offset = 0
            while offset < fileBytes {
                let got = pread(descriptor, block.baseAddress, min(block.count, fileBytes - offset), off_t(offset))
                if got < 0 { if errno == EINTR { continue }; throw FileError("cannot read", path) }
                if got == 0 { throw FileError("cannot read", path, reason: "the spool ended early") }
                try body(UnsafeRawBufferPointer(rebasing: block[0..<got]))
                offset += got
            }
        }
        try memory.withUnsafeBytes { raw in try body(raw) }
    }

    func remove() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        fileBytes = 0
        memory = []
    }
}
