import Foundation
import VADShards

/// Finds the labels of each recording: beside it (same stem, one of
/// `LabelFormat.searchedExtensions`), in a directory mirroring the corpus, or
/// in one corpus-wide RTTM file, parsed once.
public struct LabelResolver: Sendable {
    private enum Source: Sendable {
        case beside(corpus: String)
        case directory(String)
        case rttm(path: String, byFile: [String: [LabeledSegment]])
        case nowhere
    }

    private let source: Source
    private let forcedFormat: LabelFormat?

    /// A resolver that finds no labels (for recordings that only need features).
    public static let none = LabelResolver(source: .nowhere)

    private init(source: Source) {
        self.source = source
        forcedFormat = nil
    }

    public init(corpus: String, options: LabelOptions) throws(InputError) {
        forcedFormat = options.format
        guard let path = options.path else {
            source = .beside(corpus: corpus)
            return
        }
        if FileSystem.isDirectory(path) {
            source = .directory(path)
        } else {
            guard (options.format ?? LabelFormat(extension: (path as NSString).pathExtension)) == .rttm else {
                throw InputError(path, "--labels takes a directory of label files or one RTTM file for the whole corpus")
            }
            let text = try LabelFileParser.readText(path)
            source = .rttm(path: path, byFile: try LabelFileParser.parseRTTM(text, path: path))
        }
    }

    /// The labels of `item` and the file they came from, or nil if it has none.
    public func labels(for item: CorpusItem) throws(InputError) -> (RecordingLabels, source: String)? {
        let stem = ((item.id as NSString).lastPathComponent)
        switch source {
        case .nowhere:
            return nil
        case .rttm(let path, let byFile):
            guard let segments = byFile[item.id] ?? byFile[stem] else { return nil }
            return (.segments(segments), path)
        case .beside(let corpus):
            return try find(base: "\(corpus)/\(item.id)", stem: stem)
        case .directory(let directory):
            return try find(base: "\(directory)/\(item.id)", stem: stem)
        }
    }

    private func find(base: String, stem: String) throws(InputError) -> (RecordingLabels, source: String)? {
        for ext in LabelFormat.searchedExtensions {
            let path = "\(base).\(ext)"
            guard FileSystem.exists(path) else { continue }
            let format = forcedFormat ?? LabelFormat(extension: ext)!
            if format == .rttm {
                let byFile = try LabelFileParser.parseRTTM(try LabelFileParser.readText(path), path: path)
                if byFile.isEmpty { return (.segments([]), path) }
                guard let segments = byFile[stem] else {
                    throw InputError(path, "has no SPEAKER lines for \"\(stem)\" (it names \(byFile.keys.sorted().joined(separator: ", ")))")
                }
                return (.segments(segments), path)
            }
            return (try LabelFileParser.parse(path: path, format: format), path)
        }
        return nil
    }
}
