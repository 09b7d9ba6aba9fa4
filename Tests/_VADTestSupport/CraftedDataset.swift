import Foundation
import VADShards

/// Editing a dataset as anyone could: change its index or a shard, then
/// re-seal it (every shard's size and SHA-256 recomputed into the index, and
/// the index's own `index_sha256`), so that the hashes no longer tell, and
/// only the readers' consistency checks stand between the edit and a crash.
public enum CraftedDataset {
    /// A shard's tensors as bytes, to edit and write back.
    public struct Shard {
        /// Tensor name -> (dtype, shape as the header will state it, raw bytes).
        public var tensors: [String: (dtype: DType, shape: [Int], bytes: [UInt8])]
        public var metadata: [String: String]

        /// Tensor `name`'s bytes viewed as `T` values, edited in place.
        public mutating func edit<T: BitwiseCopyable>(_ name: String, as type: T.Type, _ body: (inout [T]) -> Void) {
            guard var tensor = tensors[name] else { preconditionFailure("no tensor \(name)") }
            var values = tensor.bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
            body(&values)
            tensor.bytes = values.withUnsafeBytes { Array($0) }
            tensors[name] = tensor
        }
    }

    /// The index, decoded without any check (so it can hold what a reader must refuse).
    public static func index(_ directory: String) throws -> DatasetIndex {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(DatasetIndex.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(DatasetIndex.fileName)")))
    }

    /// Edits the index, then re-seals the dataset.
    public static func editIndex(_ directory: String, _ edit: (inout DatasetIndex) throws -> Void) throws {
        var index = try index(directory)
        try edit(&index)
        try reseal(directory, index: index)
    }

    /// Recomputes, for every shard the index lists whose file exists (where
    /// the name points, even outside the dataset: this is the attacker's
    /// side), its size and SHA-256, and writes the index with its own digest.
    public static func reseal(_ directory: String, index: DatasetIndex? = nil) throws {
        var index = try index ?? Self.index(directory)
        for number in index.shards.indices {
            let path = "\(directory)/\(index.shards[number].file)"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            var hash = SHA256()
            hash.update(Array(data))
            index.shards[number].bytes = data.count
            index.shards[number].sha256 = hash.hexDigest()
        }
        try Data(index.encoded()).write(to: URL(fileURLWithPath: "\(directory)/\(DatasetIndex.fileName)"))
    }

    /// Reads shard `file` of `directory`, edits it and writes it back (tensors
    /// laid out in name order, the header stating each shape as edited), then
    /// re-seals the dataset.
    public static func editShard(_ directory: String, file: String, _ edit: (inout Shard) throws -> Void) throws {
        let path = "\(directory)/\(file)"
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        var shard = try bytes.withUnsafeBytes { raw in
            let (header, dataStart) = try SafeTensorsHeader.parse(raw, path: path)
            var tensors: [String: (dtype: DType, shape: [Int], bytes: [UInt8])] = [:]
            for (name, info) in header.tensors {
                let range = (dataStart + info.dataOffsets.lowerBound)..<(dataStart + info.dataOffsets.upperBound)
                tensors[name] = (info.dtype, info.shape, Array(bytes[range]))
            }
            return Shard(tensors: tensors, metadata: header.metadata)
        }
        try edit(&shard)
        var infos: [String: TensorInfo] = [:]
        var data: [UInt8] = []
        // Widest elements first, so every tensor stays aligned to its element size.
        let order = shard.tensors.keys.sorted { (shard.tensors[$0]!.dtype.size, $1) > (shard.tensors[$1]!.dtype.size, $0) }
        for name in order {
            let tensor = shard.tensors[name]!
            infos[name] = TensorInfo(dtype: tensor.dtype, shape: tensor.shape, dataOffsets: data.count..<(data.count + tensor.bytes.count))
            data += tensor.bytes
        }
        let header = SafeTensorsHeader(tensors: infos, metadata: shard.metadata)
        try Data(header.encoded() + data).write(to: URL(fileURLWithPath: path))
        try reseal(directory)
    }

    /// Copies a dataset directory.
    public static func copy(_ source: String, to destination: String) throws {
        try FileManager.default.copyItem(atPath: source, toPath: destination)
    }
}
