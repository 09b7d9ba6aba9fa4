import Foundation
import Testing
import _VADTestSupport

/// `Pipelines/make-corpus.sh`, the generator of every corpus the project
/// trains and tests on: its noise options and their guarantees.
@Suite struct MakeCorpusTests {
    static func corpusTSV(_ directory: String) throws -> [[String]] {
        try String(contentsOfFile: "\(directory)/corpus.tsv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
    }

    static func files(_ directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for case let name as String in FileManager.default.enumerator(atPath: directory)! {
            var isDirectory: ObjCBool = false
            let path = "\(directory)/\(name)"
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                result[name] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return result
    }

    /// Shaping off (the default) draws nothing that changes a corpus, so
    /// corpora made before the option existed keep their bytes; shaping on
    /// changes the noise and says so in corpus.tsv, never for "none".
    @Test func noiseShapingIsOptInAndRecorded() throws {
        let work = TestSupport.TemporaryDirectory()
        let common = ["--count", "6", "--seed", "11", "--noises", "pink,babble,none", "--min-seconds", "3", "--max-seconds", "5",
                      "--quiet"]
        for (name, extra) in [("plain", [String]()), ("zero", ["--noise-shaping", "0"]), ("one", ["--noise-shaping", "1"])] {
            let run = try TestSupport.pipeline("make-corpus.sh", [work.file(name)] + common + extra)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let plain = try Self.files(work.file("plain"))
        #expect(plain.count == 13)
        #expect(try Self.files(work.file("zero")) == plain)

        let plainRows = try Self.corpusTSV(work.file("plain")), shapedRows = try Self.corpusTSV(work.file("one"))
        #expect(shapedRows.map { $0[7] } == plainRows.map { $0[7] })  // the same SNRs
        #expect(Set(plainRows.map { $0[6] }) == ["pink", "babble", "none"])
        let shaped = try Self.files(work.file("one"))
        for (plainRow, shapedRow) in zip(plainRows, shapedRows) {
            let audio = plainRow[1], labels = (audio as NSString).deletingPathExtension + ".txt"
            #expect(shaped[labels] == plain[labels], "\(labels): shaping must not move the speech")
            if plainRow[6] == "none" {
                #expect(shapedRow[6] == "none")
                #expect(shaped[audio] == plain[audio])
            } else {
                #expect(shapedRow[6] == plainRow[6] + "~shaped")
                #expect(shaped[audio] != plain[audio])
            }
        }
    }

    /// Every noise type renders, shaped, in the new languages too (sox
    /// accepts every parameter the generator can draw).
    @Test(arguments: ["white", "pink", "brown", "babble", "hum", "music", "tones", "engine", "melody", "chords", "wind",
                      "traffic", "cafe", "rain", "fan", "typing", "birds", "vacuum"])
    func everyNoiseTypeRenders(noise: String) throws {
        let work = TestSupport.TemporaryDirectory()
        let run = try TestSupport.pipeline("make-corpus.sh", [work.file("c"), "--count", "3", "--seed", "5", "--noises", noise,
                                                             "--noise-shaping", "1", "--languages", "uk,lt,sl,ga,sr",
                                                             "--min-seconds", "2", "--max-seconds", "4", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try Self.corpusTSV(work.file("c"))
        #expect(rows.count == 3)
        #expect(rows.contains { $0[5] != "0.000" })
        for row in rows {
            // Noise is scaled against the speech: a recording without speech gets none, and says so.
            #expect(row[6] == (row[5] == "0.000" ? "none" : noise + "~shaped"), "\(row)")
        }
        #expect(Set(rows.map { $0[2] }).isSubset(of: ["uk", "lt", "sl", "ga", "sr"]))
    }

    @Test func badNoiseShapingIsRefused() throws {
        let work = TestSupport.TemporaryDirectory()
        for value in ["1.5", "-0.1", "half"] {
            let run = try TestSupport.pipeline("make-corpus.sh", [work.file("c"), "--noise-shaping", value])
            #expect(run.status == 2)
            #expect(run.stderr.hasPrefix("make-corpus.sh: --noise-shaping must be a probability from 0 to 1, not '\(value)'\nusage:"))
        }
    }
}
