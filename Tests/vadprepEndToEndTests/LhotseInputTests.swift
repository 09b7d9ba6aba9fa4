import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `vadprep extract` on Lhotse manifests, run as the built executable: the
/// same audio and regions as a directory, a Kaldi data directory and a
/// Lhotse manifest give the same tensors; labels against Lhotse's own
/// `supervisions_feature_mask()`; bad manifests.
@Suite(.serialized) struct LhotseInputTests {
    /// The Python the tests use (`TestSupport.python`).
    static var python: String? { TestSupport.python }

    static let hasLhotse: Bool = {
        guard let python else { return false }
        return (try? TestSupport.run(python, ["-c", "import lhotse"]).status) == 0
    }()

    static let rates = ["nested/vorbis-22k": (22050, 33075, 1), "speech-16k": (16000, 32000, 1), "speech-8k": (8000, 12000, 1),
                        "stereo-44k": (44100, 66150, 2)]

    /// One recordings-manifest line, as Lhotse writes it.
    static func recordingLine(_ id: String, source: String, type: String = "file") -> String {
        let (rate, samples, channels) = rates[id]!
        let ids = (0..<channels).map(String.init).joined(separator: ", ")
        return #"{"id": "\#(id)", "sources": [{"type": "\#(type)", "channels": [\#(ids)], "source": "\#(source)"}], "sampling_rate": \#(rate), "num_samples": \#(samples), "duration": \#(Double(samples) / Double(rate)), "channel_ids": [\#(ids)]}"#
    }

    static func supervisionLine(_ id: String, recording: String, start: Double, end: Double, speaker: String, channel: String = "0") -> String {
        #"{"id": "\#(id)", "recording_id": "\#(recording)", "start": \#(start), "duration": \#(end - start), "channel": \#(channel), "language": "English", "speaker": "\#(speaker)"}"#
    }

