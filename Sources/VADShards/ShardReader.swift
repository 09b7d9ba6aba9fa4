/// A safetensors shard, memory-mapped, with typed access to its tensors.
///
/// Opening parses and checks the header (see `SafeTensorsHeader.parse`); it
/// does not hash the data. Tensors are returned as views into the mapping,
/// valid while the reader lives.
public final class ShardReader: @unchecked Sendable {
    /// The shard's path.
    public let path: String
    /// Its header: tensor names, types, shapes, and `__metadata__`.
    public let header: SafeTensorsHeader
    private let file: MappedFile
    private let dataStart: Int

    public init(path: String) throws(ShardError) {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch let error as FileError {
            throw ShardError(path, "\(error.action): \(error.reason)")
        } catch {
            throw ShardError(path, "\(error)")
        }
        (header, dataStart) = try SafeTensorsHeader.parse(file.bytes, path: path)
    }

    /// The whole file, header included.
    public var fileBytes: UnsafeRawBufferPointer { file.bytes }

    /// The entry for `name`, or an error naming the missing tensor.
    public func info(_ name: String) throws(ShardError) -> TensorInfo {
        guard let info = header.tensors[name] else { throw ShardError(path, "has no tensor \"\(name)\"") }
        return info
    }

    /// The elements of tensor `name`, which must have element type `T` (`dtype`).
    public func tensor<T: BitwiseCopyable>(_ name: String, as type: T.Type, dtype: DType) throws(ShardError) -> UnsafeBufferPointer<T> {
        let info = try info(name)
        guard info.dtype == dtype else { throw ShardError(path, "tensor \"\(name)\" is \(info.dtype.rawValue), expected \(dtype.rawValue)") }
        let start = dataStart + info.dataOffsets.lowerBound
        guard start % MemoryLayout<T>.alignment == 0 else { throw ShardError(path, "tensor \"\(name)\" is not aligned") }
        guard let base = file.bytes.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: (base + start).assumingMemoryBound(to: T.self), count: info.elementCount)
    }

    public func floats(_ name: String) throws(ShardError) -> UnsafeBufferPointer<Float> {
        try tensor(name, as: Float.self, dtype: .f32)
    }

    public func bytes(_ name: String) throws(ShardError) -> UnsafeBufferPointer<UInt8> {
        try tensor(name, as: UInt8.self, dtype: .u8)
    }

    public func int64s(_ name: String) throws(ShardError) -> UnsafeBufferPointer<Int64> {
        try tensor(name, as: Int64.self, dtype: .i64)
    }
}
