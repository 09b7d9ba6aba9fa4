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
///
/// When the final shape of every tensor and the metadata are known before the
/// first row (`init(directory:fileName:tensors:plannedRows:metadata:)`), the
/// shard is written in place instead: the header first, every row straight
/// to its final offset, and the hash taken while the bytes are written, so
/// that `finish` only syncs and renames. A planned shard whose rows turn out
/// otherwise is turned back into a spooled one (`unplan`), so the bytes are
/// the same either way.
///
/// A float32 tensor can be stored narrowed to int16 (`finish(narrowing:)`),
/// when the caller knows every value is a whole number in int16's range: it is
/// appended and spooled as float32 (`append(_:floats:)`) and converted as it
/// is written; a planned shard planned narrowed (`narrowed:`) takes the int16
/// values straight away.
public final class ShardWriter {
    /// Directory the shard goes to.
    public let directory: String
    /// The shard's file name within `directory`.
    public let fileName: String
    private let specs: [TensorSpec]
    private var spools: [Spool]
    /// The in-place file of a planned shard; nil once spooled.
    private var planned: PlannedFile?
    /// The tensors a planned shard stores as int16.
    private var plannedNarrowed: Set<Int> = []

    /// Bytes of tensor data appended so far, over all tensors (for a planned
    /// shard: written so far, at their final offsets).
    public var dataBytes: Int { planned?.writtenBytes ?? spools.reduce(0) { $0 + $1.count } }

    /// Whether the shard is being written in place (planned, and not unplanned since).
    public var isPlanned: Bool { planned != nil }

    public init(directory: String, fileName: String, tensors: [TensorSpec]) {
        self.directory = directory
        self.fileName = fileName
        self.specs = tensors
        self.spools = tensors.map { Spool(path: "\(directory)/.\(fileName).\($0.name).spool") }
    }

    /// A shard written in place: tensor `i` will hold `plannedRows[i]` rows and
    /// the header `metadata`. The header is written now.
    /// The float32 tensors numbered in `narrowed` are planned as int16.
    public convenience init(directory: String, fileName: String, tensors: [TensorSpec], plannedRows: [Int],
                            metadata: [String: String], narrowed: Set<Int> = []) throws {
        self.init(directory: directory, fileName: fileName, tensors: tensors)
        precondition(narrowed.allSatisfy { tensors[$0].dtype == .f32 }, "only float32 tensors are narrowed")
        plannedNarrowed = narrowed
        planned = try PlannedFile(path: "\(directory)/\(fileName)", specs: ShardWriter.narrow(tensors, narrowed),
                                  rows: plannedRows, metadata: metadata)
    }

    /// `specs` with the tensors numbered in `narrowed` as int16.
    private static func narrow(_ specs: [TensorSpec], _ narrowed: Set<Int>) -> [TensorSpec] {
        specs.enumerated().map { number, spec in
            narrowed.contains(number) ? TensorSpec(spec.name, .i16, rowShape: spec.rowShape) : spec
        }
    }

    /// Appends `values` to float32 tensor number `index`, widened: a planned
    /// shard that planned it as int16 takes them as they are, a spooled one
    /// spools them as float32 (and narrows them back if `finish` is told to).
    public func append(_ index: Int, int16s values: [Int16]) throws {
        if let file = planned, plannedNarrowed.contains(index) {
            if file.fits(index, 2 * values.count) { return try values.withUnsafeBytes { try file.write(index, $0) } }
            try unplan()
        }
        let piece = 1 << 16
        for start in stride(from: 0, to: values.count, by: piece) {
            let widened = values[start..<min(start + piece, values.count)].map(Float.init)
            try widened.withUnsafeBytes { try append(index, $0) }
        }
    }

    /// Appends `values` to float32 tensor number `index`, which may be stored
    /// narrowed: a planned shard that planned it as int16 takes the values as
    /// int16 (the caller has checked that they are whole numbers in range:
    /// `WaveformSamples.fitsInt16`).
    public func append(_ index: Int, floats values: [Float]) throws {
        if let file = planned, plannedNarrowed.contains(index) {
            if file.fits(index, 2 * values.count) {
                // In pieces, so that a long recording is not held twice.
                let piece = 1 << 16
                try values.withUnsafeBufferPointer { all in
                    for start in stride(from: 0, to: all.count, by: piece) {
                        let narrowed = WaveformSamples.narrowed(UnsafeBufferPointer(rebasing: all[start..<min(start + piece, all.count)]))
                        try narrowed.withUnsafeBytes { try file.write(index, $0) }
                    }
                }
                return
            }
            try unplan()
        }
        try values.withUnsafeBytes { try append(index, $0) }
    }

