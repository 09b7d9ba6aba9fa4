import Foundation
import VADShards

/// One recording, processed: what goes into a shard and into the index.
public struct ProcessedUtterance: Sendable {
    public var item: CorpusItem
    public var labelSource: String?
    /// `[frames x dimension]`, row-major.
    public var features: [Float]
    /// One per frame: `FrameLabel.speech`, `.nonSpeech` or `.unknown`.
    public var labels: [UInt8]
    /// The signal, zero-padded per `RawFrameLayout`, when raw frames are kept.
    public var waveform: PaddedWaveform?
    public var frames: Int
    /// Samples of the processed (resampled) signal.
    public var samples: Int
    public var source: AudioDecoder.Source
    /// Sums over this utterance's frames.
    public var statistics: FeatureStatistics
    /// Label regions (and the utterance's cut) that ran past the end of the
    /// audio within the allowed overshoot and were cut there.
    public var regionsCut = 0
    /// Things worth telling the user that did not stop the utterance.
    public var warnings: [String] = []
    /// Augmented copies only: how it was made.
    public var augmentation: AugmentationRecord?
}

/// Turns one recording into features, labels and (optionally) its padded
/// waveform. Holds an MFCC computer, so make one per thread.
public final class UtteranceProcessor {
    public let options: ExtractOptions
    private let computer: MFCCComputer
    private let labels: LabelResolver
    public let rawLayout: RawFrameLayout?
    private let augmenter: Augmenter?
    /// `--write-audio`: where each utterance's signal and label track are written.
    public let audioDirectory: String?
    /// The whole decoded signal of the utterance being processed, kept between utterances.
    private var signalBuffer: [Float] = []

    /// `augment` must be given when `options.augment` is (the libraries it names, loaded).
    public init(options: ExtractOptions, labels: LabelResolver, augment: AugmentLibraries? = nil,
                writeAudio: String? = nil) throws(FeatureOptionsError) {
        self.options = options
        self.labels = labels
        computer = try MFCCComputer(options: options.mfcc)
        rawLayout = options.rawFrames.map { UtteranceProcessor.layout($0, grid: options.mfcc.frame.grid) }
        if let augmentOptions = options.augment, let augment {
            augmenter = Augmenter(options: augmentOptions, libraries: augment, sampleRate: Double(options.audio.sampleRate))
        } else {
            augmenter = nil
        }
        audioDirectory = writeAudio
    }

    /// Where raw frame i lies: centred on sample `firstSample(i) + length / 2`
    /// of the MFCC frame grid (the MFCC frame's centre, to within half a sample).
    static func layout(_ raw: RawFrameOptions, grid: FrameGrid) -> RawFrameLayout {
        let length = raw.lengthSamples(sampleRate: grid.sampleRate)
        let start0 = grid.firstSample(0) + grid.length / 2 - length / 2
        let padding = max(0, -start0)
        return RawFrameLayout(length: length, hop: grid.shift, first: start0 + padding, leftPadding: padding)
    }

    /// The labels of `item` and where they came from: its own regions, or the
    /// resolver's (for a cut, the recording's, moved onto the cut's timeline).
    func labels(of item: CorpusItem) throws(InputError) -> (RecordingLabels, source: String)? {
        if let regions = item.regions { return (.segments(regions.segments), regions.file) }
        guard let cut = item.cut else { return try labels.labels(for: item) }
        var recording = item
        recording.id = item.recording
        guard let (found, source) = try labels.labels(for: recording) else { return nil }
        guard case .segments(let segments) = found else {
            throw InputError(source, "frame labels cannot be cut to segment \"\(item.id)\" (\(cut.file):\(cut.line)); give segment or RTTM labels")
        }
        let end = cut.end ?? .infinity
        let moved = segments.compactMap { segment -> LabeledSegment? in
            guard segment.end > cut.start, segment.start < end else { return nil }
            var inside = segment
            inside.start = max(segment.start, cut.start) - cut.start
            // A region running on past the cut's end is part of the recording, not an overshoot.
            inside.end = segment.end >= end ? .infinity : segment.end - cut.start
            return inside
        }
        return (.segments(moved), source)
    }

