import Foundation
import VADNetwork
import VADShards

extension ModelFile {
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
        var metadata = [formatKey: format, "vadprep_model": try JSONValue(encoding: description).compactJSON()]
        if let optimizer, let epoch {
            metadata["checkpoint"] = JSONValue.object(["epoch": .number(JSONNumber(epoch)), "adam_step": .number(JSONNumber(optimizer.step))]).compactJSON()
        }
        _ = try writer.finish(metadata: metadata)
    }

    /// Restores Adam's moments from a checkpoint's reader.
    public static func restore(_ optimizer: Adam<Float>, from loaded: Loaded) throws(ShardError) {
        for (n, parameter) in optimizer.parameters.enumerated() {
            try load("adam.m." + parameter.name, into: optimizer.firstMoments[n], shape: parameter.shape, from: loaded.reader)
            try load("adam.v." + parameter.name, into: optimizer.secondMoments[n], shape: parameter.shape, from: loaded.reader)
        }
        optimizer.restore(step: loaded.adamStep ?? 0)
    }

}
