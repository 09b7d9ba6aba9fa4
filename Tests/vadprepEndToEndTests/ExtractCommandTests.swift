import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `vadprep extract`, `inspect` and `verify`, run as the built executable.
@Suite(.serialized) struct ExtractCommandTests {
    static let corpus = TestSupport.fixture("corpus")

    /// Every file of the output, by name, as bytes.
    static func contents(_ directory: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            out[name] = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)"))
        }
        return out
    }

    /// The same corpus and options give identical bytes with one job or two,
    /// several shards included.
    /// (Also with dither on: each utterance's noise is seeded from its id.)
    @Test(arguments: [[String](), ["--dither", "1", "--seed", "7", "--cmvn", "sliding"]])
    func outputDoesNotDependOnJobs(options: [String]) throws {
        let work = TestSupport.TemporaryDirectory()
        for jobs in ["1", "2"] {
            let run = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.file("jobs\(jobs)"), "--jobs", jobs,
                                               "--raw-frames", "--shard-size", "150k", "--quiet"] + options)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let one = try Self.contents(work.file("jobs1")), two = try Self.contents(work.file("jobs2"))
        #expect(one.keys.sorted() == two.keys.sorted())
        #expect(one.keys.filter { $0.hasSuffix(".safetensors") }.count >= 2, "expected several shards")
        for (name, bytes) in one { #expect(bytes == two[name], "\(name) differs between --jobs 1 and --jobs 2") }
        // And the dataset is intact.
        let verify = try TestSupport.vadprep(["verify", work.file("jobs1")])
        #expect(verify.status == 0 && verify.stdout.hasPrefix("ok: "), "\(verify.stderr)")
    }

    /// Every label format in the fixture corpus is found and used, and the
    /// index says where each utterance is.
    @Test func indexDescribesTheCorpus() throws {
        let work = TestSupport.TemporaryDirectory()
        let run = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let index = try DatasetIndex.read(from: work.path)
        #expect(index.utterances.map(\.id) == ["float-48k", "nested/vorbis-22k", "speech-16k", "speech-8k", "stereo-44k"])
        #expect(index.utterances.map(\.labelSource) == ["float-48k.frames", "nested/vorbis-22k.txt", "speech-16k.txt",
                                                        "speech-8k.lab", "stereo-44k.rttm"])
        #expect(index.utterances.map(\.sourceSampleRate) == [48000, 22050, 16000, 8000, 44100])
        #expect(index.featureDim == 40 && index.featureNames.first == "energy" && index.featureNames.last == "delta_c19")
        #expect(index.utterances.allSatisfy { ($0.speechFraction ?? 0) > 0.1 && ($0.speechFraction ?? 1) < 0.9 })
        #expect(index.failures.isEmpty)
        // A dataset's index round-trips through its own reader.
        #expect(try DatasetIndex.read(from: work.path).encoded() == (try Data(contentsOf: URL(fileURLWithPath: work.file("index.json")))).map { $0 })
    }

    /// Labels from a directory mirroring the corpus, and from one corpus-wide
    /// RTTM file, give the same frame labels as the files beside the recordings.
    @Test func labelsFromElsewhere() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = work.file("corpus"), labels = work.file("labels")
        let manager = FileManager.default
        try manager.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        try manager.createDirectory(atPath: labels, withIntermediateDirectories: true)
        for name in ["speech-16k.wav", "speech-8k.wav"] {
            try manager.copyItem(atPath: TestSupport.fixture("corpus/\(name)"), toPath: "\(corpus)/\(name)")
        }
        try manager.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.txt"), toPath: "\(labels)/speech-16k.txt")
        try manager.copyItem(atPath: TestSupport.fixture("corpus/speech-8k.lab"), toPath: "\(labels)/speech-8k.lab")
        // The same segments as one RTTM for both recordings.
        var rttm = ""
        for (stem, file) in [("speech-16k", "speech-16k.txt"), ("speech-8k", "speech-8k.lab")] {
            let segments = try LabelTestText.segments(TestSupport.fixture("corpus/\(file)"))
            for (start, end) in segments { rttm += "SPEAKER \(stem) 1 \(start) \(end - start) <NA> <NA> s1 <NA> <NA>\n" }
        }
        try TestSupport.write(rttm, to: work.file("all.rttm"))

        let beside = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", work.file("beside"), "--quiet"])
        let fromDirectory = try TestSupport.vadprep(["extract", corpus, "--out", work.file("dir"), "--labels", labels, "--quiet"])
        let fromRTTM = try TestSupport.vadprep(["extract", corpus, "--out", work.file("rttm"), "--labels", work.file("all.rttm"), "--quiet"])
        #expect(beside.status == 0 && fromDirectory.status == 0 && fromRTTM.status == 0, "\(fromDirectory.stderr)\(fromRTTM.stderr)")
        func labelsByID(_ dataset: String) throws -> [String: [UInt8]] {
            let index = try DatasetIndex.read(from: dataset)
            var out: [String: [UInt8]] = [:]
            for (number, shard) in index.shards.enumerated() {
                let reader = try ShardReader(path: "\(dataset)/\(shard.file)")
                let offsets = try reader.int64s("utterance_offsets"), labels = try reader.bytes("labels")
                for utterance in index.utterances where utterance.shard == number {
                    out[utterance.id] = Array(labels[Int(offsets[utterance.row])..<Int(offsets[utterance.row + 1])])
                }
            }
            return out
        }
        let expected = try labelsByID(work.file("beside"))
        for dataset in ["dir", "rttm"] {
            let got = try labelsByID(work.file(dataset))
            for id in ["speech-16k", "speech-8k"] { #expect(got[id] == expected[id], "\(dataset): \(id)") }
        }
        #expect(try DatasetIndex.read(from: work.file("rttm")).utterances.map(\.labelSource) == [work.file("all.rttm"), work.file("all.rttm")])
    }

    /// Bad recordings and label files are each reported with the file (and
    /// line), the good recordings of the same run are written, and the exit
    /// status is 1.
    @Test func badInputIsReportedAndTheRestIsKept() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = work.file("corpus")
        let manager = FileManager.default
        try manager.createDirectory(atPath: "\(corpus)/dir.wav", withIntermediateDirectories: true)
        let good = TestSupport.fixture("corpus/speech-16k.wav")
        let goodLabels = try String(contentsOfFile: TestSupport.fixture("corpus/speech-16k.txt"), encoding: .utf8)
        let audio = try Data(contentsOf: URL(fileURLWithPath: good))
        for name in ["good", "badlabel", "past", "nolabel"] { try audio.write(to: URL(fileURLWithPath: "\(corpus)/\(name).wav")) }
        try TestSupport.write(goodLabels, to: "\(corpus)/good.txt")
        try TestSupport.write("0.1\t0.5\tspeech\n0.7\toops\tspeech\n", to: "\(corpus)/badlabel.txt")
        try TestSupport.write("0.1 9.5\n", to: "\(corpus)/past.lab")
        try Data().write(to: URL(fileURLWithPath: "\(corpus)/empty.wav"))
        try TestSupport.write("this is text\n", to: "\(corpus)/text.wav")
        try audio.prefix(2000).write(to: URL(fileURLWithPath: "\(corpus)/truncated.wav"))
        try manager.createSymbolicLink(atPath: "\(corpus)/broken.wav", withDestinationPath: "\(corpus)/nowhere")
        for name in ["empty", "text", "truncated", "broken"] { try TestSupport.write(goodLabels, to: "\(corpus)/\(name).txt") }

        let run = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out"), "--quiet"], in: work.path)
        #expect(run.status == 1)
        #expect(run.stderr == """
            vadprep extract: 8 of 9 files failed:
              \(corpus)/badlabel.txt:2: end time is not a number: "oops"
              \(corpus)/broken.wav: cannot open: broken symbolic link
              \(corpus)/dir.wav: is a directory, not an audio file
              \(corpus)/empty.wav: is empty (0 bytes)
              \(corpus)/nolabel.wav: has no label file (looked for nolabel.rttm, nolabel.frames, nolabel.lab, nolabel.tsv, nolabel.txt); use --allow-unlabelled to keep it
              \(corpus)/past.lab:1: segment 0.1-9.5 s ends after the audio (2 s)
              \(corpus)/text.wav: cannot read audio: Format not recognised.
              \(corpus)/truncated.wav: truncated: the header announces 64000 bytes of audio data but the file holds 1956

            """)
        let index = try DatasetIndex.read(from: work.file("out"))
        #expect(index.utterances.map(\.id) == ["good"])
        #expect(index.failures.map(\.source) == ["badlabel.wav", "broken.wav", "dir.wav", "empty.wav", "nolabel.wav",
                                                 "past.wav", "text.wav", "truncated.wav"])
        // No temporary or partial file is left behind.
        #expect(try manager.contentsOfDirectory(atPath: work.file("out")).sorted() == ["index.json", "shard-00000.safetensors"])

        // --allow-unlabelled keeps the unlabelled recording, with unknown labels.
        let again = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out2"), "--quiet", "--allow-unlabelled"])
        let kept = try DatasetIndex.read(from: work.file("out2"))
        #expect(again.status == 1 && kept.utterances.map(\.id) == ["good", "nolabel"] && kept.utterances[1].speechFraction == nil)
    }

    @Test func outputDirectoryIsNeverClobberedSilently() throws {
        let work = TestSupport.TemporaryDirectory()
        try TestSupport.write("mine\n", to: work.file("out/notes.txt"))
        let refused = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.file("out"), "--quiet"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "vadprep extract: \(work.file("out")): output directory is not empty; use --resume to continue an unfinished dataset in it, or --force to replace it\n")
        let forced = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.file("out"), "--quiet", "--force"])
        #expect(forced.stderr == "vadprep extract: \(work.file("out")): holds files that are not part of a vadprep dataset; refusing to replace it\n")
        #expect(FileManager.default.fileExists(atPath: work.file("out/notes.txt")))
        // A dataset directory is replaced with --force.
        _ = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.file("ds"), "--quiet"])
        let replaced = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.file("ds"), "--quiet", "--force", "--num-ceps", "13"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try DatasetIndex.read(from: work.file("ds")).featureDim == 26)
    }

    @Test(arguments: [
        (["--num-ceps", "30"], "Error: --num-ceps 30: must be between 1 and --num-mel-bins (23)"),
        (["--shard-size", "12X"], "Error: --shard-size 12X: must be a size such as 256M, 1G or 500000 (bytes), from 1 byte to less than 10^15"),
        (["--jobs", "0"], "Error: --jobs 0: must be between 1 and 1024"),
        (["--window-type", "kaiser"], """
            Error: The value 'kaiser' is invalid for '--window-type <window-type>'. Please provide one of the following:
              - hamming
              - hanning
              - povey
              - rectangular
              - blackman
              - sine
            """),
    ])
    func badOptionsAreRefused(arguments: [String], message: String) throws {
        let work = TestSupport.TemporaryDirectory()
        let run = try TestSupport.vadprep(["extract", Self.corpus, "--out", work.file("out")] + arguments)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix(message + "\n"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.file("out")))
    }

    /// verify names the damaged file for a flipped byte, a truncated or missing
    /// shard, an unlisted shard and a tampered index.
    @Test func verifyFindsDamage() throws {
        let work = TestSupport.TemporaryDirectory()
        let dataset = work.file("ds")
        _ = try TestSupport.vadprep(["extract", Self.corpus, "--out", dataset, "--quiet", "--shard-size", "150k"])
        let shard = "\(dataset)/shard-00000.safetensors"
        let original = try Data(contentsOf: URL(fileURLWithPath: shard))
        let index = try Data(contentsOf: URL(fileURLWithPath: "\(dataset)/index.json"))
        func verify() throws -> TestSupport.Run { try TestSupport.vadprep(["verify", dataset, "--quiet"]) }
        func restore() throws {
            try original.write(to: URL(fileURLWithPath: shard))
            try index.write(to: URL(fileURLWithPath: "\(dataset)/index.json"))
        }

        // A flipped byte anywhere in a shard or in the index: the ends, and 25
        // offsets spread over each file from a fixed seed.
        var state: UInt64 = 2026
        func offsets(_ count: Int) -> [Int] {
            [0, 7, 8, count / 2, count - 1] + (0..<25).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int(state >> 33) % count
            }
        }
        for (path, bytes) in [(shard, original), ("\(dataset)/index.json", index)] {
            for offset in offsets(bytes.count) {
                var damaged = bytes
                damaged[offset] ^= 1 << (offset % 8)
                try damaged.write(to: URL(fileURLWithPath: path))
                let run = try verify()
                #expect(run.status == 1 && run.stderr.hasPrefix("vadprep verify: \(path): "), "offset \(offset): \(run.stderr)")
                try bytes.write(to: URL(fileURLWithPath: path))
            }
        }
        try original.prefix(original.count - 100).write(to: URL(fileURLWithPath: shard))
        #expect(try verify().stderr == "vadprep verify: \(shard): is \(original.count - 100) bytes, the index records \(original.count) (truncated or replaced)\n")
        try FileManager.default.removeItem(atPath: shard)
        #expect(try verify().stderr == "vadprep verify: \(shard): is missing\n")
        try restore()
        try original.write(to: URL(fileURLWithPath: "\(dataset)/shard-00099.safetensors"))
        #expect(try verify().stderr == "vadprep verify: \(dataset)/shard-00099.safetensors: is not listed in the index\n")
        try FileManager.default.removeItem(atPath: "\(dataset)/shard-00099.safetensors")
        var tampered = try DatasetIndex.read(from: dataset)
        tampered.utterances[0].frames += 1
        try tampered.write(to: dataset)
        let run = try verify()
        #expect(run.status == 1 && run.stderr.contains("\(dataset)/index.json: "), "\(run.stderr)")
        try restore()
        #expect(try verify().status == 0)
    }
}

/// Reads the (start, end) pairs of a segments label file, independently of vadprep.
enum LabelTestText {
    static func segments(_ path: String) throws -> [(Double, Double)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let start = Double(fields[0]), let end = Double(fields[1]) else { return nil }
            return (start, end)
        }
    }
}