    /// Decodes the audio of `item`, from its file or from its command's output.
    func decode(_ item: CorpusItem, sink: (UnsafeBufferPointer<Float>) throws -> Void) throws -> (AudioDecoder.Source, samples: Int) {
        var audioOptions = options.audio
        if let channel = item.channel { audioOptions.channel = channel }
        switch item.audio {
        case .file(let path):
            do {
                return try AudioDecoder.decode(path: path, options: audioOptions, sink: sink)
            } catch let error as InputError where item.listedAt != nil && error.path == path && error.line == nil {
                // Say which manifest line names the file.
                throw InputError(item.listedAt!.file, line: item.listedAt!.line, "recording \"\(item.recording)\": \(error)")
            }
        case .command(let command, let file, let line):
            let timeout = (options.input ?? InputOptions()).commandTimeout
            func failure(_ message: String, stderr: [UInt8] = []) -> InputError {
                let said = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                return InputError(file, line: line, "recording \"\(item.recording)\": \(message)" + (said.isEmpty ? "" : "; it said: \(said)"))
            }
            let output: AudioCommand.Output
            switch AudioCommand.run(command, timeout: timeout) {
            case .success(let done): output = done
            case .failure(let error): throw failure("command \"\(command)\" could not run: \(error)")
            }
            if output.timedOut {
                throw failure("command \"\(command)\" did not finish within \(format(timeout)) s and was killed", stderr: output.stderr)
            }
            if let signal = output.signal { throw failure("command \"\(command)\" was killed by signal \(signal)", stderr: output.stderr) }
            if let status = output.status, status != 0 {
                throw failure("command \"\(command)\" failed with exit status \(status)", stderr: output.stderr)
            }
            if output.stdout.isEmpty { throw failure("command \"\(command)\" gave no audio", stderr: output.stderr) }
            do {
                return try AudioDecoder.decode(bytes: output.stdout, name: "output", options: audioOptions, sink: sink)
            } catch let error as InputError {
                throw failure("the output of command \"\(command)\": \(error.message)", stderr: output.stderr)
            }
        }
    }

    /// The clean utterance of `item` (no augmentation).
    public func process(_ item: CorpusItem) throws -> ProcessedUtterance {
        try process(item, augmenting: false)[0]
    }

    /// Every utterance made from `item`, in the order they are written: the
    /// clean one (unless `--no-clean`), then its augmented copies `ID~aug1` …
    /// `ID~augN`, all from one decode.
    public func processAll(_ item: CorpusItem) throws -> [ProcessedUtterance] {
        try process(item, augmenting: augmenter != nil)
    }

    /// Features (before deltas and CMVN), the padded waveform and the frame
    /// count of the signal `feed` hands to its argument block by block.
    private func compute(id: String, feed: ((UnsafeBufferPointer<Float>) -> Void) throws -> Void) rethrows
        -> (features: [Float], waveform: PaddedWaveform?, frames: Int) {
        let grid = options.mfcc.frame.grid
        let dimension = options.mfcc.numCeps
        var framer = StreamingFramer(grid: grid)
        var features: [Float] = []
        var waveform: PaddedWaveform? = rawLayout.map { PaddedWaveform(zeros: $0.leftPadding) }
        var noise = GaussianNoise(seed: options.seed ^ fnv1a(id))
        // Frames are computed a few at a time (see MFCCComputer.framesPerCall).
        let length = grid.length, batch = MFCCComputer.framesPerCall
        var pending = [Float](repeating: 0, count: batch * length), waiting = 0
        var rows = [Float](repeating: 0, count: batch * dimension)
        func flush() {
            guard waiting > 0 else { return }
            pending.withUnsafeMutableBufferPointer { frames in
                rows.withUnsafeMutableBufferPointer {
                    computer.computeFrames(frames.baseAddress!, count: waiting, into: $0.baseAddress!, noise: &noise)
                }
            }
            features.append(contentsOf: rows[0..<(waiting * dimension)])
            waiting = 0
        }
        // Local functions, not closures in constants: they are only ever passed
        // as non-escaping arguments, so the variables they capture stay on the
        // stack and need no run-time exclusivity checks, once per frame.
        func emit(_: Int, _ samples: UnsafeBufferPointer<Float>) {
            pending.withUnsafeMutableBufferPointer { ($0.baseAddress! + waiting * length).update(from: samples.baseAddress!, count: length) }
            waiting += 1
            if waiting == batch { flush() }
        }
        func accept(_ kept: UnsafeBufferPointer<Float>) {
            waveform?.append(kept)
            framer.accept(kept, emit: emit)
        }
        try feed(accept)
        let frames = framer.finish(emit: emit)
        flush()
        if let layout = rawLayout, frames > 0 {
            let needed = layout.first + (frames - 1) * layout.hop + layout.length
            waveform?.pad(to: needed)
        }
        return (features, waveform, frames)
    }

