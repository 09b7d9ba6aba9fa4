/// The masked training losses.
///
/// Each row (frame) has a target (0 non-speech, 1 speech, anything else
/// ignored) and a weight (the segment mask: 1 real, 0 padding). The loss is
/// the mean over rows with weight 1 and a known target:
///
///   - BCE on one logit z:  softplus(z) - y z   (= -y log σ(z) - (1-y) log(1-σ(z)), stable for any z),
///     dL/dz = (σ(z) - y) / n;
///   - CE on two logits:    logsumexp(z) - z_y, dL/dz_k = (softmax(z)_k - [k = y]) / n.
public enum MaskedLoss {
    public struct Result<S: TrainScalar> {
        /// Mean loss over the counted rows.
        public var loss: Double
        /// Rows counted.
        public var frames: Int
        /// Counted rows whose speech probability is on the right side of 0.5.
        public var correct: Int
        /// dLoss/dLogits.
        public var gradient: Sequences<S>
    }

    @_specialize(where S == Float)
    public static func compute<S: TrainScalar>(_ kind: ModelConfig.Loss, logits: Sequences<S>, targets: [UInt8],
                                               weights: Buffer<S>?) -> Result<S> {
        precondition(targets.count == logits.rows)
        var counted = 0
        for r in 0..<logits.rows where targets[r] <= 1 && (weights?[r] ?? 1) == 1 { counted += 1 }
        let gradient = Sequences<S>(steps: logits.steps, batch: logits.batch, width: logits.width)
        var total = 0.0
        var correct = 0
        let scale = S(1) / S(max(counted, 1))
        for r in 0..<logits.rows where targets[r] <= 1 && (weights?[r] ?? 1) == 1 {
            let z = logits.row(r), g = gradient.row(r)
            let y = targets[r]
            switch kind {
            case .bce:
                let x = z[0]
                let softplus = x > 0 ? x + S.log(1 + S.exp(-x)) : S.log(1 + S.exp(x))
                total += Double(softplus - (y == 1 ? x : 0))
                let p = 1 / (1 + S.exp(-x))
                g[0] = (p - S(y)) * scale
                if (p >= 0.5) == (y == 1) { correct += 1 }
            case .ce:
                let m = max(z[0], z[1])
                let e0 = S.exp(z[0] - m), e1 = S.exp(z[1] - m)
                let logSum = m + S.log(e0 + e1)
                total += Double(logSum - z[Int(y)])
                let p1 = e1 / (e0 + e1)
                g[0] = ((1 - p1) - (y == 0 ? 1 : 0)) * scale
                g[1] = (p1 - (y == 1 ? 1 : 0)) * scale
                if (p1 >= 0.5) == (y == 1) { correct += 1 }
            }
        }
        return Result(loss: counted > 0 ? total / Double(counted) : 0, frames: counted, correct: correct, gradient: gradient)
    }
}
