import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `Pipelines/corpus/make_corpus.py`, the Python generator of clean speech and
/// of the noise library: its own unit tests, and vadprep reading what it writes.
@Suite struct CorpusGeneratorTests {
    /// A Python with numpy (`TestSupport.python`).
    static let python = TestSupport.python

    static let generator = "\(TestSupport.packageRoot)/Pipelines/corpus/make_corpus.py"

    /// Every noise kind, the speech plans and labels, determinism and the option
    /// errors (Pipelines/corpus/test_make_corpus.py, plain unittest).
    @Test(.enabled(if: python != nil, "needs VADPREP_PYTHON, PYTHON or .build-venv with numpy"))
    func pythonUnitTestsPass() throws {
        let python = try #require(Self.python)
        let run = try TestSupport.run(python, ["\(TestSupport.packageRoot)/Pipelines/corpus/test_make_corpus.py"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("\nOK\n"), "\(run.stderr)")
    }

    /// vadprep extracts the clean corpus, and the speech it counts is the speech
    /// the generator labelled, to within a frame at each edge of a region.
    @Test(.enabled(if: python != nil, "needs VADPREP_PYTHON, PYTHON or .build-venv with numpy"))
    func vadprepReadsTheCleanCorpus() throws {
        let python = try #require(Self.python)
        let work = TestSupport.TemporaryDirectory()
        let clean = work.file("clean")
        let generate = try TestSupport.run(python, [Self.generator, "speech", clean, "--count", "4", "--seed", "21",
                                                   "--min-seconds", "2", "--max-seconds", "5", "--quiet"])
        #expect(generate.status == 0, "\(generate.stderr)")
        #expect(generate.stdout.hasPrefix("make_corpus.py: 4 files, "), "\(generate.stdout)")

        let rows = try String(contentsOfFile: "\(clean)/corpus.tsv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == 4)
        var labelledMs = 0, regions = 0
        for row in rows {
            let labels = try String(contentsOfFile: "\(clean)/\((row[1] as NSString).deletingPathExtension).txt", encoding: .utf8)
            for line in labels.split(separator: "\n") {
                let fields = line.split(separator: "\t")
                let ms = fields.prefix(2).map { Int($0.replacingOccurrences(of: ".", with: "")) ?? -1 }
                labelledMs += ms[1] - ms[0]
                regions += 1
            }
        }
        #expect(regions > 0)

        let out = work.file("features")
        let extract = try TestSupport.vadprep(["extract", clean, "--out", out, "--quiet"])
        #expect(extract.status == 0, "\(extract.stderr)")
        let index = try CraftedDataset.index(out)
        #expect(index.utterances.count == 4)
        // 10 ms frames: each region's edges can gain or lose a frame.
        let speechFrames = index.statistics.speechFrames
        #expect(speechFrames > 0 && index.statistics.labelledFrames == index.statistics.frames)
        #expect(abs(speechFrames - labelledMs / 10) <= 2 * regions, "\(speechFrames) frames, \(labelledMs) ms labelled")
    }
}
