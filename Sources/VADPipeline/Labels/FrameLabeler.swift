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
    /// Labels for `frameCount` frames of a recording lasting `samples` samples.
    /// A segment may end past the audio by at most one frame shift (rounding in
    /// the tool that wrote it); anything further is an error naming the line.
    public static func labels(_ labels: RecordingLabels, grid: FrameGrid, frameCount: Int, samples: Int,
                              policy: LabelPolicy, path: String) throws(InputError) -> [UInt8] {
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
            let limit = samples + grid.shift
            for segment in segments {
                if grid.sampleBoundary(seconds: segment.end) > limit {
                    throw InputError(path, line: segment.line,
                                     "segment \(format(segment.start))-\(format(segment.end)) s ends after the audio (\(format(grid.seconds(samples: samples))) s)")
                }
                guard policy.isSpeech(segment.label) else { continue }
                for frame in grid.frames(centredIn: segment.start, segment.end, frameCount: frameCount) {
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