    /// Appends bytes to tensor number `index` (in declaration order). A row may
    /// be appended in pieces; by `finish` every tensor must hold whole rows.
    /// A planned shard that would overflow a tensor is unplanned first.
    public func append(_ index: Int, _ bytes: UnsafeRawBufferPointer) throws {
        if let file = planned {
            if file.fits(index, bytes.count) { return try file.write(index, bytes) }
            try unplan()
        }
        try spools[index].append(bytes)
    }

    /// Turns a planned shard into a spooled one holding the same rows: the
    /// first `keepBytes[i]` bytes of each tensor (nil: what was appended).
    /// Tensors written ahead of their rows (such as offsets known from the
    /// plan) are cut back this way.
    public func unplan(keepBytes: [Int?]? = nil) throws {
        guard let file = planned else { return }
        planned = nil
        let narrowed = plannedNarrowed
        plannedNarrowed = []
        defer { file.remove() }
        for index in specs.indices {
            let keep = min(keepBytes?[index] ?? file.written(index), file.written(index))
            if narrowed.contains(index) {
                // int16 on file, float32 in the spool.
                let carry = Carry(width: 2)
                try file.read(index, bytes: keep) { chunk in
                    try carry.feed(chunk) { whole in
                        let widened = whole.bindMemory(to: Int16.self).map(Float.init)  // whole is 2-aligned (Carry)
                        try widened.withUnsafeBytes { try spools[index].append($0) }
                    }
                }
            } else {
                try file.read(index, bytes: keep) { try spools[index].append($0) }
            }
        }
    }

    /// Appends `values` to tensor number `index`.
    public func append<T: BitwiseCopyable>(_ index: Int, _ values: [T]) throws {
        try values.withUnsafeBytes { raw in try append(index, raw) }
    }

    /// Writes the shard with `metadata` as its `__metadata__` and returns what was written.
    /// The float32 tensors numbered in `narrowing` are stored as int16 (every
    /// value appended must be a whole number in int16's range).
    /// A planned shard whose tensors or metadata are not as planned is unplanned first.
    public func finish(metadata: [String: String], narrowing: Set<Int> = []) throws -> WrittenShard {
        if let file = planned {
            if file.isComplete && file.metadata == metadata && plannedNarrowed == narrowing {
                return try file.commit(fileName: fileName)
            }
            try unplan()
        }
        precondition(narrowing.allSatisfy { specs[$0].dtype == .f32 }, "only float32 tensors are narrowed")
        var tensors: [String: TensorInfo] = [:]
        var offset = 0
        for (index, (spec, spool)) in zip(specs, spools).enumerated() {
            precondition(spool.count % spec.rowBytes == 0, "\(spec.name): \(spool.count) bytes is not a whole number of rows")
            let rows = spool.count / spec.rowBytes
            let narrowed = narrowing.contains(index)
            let bytes = narrowed ? spool.count / 2 : spool.count
            tensors[spec.name] = TensorInfo(dtype: narrowed ? .i16 : spec.dtype, shape: [rows] + spec.rowShape,
                                            dataOffsets: offset..<(offset + bytes))
            offset += bytes
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
        for (index, spool) in spools.enumerated() {
            guard narrowing.contains(index) else { try spool.drain(add); continue }
            let carry = Carry(width: 4)
            try spool.drain { chunk in
                try carry.feed(chunk) { whole in
                    let narrowed = WaveformSamples.narrowed(whole.bindMemory(to: Float.self))
                    try narrowed.withUnsafeBytes { try add($0) }
                }
            }
        }
        try file.commit()
        abandon()
        return WrittenShard(file: fileName, bytes: header.count + offset, sha256: hash.state.hexDigest())
    }

    /// Removes the spool files (and a planned shard's partial file); the shard is not written.
    public func abandon() {
        for spool in spools { spool.remove() }
        planned?.remove()
        planned = nil
    }
}

/// Regroups a stream of byte chunks into chunks of whole `width`-byte
/// elements, copied to aligned memory (a read may end mid-element).
private final class Carry {
    let width: Int
    private let buffer: UnsafeMutableRawBufferPointer
    private var held = 0

    init(width: Int) {
        self.width = width
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Hands `body` every whole element of `chunk` plus what an earlier chunk
    /// left over (at most 1 MiB at a time); the remainder waits for the next chunk.
    func feed(_ chunk: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var rest = chunk
        while !rest.isEmpty {
            let take = min(rest.count, buffer.count - held)
            UnsafeMutableRawBufferPointer(rebasing: buffer[held..<(held + take)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[0..<take]))
            held += take
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            let whole = held - held % width
            if whole > 0 && (held == buffer.count || rest.isEmpty) {
                try body(UnsafeRawBufferPointer(rebasing: buffer[0..<whole]))
                let left = held - whole
                if left > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + whole, byteCount: left) }
                held = left
            }
        }
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

/// The file of a planned shard: header written first, then every tensor's
/// rows at their final offsets; hashed in file order as the bytes arrive
/// (bytes that arrive ahead of the hash are read back once it reaches them).
private final class PlannedFile {
    let path: String
    let temporaryPath: String
    let metadata: [String: String]
    private var descriptor: Int32
    /// Where the data section starts, and each tensor's byte range within it.
    private let dataStart: Int
    private let ranges: [Range<Int>]
    /// Each tensor's next byte (within the data section).
    private var cursors: [Int]
    /// The data-section bytes hashed so far: `0..<hashed`.
    private var hashed = 0
    private var hash = SHA256()
    private let headerBytes: Int

