import Foundation

/// Adam (Kingma & Ba), as PyTorch's default `torch.optim.Adam`:
///
///     m = β1 m + (1 - β1) g        v = β2 v + (1 - β2) g²
///     θ -= lr * (m / (1 - β1^t)) / (sqrt(v / (1 - β2^t)) + ε)
///
/// with β1 0.9, β2 0.999, ε 1e-8 and no weight decay. Its state (the moments
/// and the step count) goes into checkpoints so a resumed run continues
/// exactly.
public final class Adam<S: TrainScalar> {
    public var learningRate: Double
    public let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    public private(set) var step = 0
    public let parameters: [Parameter<S>]
    public let firstMoments: [Buffer<S>]
    public let secondMoments: [Buffer<S>]

    public init(_ parameters: [Parameter<S>], learningRate: Double) {
        self.parameters = parameters
        self.learningRate = learningRate
        firstMoments = parameters.map { Buffer(count: $0.count) }
        secondMoments = parameters.map { Buffer(count: $0.count) }
    }

    /// One update from the parameters' current gradients.
    @_specialize(where S == Float)
    public func update() {
        step += 1
        let correction1 = 1 - Foundation.pow(beta1, Double(step)), correction2 = 1 - Foundation.pow(beta2, Double(step))
        let stepSize = S(learningRate / correction1), rootCorrection2 = S(correction2.squareRoot())
        let b1 = S(beta1), b2 = S(beta2), eps = S(epsilon)
        for (n, parameter) in parameters.enumerated() {
            let w = parameter.value.pointer, g = parameter.gradient.pointer
            let m = firstMoments[n].pointer, v = secondMoments[n].pointer
            for i in 0..<parameter.count {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                w[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
            }
        }
    }

    /// Restores the step count from a checkpoint (the moments are restored in place).
    public func restore(step: Int) { self.step = step }
}
