import VADShards

extension ModelFile {
    /// What makes a model file that reads without error unusable all the
    /// same, as a message (nil when there is nothing): normalisation
    /// statistics that do not cover the inputs or would give NaN or infinite
    /// inputs, a frame shift or training length that is not positive, and
    /// weights that are NaN or infinite. Such a file (edited, or from a
    /// diverged run) would otherwise index past its statistics or turn every
    /// probability into NaN without a word.
    static func problem(_ description: ModelDescription, _ network: Network<Float>) -> String? {
        let config = description.config, normalization = description.normalization
        if config.usesRawFrames {
            if let scale = normalization.rawScale, !(scale.isFinite && scale > 0) {
                return "normalization.raw_scale \(scale) is not a positive finite number"
            }
        } else {
            guard normalization.mean.count >= config.inputs, normalization.std.count >= config.inputs else {
                return "normalization holds \(normalization.mean.count) means and \(normalization.std.count) standard deviations, "
                    + "but the model reads \(config.inputs) features"
            }
            if let i = normalization.mean.indices.first(where: { !normalization.mean[$0].isFinite }) {
                return "normalization.mean[\(i)] is \(normalization.mean[i]), not a finite number"
            }
            if let i = normalization.std.indices.first(where: { !(normalization.std[$0].isFinite && normalization.std[$0] > 0) }) {
                return "normalization.std[\(i)] is \(normalization.std[i]), not a positive finite number"
            }
        }
        let shift = description.frameShiftSeconds
        guard shift.isFinite, shift > 0 else { return "frame_shift_seconds \(shift) is not a positive number of seconds" }
        if let frames = description.trainingFrames, frames < 1 { return "training_frames \(frames) is not a positive number of frames" }
        for parameter in network.parameters {
            let values = UnsafeBufferPointer(start: parameter.value.pointer, count: parameter.value.count)
            if let i = values.indices.first(where: { !values[$0].isFinite }) {
                return "tensor \(parameter.name) holds \(values[i]) at index \(i); weights must be finite numbers"
            }
        }
        return nil
    }
}
