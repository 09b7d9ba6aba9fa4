import Foundation
import VADShards

/// One utterance of a corpus: where its audio is, which stretch of it, and
/// where its labels come from. The directory layout fills in only the first
/// three fields; other input kinds (see `CorpusSource`) the rest.
public struct CorpusItem: Equatable, Sendable {
    /// Path relative to the corpus directory, e.g. "en/utt-0001.wav" (for a
    /// Kaldi data directory: the `wav.scp` entry, a path or a command).
    public var relativePath: String
    /// The utterance id: `relativePath` without its extension in a directory.
    public var id: String
    /// The path as opened: corpus directory + relative path.
    public var path: String
    /// How to open the audio; `.file(path)` unless a manifest says otherwise.
    public var audio: AudioLocation
    /// The recording the utterance belongs to (labels on the recording's
    /// timeline are looked up by it); the utterance id unless it is a cut.
    public var recording: String
    /// The stretch of the recording this utterance is, when it is a cut.
    public var cut: Cut?
    /// The speaker, when the input names one.
    public var speaker: String?
    /// Speech regions the input itself gives; nil: the label resolver's.
    public var regions: Regions?
    /// The recording's duration as the input states it (Kaldi's `reco2dur`,
    /// a Lhotse recording's `duration`).
    public var statedSeconds: StatedDuration?
    /// The channel to read (counting from 1), when the input names one for
    /// this utterance (a Lhotse cut of a multi-channel recording); nil: `--channel`.
    public var channel: Int?
    /// The manifest line that names the audio, for messages about it (Lhotse).
    public var listedAt: Location?

    public init(relativePath: String, id: String, path: String) {
        self.relativePath = relativePath
        self.id = id
        self.path = path
        audio = .file(path)
        recording = id
    }

    /// A start and (optional) end time within a recording, in seconds, and
    /// the line that gives them.
    public struct Cut: Equatable, Sendable {
        public var start: Double
        /// nil: to the end of the recording.
        public var end: Double?
        public var file: String
        public var line: Int
        public init(start: Double, end: Double?, file: String, line: Int) {
            self.start = start
            self.end = end
            self.file = file
            self.line = line
        }
    }

    /// Speech regions on the utterance's own timeline, from `file`.
    public struct Regions: Equatable, Sendable {
        public var segments: [LabeledSegment]
        public var file: String
        public init(segments: [LabeledSegment], file: String) {
            self.segments = segments
            self.file = file
        }
    }

    public struct Location: Equatable, Sendable {
        public var file: String
        public var line: Int
        public init(file: String, line: Int) {
            self.file = file
            self.line = line
        }
    }

    public struct StatedDuration: Equatable, Sendable {
        public var seconds: Double
        public var file: String
        public var line: Int
    }

    /// What identifies the item in a listing's digest: the relative path for
    /// the directory layout (as before), more for items a manifest describes.
    var listingKey: String {
        guard audio != .file(path) || cut != nil || speaker != nil || regions != nil || recording != id || channel != nil else { return relativePath }
        var key = "\(id)\t\(relativePath)\t\(recording)"
        if let cut { key += "\t\(cut.start)\t\(cut.end.map { "\($0)" } ?? "-1")" }
        if let speaker { key += "\tspeaker=\(speaker)" }
        if let channel { key += "\tchannel=\(channel)" }
        if let regions { key += "\t" + regions.segments.map { "\($0.start)-\($0.end)" }.joined(separator: ",") }
        return key
    }
}

/// Where an utterance's audio comes from.
public enum AudioLocation: Equatable, Sendable {
    /// A file libsndfile opens.
    case file(String)
    /// A shell command whose standard output is the audio, given on `line` of `file`.
    case command(String, file: String, line: Int)
}

/// Finds the recordings of a corpus directory.
public enum Corpus {
    /// Extensions taken as audio (libsndfile's formats).
    public static let audioExtensions: Set<String> = [
        "wav", "wave", "flac", "ogg", "oga", "opus", "mp3", "aif", "aiff", "aifc", "au", "snd", "caf",
        "w64", "rf64", "sph", "nist", "voc", "htk", "sf", "ircam", "mat", "pvf", "xi", "sd2", "paf", "wve",
    ]

    /// Every file with an audio extension below `directory`, at any depth, in
    /// byte order of their relative paths (so the order is the same on every
    /// machine and locale). Hidden files and directories are skipped. Entries
    /// that are not regular files (a directory named `x.wav`, a broken link)
    /// are listed too, so that processing reports them.
    public static func scan(_ directory: String) throws(InputError) -> [CorpusItem] {
        guard FileSystem.isDirectory(directory) else {
            throw InputError(directory, FileSystem.exists(directory) ? "is not a directory" : "no such corpus directory")
        }
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw InputError(directory, "cannot list the corpus directory")
        }
        var items: [CorpusItem] = []
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                if FileSystem.isDirectory("\(base)/\(relative)") { enumerator.skipDescendants() }
                continue
            }
            let ext = (name as NSString).pathExtension.lowercased()
            guard audioExtensions.contains(ext) else { continue }
            if FileSystem.isDirectory("\(base)/\(relative)") { enumerator.skipDescendants() }
            items.append(CorpusItem(relativePath: relative, id: (relative as NSString).deletingPathExtension,
                                    path: "\(base)/\(relative)"))
        }
        return items.sorted { $0.relativePath.utf8.lexicographicallyPrecedes($1.relativePath.utf8) }
    }

    /// SHA-256 of `sources` sorted bytewise, one per line: the same for any
    /// order and any split into parts. For the directory layout, whose
    /// listing is its sorted relative paths, it equals `digest(_:)`.
    public static func sourcesDigest(_ sources: [String]) -> String {
        var hash = SHA256()
        for source in sources.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) { hash.update(Array((source + "\n").utf8)) }
        return hash.hexDigest()
    }

    /// SHA-256 of a listing: the relative paths, one per line.
    public static func digest(_ items: [CorpusItem]) -> String {
        var hash = SHA256()
        for item in items { hash.update(Array((item.listingKey + "\n").utf8)) }
        return hash.hexDigest()
    }
}
