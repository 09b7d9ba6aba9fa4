import VADShards

/// The tensors of a segment shard and how one segment fills them.
///
/// Fixed-length layout (fixed and random modes, short segments padded or
/// dropped), S segments of F frames:
/// `start_frame` int64 `[S]`, `features` float32 `[S, F, D]`, `waveform`
/// float32 `[S, W]` with raw frames (W = (F - 1) * hop + raw length: the
/// samples of the segment's raw frames, zeros past the utterance), `labels`
/// uint8 `[S, F]` (255 on padding), `mask` uint8 `[S, F]` (1 real, 0 padding;
/// only when some segment is padded).
///
/// Variable-length layout (whole mode, or short segments kept): as a
/// features dataset, rows back to back with `utterance_offsets`, plus
/// `start_frame`; with raw frames, each row's raw-frame samples in `waveform`
/// with `waveform_offsets`. In both layouts raw frame i of a row starts at
/// sample `i * hop` of the row's waveform and is raw frame `start_frame + i`
/// of its utterance.
struct SegmentShardLayout: Sendable {
    let options: SegmentOptions
    let dimension: Int
    /// The source dataset's raw-frame layout.
    let raw: RawFrameLayout?
    let masked: Bool

    var isFixed: Bool { options.isFixedLength }

    init(options: SegmentOptions, dimension: Int, raw: RawFrameLayout?, masked: Bool) {
        self.options = options
        self.dimension = dimension
        self.raw = raw
        self.masked = masked && options.isFixedLength
    }

    /// The raw-frame layout of the written rows.
    var rawLayout: RawFrameLayout? {
        raw.map { RawFrameLayout(length: $0.length, hop: $0.hop, first: 0, leftPadding: 0) }
    }

    /// Samples of raw waveform that `frames` raw frames span.
    private func rawSpan(_ frames: Int) -> Int {
        guard let raw, frames > 0 else { return 0 }
        return (frames - 1) * raw.hop + raw.length
    }

    private var specs: [TensorSpec] {
        var specs: [TensorSpec]
        if isFixed {
            let f = options.frames
            specs = [TensorSpec(ShardMetadata.startFrame, .i64), TensorSpec(ShardMetadata.features, .f32, rowShape: [f, dimension])]
            if raw != nil { specs.append(TensorSpec(ShardMetadata.waveform, .f32, rowShape: [rawSpan(f)])) }
            specs.append(TensorSpec(ShardMetadata.labels, .u8, rowShape: [f]))
            if masked { specs.append(TensorSpec(ShardMetadata.mask, .u8, rowShape: [f])) }
        } else {
            specs = [TensorSpec(ShardMetadata.utteranceOffsets, .i64), TensorSpec(ShardMetadata.startFrame, .i64)]
            if raw != nil { specs.append(TensorSpec(ShardMetadata.waveformOffsets, .i64)) }
            specs.append(TensorSpec(ShardMetadata.features, .f32, rowShape: [dimension]))
            if raw != nil { specs.append(TensorSpec(ShardMetadata.waveform, .f32)) }
            specs.append(TensorSpec(ShardMetadata.labels, .u8))
        }
        return specs
    }

    /// Bytes one segment adds to a shard.
    func bytes(_ plan: SegmentPlan) -> Int {
        let frames = isFixed ? options.frames : plan.frames
        return frames * (dimension * 4 + 1 + (masked ? 1 : 0)) + 16 + rawSpan(frames) * 4
    }

    /// `__metadata__` of every shard (the utterance list is added per shard).
    func metadata(source: DatasetIndex, options: SegmentOptions) throws -> [String: String] {
        var metadata = ShardMetadata.common(
            kind: "segments", vadprepVersion: VADPrepVersion.current, featureNames: source.featureNames,
            frameShiftSeconds: source.frameShiftSeconds, sampleRate: source.sampleRate,
            options: .object(["extract": source.options, "segment": try JSONValue(encoding: options)]), raw: rawLayout)
        metadata["segment_layout"] = isFixed ? "fixed" : "offsets"
        if isFixed { metadata["segment_frames"] = String(options.frames) }
        return metadata
    }

