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

    /// `recordings` are the corpus's recordings (all of them, also when only a
    /// part is extracted): a corpus-wide RTTM that names a recording by its
    /// stem alone must name only one of them.
    public init(corpus: String, options: LabelOptions, recordings: [CorpusItem]) throws(InputError) {
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
            let byFile = try LabelFileParser.parseRTTM(text, path: path)
            try Self.checkStems(byFile, path: path, recordings: recordings)
            source = .rttm(path: path, byFile: byFile)
        }
    }

    /// Throws when a file name of the RTTM is the stem of two or more
    /// recordings that it does not name by their whole id (`a/x`, `b/x` and
    /// a line for `x`): those would all get the same labels.
    private static func checkStems(_ byFile: [String: [LabeledSegment]], path: String,
                                   recordings: [CorpusItem]) throws(InputError) {
        var byStem: [String: [CorpusItem]] = [:]
        for item in recordings where byFile[item.id] == nil {
            let stem = (item.id as NSString).lastPathComponent
            if byFile[stem] != nil { byStem[stem, default: []].append(item) }
        }
        for stem in byStem.keys.sorted() {
            guard let items = byStem[stem], items.count > 1 else { continue }
            let names = items.map(\.relativePath)
            throw InputError(path, line: byFile[stem]?.first?.line,
                             "\"\(stem)\" names \(names.count) recordings (\(names.joined(separator: ", "))); name each by its path in the corpus without the extension (\(items.map(\.id).joined(separator: ", ")))")
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
