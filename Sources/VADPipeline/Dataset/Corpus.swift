import Foundation
import VADShards

/// One recording of a corpus.
public struct CorpusItem: Equatable, Sendable {
    /// Path relative to the corpus directory, e.g. "en/utt-0001.wav".
    public var relativePath: String
    /// `relativePath` without its extension: the utterance id.
    public var id: String
    /// The path as opened: corpus directory + relative path.
    public var path: String

    public init(relativePath: String, id: String, path: String) {
        self.relativePath = relativePath
        self.id = id
        self.path = path
    }
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

    /// SHA-256 of a listing: the relative paths, one per line.
    public static func digest(_ items: [CorpusItem]) -> String {
        var hash = SHA256()
        for item in items { hash.update(Array((item.relativePath + "\n").utf8)) }
        return hash.hexDigest()
    }
}
