import VADShards

/// Runs a network over a dataset without training: mean masked loss and the
/// frame scores (speech probability vs label) of every real frame.
public enum Evaluator {
    public struct Result {
        public var loss: Double
        public var frames: Int
        public var scorer: FrameScorer
    }

    /// Evaluates the rows of stored epoch 0 (each utterance's frames once for
    /// fixed segments; random crops: the first epoch's crops).
    public static func evaluate(_ network: Network<Float>, on data: TrainingData,
                                progress: (Int, Int) -> Void = { _, _ in }) throws(ShardError) -> Result {
        var scorer = FrameScorer()
        var total = 0.0
        var frames = 0
        let batches = data.batches(epoch: 0, shuffleSeed: nil)
        for (n, members) in batches.enumerated() {
            let batch: Batch<Float> = try data.batch(members)
            let logits = network.forward(batch.inputs, mask: batch.mask)
            let result = MaskedLoss.compute(network.config.loss, logits: logits, targets: batch.targets, weights: batch.mask)
            total += result.loss * Double(result.frames)
            frames += result.frames
            let probabilities = network.speechProbabilities(logits)
            var labels = batch.targets
            if let mask = batch.mask { for r in labels.indices where mask[r] != 1 { labels[r] = FrameLabel.unknown } }
            probabilities.withUnsafeBufferPointer { p in labels.withUnsafeBufferPointer { scorer.add(probabilities: p, labels: $0) } }
            progress(n + 1, batches.count)
        }
        return Result(loss: frames > 0 ? total / Double(frames) : 0, frames: frames, scorer: scorer)
    }
}
