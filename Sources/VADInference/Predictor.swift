import Foundation
import VADPipeline
import VADNetwork
import VADShards

/// `vadprep predict`: a trained model as a VAD for new recordings.
///
/// Each recording goes through extract's front end with the options the
/// model was trained on (decoding, resampling, MFCC + deltas or raw frames,
/// the same frame grid), then through the network, over the whole recording
/// or in overlapping windows; the result is one speech probability per frame
/// and the speech segments that `SpeechSegments` finds in them.
///
/// A model trained on segments of a few seconds has only seen that much
/// context: run over a whole recording its recurrent state drifts away from
/// anything it was trained on (on the VAD benchmark's validation set, a
/// bidirectional LSTM trained on 1 s crops scores frame F1 0.916 run whole
/// and 0.931 in 1 s windows). So `predict` runs it by default in windows of
/// its training segment length (`trainingWindow`). Run as one sequence
/// (`window` nil), a causal model goes frame by frame through `FrameStepper`,
/// the computation `SpeechStream` does on a stream.
public final class Predictor {
    public let model: ModelFile.Loaded
    private let processor: UtteranceProcessor

    public init(modelPath: String) throws {
        do { model = try ModelFile.read(modelPath) } catch { throw PipelineError(error.description) }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var options: ExtractOptions
        do {
            options = try decoder.decode(ExtractOptions.self, from: Data(model.description.extractOptions.compactJSON().utf8))
        } catch {
            throw PipelineError("\(modelPath): the model's extract options cannot be read: \(error)")
        }
        options.labels = LabelOptions()
        options.labels.allowUnlabelled = true
        if !model.description.config.usesRawFrames { options.rawFrames = nil }
        options.augment = nil  // predict never augments
        try Self.check(options, model.description, path: modelPath)
        processor = try UtteranceProcessor(options: options, labels: .none)
        if let layout = processor.rawLayout, layout.length != model.description.config.inputs {
            throw PipelineError("\(modelPath): the model reads raw frames of \(model.description.config.inputs) samples, but its extract options give \(layout.length)")
        }
    }

    /// Refuses extract options in a model file that extract itself would
    /// refuse (a sample rate of 2^40 Hz, a negative delta window …) and a
    /// description that disagrees with them: such a file was edited, and
    /// would otherwise trap or allocate without bound.
    static func check(_ options: ExtractOptions, _ description: ModelDescription, path: String) throws(PipelineError) {
        if let problem = options.problems().first {
            throw PipelineError("\(path): the model's extract options are impossible: \(problem)")
        }
        let shift = options.mfcc.frame.frameShiftMs / 1000
        guard abs(description.frameShiftSeconds - shift) <= 1e-9 * shift else {
            throw PipelineError("\(path): frame_shift_seconds \(description.frameShiftSeconds) disagrees with the model's extract options (\(OptionCheck.format(options.mfcc.frame.frameShiftMs)) ms)")
        }
        if !description.config.usesRawFrames, description.config.inputs > options.featureDimension {
            throw PipelineError("\(path): the model reads \(description.config.inputs) features, more than its extract options give (\(options.featureDimension))")
        }
    }

    /// The extract options the model was trained on, as predict applies them
    /// (every recording taken, unlabelled; raw frames only for a raw model).
    public var extractOptions: ExtractOptions { processor.options }
    /// Where raw frames lie, for a model that reads them.
    public var rawLayout: RawFrameLayout? { processor.rawLayout }

    /// Frame shift and length in seconds of the model's frame grid.
    public var frameShift: Double { model.description.frameShiftSeconds }
    public var frameLength: Double { processor.options.mfcc.frame.frameLengthMs / 1000 }
    /// Where frame 0 starts, in seconds (negative with Kaldi's snip-edges off,
    /// where frames are centred on multiples of the shift).
    public var firstFrameOffset: Double {
        processor.options.mfcc.frame.snipEdges ? 0 : (frameShift - frameLength) / 2
    }

    /// Frames per training segment, the default window (nil when the model
    /// was trained on whole utterances).
    public var trainingWindow: Int? { model.description.trainingFrames }

    /// `--window` seconds as frames of the model's grid: nil (the default)
    /// gives `trainingWindow`, 0 nil (each recording as one sequence), other
    /// durations the nearest whole number of frames, at least one. The seconds
    /// are checked before they are converted.
    public func windowFrames(seconds: Double?) throws(PipelineError) -> Int? {
        guard let seconds else { return trainingWindow }
        if let problem = Self.problems(windowSeconds: seconds).first { throw PipelineError(problem) }
        guard seconds > 0 else { return nil }
        guard frameShift.isFinite, frameShift > 0,
              let frames = OptionCheck.wholeNumber(seconds / frameShift, limit: Double(OptionLimits.segmentFrames.upperBound) + 1) else {
            throw PipelineError(OptionCheck.message("--window", seconds, "at most \(OptionLimits.segmentFrames.upperBound) frames of \(frameShift) seconds"))
        }
        return max(1, frames)
    }

    /// Problems with a `--window` of `seconds`, as messages naming the option.
    public static func problems(windowSeconds seconds: Double) -> [String] {
        var check = OptionCheck()
        check.number("--window", seconds, in: OptionLimits.seconds, unit: "seconds")
        return check.problems
    }

    /// Speech probability of every frame of the recording at `path`, the
    /// network run in windows of `window` frames (nil: as one sequence).
    public func probabilities(path: String, window: Int?) throws -> [Float] {
        if let window, window < 1 { throw PipelineError(OptionCheck.message("--window", "\(window) frames", "at least one frame")) }
        let item = CorpusItem(relativePath: (path as NSString).lastPathComponent,
                              id: ((path as NSString).lastPathComponent as NSString).deletingPathExtension, path: path)
        let utterance = try processor.process(item)
        let config = model.description.config, normalization = model.description.normalization
        let x = Sequences<Float>(steps: utterance.frames, batch: 1, width: config.inputs)
        if config.usesRawFrames {
            let layout = processor.rawLayout!, waveform = utterance.waveform!, scale = normalization.rawScale ?? 1
            for t in 0..<utterance.frames {
                let row = x.row(t), from = layout.first + t * layout.hop
                for n in 0..<layout.length { row[n] = from + n < waveform.count ? waveform[from + n] * scale : 0 }
            }
        } else {
            let dimension = processor.options.featureDimension
            for t in 0..<utterance.frames {
                let row = x.row(t)
                for d in 0..<config.inputs {
                    row[d] = (utterance.features[t * dimension + d] - normalization.mean[d]) / normalization.std[d]
                }
            }
        }
        // One sequence (no window, or one as long as the recording): a causal
        // model steps frame by frame, as `SpeechStream` does, so that
        // streaming gives the same probabilities.
        if window.map({ $0 >= utterance.frames }) ?? true, let stepper = try? FrameStepper(model.network) {
            return try finite((0..<utterance.frames).map { stepper.probability(of: x.row($0)) }, path: path)
        }
        return try finite(model.network.speechProbabilities(of: x, window: window), path: path)
    }

    /// `probabilities`, unless one is NaN (weights so large that the network
    /// overflows): an error then, not a file of NaN.
    private func finite(_ probabilities: [Float], path: String) throws(PipelineError) -> [Float] {
        if let frame = probabilities.firstIndex(where: { !$0.isFinite }) {
            throw PipelineError("\(path): the model gives \(probabilities[frame]) as the speech probability of frame \(frame); its weights overflow on this recording")
        }
        return probabilities
    }
}
