import VADNetwork
import VADPipeline
import VADShards

/// Extract's front end for a signal that arrives in pieces: samples (on
/// Kaldi's int16 scale, as `AudioDecoder` hands them out) in, the model's
/// normalised input rows out, one per frame, in order, each as soon as it is
/// decided.
///
/// The rows are bit-identical to those `Predictor` builds from
/// `UtteranceProcessor.process` over the whole recording, whatever the
/// pieces: the same framer, MFCCs computed in the same batches of
/// `MFCCComputer.framesPerCall` frames from frame 0, Kaldi's deltas summed in
/// the same order, raw frames cut from the same padded signal.
///
/// When a row is decided: an MFCC frame once its last sample has arrived and
/// its batch is full; with deltas, once `order x window` later frames have
/// their MFCCs; a raw frame once its last sample has arrived. Rows whose
/// frames reach past the end of the signal (reflected or zero-padded) come
/// out of `finish`. Memory stays bounded whatever the length of the signal.
///
/// Per-utterance and sliding CMVN need frames of the future (or the whole
/// recording) and are refused; the model's own normalisation is global.
public final class StreamingFrontEnd {
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    private var framer: StreamingFramer
    private let computer: MFCCComputer?
    private var noise: GaussianNoise
    private let ceps: Int, dimension: Int, inputs: Int
    private let mean: [Float], std: [Float]
    /// Each delta order's non-zero taps, (offset from the centre, scale), in filter order.
    private let taps: [[(offset: Int, scale: Double)]]
    /// Frames after a frame that its deltas read.
    private let span: Int
    private let layout: RawFrameLayout?
    private let rawScale: Float

    // MFCC frames waiting for a full batch, and the cepstra computed so far
    // (from frame `cepstraBase` on).
    private var pending: [Float], waiting = 0
    private var batchRows: [Float]
    private var cepstra: [Float] = [], cepstraBase = 0, computed = 0
    // Raw mode: the signal from sample `signalBase` on.
    private var signal: [Float] = [], signalBase = 0, received = 0
    private var framed = 0
    /// Rows handed out so far.
    public private(set) var rows = 0
    private var feature: [Float], input: [Float], accumulator: [Double]

    /// `options` are the model's extract options; `id` seeds the dither as
    /// extract seeds it for an utterance of that id.
    public init(options: ExtractOptions, rawLayout: RawFrameLayout?, config: ModelConfig,
                normalization: InputNormalization, id: String) throws {
        framer = StreamingFramer(grid: options.mfcc.frame.grid)
        noise = GaussianNoise(seed: options.seed ^ fnv1a(id))
        inputs = config.inputs
        ceps = options.mfcc.numCeps
        dimension = options.featureDimension
        let length = options.mfcc.frame.grid.length
        if config.usesRawFrames {
            guard let rawLayout, rawLayout.length == config.inputs else {
                throw Refusal(description: "the model reads raw frames of \(config.inputs) samples, which its extract options do not give")
            }
            computer = nil
            layout = rawLayout
        } else {
            guard options.cmvn.mode == .none else {
                throw Refusal(description: "the model's features were normalised with --cmvn \(options.cmvn.mode.rawValue), which needs "
                              + "frames after each frame (or the whole recording); only models trained with --cmvn none can stream")
            }
            guard config.inputs <= dimension, normalization.mean.count >= config.inputs, normalization.std.count >= config.inputs else {
                throw Refusal(description: "the model reads \(config.inputs) features, more than its extract options give (\(dimension))")
            }
            computer = try MFCCComputer(options: options.mfcc)
            layout = nil
        }
        mean = normalization.mean
        std = normalization.std
        rawScale = normalization.rawScale ?? 1
        taps = options.deltas.scales.dropFirst().map { filter in
            filter.indices.filter { filter[$0] != 0 }.map { (offset: $0 - filter.count / 2, scale: filter[$0]) }
        }
        span = taps.reduce(0) { max($0, $1.map { abs($0.offset) }.max() ?? 0) }
        pending = [Float](repeating: 0, count: MFCCComputer.framesPerCall * length)
        batchRows = [Float](repeating: 0, count: MFCCComputer.framesPerCall * ceps)
        feature = [Float](repeating: 0, count: dimension)
        input = [Float](repeating: 0, count: config.inputs)
        accumulator = [Double](repeating: 0, count: ceps)
    }

