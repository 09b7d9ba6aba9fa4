import VADShards

/// Which segment labels mean speech.
public struct LabelPolicy: Codable, Equatable, Sendable {
    /// When non-empty, only segments with one of these labels (case-insensitive)
    /// are speech. When empty, every segment is speech unless its label is in
    /// `nonSpeechLabels`. Segments without a label are always speech.
    public var speechLabels: [String] = []
    /// Labels that mark non-speech when `speechLabels` is empty.
    public var nonSpeechLabels = ["nonspeech", "non-speech", "non_speech", "silence", "sil", "<sil>", "sp",
                                  "noise", "music", "ns", "0"]

    public init() {}

    public func isSpeech(_ label: String) -> Bool {
        let key = label.lowercased()
        if key.isEmpty { return true }
        if !speechLabels.isEmpty { return speechLabels.contains { $0.lowercased() == key } }
        return !nonSpeechLabels.contains { $0.lowercased() == key }
    }
}

/// Turns what a label file says into one label per frame on a `FrameGrid`:
/// frame i is speech when its centre lies in a speech segment `[start, end)`.
public enum FrameLabeler {
    /// The overshoot allowed by default, in seconds (Kaldi's
    /// `extract-segments --max-overshoot`).
    public static let defaultMaxOvershoot = 0.5

    /// Labels for `frameCount` frames of a recording lasting `samples` samples.
    /// A segment may end past the audio by at most `maxOvershoot` seconds: it
    /// is then cut at the end (and counted in `regionsCut` when it ends more
    /// than half a frame shift after the audio, further than rounding in the
    /// tool that wrote it); anything further is an error naming the line. A
    /// segment whose end is infinite runs to the end of the audio.
    public static func labels(_ labels: RecordingLabels, grid: FrameGrid, frameCount: Int, samples: Int,
                              policy: LabelPolicy, maxOvershoot: Double = defaultMaxOvershoot,
                              path: String) throws(InputError) -> [UInt8] {
        var cut = 0
        return try self.labels(labels, grid: grid, frameCount: frameCount, samples: samples, policy: policy,
                               maxOvershoot: maxOvershoot, path: path, regionsCut: &cut)
    }

    public static func labels(_ labels: RecordingLabels, grid: FrameGrid, frameCount: Int, samples: Int,
                              policy: LabelPolicy, maxOvershoot: Double, path: String,
                              regionsCut: inout Int) throws(InputError) -> [UInt8] {
        switch labels {
        case .frames(let values, let lines):
            guard values.count == frameCount else {
                let at = values.count > frameCount ? lines[frameCount] : lines.last
                throw InputError(path, line: at, "has \(values.count) frame labels but the audio has \(frameCount) frames "
                    + "(\(grid.seconds(samples: samples)) s at a \(grid.seconds(samples: grid.shift) * 1000) ms shift)")
            }
            return values
        case .segments(let segments):
            var out = [UInt8](repeating: FrameLabel.nonSpeech, count: frameCount)
            let limit = samples + max(grid.sampleBoundary(seconds: maxOvershoot), 0)
            let rounding = samples + grid.shift / 2
            for segment in segments {
                var end = segment.end
                if end.isFinite {
                    let boundary = grid.sampleBoundary(seconds: end)
                    if boundary > limit {
                        throw InputError(path, line: segment.line,
                                         "segment \(format(segment.start))-\(format(segment.end)) s ends after the audio (\(format(grid.seconds(samples: samples))) s)")
                    }
                    if boundary > rounding { regionsCut += 1 }
                } else {
                    end = grid.seconds(samples: samples)
                }
                guard policy.isSpeech(segment.label) else { continue }
                for frame in grid.frames(centredIn: segment.start, min(end, grid.seconds(samples: samples)), frameCount: frameCount) {
                    out[frame] = FrameLabel.speech
                }
            }
            return out
        }
    }

    private static func format(_ seconds: Double) -> String {
        var text = String(seconds)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
