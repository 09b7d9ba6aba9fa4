import Foundation
import Testing
import _VADTestSupport

/// `a/x.wav` and `b/x.wav` with an RTTM that names only `x`: extract stops,
/// naming the RTTM line and both recordings, and writes no dataset.
@Suite struct AmbiguousLabelTests {
    @Test func extractRefusesAStemOfTwoRecordings() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = work.file("corpus")
        for directory in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(corpus)/\(directory)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.wav"), toPath: "\(corpus)/\(directory)/x.wav")
        }
        let rttm = work.file("all.rttm")
        try TestSupport.write("SPEAKER x 1 0.5 1 <NA> <NA> s <NA> <NA>\n", to: rttm)
        let run = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out"), "--labels", rttm, "--quiet"])
        #expect(run.status == 1)
        #expect(run.stderr == "vadprep extract: \(rttm):1: \"x\" names 2 recordings (a/x.wav, b/x.wav); name each by its path in the corpus without the extension (a/x, b/x)\n")
        #expect(!FileManager.default.fileExists(atPath: work.file("out/index.json")))

        // Named by id, each gets its own line.
        try TestSupport.write("SPEAKER a/x 1 0.5 1 <NA> <NA> s <NA> <NA>\nSPEAKER b/x 1 0.8 1 <NA> <NA> s <NA> <NA>\n", to: rttm)
        let fixed = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out"), "--labels", rttm, "--quiet"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }
}
