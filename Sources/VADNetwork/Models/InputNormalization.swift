import VADShards

/// How a model's inputs are normalised: `(x - mean) / std` per feature
/// column (global CMVN from the training dataset's statistics), or, for raw
/// frames, a scale from Kaldi's int16 range to [-1, 1).
public struct InputNormalization: Codable, Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]
    /// Multiplies raw-waveform samples (1/32768), when the model reads them.
    public var rawScale: Float?

    /// From a dataset's statistics, for its first `inputs` columns; a
    /// (near-)constant column keeps std 1.
    public init(statistics: FeatureStatistics, inputs: Int) {
        mean = statistics.mean.prefix(inputs).map { Float($0) }
        std = statistics.std.prefix(inputs).map { $0 > 1e-5 ? Float($0) : 1 }
        rawScale = nil
    }

    public init(rawScale: Float) {
        mean = []
        std = []
        self.rawScale = rawScale
    }
}
