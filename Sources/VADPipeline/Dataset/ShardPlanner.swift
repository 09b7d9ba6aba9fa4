import SoundFile
import VADShards

/// Foresees which utterances a shard will hold and how big each is, from the
/// recordings' headers alone, so that the shard can be written in place
/// (`DatasetWriter`). A foresight is only a guess the writer checks: an
/// utterance that differs (a recording that fails, or decodes to another
/// length than its header states) only costs the in-place writing of its shard.
///
/// It foresees a recording that is a whole file at the target sample rate
/// (no resampling, no cut): its samples are the header's frame count, its
/// frames `FrameGrid.frameCount`, its stored waveform (with raw frames) the
/// left padding plus the samples, padded to the end of the last raw frame.
/// Anything else ends the foresight: the shard is spooled. Its waveform is
/// foreseen to fit int16 exactly (see `DatasetWriter`) when the recording is
/// 8- or 16-bit PCM, one channel or one picked (`--channel`), and nothing is
/// augmented.
final class ShardPlanner {
    private let items: [CorpusItem]
    private let options: ExtractOptions
    private let rawLayout: RawFrameLayout?

    init(items: [CorpusItem], options: ExtractOptions) {
        self.items = items
        self.options = options
        rawLayout = options.rawFrames.map { UtteranceProcessor.layout($0, grid: options.mfcc.frame.grid) }
    }

    /// The utterances of a shard opened at item `start`, closed as
    /// `DatasetWriter` closes it (between recordings, once its data bytes
    /// reach the shard size); nil when one of them cannot be foreseen.
    func plan(from start: Int) -> [PlannedUtterance]? {
        let raw = rawLayout != nil
        // Counted as DatasetWriter counts them.
        var otherBytes = raw ? 16 : 8, samples = 0, fitsInt16 = true
        var planned: [PlannedUtterance] = []
        var index = start
        while index < items.count {
            if index > start && otherBytes + (fitsInt16 ? 2 : 4) * samples >= options.shardSizeBytes { break }
            guard let utterances = foresee(items[index]) else { return nil }
            for utterance in utterances {
                otherBytes += (raw ? 16 : 8) + utterance.frames * (4 * options.featureDimension + 1)
                samples += utterance.samples
                fitsInt16 = fitsInt16 && utterance.fitsInt16
            }
            planned += utterances
            index += 1
        }
        return planned
    }

    /// The utterances `item` gives, if they can be told from its header.
    private func foresee(_ item: CorpusItem) -> [PlannedUtterance]? {
        guard case .file(let path) = item.audio, item.cut == nil,
              let info = try? SoundFile(path: path).info, info.sampleRate == options.audio.sampleRate,
              info.frames > 0, info.frames < Int64(Int32.max) else { return nil }
        let grid = options.mfcc.frame.grid
        let samples = Int(info.frames)
        let frames = grid.frameCount(samples: samples)
        guard frames > 0 else { return nil }
        var stored = 0, fitsInt16 = false
        if let layout = rawLayout {
            stored = max(layout.leftPadding + samples, layout.first + (frames - 1) * layout.hop + layout.length)
            fitsInt16 = options.augment == nil && (info.channels == 1 || options.audio.channel != nil)
                && (info.encoding.hasSuffix("16 bit PCM") || info.encoding.hasSuffix("8 bit PCM"))
        }
        var ids: [String] = []
        if options.augment?.keepClean != false { ids.append(item.id) }
        if let copies = options.augment?.copies, copies > 0 { ids += (1...copies).map { "\(item.id)~aug\($0)" } }
        return ids.map { PlannedUtterance(id: $0, frames: frames, samples: stored, fitsInt16: fitsInt16) }
    }
}
