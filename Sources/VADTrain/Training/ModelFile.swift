import Foundation
import VADShards

/// What a trained model carries besides its weights: how to rebuild the
/// network, how its inputs were normalised, and the front end it was trained
/// on, so that `predict` can turn new audio into the same inputs.
public struct ModelDescription: Codable, Equatable, Sendable {
    public var config: ModelConfig
    public var normalization: InputNormalization
    /// `vadprep extract`'s options of the training data (JSON as in its index).
    public var extractOptions: JSONValue
    /// Names of the feature columns of the training data.
    public var featureNames: [String]
    public var frameShiftSeconds: Double
    public var sampleRate: Int
    /// Raw-frame layout of the training data (cdnn-raw).
    public var rawFrames: RawFrameLayout?
    /// Frames per training sequence when the training data was fixed-length
    /// segments (nil for whole utterances): the context the model knows, and
    /// so the window `predict` runs it over.
    public var trainingFrames: Int?
    /// The training options (JSON), for the record and for `--resume`.
    public var training: JSONValue
    public var vadprepVersion: String
}

/// `model.safetensors` and the per-epoch checkpoints: PyTorch-style named
/// float32 tensors, plus, in the `__metadata__`, the description as JSON
/// (`vadprep_model`) and, in checkpoints, Adam's moments and the epoch.
public enum ModelFile {
    public static let formatKey = "format"
    public static let format = "vadprep-model"

    /// Writes the weights (and, for a checkpoint, the optimiser state) atomically to DIRECTORY/NAME.
    public static func write(_ network: Network<Float>, description: ModelDescription, to directory: String,
                             name: String, optimizer: Adam<Float>? = nil, epoch: Int? = nil) throws {
        var specs: [TensorSpec] = []
        var values: [Buffer<Float>] = []
        func add(_ name: String, _ shape: [Int], _ buffer: Buffer<Float>) {
            specs.append(TensorSpec(name, .f32, rowShape: Array(shape.dropFirst())))
            values.append(buffer)
        }
        for parameter in network.parameters { add(parameter.name, parameter.shape, parameter.value) }
        if let optimizer {
            for (n, parameter) in network.parameters.enumerated() {
                add("adam.m." + parameter.name, parameter.shape, optimizer.firstMoments[n])
                add("adam.v." + parameter.name, parameter.shape, optimizer.secondMoments[n])
            }
        }
        let writer = ShardWriter(directory: directory, fileName: name, tensors: specs)
        for (n, buffer) in values.enumerated() {
            try writer.append(n, UnsafeRawBufferPointer(start: buffer.pointer, count: buffer.count * 4))
        }
        var metadata = [formatKey: format, "vadprep_model": JSONValue(encoding: description).compactJSON()]
        if let optimizer, let epoch {
            metadata["checkpoint"] = JSONValue.object(["epoch": .number(Double(epoch)), "adam_step": .number(Double(optimizer.step))]).compactJSON()
        }
        _ = try writer.finish(metadata: metadata)
    }

    /// A model read back: its description, the network with its weights, and,
    /// from a checkpoint, the epochs done and Adam's step count.
    public struct Loaded {
        public var description: ModelDescription
        public var network: Network<Float>
        public var reader: ShardReader
        public var epoch: Int?
        public var adamStep: Int?
    }

    public static func read(_ path: String) throws(ShardError) -> Loaded {
        guard FileSystem.exists(path) else { throw ShardError(path, "no such model file") }
        let reader = try ShardReader(path: path)
        guard reader.header.metadata[formatKey] == format, let json = reader.header.metadata["vadprep_model"] else {
            throw ShardError(path, "is not a vadprep model (no \(format) metadata)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let description: ModelDescription
        do { description = try decoder.decode(ModelDescription.self, from: Data(json.utf8)) } catch {
            throw ShardError(path, "has an unreadable model description: \(error)")
        }
        if let problem = description.config.problems().first { throw ShardError(path, "describes an impossible model: \(problem)") }
        let network = Network<Float>(description.config, seed: 0)
        for parameter in network.parameters { try load(parameter.name, into: parameter.value, shape: parameter.shape, from: reader) }
        var epoch: Int?, step: Int?
        if let checkpoint = reader.header.metadata["checkpoint"],
           let value = try? JSONDecoder().decode(JSONValue.self, from: Data(checkpoint.utf8)),
           case .number(let e)? = value["epoch"], case .number(let s)? = value["adam_step"] {
            (epoch, step) = (Int(exactly: e), Int(exactly: s))  // nil for a fraction, NaN or a number past Int
        }
        return Loaded(description: description, network: network, reader: reader, epoch: epoch, adamStep: step)
    }

    /// Restores Adam's moments from a checkpoint's reader.
    public static func restore(_ optimizer: Adam<Float>, from loaded: Loaded) throws(ShardError) {
        for (n, parameter) in optimizer.parameters.enumerated() {
            try load("adam.m." + parameter.name, into: optimizer.firstMoments[n], shape: parameter.shape, from: loaded.reader)
            try load("adam.v." + parameter.name, into: optimizer.secondMoments[n], shape: parameter.shape, from: loaded.reader)
        }
        optimizer.restore(step: loaded.adamStep ?? 0)
    }

    private static func load(_ name: String, into buffer: Buffer<Float>, shape: [Int], from reader: ShardReader) throws(ShardError) {
        guard let info = reader.header.tensors[name] else { throw ShardError(reader.path, "has no tensor \(name)") }
        guard info.shape == shape else { throw ShardError(reader.path, "tensor \(name) has shape \(info.shape), the model needs \(shape)") }
        let values = try reader.floats(name)
        buffer.pointer.update(from: values.baseAddress!, count: buffer.count)
    }
}
