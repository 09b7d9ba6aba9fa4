import Foundation
import VADOptions
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

    public init(config: ModelConfig, normalization: InputNormalization, extractOptions: JSONValue, featureNames: [String],
                frameShiftSeconds: Double, sampleRate: Int, rawFrames: RawFrameLayout?, trainingFrames: Int?,
                training: JSONValue, vadprepVersion: String) {
        self.config = config
        self.normalization = normalization
        self.extractOptions = extractOptions
        self.featureNames = featureNames
        self.frameShiftSeconds = frameShiftSeconds
        self.sampleRate = sampleRate
        self.rawFrames = rawFrames
        self.trainingFrames = trainingFrames
        self.training = training
        self.vadprepVersion = vadprepVersion
    }
}

/// `model.safetensors` and the per-epoch checkpoints: PyTorch-style named
/// float32 tensors, plus, in the `__metadata__`, the description as JSON
/// (`vadprep_model`) and, in checkpoints, Adam's moments and the epoch.
/// Reading is here, for inference; writing and restoring the optimiser
/// state are training's (`ModelFile+Checkpoint.swift` in VADTrain).
public enum ModelFile {
    public static let formatKey = "format"
    public static let format = "vadprep-model"

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
            let reason = (error as? DecodingError).map(Self.reason) ?? "\(error)"
            if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)),
               case .string(let version)? = value["vadprep_version"], version != VADPrepVersion.current {
                throw ShardError(path, "was written by vadprep \(version), and this vadprep \(VADPrepVersion.current) cannot read its "
                                 + "model description (\(reason)); retrain the model with this version, or predict with vadprep \(version)")
            }
            throw ShardError(path, "has an unreadable model description: \(reason)")
        }
        if let problem = description.config.problems().first { throw ShardError(path, "describes an impossible model: \(problem)") }
        let network = Network<Float>(description.config, seed: 0)
        for parameter in network.parameters { try load(parameter.name, into: parameter.value, shape: parameter.shape, from: reader) }
        if let problem = problem(description, network) { throw ShardError(path, "is not a usable model: \(problem)") }
        var epoch: Int?, step: Int?
        if let checkpoint = reader.header.metadata["checkpoint"],
           let value = try? JSONDecoder().decode(JSONValue.self, from: Data(checkpoint.utf8)),
           case .number(let e)? = value["epoch"], case .number(let s)? = value["adam_step"] {
            (epoch, step) = (e.intValue, s.intValue)
        }
        return Loaded(description: description, network: network, reader: reader, epoch: epoch, adamStep: step)
    }

    /// What a decoding error says, in one line: where, and what is wrong there.
    static func reason(_ error: DecodingError) -> String {
        func place(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let path = (context.codingPath + (key.map { [$0] } ?? [])).map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "at the top" : path
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(place(context, key)) is missing"
        case .valueNotFound(_, let context), .typeMismatch(_, let context), .dataCorrupted(let context):
            return "\(place(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// Copies tensor `name` of `reader` into `buffer`, after checking its shape.
    public static func load(_ name: String, into buffer: Buffer<Float>, shape: [Int], from reader: ShardReader) throws(ShardError) {
        guard let info = reader.header.tensors[name] else { throw ShardError(reader.path, "has no tensor \(name)") }
        guard info.shape == shape else { throw ShardError(reader.path, "tensor \(name) has shape \(info.shape), the model needs \(shape)") }
        let values = try reader.floats(name)
        buffer.pointer.update(from: values.baseAddress!, count: buffer.count)
    }
}
