import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `vadprep segment`, run as the built executable.
@Suite(.serialized) struct SegmentCommandTests {
    /// Every row of the segment dataset `directory` is exactly its frames of the
    /// source utterance: features, labels and raw waveform; padding is zero
    /// features, label 255 and mask 0, and nothing else is. Returns the rows checked.
    @discardableResult
    static func checkEveryRow(_ directory: String, source: String) throws -> Int {
        let segments = try Dataset(directory: directory)
        let original = try Dataset(directory: source)
        let info = try #require(segments.index.segments)
        let byID = Dictionary(uniqueKeysWithValues: original.index.utterances.enumerated().map { ($1.id, $0) })
        let d = segments.index.featureDim
        var rows = 0, speech = 0, nonSpeech = 0, padding = 0
        for (number, _) in segments.index.shards.enumerated() {
            let shard = try segments.shard(number)
            let ids = try #require(ShardMetadata.utteranceIDs(shard.header.metadata))
            let features = try shard.floats("features"), labels = try shard.bytes("labels")
            let starts = try shard.int64s("start_frame")
            let records = segments.index.utterances.filter { $0.shard == number }
            for (row, record) in records.enumerated() {
                #expect(ids[row] == record.id)
                let source = try original.utterance(try #require(byID[record.id]))
                let start = Int(starts[row])
                #expect(start == record.startFrame)
                let (base, length): (Int, Int)
                if info.isFixedLength {
                    length = try #require(info.frames)
                    base = row * length
                } else {
                    let offsets = try shard.int64s("utterance_offsets")
                    base = Int(offsets[row])
                    length = Int(offsets[row + 1]) - base
                }
                let real = record.frames
                #expect(real == length - (record.paddedFrames ?? 0))
                speech += labels[base..<(base + real)].filter { $0 == 1 }.count
                nonSpeech += labels[base..<(base + real)].filter { $0 == 0 }.count
                padding += length - real
                #expect(Array(labels[base..<(base + real)]) == Array(source.labels[start..<(start + real)]), "\(record.id) row \(row) labels")
                #expect(Array(features[(base * d)..<((base + real) * d)]) == Array(source.features[(start * d)..<((start + real) * d)]),
                        "\(record.id) row \(row) features")
                if length > real {
                    #expect(labels[(base + real)..<(base + length)].allSatisfy { $0 == 255 })
                    #expect(features[((base + real) * d)..<((base + length) * d)].allSatisfy { $0 == 0 })
                }
                if info.masked {
                    let mask = try shard.bytes("mask")
                    #expect(Array(mask[base..<(base + length)]) == Array(repeating: 1, count: real) + Array(repeating: 0, count: length - real))
                }
                if let raw = original.index.rawFrames, let stored = source.waveform {
                    let waveform = try shard.floats("waveform")
                    let span = (length - 1) * raw.hop + raw.length
                    let from: Int
                    if info.isFixedLength { from = row * span } else { from = Int(try shard.int64s("waveform_offsets")[row]) }
                    let expected = (0..<span).map { i -> Float in
                        let at = raw.first + start * raw.hop + i
                        return at < stored.count ? stored[at] : 0
                    }
                    // Padding frames' samples are zero beyond the utterance; real frames' are the utterance's.
                    let realSpan = (real - 1) * raw.hop + raw.length
                    #expect(Array(waveform[from..<(from + realSpan)]) == Array(expected[0..<realSpan]), "\(record.id) row \(row) waveform")
                }
                rows += 1
            }
        }
        let counted: [Int] = [speech, nonSpeech, padding]
        #expect([info.speechFrames, info.nonSpeechFrames, info.paddedFrames] as [Int] == counted)
        return rows
    }