    /// Writes the segments `plans` as one shard.
    func write(_ plans: ArraySlice<SegmentPlan>, from dataset: Dataset, directory: String, fileName: String,
               metadata: [String: String]) throws -> WrittenShard {
        let writer = ShardWriter(directory: directory, fileName: fileName, tensors: specs)
        do {
            var metadata = metadata
            metadata[ShardMetadata.utterances] = ShardMetadata.encodeUtteranceIDs(plans.map { dataset.index.utterances[$0.utterance].id })
            var frameOffset: Int64 = 0, sampleOffset: Int64 = 0
            let tensor = TensorNumbers(isFixed: isFixed, raw: raw != nil, masked: masked)
            if !isFixed {
                try writer.append(0, [Int64(0)])
                if raw != nil { try writer.append(2, [Int64(0)]) }
            }
            for plan in plans {
                let view = try dataset.utterance(plan.utterance)
                let frames = plan.frames
                let padding = isFixed ? options.frames - frames : 0
                let features = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(view.features)[
                    (plan.startFrame * dimension * 4)..<((plan.startFrame + frames) * dimension * 4)])
                let labels = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(view.labels)[plan.startFrame..<(plan.startFrame + frames)])
                let waveform = rawSamples(view, plan: plan, frames: frames + padding)
                if isFixed {
                    try writer.append(tensor.startFrame, [Int64(plan.startFrame)])
                    try writer.append(tensor.features, features)
                    if padding > 0 { try writer.append(tensor.features, [Float](repeating: 0, count: padding * dimension)) }
                    if let waveform { try writer.append(tensor.waveform, waveform) }
                    try writer.append(tensor.labels, labels)
                    if padding > 0 { try writer.append(tensor.labels, [UInt8](repeating: FrameLabel.unknown, count: padding)) }
                    if masked { try writer.append(tensor.mask, [UInt8](repeating: 1, count: frames) + [UInt8](repeating: 0, count: padding)) }
                } else {
                    frameOffset += Int64(frames)
                    try writer.append(0, [frameOffset])
                    try writer.append(tensor.startFrame, [Int64(plan.startFrame)])
                    try writer.append(tensor.features, features)
                    if let waveform {
                        sampleOffset += Int64(waveform.count)
                        try writer.append(tensor.waveformOffsets, [sampleOffset])
                        try writer.append(tensor.waveform, waveform)
                    }
                    try writer.append(tensor.labels, labels)
                }
            }
            return try writer.finish(metadata: metadata)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// The samples spanned by raw frames `startFrame ..< startFrame + frames`
    /// of the utterance, zeros where the stored waveform ends.
    private func rawSamples(_ view: UtteranceView, plan: SegmentPlan, frames: Int) -> [Float]? {
        guard let raw, let stored = view.waveform else { return nil }
        let from = raw.first + plan.startFrame * raw.hop
        let count = rawSpan(frames)
        var out = [Float](repeating: 0, count: count)
        let available = max(0, min(count, stored.count - from))
        out.withUnsafeMutableBufferPointer { stored.copy(from: from, into: UnsafeMutableBufferPointer(rebasing: $0[0..<available])) }
        return out
    }

    /// Positions of the tensors in `specs`.
    private struct TensorNumbers {
        var startFrame = 0, features = 0, waveform = 0, labels = 0, mask = 0, waveformOffsets = 0
        init(isFixed: Bool, raw: Bool, masked: Bool) {
            var next = 0
            func take() -> Int { next += 1; return next - 1 }
            if isFixed {
                startFrame = take(); features = take()
                if raw { waveform = take() }
                labels = take()
                if masked { mask = take() }
            } else {
                _ = take(); startFrame = take()
                if raw { waveformOffsets = take() }
                features = take()
                if raw { waveform = take() }
                labels = take()
            }
        }
    }
}
