import VADNetwork
import VADPipeline

/// A causal model as a streaming VAD: samples in, in pieces of any size,
/// speech segments out as soon as each one's end is decided.
///
/// The chain is `StreamingFrontEnd` -> `FrameStepper` -> `SegmentTracker`,
/// each bit-for-bit the computation `Predictor` does offline with `--window 0`,
/// so the segments equal those of the offline run over the whole recording.
/// A segment's end is decided `minSilenceSeconds` after its last speech
/// frame, plus the front end's lookahead (see `StreamingFrontEnd`).
public final class SpeechStream {
    public typealias Segment = (start: Double, end: Double)

    /// Why a model cannot stream.
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    private let frontEnd: StreamingFrontEnd
    private let stepper: FrameStepper
    private var tracker: SegmentTracker
    /// Every probability so far, when asked for (`keepsProbabilities`).
    public private(set) var probabilities: [Float] = []
    private let keepsProbabilities: Bool

    /// `name` seeds the dither as extract seeds an utterance of that id.
    /// Throws a message for a model that cannot stream.
    public init(_ predictor: Predictor, segmentation: SegmentationOptions, name: String,
                keepsProbabilities: Bool = false) throws {
        do { stepper = try FrameStepper(predictor.model.network) } catch { throw Refusal(description: error.description) }
        do {
            frontEnd = try StreamingFrontEnd(options: predictor.extractOptions, rawLayout: predictor.rawLayout,
                                             config: predictor.model.description.config,
                                             normalization: predictor.model.description.normalization, id: name)
        } catch { throw Refusal(description: "\(error)") }
        tracker = SegmentTracker(frameShift: predictor.frameShift, frameLength: predictor.frameLength,
                                 firstFrameOffset: predictor.firstFrameOffset, options: segmentation)
        self.keepsProbabilities = keepsProbabilities
    }

    /// Frames whose probability is known.
    public var frames: Int { stepper.frames }

    /// Adds samples (Kaldi's int16 scale); returns the segments now decided.
    public func accept(_ samples: UnsafeBufferPointer<Float>) -> [Segment] {
        var decided: [Segment] = []
        frontEnd.accept(samples) { step($0, into: &decided) }
        return decided
    }

    /// Ends the input; returns the remaining segments, the open one closed.
    public func finish() -> [Segment] {
        var decided: [Segment] = []
        frontEnd.finish { step($0, into: &decided) }
        if let last = tracker.finish() { decided.append(last) }
        return decided
    }

    private func step(_ row: UnsafePointer<Float>, into decided: inout [Segment]) {
        let p = stepper.probability(of: row)
        if keepsProbabilities { probabilities.append(p) }
        if let segment = tracker.add(p) { decided.append(segment) }
    }
}

/// Raw 16-bit little-endian PCM bytes, as they arrive, to samples on Kaldi's
/// int16 scale (sample value `s` becomes `Float(s)`, what `AudioDecoder` makes
/// of the same sample in a WAV file). An odd byte waits for its partner.
public struct PCM16Decoder {
    private var carried: UInt8?
    /// Bytes taken so far.
    public private(set) var bytes = 0

    public init() {}

    /// Whether a byte is waiting for the other half of its sample.
    public var hasPartialSample: Bool { carried != nil }

    public mutating func decode(_ input: UnsafeRawBufferPointer) -> [Float] {
        bytes += input.count
        var out: [Float] = []
        out.reserveCapacity((input.count + 1) / 2)
        var i = 0
        if let low = carried, input.count > 0 {
            out.append(Float(Int16(bitPattern: UInt16(low) | UInt16(input[0]) << 8)))
            carried = nil
            i = 1
        }
        while i + 1 < input.count {
            out.append(Float(Int16(bitPattern: UInt16(input[i]) | UInt16(input[i + 1]) << 8)))
            i += 2
        }
        if i < input.count { carried = input[i] }
        return out
    }

    /// What container a stream that starts with `prefix` (its first 4 bytes,
    /// or all of it if shorter) is in, if it starts like a known audio file
    /// rather than raw PCM.
    public static func container(startingWith prefix: [UInt8]) -> String? {
        let signatures: [(String, String)] = [("RIFF", "RIFF/WAVE"), ("RIFX", "RIFF/WAVE"), ("RF64", "RF64/WAVE"),
                                              ("FORM", "AIFF"), ("fLaC", "FLAC"), ("OggS", "Ogg"), (".snd", "Sun/NeXT AU")]
        return signatures.first { Array($0.0.utf8) == Array(prefix.prefix(4)) }?.1
    }
}
