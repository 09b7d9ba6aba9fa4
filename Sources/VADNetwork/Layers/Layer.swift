/// One stage of a network over a batch of sequences.
///
/// `forward` keeps what `backward` needs (so a layer serves one batch at a
/// time); `backward` takes dLoss/dOutput, adds the parameters' gradients to
/// `Parameter.gradient` and returns dLoss/dInput (0 wide from a layer that
/// only ever comes first, whose input needs none). Rows are time-major (see
/// `Sequences`); `mask` holds one value per row, 1 for a real frame and 0
/// for padding, or is nil when every frame is real.
public protocol Layer<S>: AnyObject {
    associatedtype S: TrainScalar
    var parameters: [Parameter<S>] { get }
    var outputWidth: Int { get }
    func forward(_ x: Sequences<S>, mask: Buffer<S>?) -> Sequences<S>
    func backward(_ dy: Sequences<S>) -> Sequences<S>
}

/// Column sums of a `rows x width` matrix added to `into` (bias gradients).
@inline(__always)
func addColumnSums<S: TrainScalar>(_ m: UnsafePointer<S>, rows: Int, width: Int, into: UnsafeMutablePointer<S>) {
    for r in 0..<rows {
        let row = m + r * width
        for j in 0..<width { into[j] += row[j] }
    }
}

/// `width`-wide `bias` added to each of `rows` rows.
@inline(__always)
func addBias<S: TrainScalar>(_ bias: UnsafePointer<S>, to m: UnsafeMutablePointer<S>, rows: Int, width: Int) {
    for r in 0..<rows {
        let row = m + r * width
        for j in 0..<width { row[j] += bias[j] }
    }
}
