import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `vadprep extract` on a Kaldi data directory, and the overshoot rule, run
/// as the built executable.
@Suite(.serialized) struct KaldiInputTests {
    /// The fixture recordings whose labels are segments, with those labels:
    /// (id, audio file, label file, speech regions).
    static let recordings: [(id: String, audio: String, label: String, regions: [(Double, Double)])] = [
        ("nested/vorbis-22k", "nested/vorbis-22k.ogg", "nested/vorbis-22k.txt", [(0.4, 1.036)]),
        ("speech-16k", "speech-16k.wav", "speech-16k.txt", [(0.25, 0.751), (1.0, 1.9)]),
        ("speech-8k", "speech-8k.wav", "speech-8k.lab", [(0.2, 0.49), (0.8, 1.4)]),
        ("stereo-44k", "stereo-44k.flac", "stereo-44k.rttm", [(0.3, 1.07)]),
    ]

    /// A corpus directory holding those recordings and their label files.
    static func directoryCorpus(in work: TestSupport.TemporaryDirectory) throws -> String {
        let corpus = work.file("corpus")
        for recording in recordings {
            for name in [recording.audio, recording.label] {
                try FileManager.default.createDirectory(atPath: ("\(corpus)/\(name)" as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: TestSupport.fixture("corpus/\(name)"), toPath: "\(corpus)/\(name)")
            }
        }
        return corpus
    }

    /// The same recordings as a Kaldi data directory, lines deliberately
    /// unsorted; speech-8k comes through `sox ... -t wav - |`.
    static func kaldiDirectory(in work: TestSupport.TemporaryDirectory, name: String = "data") throws -> String {
        let data = work.file(name)
        var wav = "", segments = "", utt2spk = ""
        for recording in recordings.reversed() {
            let path = TestSupport.fixture("corpus/\(recording.audio)")
            wav += recording.id == "speech-8k" ? "\(recording.id) sox \(path) -t wav - |\n" : "\(recording.id) \(path)\n"
            for (number, region) in recording.regions.enumerated().reversed() {
                segments += "\(recording.id)-\(number) \(recording.id) \(region.0) \(region.1)\n"
                utt2spk += "\(recording.id)-\(number) \(recording.id == "stereo-44k" ? "speech-16k" : recording.id)-speaker\n"
            }
        }
        try TestSupport.write(wav, to: "\(data)/wav.scp")
        try TestSupport.write(segments, to: "\(data)/segments")
        try TestSupport.write(utt2spk, to: "\(data)/utt2spk")
        return data
    }

    /// The fixture recordings as a directory and as a Kaldi data directory
    /// (one through a piped sox command) give the same features and labels,
    /// utterance by utterance; the index records the input and the speakers.
    @Test func kaldiDataDirectoryMatchesTheDirectoryLayout() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try Self.directoryCorpus(in: work), data = try Self.kaldiDirectory(in: work)
        let plain = try TestSupport.vadprep(["extract", corpus, "--out", work.file("plain"), "--quiet"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let kaldi = try TestSupport.vadprep(["extract", data, "--allow-commands", "--out", work.file("kaldi"), "--quiet"])
        #expect(kaldi.status == 0, "\(kaldi.stderr)")

        let a = try Dataset(directory: work.file("plain")), b = try Dataset(directory: work.file("kaldi"))
        #expect(b.index.utterances.map(\.id) == ["nested/vorbis-22k", "speech-16k", "speech-8k", "stereo-44k"])
        #expect(a.index.utterances.map(\.id) == b.index.utterances.map(\.id))
        for number in a.index.utterances.indices {
            let x = try a.utterance(number), y = try b.utterance(number)
            #expect(x.frames > 0 && x.frames == y.frames)
            #expect(Array(x.features) == Array(y.features), "features of \(x.record.id)")
            #expect(Array(x.labels) == Array(y.labels), "labels of \(x.record.id)")
        }
        #expect(a.index.input == nil)
        #expect(b.index.input?.kind == "kaldi")
        #expect(b.index.input?.manifests.map(\.file) == ["segments", "utt2spk", "wav.scp"])
        let wavDigest = try FileSystem.sha256(ofFile: "\(data)/wav.scp")
        #expect(b.index.input?.manifests.last?.sha256 == wavDigest)
        #expect(b.index.utterances.map(\.speaker) == ["nested/vorbis-22k-speaker", "speech-16k-speaker", "speech-8k-speaker", "speech-16k-speaker"])
        #expect(b.index.utterances.map(\.labelSource) == ["segments", "segments", "segments", "segments"])
        #expect(a.index.utterances.allSatisfy { $0.speaker == nil && $0.regionsCut == nil })

        // The same bytes with two jobs.
        let twice = try TestSupport.vadprep(["extract", data, "--allow-commands", "--out", work.file("kaldi2"), "--quiet", "--jobs", "2"])
        #expect(twice.status == 0, "\(twice.stderr)")
        for name in try FileManager.default.contentsOfDirectory(atPath: work.file("kaldi")) {
            #expect(FileManager.default.contents(atPath: work.file("kaldi/\(name)")) == FileManager.default.contents(atPath: work.file("kaldi2/\(name)")),
                    "\(name) differs with --jobs 2")
        }

        // --split-by speaker keeps stereo-44k with speech-16k, whose speaker it shares.
        for seed in ["1", "2", "3", "4"] {
            let split = try TestSupport.vadprep(["segment", work.file("kaldi"), "--out", work.file("split\(seed)"), "--mode", "whole",
                                                 "--split", "valid=0.5", "--split-by", "speaker", "--seed", seed, "--quiet"])
            #expect(split.status == 0, "\(split.stderr)")
            let valid = try DatasetIndex.read(from: work.file("split\(seed)/valid")).utterances.map(\.id)
            #expect(valid.contains("speech-16k") == valid.contains("stereo-44k"), "seed \(seed): \(valid)")
        }
        let unsplittable = try TestSupport.vadprep(["segment", work.file("plain"), "--out", work.file("nosplit"), "--mode", "whole",
                                                    "--split", "valid=0.5", "--split-by", "speaker"])
        #expect(unsplittable.status == 1)
        #expect(unsplittable.stderr.contains("--split-by speaker: utterance \"nested/vorbis-22k\" has no speaker in the dataset (speakers come from utt2spk or spk2utt of a Kaldi data directory)"),
                "\(unsplittable.stderr)")
    }