    static func extractFixtures(to path: String, raw: Bool = true) throws {
        let run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", path, "--quiet"] + (raw ? ["--raw-frames"] : []))
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test(arguments: [
        ["--mode", "fixed", "--len", "1"],
        ["--mode", "fixed", "--len", "0.5", "--hop", "0.3", "--short", "drop"],
        ["--mode", "fixed", "--len", "1", "--short", "keep"],
        ["--mode", "random", "--len", "1", "--epochs", "3", "--seed", "5"],
        ["--mode", "whole"],
        ["--mode", "whole", "--max-len", "0.7"],
        ["--mode", "fixed", "--frames", "30", "--split", "valid=0.4"],
    ])
    func everySegmentIsItsSourceFrames(arguments: [String]) throws {
        let work = TestSupport.TemporaryDirectory()
        try Self.extractFixtures(to: work.file("features"))
        let run = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("segments"), "--quiet"] + arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let directories = arguments.contains("--split") ? [work.file("segments/train"), work.file("segments/valid")] : [work.file("segments")]
        var ids: [Set<String>] = []
        for directory in directories {
            #expect(try Self.checkEveryRow(directory, source: work.file("features")) > 0)
            let verify = try TestSupport.vadprep(["verify", directory, "--quiet"])
            #expect(verify.status == 0, "\(verify.stderr)")
            ids.append(Set(try DatasetIndex.read(from: directory).utterances.map(\.id)))
        }
        if ids.count == 2 {
            #expect(ids[0].isDisjoint(with: ids[1]))
            #expect(ids[0].count == 3 && ids[1].count == 2)  // 40 % of 5 utterances
        }
    }

