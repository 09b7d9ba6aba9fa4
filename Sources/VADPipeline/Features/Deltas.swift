/// Kaldi's delta features (`DeltaFeaturesOptions`, `ComputeDeltas`):
/// regression coefficients over `window` frames either side, applied
/// `order` times, edge frames replicated.
public struct DeltaOptions: Codable, Equatable, Sendable {
    /// 0: no deltas; 1: add deltas; 2: add deltas and delta-deltas.
    public var order = 1
    /// Frames either side used by each regression.
    public var window = 2

    public init() {}

    /// The filter of each order, centred: order 0 is `[1]`; order k convolves
    /// order k-1 with `j / sum(j^2)`, `j = -window ... window`. For window 2,
    /// order 1 is `[-2, -1, 0, 1, 2] / 10`.
    public var scales: [[Double]] {
        var all: [[Double]] = [[1]]
        let normaliser = Double((-window...window).reduce(0) { $0 + $1 * $1 })
        for _ in 0..<order {
            let previous = all.last!
            var next = [Double](repeating: 0, count: previous.count + 2 * window)
            for j in -window...window {
                for (k, value) in previous.enumerated() {
                    next[k + j + window] += Double(j) * value / normaliser
                }
            }
            all.append(next)
        }
        return all
    }

    /// Output dimension for `dimension` input features.
    public func outputDimension(_ dimension: Int) -> Int { dimension * (order + 1) }
}

public enum Deltas {
    /// `[frames x dimension]` features -> `[frames x dimension * (order + 1)]`:
    /// each row is the input row followed by its deltas of each order.
    /// Sums run in double precision, as Kaldi's do.
    public static func apply(_ options: DeltaOptions, to input: [Float], dimension: Int) -> [Float] {
        guard options.order > 0 else { return input }
        let frames = input.count / dimension
        let scales = options.scales
        let outDim = options.outputDimension(dimension)
        // Each order's non-zero taps, as (offset from the centre, scale), in filter order.
        let taps = scales.dropFirst().map { filter in
            filter.indices.filter { filter[$0] != 0 }.map { ($0 - filter.count / 2, filter[$0]) }
        }
        var output = [Float](repeating: 0, count: frames * outDim)
        var acc = [Double](repeating: 0, count: dimension)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                acc.withUnsafeMutableBufferPointer { acc in
                    for t in 0..<frames {
                        let row = y.baseAddress! + t * outDim
                        row.update(from: x.baseAddress! + t * dimension, count: dimension)
                        for (order, orderTaps) in taps.enumerated() {
                            for d in 0..<dimension { acc[d] = 0 }
                            for (offset, scale) in orderTaps {
                                let source = x.baseAddress! + min(max(t + offset, 0), frames - 1) * dimension
                                for d in 0..<dimension { acc[d] += scale * Double(source[d]) }
                            }
                            let out = row + (order + 1) * dimension
                            for d in 0..<dimension { out[d] = Float(acc[d]) }
                        }
                    }
                }
            }
        }
        return output
    }
}
