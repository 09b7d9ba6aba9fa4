import SoundFile
import VADShards

/// Part `index` of `count` of a corpus (`--part K/N`, K counting from 0 as a
/// Slurm array task id does).
public struct CorpusPart: Codable, Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses "K/N"; nil when the text is not of that form with 0 ≤ K < N.
    public init?(_ text: String) {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, let index = Int(pieces[0]), let count = Int(pieces[1]),
              count >= 1, (0..<count).contains(index) else { return nil }
        self.init(index: index, count: count)
    }

    public var description: String { "\(index)/\(count)" }
}

/// How a corpus is cut into parts for independent jobs.
///
/// Parts are contiguous runs of the sorted corpus listing with about the same
/// hours of audio each, judged from the file headers (no audio is decoded).
/// A recording goes to the part in which the middle of its span on the
/// cumulative duration axis falls: recording `i` of total duration `T` is in
/// part `floor(N * (d_0 + … + d_(i-1) + d_i / 2) / T)`. So parts differ from
/// an equal share by at most about one recording, every machine computes the
/// same cut from the same listing, and the parts' utterances, concatenated in
/// part order, are in the same order as a single run's, which is what lets
/// `vadprep merge` reproduce a single-machine dataset. Files whose header
/// cannot be read count as zero seconds; the part that gets them reports them
/// as failures, as a single run would.
public enum CorpusPartition {
    /// Duration in seconds from the header of `path`, or 0 when it cannot be read.
    public static func headerSeconds(_ path: String) -> Double {
        guard let file = try? SoundFile(path: path), file.info.sampleRate > 0, file.info.frames > 0 else { return 0 }
        return Double(file.info.frames) / Double(file.info.sampleRate)
    }

    /// Duration of an item without decoding it: a cut's own length when it
    /// states its end, else the duration its input states (Kaldi's
    /// `reco2dur`), else the header of its file; 0 for a command's output,
    /// which is not run just to weigh it.
    public static func estimatedSeconds(_ item: CorpusItem) -> Double {
        if let cut = item.cut, let end = cut.end { return max(0, end - cut.start) }
        let whole: Double
        if let stated = item.statedSeconds {
            whole = stated.seconds
        } else if case .file(let path) = item.audio {
            whole = headerSeconds(path)
        } else {
            whole = 0
        }
        return max(0, whole - (item.cut?.start ?? 0))
    }

    /// The part (0..<count) of each of `seconds` (durations in listing order).
    /// When no duration is known, every file weighs the same.
    public static func assign(seconds: [Double], count: Int) -> [Int] {
        // A duration a manifest states may be anything: only finite positive ones weigh.
        let known = seconds.map { $0.isFinite && $0 > 0 ? $0 : 0 }
        var weights = known.contains { $0 > 0 } ? known : known.map { _ in 1.0 }
        if !weights.reduce(0, +).isFinite { weights = weights.map { _ in 1.0 } }  // durations that overflow their sum
        let total = weights.reduce(0, +)
        var before = 0.0
        return weights.map { weight in
            let middle = before + weight / 2
            before += weight
            return min(count - 1, Int((Double(count) * middle / total).rounded(.down)))
        }
    }

    /// The items of `part`, in listing order, and each part's seconds of audio.
    public static func select(_ items: [CorpusItem], part: CorpusPart,
                              seconds: (CorpusItem) -> Double = estimatedSeconds) -> (items: [CorpusItem], partSeconds: [Double]) {
        let durations = items.map(seconds)
        let parts = assign(seconds: durations, count: part.count)
        var partSeconds = Array(repeating: 0.0, count: part.count)
        for (p, d) in zip(parts, durations) { partSeconds[p] += d }
        return (zip(items, parts).filter { $0.1 == part.index }.map(\.0), partSeconds)
    }
}
