import Foundation
import Testing
import VADPipeline
import _VADTestSupport

/// A corpus-wide RTTM names recordings by id (`a/x`) or by stem (`x`); a stem
/// shared by two recordings must not give both the same labels.
@Suite struct LabelResolverTests {
    static func item(_ id: String) -> CorpusItem {
        CorpusItem(relativePath: id + ".wav", id: id, path: "corpus/\(id).wav")
    }

    @Test func aStemOfTwoRecordingsIsAnError() throws {
        let rttm = "SPEAKER y 1 0 1 <NA> <NA> s <NA> <NA>\nSPEAKER x 1 0.5 1 <NA> <NA> s <NA> <NA>\n"
        let work = TestSupport.TemporaryDirectory()
        let path = work.file("all.rttm")
        try TestSupport.write(rttm, to: path)
        var options = LabelOptions()
        options.path = path
        #expect(throws: InputError(path, line: 2, "\"x\" names 2 recordings (a/x.wav, b/x.wav); name each by its path in the corpus without the extension (a/x, b/x)")) {
            try LabelResolver(corpus: "corpus", options: options, recordings: [Self.item("a/x"), Self.item("b/x"), Self.item("y")])
        }
    }

    /// Whole ids are unambiguous; a stem still serves the one recording that
    /// has no line of its own.
    @Test func wholeIdsAndUniqueStemsResolve() throws {
        let rttm = "SPEAKER a/x 1 0 1 <NA> <NA> s <NA> <NA>\nSPEAKER b/x 1 2 1 <NA> <NA> s <NA> <NA>\nSPEAKER y 1 3 1 <NA> <NA> s <NA> <NA>\n"
        let work = TestSupport.TemporaryDirectory()
        let path = work.file("all.rttm")
        try TestSupport.write(rttm, to: path)
        var options = LabelOptions()
        options.path = path
        let items = [Self.item("a/x"), Self.item("b/x"), Self.item("c/y")]
        let resolver = try LabelResolver(corpus: "corpus", options: options, recordings: items)
        func starts(_ item: CorpusItem) throws -> [Double]? {
            guard let (labels, _) = try resolver.labels(for: item), case .segments(let segments) = labels else { return nil }
            return segments.map(\.start)
        }
        #expect(try starts(items[0]) == [0])
        #expect(try starts(items[1]) == [2])
        #expect(try starts(items[2]) == [3])

        // With a line for `x` as well, a/x and b/x still take their own lines.
        try TestSupport.write(rttm + "SPEAKER x 1 5 1 <NA> <NA> s <NA> <NA>\n", to: path)
        let both = try LabelResolver(corpus: "corpus", options: options, recordings: items)
        guard let (labels, _) = try both.labels(for: items[1]), case .segments(let segments) = labels else {
            Issue.record("no labels for b/x")
            return
        }
        #expect(segments.map(\.start) == [2])
    }
}