    /// The fixture recordings of KaldiInputTests as a recordings manifest
    /// (plain JSONL, speech-8k through `sox ... -t wav -`) and a gzipped
    /// supervisions manifest, lines in reverse order; and as MonoCuts.
    static func manifests(in work: TestSupport.TemporaryDirectory) throws -> (recordings: String, supervisions: String, cuts: String) {
        var recordings: [String] = [], supervisions: [String] = [], cuts: [String] = []
        for recording in KaldiInputTests.recordings.reversed() {
            let path = TestSupport.fixture("corpus/\(recording.audio)")
            recordings.append(recording.id == "speech-8k" ? recordingLine(recording.id, source: "sox \(path) -t wav -", type: "command")
                                                          : recordingLine(recording.id, source: path))
            let speaker = "\(recording.id == "stereo-44k" ? "speech-16k" : recording.id)-speaker"
            var own: [String] = []
            for (number, region) in recording.regions.enumerated().reversed() {
                own.append(supervisionLine("\(recording.id)-\(number)", recording: recording.id, start: region.0, end: region.1, speaker: speaker))
            }
            supervisions += own
            let (rate, samples, _) = rates[recording.id]!
            cuts.append(#"{"id": "\#(recording.id)", "start": 0, "duration": \#(Double(samples) / Double(rate)), "channel": 0, "supervisions": [\#(own.joined(separator: ", "))], "recording": \#(recordings.last!), "type": "MonoCut"}"#)
        }
        let recordingsPath = work.file("m/recordings.jsonl"), supervisionsPath = work.file("m/supervisions.jsonl")
        try TestSupport.write(recordings.joined(separator: "\n") + "\n", to: recordingsPath)
        try TestSupport.write(supervisions.joined(separator: "\n") + "\n", to: supervisionsPath)
        let zipped = try TestSupport.run("/bin/sh", ["-c", "gzip -n \(supervisionsPath)"])
        try #require(zipped.status == 0, "\(zipped.stderr)")
        try TestSupport.write(cuts.joined(separator: "\n") + "\n", to: work.file("m/cuts.jsonl"))
        return (recordingsPath, supervisionsPath + ".gz", work.file("m/cuts.jsonl"))
    }

    static func expectSameTensors(_ a: Dataset, _ b: Dataset, skipping: Set<String> = [], _ note: String) throws {
        #expect(a.index.utterances.map(\.id) == b.index.utterances.map(\.id), "\(note)")
        for number in a.index.utterances.indices where !skipping.contains(a.index.utterances[number].id) {
            let x = try a.utterance(number), y = try b.utterance(number)
            #expect(x.frames > 0 && x.frames == y.frames, "\(note): frames of \(x.record.id)")
            #expect(Array(x.features) == Array(y.features), "\(note): features of \(x.record.id)")
            #expect(Array(x.labels) == Array(y.labels), "\(note): labels of \(x.record.id)")
        }
    }

    /// MonoCuts of one recording, listed one after the other, decode it once:
    /// a command source that counts its runs runs once for three cuts, and
    /// each cut's tensors equal those of the same cut of a recording of its
    /// own. When the audio cannot be read, each cut fails with a message
    /// naming its own manifest line.
    @Test func cutsOfOneRecordingDecodeItOnce() throws {
        let work = TestSupport.TemporaryDirectory()
        let audio = TestSupport.fixture("corpus/speech-16k.wav")
        let cuts: [(id: String, start: Double, duration: Double)] = [("c1", 1.2, 0.8), ("c2", 0, 0.8), ("c3", 0.5, 1.0)]
        func manifest(counter: String, recording: (String) -> String, source: String? = nil, type: String = "command") -> String {
            cuts.map { cut in
                let line = Self.recordingLine("speech-16k", source: source ?? "sh -c 'echo x >> \(counter); cat \(audio)'", type: type)
                    .replacingOccurrences(of: #""id": "speech-16k""#, with: #""id": "\#(recording(cut.id))""#)
                let supervision = Self.supervisionLine("\(cut.id)-s", recording: recording(cut.id), start: 0.1, end: 0.5, speaker: "s")
                return #"{"id": "\#(cut.id)", "start": \#(cut.start), "duration": \#(cut.duration), "channel": 0, "supervisions": [\#(supervision)], "recording": \#(line), "type": "MonoCut"}"#
            }.joined(separator: "\n") + "\n"
        }
        try TestSupport.write(manifest(counter: work.file("runs"), recording: { _ in "rec" }), to: work.file("together.jsonl"))
        try TestSupport.write(manifest(counter: work.file("apart-runs"), recording: { "\($0)-rec" }), to: work.file("apart.jsonl"))
        for name in ["together", "apart"] {
            let run = try TestSupport.vadprep(["extract", work.file("\(name).jsonl"), "--allow-commands", "--out", work.file(name), "--quiet"])
            #expect(run.status == 0, "\(name): \(run.stderr)")
        }
        #expect(try String(contentsOfFile: work.file("runs"), encoding: .utf8) == "x\n", "the command ran more than once")
        #expect(try String(contentsOfFile: work.file("apart-runs"), encoding: .utf8) == "x\nx\nx\n")
        let together = try Dataset(directory: work.file("together"))
        #expect(together.index.utterances.map(\.frames) == [80, 80, 100])
        try Self.expectSameTensors(together, try Dataset(directory: work.file("apart")), "one decode against three")

        // A missing file: every cut fails, naming its own line.
        let missing = work.file("missing.wav")
        try TestSupport.write(manifest(counter: "", recording: { _ in "rec" }, source: missing, type: "file"), to: work.file("missing.jsonl"))
        let run = try TestSupport.vadprep(["extract", work.file("missing.jsonl"), "--out", work.file("none"), "--quiet"])
        #expect(run.status == 1)
        for line in 1...3 {
            #expect(run.stderr.contains("\n  \(work.file("missing.jsonl")):\(line): recording \"rec\": \(missing): cannot open: "), "line \(line): \(run.stderr)")
        }
    }

    /// A directory, a Kaldi data directory, a recordings + supervisions
    /// manifest and a cuts manifest of the same recordings and regions give
    /// identical features and labels, utterance by utterance; the index
    /// records the input, its manifests' SHA-256 and the speakers, which
    /// `segment --split-by speaker` then uses.
    @Test func threeFormsGiveTheSameTensors() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = try KaldiInputTests.directoryCorpus(in: work), data = try KaldiInputTests.kaldiDirectory(in: work)
        let (recordings, supervisions, cuts) = try Self.manifests(in: work)
        for (arguments, out) in [([corpus], "plain"), ([data, "--allow-commands"], "kaldi"),
                                 ([recordings, "--supervisions", supervisions, "--allow-commands"], "lhotse"),
                                 ([cuts, "--allow-commands"], "cuts"), ([corpus, "--channel", "1"], "left")] {
            let run = try TestSupport.vadprep(["extract"] + arguments + ["--out", work.file(out), "--quiet"])
            #expect(run.status == 0, "\(out): \(run.stderr)")
        }
        let plain = try Dataset(directory: work.file("plain")), lhotse = try Dataset(directory: work.file("lhotse"))
        try Self.expectSameTensors(plain, try Dataset(directory: work.file("kaldi")), "directory against Kaldi")
        try Self.expectSameTensors(plain, lhotse, "directory against Lhotse recordings")
        // A MonoCut is one channel: stereo-44k's cut on channel 0 is --channel 1 of the directory.
        let cutSet = try Dataset(directory: work.file("cuts"))
        try Self.expectSameTensors(plain, cutSet, skipping: ["stereo-44k"], "directory against Lhotse cuts")
        try Self.expectSameTensors(try Dataset(directory: work.file("left")), cutSet, skipping: ["nested/vorbis-22k", "speech-16k", "speech-8k"],
                                   "directory --channel 1 against Lhotse cuts")

        #expect(lhotse.index.input?.kind == "lhotse")
        #expect(lhotse.index.input?.manifests.map(\.file) == ["recordings.jsonl", "supervisions.jsonl.gz"])
        #expect(lhotse.index.input?.manifests.map(\.sha256) == [try FileSystem.sha256(ofFile: recordings), try FileSystem.sha256(ofFile: supervisions)])
        #expect(lhotse.index.input?.unsupervised == nil)
        #expect(lhotse.index.utterances.map(\.speaker) == ["nested/vorbis-22k-speaker", "speech-16k-speaker", "speech-8k-speaker", "speech-16k-speaker"])
        #expect(lhotse.index.utterances.map(\.labelSource) == Array(repeating: supervisions, count: 4))
        #expect(lhotse.index.utterances.map(\.durationSeconds) == [1.5, 2, 1.5, 1.5])
        #expect(cutSet.index.input?.manifests.map(\.file) == ["cuts.jsonl"])
        for seed in ["1", "2", "3", "4"] {
            let split = try TestSupport.vadprep(["segment", work.file("lhotse"), "--out", work.file("split\(seed)"), "--mode", "whole",
                                                 "--split", "valid=0.5", "--split-by", "speaker", "--seed", seed, "--quiet"])
            #expect(split.status == 0, "\(split.stderr)")
            let valid = try DatasetIndex.read(from: work.file("split\(seed)/valid")).utterances.map(\.id)
            #expect(valid.contains("speech-16k") == valid.contains("stereo-44k"), "seed \(seed): \(valid)")
        }
        // The same bytes with two jobs, and as two parts merged.
        let twice = try TestSupport.vadprep(["extract", recordings, "--supervisions", supervisions, "--allow-commands", "--out", work.file("twice"), "--quiet", "--jobs", "2"])
        #expect(twice.status == 0, "\(twice.stderr)")
        #expect(FileManager.default.contents(atPath: work.file("twice/index.json")) == FileManager.default.contents(atPath: work.file("lhotse/index.json")))
        for part in ["0/2", "1/2"] {
            let run = try TestSupport.vadprep(["extract", recordings, "--supervisions", supervisions, "--allow-commands", "--part", part,
                                               "--out", work.file("part\(part.first!)"), "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let merged = try TestSupport.vadprep(["merge", work.file("part0"), work.file("part1"), "--out", work.file("merged"), "--quiet"])
        #expect(merged.status == 0, "\(merged.stderr)")
        try Self.expectSameTensors(lhotse, try Dataset(directory: work.file("merged")), "whole against merged parts")
    }

    /// A recording without supervisions is all non-speech, and the summary
    /// and the index say how many there were.
    @Test func recordingsWithoutSupervisions() throws {
        let work = TestSupport.TemporaryDirectory()
        try TestSupport.write([Self.recordingLine("speech-16k", source: TestSupport.fixture("corpus/speech-16k.wav")),
                               Self.recordingLine("speech-8k", source: TestSupport.fixture("corpus/speech-8k.wav"))].joined(separator: "\n") + "\n",
                              to: work.file("recordings.jsonl"))
        try TestSupport.write(Self.supervisionLine("s1", recording: "speech-16k", start: 0.25, end: 0.751, speaker: "a") + "\n", to: work.file("supervisions.jsonl"))
        let run = try TestSupport.vadprep(["extract", work.file("recordings.jsonl"), "--supervisions", work.file("supervisions.jsonl"), "--out", work.file("out")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("% speech, 1 recording without supervisions (all non-speech) in "), "\(run.stdout)")
        let dataset = try Dataset(directory: work.file("out"))
        #expect(dataset.index.input?.unsupervised == 1)
        #expect(dataset.index.utterances.map(\.speaker) == ["a", nil])
        #expect(Array(try dataset.utterance(1).labels) == [UInt8](repeating: 0, count: 150))
        #expect(Array(try dataset.utterance(0).labels).filter { $0 == 1 }.count == 50)
    }

    /// Lhotse itself writes the manifests of a corpus (Pipelines/python/corpus_forms.py)
    /// and computes `supervisions_feature_mask()` at a 10 ms shift: vadprep's
    /// durations equal Lhotse's, and its labels equal the mask except where an
    /// edge falls exactly half-way between two frame starts (start/shift = n + ½):
    /// vadprep's frame-centre rule then takes frame n into a region at its start
    /// and leaves it out at its end; Lhotse rounds half to even. One frame at
    /// such an edge, exact equality elsewhere.
    @Test(.enabled(if: LhotseInputTests.hasLhotse, "needs Lhotse 1.33 in the Python of Pipelines/test.sh"))
    func labelsAgreeWithLhotseMasks() throws {
        let work = TestSupport.TemporaryDirectory()
        let corpus = work.file("corpus")
        // Edges on ties (0.135: 13.5 frames; 1.005: 100.5) and off them.
        let labels = ["speech-16k": "0.135\t0.745\tspeech\n1.005\t1.9\tspeech\n", "speech-8k": "0.2\t0.495\tspeech\n0.8\t1.4\tspeech\n",
                      "nested/vorbis-22k": "0.4\t1.036\tspeech\n", "float-48k": "0.125\t0.3551\tspeech\n0.6\t1.5\tspeech\n"]
        for (id, text) in labels {
            let audio = id == "nested/vorbis-22k" ? "nested/vorbis-22k.ogg" : "\(id).wav"
            try FileManager.default.createDirectory(atPath: ("\(corpus)/\(audio)" as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: TestSupport.fixture("corpus/\(audio)"), toPath: "\(corpus)/\(audio)")
            try TestSupport.write(text, to: "\(corpus)/\(id).txt")
        }
        let python = try #require(Self.python)
        let wrote = try TestSupport.run(python, ["\(TestSupport.packageRoot)/Pipelines/python/corpus_forms.py", corpus, work.file("forms"), "--reference"])
        try #require(wrote.status == 0, "\(wrote.stderr)")
        struct Reference: Decodable { var duration: Double; var mask: [UInt8] }
        let reference = try JSONDecoder().decode([String: Reference].self, from: Data(contentsOf: URL(fileURLWithPath: work.file("forms/reference.json"))))
        let manifests = work.file("forms/lhotse")
        let a = try TestSupport.vadprep(["extract", "\(manifests)/recordings.jsonl.gz", "--supervisions", "\(manifests)/supervisions.jsonl.gz", "--out", work.file("rec"), "--quiet"])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try TestSupport.vadprep(["extract", "\(manifests)/cuts.jsonl.gz", "--out", work.file("cuts"), "--quiet"])
        #expect(b.status == 0, "\(b.stderr)")
        let c = try TestSupport.vadprep(["extract", corpus, "--out", work.file("dir"), "--quiet"])
        #expect(c.status == 0, "\(c.stderr)")
        var differences: [String] = []
        for name in ["rec", "cuts"] {
            let dataset = try Dataset(directory: work.file(name))
            #expect(dataset.index.utterances.map(\.id) == ["float-48k", "nested/vorbis-22k", "speech-16k", "speech-8k"])
            try Self.expectSameTensors(try Dataset(directory: work.file("dir")), dataset, "directory against \(name)")
            for number in dataset.index.utterances.indices {
                let ours = try dataset.utterance(number)
                let theirs = try #require(reference[ours.record.id])
                #expect(ours.record.durationSeconds == theirs.duration, "\(ours.record.id)")
                #expect(ours.frames == theirs.mask.count, "\(ours.record.id)")
                let labels = Array(ours.labels), mask = theirs.mask
                for frame in mask.indices where labels[frame] != mask[frame] {
                    // Only at an edge of Lhotse's mask, and only the frame vadprep's rule moves.
                    let startTie = labels[frame] == 1 && frame + 1 < mask.count && mask[frame + 1] == 1 && (frame == 0 || mask[frame - 1] == 0)
                    let endTie = labels[frame] == 0 && frame > 0 && labels[frame - 1] == 1 && mask[frame - 1] == 1 && frame + 1 < mask.count && mask[frame + 1] == 0
                    #expect(startTie || endTie, "\(name) \(ours.record.id): frame \(frame): vadprep \(labels[frame]), Lhotse \(mask[frame])")
                    if name == "rec" { differences.append("\(ours.record.id)@\(frame)") }
                }
            }
        }
        // The ties written above: 0.135 s of speech-16k (13.5 frames: Lhotse 14, vadprep 13) and 0.495 s of
        // speech-8k (an end at 49.5: Lhotse 50, vadprep 49) differ; 0.125 s of float-48k (12.5: both 12) and
        // 1.005 s of speech-16k (1.005 / 0.01 is 100.49999999999999 in floating point: both 100) do not.
        #expect(differences == ["speech-16k@13", "speech-8k@49"], "\(differences)")
    }

    /// What a manifest holds decides how it is read; what cannot be read is
    /// refused by name: a MultiCut, a supervisions manifest given as the
    /// input, a recordings manifest without --supervisions, --labels.
    @Test func manifestKindsAndMisuse() throws {
        let work = TestSupport.TemporaryDirectory()
        let (recordings, supervisions, cuts) = try Self.manifests(in: work)
        let text = try String(contentsOfFile: cuts, encoding: .utf8)
        try TestSupport.write(text + text.split(separator: "\n")[0].replacingOccurrences(of: "\"MonoCut\"", with: "\"MultiCut\"") + "\n", to: work.file("multi.jsonl"))
        let cases: [([String], String)] = [
            ([work.file("multi.jsonl")], "\(work.file("multi.jsonl")):5: cut type \"MultiCut\" is not supported (only MonoCut) (the manifest cannot be read, so nothing is extracted)"),
            ([supervisions], "\(supervisions): is a supervisions manifest; give the recordings manifest as the input and this one with --supervisions"),
            ([recordings], "\(recordings): is a recordings manifest: give its supervisions (the speech regions) with --supervisions FILE"),
            ([cuts, "--supervisions", supervisions], "\(supervisions): --supervisions goes with a recordings manifest; the cuts of \(cuts) carry their own supervisions"),
            ([recordings, "--supervisions", supervisions, "--labels", work.file("all.rttm")], "\(work.file("all.rttm")): --labels does not go with a Lhotse manifest: its supervisions are the speech regions"),
            ([work.file("m"), "--input", "lhotse"], "\(work.file("m")): is a directory, not a Lhotse manifest (.jsonl or .jsonl.gz)"),
        ]
        for (arguments, message) in cases {
            let run = try TestSupport.vadprep(["extract"] + arguments + ["--allow-commands", "--out", work.file("out")])
            #expect(run.status == 1)
            #expect(run.stderr == "vadprep extract: \(message)\n", "\(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: work.file("out/index.json")))
    }

    /// Bad manifests: a whole-input error naming the file and line, nothing
    /// written; the same manifest with a missing audio file or a failing or
    /// hanging command: that recording's failure, the others written.
    @Test func badManifests() throws {
        let work = TestSupport.TemporaryDirectory()
        let good = Self.recordingLine("speech-16k", source: TestSupport.fixture("corpus/speech-16k.wav"))
        let supervisions = work.file("supervisions.jsonl")
        try TestSupport.write(Self.supervisionLine("s1", recording: "speech-16k", start: 0.25, end: 0.751, speaker: "a") + "\n", to: supervisions)
        func extract(_ recordingsText: [UInt8], name: String = "recordings.jsonl", _ extra: [String] = []) throws -> TestSupport.Run {
            let path = work.file(name)
            FileManager.default.createFile(atPath: path, contents: Data(recordingsText))
            return try TestSupport.vadprep(["extract", path, "--supervisions", supervisions, "--out", work.file("out"), "--force"] + extra)
        }
        let path = work.file("recordings.jsonl")
        let whole = " (the manifest cannot be read, so nothing is extracted)\n"
        for (text, message) in [
            (good + "\n" + good + "\n", "\(path):2: duplicate recording id \"speech-16k\" (first on line 1)"),
            (good + "\n{\"id\": \"x\",\n", "\(path):2: not a JSON object: expected a key at column 12"),
            (good.replacingOccurrences(of: "\"sampling_rate\": 16000", with: "\"sampling_rate\": \"16000\""), "\(path):1: field \"sampling_rate\" is a string, expected an integer"),
        ] {
            let run = try extract(Array(text.utf8))
            #expect(run.status == 1)
            #expect(run.stderr == "vadprep extract: \(message)\(whole)", "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: work.file("out/index.json")))
        }
        let notUTF8 = try extract(Array((good + "\n").utf8) + [0x7B, 0xFF, 0x7D, 0x0A])
        #expect(notUTF8.stderr == "vadprep extract: \(path):2: not UTF-8 text\(whole)", "\(notUTF8.stderr)")
        // A truncated gzip.
        try TestSupport.write(good + "\n" + good.replacingOccurrences(of: "\"speech-16k\"", with: "\"again\"") + "\n", to: work.file("z.jsonl"))
        #expect(try TestSupport.run("/bin/sh", ["-c", "gzip -n \(work.file("z.jsonl"))"]).status == 0)
        let zipped = try #require(FileManager.default.contents(atPath: work.file("z.jsonl.gz")))
        let truncated = try extract(Array(zipped.prefix(zipped.count - 12)), name: "cut.jsonl.gz")
        #expect(truncated.status == 1)
        #expect(truncated.stderr.hasPrefix("vadprep extract: \(work.file("cut.jsonl.gz")): "), "\(truncated.stderr)")
        #expect(truncated.stderr.contains("truncated") && truncated.stderr.hasSuffix(whole), "\(truncated.stderr)")

        // Per-recording problems: the others are written.
        let fixture = TestSupport.fixture("corpus/speech-16k.wav")
        let lines = [good,
                     Self.recordingLine("speech-16k", source: work.file("missing.wav")).replacingOccurrences(of: "\"speech-16k\"", with: "\"missing\""),
                     Self.recordingLine("speech-16k", source: "sh -c 'echo cannot >&2; exit 3'", type: "command").replacingOccurrences(of: "\"speech-16k\"", with: "\"broken\""),
                     Self.recordingLine("speech-16k", source: "sleep 100", type: "command").replacingOccurrences(of: "\"speech-16k\"", with: "\"hung\"")]
        let refused = try extract(Array(lines.joined(separator: "\n").utf8))
        #expect(refused.stderr == "vadprep extract: \(path):3: recording \"broken\" is read through a command (\"sh -c 'echo cannot >&2; exit 3'\"); running commands named in a manifest needs --allow-commands\n", "\(refused.stderr)")
        let started = Date()
        let run = try extract(Array(lines.joined(separator: "\n").utf8), ["--allow-commands", "--command-timeout", "1"])
        #expect(Date().timeIntervalSince(started) < 20, "the hung command was not killed in time")
        #expect(run.status == 1)
        #expect(run.stderr.hasSuffix("""
            vadprep extract: 3 of 4 files failed:
              \(path):3: recording "broken": command "sh -c 'echo cannot >&2; exit 3'" failed with exit status 3; it said: cannot
              \(path):4: recording "hung": command "sleep 100" did not finish within 1 s and was killed
              \(path):2: recording "missing": \(work.file("missing.wav")): cannot open: No such file or directory

            """), "\(run.stderr)")
        #expect(try DatasetIndex.read(from: work.file("out")).utterances.map(\.id) == ["speech-16k"])
        _ = fixture
    }
}