    /// Samples `[first, last)` of the decoded recording that `item` keeps
    /// (`last` is `Int.max` when it runs to the end).
    private func span(of item: CorpusItem) -> (first: Int, last: Int) {
        let grid = options.mfcc.frame.grid
        let first = item.cut.map { grid.sampleBoundary(seconds: $0.start) } ?? 0
        let last = item.cut?.end.map { grid.sampleBoundary(seconds: $0) } ?? Int.max
        return (first, last)
    }

    private func process(_ item: CorpusItem, augmenting: Bool) throws -> [ProcessedUtterance] {
        let energy = options.labels.energy
        let found = energy == nil ? try labels(of: item) : nil
        // The whole signal is kept when something needs it after decoding.
        let keepSignal = augmenting || energy != nil || audioDirectory != nil
        // A cut keeps samples [first, last) of the decoded recording.
        let (first, last) = span(of: item)
        var position = 0
        // The decoded signal goes into the buffer the last utterance used (its
        // pages already mapped), which is handed back when this one is done.
        var signal: [Float] = []
        swap(&signal, &signalBuffer)
        signal.removeAll(keepingCapacity: true)
        defer { swap(&signal, &signalBuffer) }
        var decodedSource: AudioDecoder.Source?
        var decoded = 0
        func decodeKept(_ push: (UnsafeBufferPointer<Float>) -> Void) throws {
            (decodedSource, decoded) = try decode(item) { block in
                let from = min(max(first - position, 0), block.count), to = min(max(last - position, 0), block.count)
                position += block.count
                guard from < to else { return }
                push(UnsafeBufferPointer(rebasing: block[from..<to]))
            }
        }
        var clean: (features: [Float], waveform: PaddedWaveform?, frames: Int)?
        if keepSignal {
            try decodeKept { signal.append(contentsOf: $0) }
        } else {
            clean = try compute(id: item.id) { accept in try decodeKept(accept) }
        }
        guard let source = decodedSource else { throw InputError(item.path, "internal: decoding gave no source") }
        return try signal.withUnsafeBufferPointer { kept in
            try utterances(of: item, augmenting: augmenting, found: found, source: source, decoded: decoded,
                           signal: kept, clean: clean)
        }
    }

    /// Every utterance of each item of `group`, in order, decoding their
    /// common recording once: the items are cuts of one recording (same
    /// audio, channel and stated duration, see `decodeGroups`). Only the
    /// samples from the earliest cut start to the latest cut end are kept.
    /// Each item's result is what `processAll` would give for it alone: a
    /// failure to decode fails every item, with the same error (an item whose
    /// audio another manifest line names is decoded again on its own then,
    /// so that its message names its line).
    public func processAll(group: [CorpusItem]) -> [Result<[ProcessedUtterance], any Error>] {
        guard group.count > 1, let head = group.first else {
            return group.map { item in Result { try processAll(item) } }
        }
        let augmenting = augmenter != nil
        let energy = options.labels.energy
        let spans = group.map(span(of:))
        let spanStart = max(0, spans.reduce(Int.max) { min($0, $1.first) })
        let spanEnd = spans.reduce(0) { max($0, $1.last) }
        var buffer: [Float] = []
        swap(&buffer, &signalBuffer)
        buffer.removeAll(keepingCapacity: true)
        defer { swap(&buffer, &signalBuffer) }
        var decodedOnce: Result<(AudioDecoder.Source, samples: Int), any Error>?
        // Decoded when the first item whose labels were found needs it, as
        // `process` decodes after looking up the labels.
        func decodeGroup() throws -> (AudioDecoder.Source, samples: Int) {
            if let decodedOnce { return try decodedOnce.get() }
            var position = 0
            let result = Result { () throws -> (AudioDecoder.Source, samples: Int) in
                try decode(head) { block in
                    let from = min(max(spanStart - position, 0), block.count), to = min(max(spanEnd - position, 0), block.count)
                    position += block.count
                    guard from < to else { return }
                    buffer.append(contentsOf: block[from..<to])
                }
            }
            decodedOnce = result
            return try result.get()
        }
        return group.indices.map { k in
            Result {
                let item = group[k]
                let found = energy == nil ? try labels(of: item) : nil
                let source: AudioDecoder.Source, decoded: Int
                do {
                    (source, decoded) = try decodeGroup()
                } catch where item.audio != head.audio || item.listedAt != head.listedAt {
                    // The message names the manifest line of the audio, which is
                    // this item's own (a Lhotse cut's inline recording): decode alone.
                    return try process(item, augmenting: augmenting)
                }
                let (first, last) = spans[k]
                return try buffer.withUnsafeBufferPointer { all in
                    let from = min(max(first - spanStart, 0), all.count)
                    let to = max(min(min(last, decoded) - spanStart, all.count), from)
                    return try utterances(of: item, augmenting: augmenting, found: found, source: source, decoded: decoded,
                                          signal: UnsafeBufferPointer(rebasing: all[from..<to]), clean: nil)
                }
            }
        }
    }