    init(path: String, specs: [TensorSpec], rows: [Int], metadata: [String: String]) throws {
        self.path = path
        self.metadata = metadata
        var tensors: [String: TensorInfo] = [:]
        var ranges: [Range<Int>] = []
        var offset = 0
        for (spec, count) in zip(specs, rows) {
            let bytes = count * spec.rowBytes
            ranges.append(offset..<(offset + bytes))
            tensors[spec.name] = TensorInfo(dtype: spec.dtype, shape: [count] + spec.rowShape, dataOffsets: offset..<(offset + bytes))
            offset += bytes
        }
        self.ranges = ranges
        cursors = ranges.map(\.lowerBound)
        let header = SafeTensorsHeader(tensors: tensors, metadata: metadata).encoded()
        headerBytes = header.count
        dataStart = header.count
        temporaryPath = AtomicFile.temporaryPath(for: path)
        descriptor = open(temporaryPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor < 0 { throw FileError("cannot create", temporaryPath) }
        try header.withUnsafeBytes { raw in
            hash.update(raw)
            try pwriteAll(raw, at: 0)
        }
    }

    deinit { remove() }

    /// Bytes written so far, over all tensors.
    var writtenBytes: Int { zip(cursors, ranges).reduce(0) { $0 + $1.0 - $1.1.lowerBound } }

    func written(_ index: Int) -> Int { cursors[index] - ranges[index].lowerBound }

    func fits(_ index: Int, _ count: Int) -> Bool { cursors[index] + count <= ranges[index].upperBound }

    var isComplete: Bool { zip(cursors, ranges).allSatisfy { $0 == $1.upperBound } }

    func write(_ index: Int, _ bytes: UnsafeRawBufferPointer) throws {
        try pwriteAll(bytes, at: dataStart + cursors[index])
        if hashed == cursors[index] && !bytes.isEmpty {
            hash.update(bytes)
            hashed += bytes.count
        }
        cursors[index] += bytes.count
        try catchUp()
    }

    /// Hashes, reading back, the bytes written ahead of the hash that now follow it.
    private func catchUp() throws {
        while let index = ranges.firstIndex(where: { $0.contains(hashed) }), cursors[index] > hashed {
            let from = hashed
            try readBack(from..<cursors[index]) { hash.update($0) }
            hashed = cursors[index]
        }
    }

    /// Hands the first `bytes` bytes of tensor `index` to `body`.
    func read(_ index: Int, bytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let start = ranges[index].lowerBound
        try readBack(start..<(start + bytes), body)
    }

    private func readBack(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
        defer { block.deallocate() }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let got = pread(descriptor, block.baseAddress, min(block.count, range.upperBound - offset), off_t(dataStart + offset))
            if got < 0 { if errno == EINTR { continue }; throw FileError("cannot read", temporaryPath) }
            if got == 0 { throw FileError("cannot read", temporaryPath, reason: "the file ended early") }
            try body(UnsafeRawBufferPointer(rebasing: block[0..<got]))
            offset += got
        }
    }

    /// Syncs the complete file and renames it into place.
    func commit(fileName: String) throws -> WrittenShard {
        try catchUp()
        if fsync(descriptor) != 0 { throw FileError("cannot write", path) }
        let closed = close(descriptor)
        descriptor = -1
        if closed != 0 { unlink(temporaryPath); throw FileError("cannot write", path) }
        if rename(temporaryPath, path) != 0 {
            let code = errno
            unlink(temporaryPath)
            throw FileError("cannot rename into place", path, errno: code)
        }
        return WrittenShard(file: fileName, bytes: headerBytes + (ranges.last?.upperBound ?? 0), sha256: hash.hexDigest())
    }

    /// Closes and removes the partial file (nothing once committed).
    func remove() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporaryPath)
    }

    private func pwriteAll(_ bytes: UnsafeRawBufferPointer, at position: Int) throws {
        var done = 0
        while done < bytes.count {
            let wrote = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(position + done))
            if wrote < 0 {
                if errno == EINTR { continue }
                throw FileError("cannot write", path)
            }
            done += wrote
        }
    }
}