    /// Adds samples; `row` is called with every input row now decided.
    public func accept(_ samples: UnsafeBufferPointer<Float>, row: (UnsafePointer<Float>) -> Void) {
        if layout != nil {
            signal.append(contentsOf: samples)
            received += samples.count
        }
        framer.accept(samples, emit: frame)
        produce(total: nil, row: row)
    }

    /// Ends the signal: hands out the remaining rows and returns the frame count.
    @discardableResult
    public func finish(row: (UnsafePointer<Float>) -> Void) -> Int {
        let total = framer.finish(emit: frame)
        computeBatch()
        produce(total: total, row: row)
        return total
    }

    private func frame(_: Int, _ samples: UnsafeBufferPointer<Float>) {
        framed += 1
        guard computer != nil else { return }
        let length = samples.count
        pending.withUnsafeMutableBufferPointer { ($0.baseAddress! + waiting * length).update(from: samples.baseAddress!, count: length) }
        waiting += 1
        if waiting == MFCCComputer.framesPerCall { computeBatch() }
    }

    private func computeBatch() {
        guard let computer, waiting > 0 else { return }
        pending.withUnsafeMutableBufferPointer { frames in
            batchRows.withUnsafeMutableBufferPointer {
                computer.computeFrames(frames.baseAddress!, count: waiting, into: $0.baseAddress!, noise: &noise)
            }
        }
        cepstra.append(contentsOf: batchRows[0..<(waiting * ceps)])
        computed += waiting
        waiting = 0
    }

    /// Hands out the rows decided now; `total` is the frame count once the signal has ended.
    private func produce(total: Int?, row: (UnsafePointer<Float>) -> Void) {
        if let layout {
            while rows < (total ?? framed) {
                let first = layout.first + rows * layout.hop - layout.leftPadding  // signal index of the row's first sample
                if total == nil && first + layout.length > received { break }
                for n in 0..<layout.length {
                    let s = first + n
                    input[n] = s >= 0 && s < received ? signal[s - signalBase] * rawScale : 0
                }
                input.withUnsafeBufferPointer { row($0.baseAddress!) }
                rows += 1
            }
            let keep = max(0, layout.first + rows * layout.hop - layout.leftPadding)
            if keep - signalBase >= 1 << 16 {
                signal.removeFirst(keep - signalBase)
                signalBase = keep
            }
            return
        }
        let last = total.map { $0 - 1 } ?? Int.max
        while total.map({ rows < $0 }) ?? (rows + span < computed) {
            deltaRow(rows, last: last)
            for d in 0..<inputs { input[d] = (feature[d] - mean[d]) / std[d] }
            input.withUnsafeBufferPointer { row($0.baseAddress!) }
            rows += 1
        }
        let keep = max(0, rows - span)
        if keep - cepstraBase >= 4096 {
            cepstra.removeFirst((keep - cepstraBase) * ceps)
            cepstraBase = keep
        }
    }

    /// Frame `t`'s features (cepstra, then each order's deltas) into
    /// `feature`, as `Deltas.apply` computes them: double-precision sums over
    /// the taps in filter order, frames clamped to `0...last`.
    private func deltaRow(_ t: Int, last: Int) {
        let base = (t - cepstraBase) * ceps
        for d in 0..<ceps { feature[d] = cepstra[base + d] }
        for (order, orderTaps) in taps.enumerated() {
            for d in 0..<ceps { accumulator[d] = 0 }
            for (offset, scale) in orderTaps {
                let source = (min(max(t + offset, 0), last) - cepstraBase) * ceps
                for d in 0..<ceps { accumulator[d] += scale * Double(cepstra[source + d]) }
            }
            for d in 0..<ceps { feature[(order + 1) * ceps + d] = Float(accumulator[d]) }
        }
    }
}