    /// Consecutive runs of `items[range]` that `processAll(group:)` can take
    /// together: cuts with an end, of the same audio (same channel, recording
    /// and stated duration), whose samples from the earliest start to the
    /// latest end number at most `maxSpanSeconds` worth. Anything else is a
    /// group of its own.
    public static func decodeGroups(_ items: [CorpusItem], range: Range<Int>, options: ExtractOptions,
                                    maxSpanSeconds: Double = 3600) -> [Range<Int>] {
        let grid = options.mfcc.frame.grid
        let maxSpan = grid.sampleBoundary(seconds: maxSpanSeconds)
        func bounds(_ item: CorpusItem) -> (Int, Int)? {
            guard let cut = item.cut, let end = cut.end else { return nil }
            return (max(0, grid.sampleBoundary(seconds: cut.start)), grid.sampleBoundary(seconds: end))
        }
        // The same audio, whichever manifest line names it (a Lhotse cut names
        // its recording on its own line).
        func sameAudio(_ a: AudioLocation, _ b: AudioLocation) -> Bool {
            switch (a, b) {
            case (.file(let x), .file(let y)): x == y
            case (.command(let x, let xFile, _), .command(let y, let yFile, _)): x == y && xFile == yFile
            default: false
            }
        }
        func shareDecode(_ a: CorpusItem, _ b: CorpusItem) -> Bool {
            sameAudio(a.audio, b.audio) && a.channel == b.channel && a.recording == b.recording
                && a.statedSeconds == b.statedSeconds && a.path == b.path
        }
        var groups: [Range<Int>] = []
        var start = range.lowerBound
        var low = 0, high = 0
        for index in range {
            let item = items[index]
            if index > start, let (first, last) = bounds(item), bounds(items[start]) != nil, shareDecode(items[start], item),
               max(high, last) - min(low, first) <= maxSpan {
                low = min(low, first)
                high = max(high, last)
                continue
            }
            if index > start { groups.append(start..<index) }
            start = index
            (low, high) = bounds(item) ?? (0, 0)
        }
        if start < range.upperBound { groups.append(start..<range.upperBound) }
        return groups
    }

