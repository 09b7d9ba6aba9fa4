/// How `vadprep segment` cuts utterances into training segments.
public struct SegmentOptions: Codable, Equatable, Sendable {
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Consecutive segments of `frames`, every `hopFrames`.
        case fixed
        /// One randomly placed segment of `frames` per utterance per epoch.
        case random
        /// Every utterance whole (variable length), cut at `maxFrames` if set.
        case whole
    }

    /// What happens to an utterance (or a tail) shorter than `frames`.
    public enum ShortPolicy: String, Codable, Sendable, CaseIterable {
        /// Pad to `frames` with zeros and mark the padding in `mask`.
        case pad
        /// Leave it out (and count it).
        case drop
        /// Keep it at its own length: the dataset uses the variable-length layout.
        case keep
    }

    public var mode: Mode = .fixed
    /// Frames per segment (fixed and random modes).
    public var frames = 300
    /// Frames between segment starts in fixed mode; nil means `frames`.
    public var hopFrames: Int?
    /// Epochs of random crops.
    public var epochs = 1
    /// Seed of the random crops and of the train/valid split.
    public var seed: UInt64 = 0
    /// Longest piece in whole mode; nil keeps utterances uncut.
    public var maxFrames: Int?
    public var short: ShortPolicy = .pad
    /// Target shard size in bytes.
    public var shardSizeBytes = 256 << 20

    public init() {}

    /// Whether segments all have `frames` rows (`[segments, frames, D]` tensors)
    /// or are stored back to back with offsets, as `extract` stores utterances.
    public var isFixedLength: Bool { mode != .whole && short != .keep }

    /// Problems with the values, as messages naming the option (`--len`,
    /// `--hop` and `--max-len` are given in seconds but checked here as the
    /// frames they became; `frames(option:seconds:frameShiftSeconds:)` checks the seconds).
    public func problems() -> [String] {
        var check = OptionCheck()
        if mode != .whole { check.integer("--frames", frames, in: OptionLimits.segmentFrames) }
        if let hop = hopFrames { check.integer("--hop", hop, in: OptionLimits.segmentFrames, unit: "frames") }
        check.integer("--epochs", epochs, in: 1...100_000)
        if let max = maxFrames { check.integer("--max-len", max, in: OptionLimits.segmentFrames, unit: "frames") }
        check.integer("--shard-size", shardSizeBytes, in: 1...(1 << 50), unit: "bytes")
        return check.problems
    }

    /// The problems of a segment of `frames` rows of `featureDimension`
    /// float32 values: besides `problems()`, its bytes must stay below 2^50.
    public func problems(featureDimension: Int) -> [String] {
        var out = problems()
        guard out.isEmpty, mode != .whole else { return out }
        let values = max(featureDimension, 1).multipliedReportingOverflow(by: frames)
        if values.overflow || values.partialValue > 1 << 48 {
            out.append(OptionCheck.message("--frames", frames, "small enough that a segment of \(featureDimension) features per frame fits in memory"))
        }
        return out
    }

    /// `seconds` of `option` (`--len`, `--hop`, `--max-len`) as whole frames of
    /// `frameShiftSeconds`, rounded to the nearest, or the problem with it. The
    /// seconds are checked before they are converted.
    public static func frames(option: String, seconds: Double, frameShiftSeconds: Double) -> Result<Int, PipelineError> {
        var check = OptionCheck()
        guard check.number(option, seconds, in: OptionLimits.seconds, aboveLowerBound: true, unit: "seconds") else {
            return .failure(PipelineError(check.problems[0]))
        }
        guard frameShiftSeconds.isFinite, frameShiftSeconds > 0,
              let frames = OptionCheck.wholeNumber(seconds / frameShiftSeconds, limit: Double(OptionLimits.segmentFrames.upperBound) + 1) else {
            return .failure(PipelineError(OptionCheck.message(option, seconds, "at most \(OptionLimits.segmentFrames.upperBound) frames of \(frameShiftSeconds) seconds")))
        }
        guard frames >= 1 else {
            return .failure(PipelineError(OptionCheck.message(option, seconds, "at least one frame (\(frameShiftSeconds / 2) seconds rounds to one frame of \(frameShiftSeconds))")))
        }
        return .success(frames)
    }
}

/// One segment to write: which utterance, which frames, and how it is padded.
public struct SegmentPlan: Equatable, Sendable {
    /// Index into the source dataset's utterances.
    public var utterance: Int
    /// First frame in the utterance.
    public var startFrame: Int
    /// Frames taken from the utterance.
    public var frames: Int
    /// Zero frames added after them (fixed-length layout only).
    public var paddedFrames: Int
    /// Epoch of a random crop; 0 otherwise.
    public var epoch: Int
}

/// Where segments go: which utterances (and so which segments) each split holds.
public enum SegmentPlanner {
    /// The segments of `utterances` (index, frame count) under `options`, in
    /// output order: by epoch, then utterance order, then start frame.
    /// Returns them with the number of utterances or tails dropped as too short.
    public static func plan(_ utterances: [(index: Int, id: String, frames: Int)],
                            options: SegmentOptions) -> (segments: [SegmentPlan], dropped: Int) {
        var segments: [SegmentPlan] = []
        var dropped = 0
        let length = options.frames
        /// A piece of `frames` frames from `start`: full, or short and handled by the policy.
        func add(_ utterance: Int, start: Int, frames: Int, epoch: Int = 0) {
            if options.mode == .whole || frames == length || options.short == .keep {
                segments.append(SegmentPlan(utterance: utterance, startFrame: start, frames: frames, paddedFrames: 0, epoch: epoch))
            } else if options.short == .pad {
                segments.append(SegmentPlan(utterance: utterance, startFrame: start, frames: frames,
                                            paddedFrames: length - frames, epoch: epoch))
            } else {
                dropped += 1
            }
        }
        switch options.mode {
        case .whole:
            for u in utterances {
                let piece = options.maxFrames ?? max(u.frames, 1)
                var start = 0
                repeat {
                    add(u.index, start: start, frames: min(piece, u.frames - start))
                    start += piece
                } while start < u.frames
            }
        case .fixed:
            let hop = options.hopFrames ?? length
            for u in utterances {
                var start = 0
                while start + length <= u.frames {
                    add(u.index, start: start, frames: length)
                    start += hop
                }
                // The tail (or a whole short utterance) that no full segment covers.
                let covered = start == 0 ? 0 : start - hop + length
                if start < u.frames && covered < u.frames { add(u.index, start: start, frames: u.frames - start) }
            }
        case .random:
            for epoch in 0..<options.epochs {
                for u in utterances {
                    if u.frames <= length {
                        add(u.index, start: 0, frames: u.frames, epoch: epoch)
                    } else {
                        let start = Int(randomNumber(seed: options.seed, id: u.id, epoch: epoch) % UInt64(u.frames - length + 1))
                        add(u.index, start: start, frames: length, epoch: epoch)
                    }
                }
            }
        }
        return (segments, dropped)
    }

    /// A number determined by the seed, the utterance id and the epoch alone, so a
    /// crop does not depend on the machine, the thread count or the other utterances.
    static func randomNumber(seed: UInt64, id: String, epoch: Int) -> UInt64 {
        var x = seed ^ fnv1a(id) ^ (UInt64(bitPattern: Int64(epoch)) &* 0x9E37_79B9_7F4A_7C15)
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }
}