    /// The same seed gives the same bytes, with one job or two; another seed other crops.
    @Test func bytesDependOnlyOnOptionsAndSeed() throws {
        let work = TestSupport.TemporaryDirectory()
        try Self.extractFixtures(to: work.file("features"))
        func segment(_ name: String, jobs: String, seed: String) throws {
            let run = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file(name), "--mode", "random",
                                               "--len", "0.5", "--epochs", "4", "--seed", seed, "--jobs", jobs,
                                               "--shard-size", "50k", "--split", "valid=0.4", "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        try segment("a", jobs: "1", seed: "1")
        try segment("b", jobs: "2", seed: "1")
        try segment("c", jobs: "2", seed: "2")
        for side in ["train", "valid"] {
            let a = try ExtractCommandTests.contents(work.file("a/\(side)")), b = try ExtractCommandTests.contents(work.file("b/\(side)"))
            #expect(a.keys.sorted() == b.keys.sorted())
            for (name, bytes) in a { #expect(bytes == b[name], "\(side)/\(name) differs between --jobs 1 and 2") }
        }
        #expect(try DatasetIndex.read(from: work.file("a/train")).shards.count > 1)
        let startsA = try DatasetIndex.read(from: work.file("a/train")).utterances.map(\.startFrame)
        let startsC = try DatasetIndex.read(from: work.file("c/train")).utterances.map(\.startFrame)
        #expect(startsA != startsC)
    }

    @Test func badSegmentRequestsAreRefused() throws {
        let work = TestSupport.TemporaryDirectory()
        try Self.extractFixtures(to: work.file("features"), raw: false)
        let both = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("s"), "--len", "1", "--frames", "10"])
        #expect(both.status == 64 && both.stderr.hasPrefix("Error: give --len or --frames, not both\n"))
        let split = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("s"), "--split", "train=0.5"])
        #expect(split.stderr.hasPrefix("Error: --split train=0.5: must be valid=FRACTION with 0 < FRACTION < 1, e.g. valid=0.12\n"))
        try TestSupport.write("speech-16k\nnot-there\n", to: work.file("valid.txt"))
        let list = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("s"), "--valid-list", work.file("valid.txt")])
        #expect(list.status == 1)
        #expect(list.stderr == "vadprep segment: \(work.file("valid.txt")):2: \"not-there\" is not an utterance of the dataset\n")
        // A damaged source shard is refused before anything is written.
        let shard = work.file("features/shard-00000.safetensors")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: shard))
        bytes[bytes.count / 2] ^= 1
        try bytes.write(to: URL(fileURLWithPath: shard))
        let damaged = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("s2")])
        #expect(damaged.status == 1)
        #expect(damaged.stderr == "vadprep segment: \(shard): SHA-256 does not match the index (the file is damaged); run vadprep verify\n")
        #expect(!FileManager.default.fileExists(atPath: work.file("s2")))
    }

    /// The default corpus as the demo makes it (common.sh's generate_default_corpus:
    /// the Python generator's clean speech and noise library) and prepares it
    /// (Pipelines/prepare.sh): every recording once, noise mixed in by vadprep,
    /// as `ID~aug1` with its clean labels; split 88/12; every row of every
    /// segment dataset is its source frames.
    @Test(.enabled(if: TestSupport.python != nil, "needs VADPREP_PYTHON, PYTHON or .build-venv with numpy"))
    func defaultCorpusIsMixedByPrepareAndSegmentsAreExact() throws {
        let python = try #require(TestSupport.python)
        let work = TestSupport.TemporaryDirectory()
        let corpus = work.file("corpus"), out = work.file("out")
        let generate = try TestSupport.generateDefaultCorpus(corpus, python: python)
        #expect(generate.status == 0, "\(generate.stderr)")
        let prepare = try TestSupport.run("/usr/bin/env", ["VADPREP=\(TestSupport.vadprepExecutable)",
                                                          "\(TestSupport.packageRoot)/Pipelines/prepare.sh", corpus, out])
        #expect(prepare.status == 0, "\(prepare.stderr)")

        // The mix: one noisy copy of each of the 60 clean recordings, none clean.
        let cleanIDs = try String(contentsOfFile: "\(corpus)/clean/corpus.tsv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { ($0.split(separator: "\t")[1] as NSString).deletingPathExtension }
        #expect(cleanIDs.count == 60)
        let mixed = try Dataset(directory: "\(out)/features")
        #expect(mixed.index.utterances.map(\.id).sorted() == cleanIDs.map { "\($0)~aug1" }.sorted())
        #expect(mixed.index.rawFrames != nil)
        var snrs: Set<Double> = [], kinds: Set<String> = []
        for record in mixed.index.utterances {
            let augmentation = try #require(record.augmentation, "\(record.id)")
            let snr = try #require(augmentation.snrDb, "\(record.id)")
            snrs.insert(snr)
            kinds.insert(String(try #require(augmentation.noise, "\(record.id)").file.split(separator: "/")[0]))
        }
        #expect(snrs.isSubset(of: [0, 5, 10, 20]) && snrs.count > 1, "\(snrs)")
        #expect(kinds.isSubset(of: ["white", "pink", "brown", "babble"]) && kinds.count > 2, "\(kinds)")

        // Each copy has its clean recording's labels, and other features.
        let plain = try TestSupport.vadprep(["extract", "\(corpus)/clean", "--out", work.file("clean"), "--quiet"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let clean = try Dataset(directory: work.file("clean"))
        let cleanNumber = Dictionary(uniqueKeysWithValues: clean.index.utterances.enumerated().map { ($1.id, $0) })
        for (number, record) in mixed.index.utterances.enumerated() {
            let copy = try mixed.utterance(number), original = try clean.utterance(try #require(cleanNumber[record.inputID]))
            #expect(Array(copy.labels) == Array(original.labels), "\(record.id): labels")
            #expect(Array(copy.features) != Array(original.features), "\(record.id): no noise added")
        }

        // The 88/12 split, and every row of the report's segmentations.
        var rows = 0
        for name in ["seg-1s", "seg-3s", "seg-30s", "seg-whole", "seg-3s-fixed"] {
            let train = try DatasetIndex.read(from: "\(out)/\(name)/train"), valid = try DatasetIndex.read(from: "\(out)/\(name)/valid")
            let trainIDs = Set(train.utterances.map(\.id)), validIDs = Set(valid.utterances.map(\.id))
            #expect(trainIDs.count == 53 && validIDs.count == 7 && trainIDs.isDisjoint(with: validIDs), "\(name)")
            rows += try Self.checkEveryRow("\(out)/\(name)/train", source: "\(out)/features")
            rows += try Self.checkEveryRow("\(out)/\(name)/valid", source: "\(out)/features")
        }
        #expect(rows > 1000)
    }
}