    /// The utterances of `item` from its decoded recording (`decoded` samples
    /// long) of which `signal` holds the kept samples when they were kept;
    /// `clean`: the clean features, when already computed while decoding.
    private func utterances(of item: CorpusItem, augmenting: Bool, found: (RecordingLabels, source: String)?,
                            source: AudioDecoder.Source, decoded: Int, signal: UnsafeBufferPointer<Float>,
                            clean computed: (features: [Float], waveform: PaddedWaveform?, frames: Int)?) throws -> [ProcessedUtterance] {
        let energy = options.labels.energy
        let grid = options.mfcc.frame.grid
        let maxOvershoot = (options.input ?? InputOptions()).maxOvershoot
        let keepClean = !augmenting || options.augment?.keepClean != false
        let (first, last) = span(of: item)
        var clean = computed
        var samples = decoded
        var regionsCut = 0
        if let cut = item.cut {
            let recordingSeconds = grid.seconds(samples: decoded)
            guard first < decoded else {
                throw InputError(cut.file, line: cut.line, "segment \"\(item.id)\" starts at \(format(cut.start)) s, after the end of recording \"\(item.recording)\" (\(format(recordingSeconds)) s)")
            }
            if last != Int.max && last > decoded {
                if last > decoded + grid.sampleBoundary(seconds: maxOvershoot) {
                    throw InputError(cut.file, line: cut.line, "segment \"\(item.id)\" ends at \(format(cut.end ?? 0)) s, more than --max-overshoot \(format(maxOvershoot)) s after the end of recording \"\(item.recording)\" (\(format(recordingSeconds)) s)")
                }
                if last > decoded + grid.shift / 2 { regionsCut += 1 }
            }
            samples = min(last, decoded) - first
        }
        var warnings: [String] = []
        if let stated = item.statedSeconds,
           abs(grid.sampleBoundary(seconds: stated.seconds) - decoded) > grid.shift {
            warnings.append("\(stated.file):\(stated.line): recording \"\(item.recording)\" lasts \(format(grid.seconds(samples: decoded))) s, not the \(format(stated.seconds)) s stated")
        }
        if clean == nil && keepClean {
            clean = compute(id: item.id) { accept in accept(signal) }
        }
        let frames = clean?.frames ?? grid.frameCount(samples: samples)
        guard frames > 0 else {
            throw InputError(item.path, "is too short: \(samples) samples give no \(options.mfcc.frame.frameLengthMs) ms frame")
        }
        // Checked after decoding, so that a file that is not audio says so first.
        if energy == nil && found == nil && !options.labels.allowUnlabelled {
            throw InputError(item.path, "has no label file (looked for \(LabelFormat.searchedExtensions.map { "\(item.id).\($0)" }.joined(separator: ", "))); use --allow-unlabelled to keep it")
        }
        let frameLabels: [UInt8]
        if let energy {
            frameLabels = EnergyLabeler.labels(levels: EnergyLabeler.levels(Array(signal), grid: grid, frames: frames), options: energy,
                                               frameShiftSeconds: grid.seconds(samples: grid.shift))
        } else if let (recordingLabels, labelPath) = found {
            frameLabels = try FrameLabeler.labels(recordingLabels, grid: grid, frameCount: frames, samples: samples,
                                                  policy: options.labels.policy, maxOvershoot: maxOvershoot, path: labelPath,
                                                  regionsCut: &regionsCut)
        } else {
            frameLabels = [UInt8](repeating: FrameLabel.unknown, count: frames)
        }
        let labelSource = energy != nil ? "energy" : found?.source
        let keepSignal = augmenting || energy != nil || audioDirectory != nil
        let speech = keepSignal ? Augmenter.speechRanges(frameLabels, grid: grid, samples: samples) : []

        func finish(_ id: String, _ computed: (features: [Float], waveform: PaddedWaveform?, frames: Int),
                    _ augmentation: AugmentationRecord?) throws -> ProcessedUtterance {
            guard computed.frames == frames else {
                throw InputError(item.path, "internal: an augmented copy has \(computed.frames) frames, not \(frames)")
            }
            let dimension = options.mfcc.numCeps
            var features = Deltas.apply(options.deltas, to: computed.features, dimension: dimension)
            let outDimension = options.featureDimension
            CMVN.apply(options.cmvn, to: &features, dimension: outDimension)
            let statistics = features.withUnsafeBufferPointer { f in
                frameLabels.withUnsafeBufferPointer { FeatureStatistics(features: f, dimension: outDimension, labels: $0) }
            }
            var copyItem = item
            copyItem.id = id
            var utterance = ProcessedUtterance(item: copyItem, labelSource: labelSource, features: features, labels: frameLabels,
                                               waveform: computed.waveform, frames: frames, samples: samples, source: source,
                                               statistics: statistics, regionsCut: regionsCut, warnings: warnings)
            utterance.augmentation = augmentation
            return utterance
        }
        var out: [ProcessedUtterance] = []
        if let clean, keepClean {
            out.append(try finish(item.id, clean, nil))
            if let audioDirectory {
                try AudioWriter.write(id: item.id, samples: Array(signal), sampleRate: options.audio.sampleRate, speech: speech, to: audioDirectory)
            }
        }
        if augmenting, let augmenter, let copies = options.augment?.copies {
            for copy in 1...copies {
                let id = "\(item.id)~aug\(copy)"
                // The mix lives in the augmenter's buffers until the next copy.
                let (computed, record) = try augmenter.copy(copy, of: item.id, clean: signal, speech: speech) { mix, record in
                    if let audioDirectory {
                        try AudioWriter.write(id: id, samples: Array(mix), sampleRate: options.audio.sampleRate, speech: speech, to: audioDirectory)
                    }
                    return (compute(id: id) { accept in accept(mix) }, record)
                }
                out.append(try finish(id, computed, record))
            }
        }
        return out
    }
}

/// Seconds as short text: "2", "0.5", "1.25".
private func format(_ seconds: Double) -> String {
    var text = String(seconds)
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
}

/// FNV-1a, 64-bit, of a string's UTF-8 bytes: a stable per-utterance seed.
public func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}