    /// Without --allow-commands a piped wav.scp line is refused, naming the file and line.
    @Test func commandsNeedPermission() throws {
        let work = TestSupport.TemporaryDirectory()
        let data = try Self.kaldiDirectory(in: work)
        let run = try TestSupport.vadprep(["extract", data, "--out", work.file("out")])
        #expect(run.status == 1)
        let line = try #require(try String(contentsOfFile: "\(data)/wav.scp", encoding: .utf8).split(separator: "\n").firstIndex { $0.hasSuffix("|") }) + 1
        #expect(run.stderr == "vadprep extract: \(data)/wav.scp:\(line): recording \"speech-8k\" is read through a command (\"sox \(TestSupport.fixture("corpus/speech-8k.wav")) -t wav - |\"); running commands named in a data file needs --allow-commands\n")
        #expect(!FileManager.default.fileExists(atPath: work.file("out/index.json")))
    }

    /// A command that fails, one that gives nothing and one that hangs are
    /// each their recording's failure (the hung one killed after
    /// --command-timeout); the other recording is written.
    @Test func failingAndHangingCommands() throws {
        let work = TestSupport.TemporaryDirectory()
        let data = work.file("data")
        try TestSupport.write("""
            good \(TestSupport.fixture("corpus/speech-16k.wav"))
            broken sh -c 'echo no such file >&2; exit 3' |
            hung sleep 100 |
            silent true |

            """, to: "\(data)/wav.scp")
        try TestSupport.write("g1 good 0.25 0.751\n", to: "\(data)/segments")
        let started = Date()
        let run = try TestSupport.vadprep(["extract", data, "--allow-commands", "--command-timeout", "1", "--out", work.file("out")])
        #expect(Date().timeIntervalSince(started) < 20, "the hung command was not killed in time")
        #expect(run.status == 1)
        #expect(run.stderr.hasSuffix("""
            vadprep extract: 3 of 4 files failed:
              \(data)/wav.scp:2: recording "broken": command "sh -c 'echo no such file >&2; exit 3'" failed with exit status 3; it said: no such file
              \(data)/wav.scp:3: recording "hung": command "sleep 100" did not finish within 1 s and was killed
              \(data)/wav.scp:4: recording "silent": command "true" gave no audio

            """), "\(run.stderr)")
        let index = try DatasetIndex.read(from: work.file("out"))
        #expect(index.utterances.map(\.id) == ["good"])
        #expect(index.failures.map(\.source) == ["sh -c 'echo no such file >&2; exit 3' |", "sleep 100 |", "true |"])
    }

    @Test(arguments: [(["--command-timeout", "0"], "Error: --command-timeout 0.0: must be more than 0 and at most 1000000 seconds"),
                      (["--command-timeout", "inf"], "Error: --command-timeout inf: must be a finite number of seconds"),
                      (["--max-overshoot=-0.1"], "Error: --max-overshoot -0.1: must be between 0 and 3600 seconds")])
    func badOptions(arguments: [String], message: String) throws {
        let work = TestSupport.TemporaryDirectory()
        let run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", work.file("out")] + arguments)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix(message + "\n"), "\(run.stderr)")
    }

    /// The overshoot rule: a label region 0.3 s past the end of the audio is
    /// cut there and counted in the summary and the index; 0.7 s is an error
    /// naming the file and line. The same for a Kaldi segment cut past the end
    /// of its recording.
    @Test func overshoot() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = work.file("corpus")
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        for name in ["a", "b"] {
            try FileManager.default.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.wav"), toPath: "\(corpus)/\(name).wav")
        }
        try TestSupport.write("0.25\t0.751\tspeech\n1.0\t2.3\tspeech\n", to: "\(corpus)/a.txt")   // 2 s of audio: 0.3 s over
        try TestSupport.write("0.25\t0.751\tspeech\n1.0\t2.7\tspeech\n", to: "\(corpus)/b.txt")   // 0.7 s over
        let run = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out")])
        #expect(run.status == 1)
        #expect(run.stdout.contains(", 1 label region cut at the end of the audio in "), "\(run.stdout)")
        #expect(run.stderr.hasSuffix("vadprep extract: 1 of 2 files failed:\n  \(corpus)/b.txt:2: segment 1-2.7 s ends after the audio (2 s)\n"), "\(run.stderr)")
        let index = try Dataset(directory: work.file("out"))
        #expect(index.index.utterances.map(\.id) == ["a"] && index.index.utterances[0].regionsCut == 1)
        let labels = Array(try index.utterance(0).labels)
        #expect(labels.suffix(10) == Array(repeating: 1, count: 10))
        // A larger allowance accepts b as well.
        let lenient = try TestSupport.vadprep(["extract", corpus, "--out", work.file("lenient"), "--max-overshoot", "0.8"])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stdout.contains(", 2 label regions cut at the end of the audio in "), "\(lenient.stdout)")

        // Kaldi segments as utterances, cut from a 2 s recording, with labels from an RTTM.
        let data = work.file("data")
        try TestSupport.write("rec \(TestSupport.fixture("corpus/speech-16k.wav"))\n", to: "\(data)/wav.scp")
        try TestSupport.write("rec-1 rec 0 1.0\nrec-2 rec 1.0 2.3\nrec-3 rec 0.5 2.7\n", to: "\(data)/segments")
        try TestSupport.write("SPEAKER rec 1 0.25 0.501 <NA> <NA> s <NA> <NA>\nSPEAKER rec 1 1.0 0.9 <NA> <NA> s <NA> <NA>\n", to: work.file("all.rttm"))
        let cuts = try TestSupport.vadprep(["extract", data, "--kaldi-utterances", "segments", "--labels", work.file("all.rttm"), "--out", work.file("cuts")])
        #expect(cuts.status == 1)
        #expect(cuts.stdout.contains(", 1 label region cut at the end of the audio in "), "\(cuts.stdout)")
        #expect(cuts.stderr.hasSuffix("  \(data)/segments:3: segment \"rec-3\" ends at 2.7 s, more than --max-overshoot 0.5 s after the end of recording \"rec\" (2 s)\n"), "\(cuts.stderr)")
        let cutIndex = try Dataset(directory: work.file("cuts"))
        #expect(cutIndex.index.utterances.map(\.id) == ["rec-1", "rec-2"])
        #expect(cutIndex.index.utterances.map(\.frames) == [100, 100])
        #expect(cutIndex.index.utterances.map(\.regionsCut) == [nil, 1])
        // rec-1 holds the first RTTM region, 0.25-0.751 s; rec-2 the second, moved by 1 s: 0-0.9 s.
        #expect(Array(try cutIndex.utterance(0).labels) == [UInt8](repeating: 0, count: 25) + [UInt8](repeating: 1, count: 50) + [UInt8](repeating: 0, count: 25))
        #expect(Array(try cutIndex.utterance(1).labels) == [UInt8](repeating: 1, count: 90) + [UInt8](repeating: 0, count: 10))
    }

    /// A reco2dur that disagrees with the decoded length by more than a frame
    /// shift is a warning naming the recording; the recording is still used.
    @Test func statedDurationIsChecked() throws {
        let work = TestSupport.TemporaryDirectory()
        let data = work.file("data")
        try TestSupport.write("a \(TestSupport.fixture("corpus/speech-16k.wav"))\nb \(TestSupport.fixture("corpus/speech-16k.wav"))\n", to: "\(data)/wav.scp")
        try TestSupport.write("b 2.005\na 2.5\n", to: "\(data)/reco2dur")
        try TestSupport.write("a-2 a 1.0 1.9\na-1 a 0.25 0.751\n", to: "\(data)/segments")
        let run = try TestSupport.vadprep(["extract", data, "--out", work.file("out")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr == "vadprep extract: warning: \(data)/reco2dur:2: recording \"a\" lasts 2 s, not the 2.5 s stated\n")
        #expect(try DatasetIndex.read(from: work.file("out")).utterances.map(\.speechFraction) == [0.7, 0])
        // Segments as utterances: the recording's warning once, not once per segment.
        let cuts = try TestSupport.vadprep(["extract", data, "--kaldi-utterances", "segments", "--allow-unlabelled", "--out", work.file("cuts")])
        #expect(cuts.status == 0, "\(cuts.stderr)")
        #expect(cuts.stderr == "vadprep extract: warning: \(data)/reco2dur:2: recording \"a\" lasts 2 s, not the 2.5 s stated\n")
        #expect(try DatasetIndex.read(from: work.file("cuts")).utterances.map(\.frames) == [50, 90])
    }

    /// Segments of one recording read as utterances decode it once: a piped
    /// wav.scp command that counts its runs runs once for three segments
    /// (overlapping, out of time order), and each segment's features, labels
    /// and raw frames equal those of the same cut from a recording of its own,
    /// whose command runs once per recording. The same bytes with two jobs.
    @Test func segmentsOfOneRecordingDecodeItOnce() throws {
        let work = TestSupport.TemporaryDirectory()
        let audio = TestSupport.fixture("corpus/speech-16k.wav")
        let counter = work.file("runs"), separateCounter = work.file("separate-runs")
        let cuts: [(id: String, start: Double, end: Double)] = [("rec-a", 1.2, 2.0), ("rec-b", 0, 0.8), ("rec-c", 0.5, 1.5)]
        let rttm = { (recording: String) in
            "SPEAKER \(recording) 1 0.25 0.501 <NA> <NA> s <NA> <NA>\nSPEAKER \(recording) 1 1.0 0.9 <NA> <NA> s <NA> <NA>\n"
        }
        // Together: one recording, three segments.
        let data = work.file("data")
        try TestSupport.write("rec sh -c 'echo x >> \(counter); cat \(audio)' |\n", to: "\(data)/wav.scp")
        try TestSupport.write(cuts.map { "\($0.id) rec \($0.start) \($0.end)\n" }.joined(), to: "\(data)/segments")
        try TestSupport.write(rttm("rec"), to: work.file("together.rttm"))
        // Apart: each segment cut from a recording of its own (the same audio).
        let apart = work.file("apart")
        try TestSupport.write(cuts.map { "\($0.id)-rec sh -c 'echo x >> \(separateCounter); cat \(audio)' |\n" }.joined(), to: "\(apart)/wav.scp")
        try TestSupport.write(cuts.map { "\($0.id) \($0.id)-rec \($0.start) \($0.end)\n" }.joined(), to: "\(apart)/segments")
        try TestSupport.write(cuts.map { rttm("\($0.id)-rec") }.joined(), to: work.file("apart.rttm"))

        let common = ["--kaldi-utterances", "segments", "--allow-commands", "--raw-frames", "--quiet"]
        let together = try TestSupport.vadprep(["extract", data, "--labels", work.file("together.rttm"), "--out", work.file("together")] + common)
        #expect(together.status == 0, "\(together.stderr)")
        #expect(try String(contentsOfFile: counter, encoding: .utf8) == "x\n", "the command ran more than once")
        let separate = try TestSupport.vadprep(["extract", apart, "--labels", work.file("apart.rttm"), "--out", work.file("separate")] + common)
        #expect(separate.status == 0, "\(separate.stderr)")
        #expect(try String(contentsOfFile: separateCounter, encoding: .utf8) == "x\nx\nx\n")

        let a = try Dataset(directory: work.file("together")), b = try Dataset(directory: work.file("separate"))
        #expect(a.index.utterances.map(\.id) == ["rec-a", "rec-b", "rec-c"])
        #expect(a.index.utterances.map(\.frames) == [80, 80, 100])
        #expect(b.index.utterances.map(\.id) == a.index.utterances.map(\.id))
        for number in a.index.utterances.indices {
            let x = try a.utterance(number), y = try b.utterance(number)
            #expect(x.frames == y.frames)
            #expect(Array(x.features) == Array(y.features), "features of \(x.record.id)")
            #expect(Array(x.labels) == Array(y.labels), "labels of \(x.record.id)")
            #expect(x.waveform?.floats == y.waveform?.floats, "raw frames of \(x.record.id)")
            #expect(x.record.durationSeconds == y.record.durationSeconds)
        }
        // rec-a (1.2-2 s) holds the second region from its start; rec-b (0-0.8 s) the first, 0.25-0.751 s.
        #expect(Array(try a.utterance(0).labels) == [UInt8](repeating: 1, count: 70) + [UInt8](repeating: 0, count: 10))
        #expect(Array(try a.utterance(1).labels) == [UInt8](repeating: 0, count: 25) + [UInt8](repeating: 1, count: 50) + [UInt8](repeating: 0, count: 5))

        let twice = try TestSupport.vadprep(["extract", data, "--labels", work.file("together.rttm"), "--out", work.file("twice"), "--jobs", "2"] + common)
        #expect(twice.status == 0, "\(twice.stderr)")
        for name in try FileManager.default.contentsOfDirectory(atPath: work.file("together")) {
            #expect(FileManager.default.contents(atPath: work.file("together/\(name)")) == FileManager.default.contents(atPath: work.file("twice/\(name)")),
                    "\(name) differs with --jobs 2")
        }
    }

    /// When the recording that several segments share cannot be decoded,
    /// every one of them fails, each with its own failure record whose
    /// message names the wav.scp line; the command still runs once, and the
    /// other recording's segment is written.
    @Test func aFailingSharedDecodeFailsEverySegment() throws {
        let work = TestSupport.TemporaryDirectory()
        let counter = work.file("runs")
        let data = work.file("data")
        try TestSupport.write("good \(TestSupport.fixture("corpus/speech-16k.wav"))\nrec sh -c 'echo x >> \(counter); echo broken >&2; exit 3' |\n",
                              to: "\(data)/wav.scp")
        try TestSupport.write("good-1 good 0 1\nrec-1 rec 0 1\nrec-2 rec 1 2\nrec-3 rec 0.5 1.5\n", to: "\(data)/segments")
        let run = try TestSupport.vadprep(["extract", data, "--kaldi-utterances", "segments", "--allow-commands", "--allow-unlabelled",
                                           "--out", work.file("out"), "--quiet"])
        #expect(run.status == 1)
        #expect(try String(contentsOfFile: counter, encoding: .utf8) == "x\n", "the command ran more than once")
        let message = "\(data)/wav.scp:2: recording \"rec\": command \"sh -c 'echo x >> \(counter); echo broken >&2; exit 3'\" failed with exit status 3; it said: broken"
        let index = try DatasetIndex.read(from: work.file("out"))
        #expect(index.utterances.map(\.id) == ["good-1"])
        #expect(index.failures.map(\.error) == [message, message, message])
        #expect(index.failures.count == 3)
        #expect(run.stderr.contains("3 of 4 files failed:\n  \(message)\n  \(message)\n  \(message)\n"), "\(run.stderr)")
    }
}
