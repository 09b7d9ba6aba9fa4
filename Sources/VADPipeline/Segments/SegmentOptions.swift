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

    public func problems() -> [String] {
        var out: [String] = []
        if mode != .whole && frames < 1 { out.append("--len or --frames must give at least one frame") }
        if let hop = hopFrames, hop < 1 { out.append("--hop must be at least one frame") }
        if epochs < 1 { out.append("--epochs must be at least 1") }
        if let max = maxFrames, max < 1 { out.append("--max-len must be at least one frame") }
        if shardSizeBytes < 1 { out.append("--shard-size must be positive") }
        return out
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
