import Foundation
import Testing
import VADShards
import _VADTestSupport

/// `vadprep extract --noise … --copies N`: the augmented copies as the user
/// meets them, measured from `--write-audio` output.
@Suite struct AugmentCommandTests {
    /// A 16-bit mono WAV of `samples` (in -1 ... 1).
    static func writeWAV(_ samples: [Double], rate: Int, to path: String) throws {
        var bytes: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        bytes += Array("RIFF".utf8); u32(UInt32(36 + 2 * samples.count)); bytes += Array("WAVE".utf8)
        bytes += Array("fmt ".utf8); u32(16); u16(1); u16(1); u32(UInt32(rate)); u32(UInt32(2 * rate)); u16(2); u16(16)
        bytes += Array("data".utf8); u32(UInt32(2 * samples.count))
        for x in samples { u16(UInt16(bitPattern: Int16(max(-32768, min(32767, (x * 32768).rounded()))))) }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The samples of a 32-bit float WAV written by --write-audio.
    static func readFloatWAV(_ path: String) throws -> [Float] {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        try #require(data.count >= 58 && Array(data[38..<42]) == Array("fact".utf8) && Array(data[50..<54]) == Array("data".utf8)
                     && data[20] == 3, "\(path) is not vadprep's float WAV")
        return stride(from: 58, to: data.count, by: 4).map { i in
            Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        }
    }

    /// The speech sample ranges of a label track.
    static func speech(_ path: String, rate: Double) throws -> [Range<Int>] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
            let fields = line.split(separator: "\t")
            return Int((Double(fields[0])! * rate).rounded())..<Int((Double(fields[1])! * rate).rounded())
        }
    }

    static func noiseDirectory(_ work: TestSupport.TemporaryDirectory, level: Double = 0.1) throws -> String {
        var state: UInt64 = 12345
        func uniform() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) * 0x1.0p-53 * 2 - 1 }
        try writeWAV((0..<24000).map { _ in level * uniform() }, rate: 16000, to: work.file("noise/hiss.wav"))
        try writeWAV((0..<8000).map { level * sin(Double($0) * 0.05) + 0.3 * level * uniform() }, rate: 8000, to: work.file("noise/sub/hum.wav"))
        return work.file("noise")
    }

    static func index(_ directory: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(directory)/index.json"))) as? [String: Any])
    }

    /// Every copy's SNR, measured from the written mix against the written clean
    /// signal over the written speech regions, is the recorded one within 0.05
    /// dB; no sample exceeds full scale, and copies that had to be scaled say so.
    @Test(arguments: [("0:20", 1.0), ("-30,-20", 0.1)])
    func snrOfEveryCopyIsTheRecordedOne(snr: String, noiseLevel: Double) throws {
        let work = TestSupport.TemporaryDirectory()
        let run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", work.file("out"), "--quiet",
                                           "--noise", try Self.noiseDirectory(work, level: noiseLevel), "--snr=\(snr)", "--copies", "3",
                                           "--noise-shaping", "0.5", "--write-audio", work.file("audio")])
        try #require(run.status == 0, "\(run.stderr)")
        let utterances = try #require(try Self.index(work.file("out"))["utterances"] as? [[String: Any]])
        var copies = 0, scaled = 0
        for utterance in utterances {
            guard let augmentation = utterance["augmentation"] as? [String: Any] else { continue }
            copies += 1
            let id = utterance["id"] as! String
            let cleanID = String(id[..<id.range(of: "~aug")!.lowerBound])
            let mix = try Self.readFloatWAV(work.file("audio/\(id).wav"))
            let clean = try Self.readFloatWAV(work.file("audio/\(cleanID).wav"))
            let gain = try #require(augmentation["gain"] as? Double)
            let recorded = try #require(augmentation["snr_db"] as? Double)
            #expect(augmentation["noise"] != nil)
            try #require(mix.count == clean.count)
            #expect(mix.allSatisfy { abs($0) <= 1 }, "\(id) exceeds full scale")
            if gain < 1 { scaled += 1 }
            var ranges = try Self.speech(work.file("audio/\(cleanID).txt"), rate: 16000)
            if ranges.isEmpty { ranges = [0..<clean.count] }
            var speechPower = 0.0, noisePower = 0.0, speechSamples = 0
            for range in ranges { for i in range { speechPower += Double(clean[i]) * Double(clean[i]) }; speechSamples += range.count }
            for i in 0..<mix.count {
                let added = Double(mix[i]) / gain - Double(clean[i])
                noisePower += added * added
            }
            let measured = 10 * log10((speechPower / Double(speechSamples)) / (noisePower / Double(mix.count)))
            #expect(abs(measured - recorded) < 0.05, "\(id): measured \(measured) dB, recorded \(recorded) dB")
            if snr == "0:20" { #expect(recorded >= 0 && recorded <= 20) }
        }
        #expect(copies == 3 * 5)
        if snr.hasPrefix("-") { #expect(scaled > 0, "loud noise should make some mixes clip") }
    }

    /// Same seed: the same bytes at --jobs 1 and --jobs 2; another seed: other bytes.
    @Test func sameSeedSameBytes() throws {
        let work = TestSupport.TemporaryDirectory()
        let noise = try Self.noiseDirectory(work)
        func extract(_ name: String, jobs: Int, seed: Int) throws -> [UInt8] {
            let run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", work.file(name), "--quiet",
                                               "--noise", noise, "--snr=-5:15", "--copies", "2", "--noise-shaping", "0.5",
                                               "--augment-seed", "\(seed)", "--jobs", "\(jobs)", "--shard-size", "40k"])
            try #require(run.status == 0, "\(run.stderr)")
            var bytes: [UInt8] = []
            for file in try FileManager.default.contentsOfDirectory(atPath: work.file(name)).sorted() {
                bytes += Array(file.utf8) + [UInt8](try Data(contentsOf: URL(fileURLWithPath: work.file("\(name)/\(file)"))))
            }
            return bytes
        }
        let one = try extract("one", jobs: 1, seed: 7)
        #expect(one == (try extract("two", jobs: 2, seed: 7)))
        #expect(one != (try extract("other", jobs: 2, seed: 8)))
    }

    /// --babble-prob P gives background talkers to about P of the copies and
    /// records them on exactly those; without it every copy has them.
    @Test func babbleProbabilityChoosesTheCopies() throws {
        let work = TestSupport.TemporaryDirectory()
        let noise = try Self.noiseDirectory(work), talkers = work.file("talkers")
        try FileManager.default.createDirectory(atPath: talkers, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.fixture("corpus/speech-16k.wav"), toPath: "\(talkers)/a.wav")
        func withBabble(_ extra: [String]) throws -> (babble: Int, copies: Int) {
            let out = work.file("out\(extra.joined())")
            let run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", out, "--quiet", "--noise", noise,
                                               "--babble", talkers, "--babble-speakers", "2:3", "--copies", "12", "--no-clean",
                                               "--augment-seed", "3"] + extra)
            try #require(run.status == 0, "\(run.stderr)")
            let utterances = try #require(try Self.index(out)["utterances"] as? [[String: Any]])
            let babble = utterances.filter { (($0["augmentation"] as? [String: Any])?["babble"] as? [Any])?.isEmpty == false }
            return (babble.count, utterances.count)
        }
        let every = try withBabble([]), none = try withBabble(["--babble-prob", "0"]), half = try withBabble(["--babble-prob", "0.5"])
        #expect(every.copies >= 48 && every.babble == every.copies)
        #expect(none.babble == 0 && none.copies == every.copies)
        #expect(half.babble >= half.copies / 4 && half.babble <= 3 * half.copies / 4, "\(half)")
    }

    /// Two parts of an augmented extraction (with and without the clean
    /// utterances) merge into the utterances of one run: a recording's
    /// copies count once against the listing.
    @Test(arguments: [[String](), ["--no-clean"]])
    func augmentedPartsMerge(_ extra: [String]) throws {
        let work = TestSupport.TemporaryDirectory()
        let noise = try Self.noiseDirectory(work)
        let common = ["--noise", noise, "--snr", "10", "--copies", "2", "--quiet"] + extra
        let whole = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", work.file("whole")] + common)
        try #require(whole.status == 0, "\(whole.stderr)")
        for part in ["0/2", "1/2"] {
            let run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--part", part, "--out", work.file("part\(part.first!)")] + common)
            try #require(run.status == 0, "\(run.stderr)")
        }
        let merged = try TestSupport.vadprep(["merge", work.file("part0"), work.file("part1"), "--out", work.file("merged"), "--quiet"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let expected = try DatasetIndex.read(from: work.file("whole")).utterances
        let got = try DatasetIndex.read(from: work.file("merged")).utterances
        #expect(got.map(\.id) == expected.map(\.id))
        #expect(got.map(\.augmentation) == expected.map(\.augmentation))
        #expect(Set(got.map(\.inputID)).count == 5)
    }

    /// An impulse response whose direct path comes 50 ms in, with one echo
    /// 10 ms after it: the copy is the clean signal plus the echo, not delayed,
    /// and its labels are the clean one's.
    @Test func reverberationKeepsTheDirectPathAtTimeZero() throws {
        let work = TestSupport.TemporaryDirectory()
        var response = [Double](repeating: 0, count: 4000)
        response[800] = 0.5
        response[960] = 0.25
        response[100] = 0.01
        try Self.writeWAV(response, rate: 16000, to: work.file("rir/room.wav"))
        let run = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", work.file("out"), "--quiet",
                                           "--rir", work.file("rir"), "--no-clean", "--write-audio", work.file("audio")])
        try #require(run.status == 0, "\(run.stderr)")
        let plain = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", work.file("plain"), "--quiet",
                                             "--write-audio", work.file("clean")])
        try #require(plain.status == 0, "\(plain.stderr)")
        let id = "speech-16k"
        let clean = try Self.readFloatWAV(work.file("clean/\(id).wav"))
        let wet = try Self.readFloatWAV(work.file("audio/\(id)~aug1.wav"))
        try #require(clean.count == wet.count)
        // y[n] = x[n] + 0.5 x[n - 160] + 0.02 x[n + 700] (the direct path scaled to 1).
        var worst: Float = 0
        for n in 0..<clean.count {
            var expected = clean[n]
            if n >= 160 { expected += 0.5 * clean[n - 160] }
            if n + 700 < clean.count { expected += 0.02 * clean[n + 700] }
            worst = max(worst, abs(expected - wet[n]))
        }
        #expect(worst < 1e-4, "largest difference \(worst)")
        #expect(try String(contentsOfFile: work.file("clean/\(id).txt"), encoding: .utf8)
                == (try String(contentsOfFile: work.file("audio/\(id)~aug1.txt"), encoding: .utf8)))
        let utterances = try #require(try Self.index(work.file("out"))["utterances"] as? [[String: Any]])
        #expect(utterances.allSatisfy { ($0["id"] as! String).hasSuffix("~aug1") })
        let record = try #require(utterances.first { $0["id"] as? String == "\(id)~aug1" }?["augmentation"] as? [String: Any])
        let rir = try #require(record["rir"] as? [String: Any])
        #expect(rir["dir"] as? Int == 0 && rir["file"] as? String == "room.wav" && rir["offset"] as? Int == 800, "\(rir)")
        let cleanSpeech = try #require(try Self.index(work.file("plain"))["utterances"] as? [[String: Any]])
            .first { $0["id"] as? String == id }?["speech_fraction"] as? Double
        #expect(utterances.first { $0["id"] as? String == "\(id)~aug1" }?["speech_fraction"] as? Double == cleanSpeech)
    }

    /// `--labels energy` labels a clean recording from its level alone.
    @Test func energyLabelsOnKnownSpeech() throws {
        let work = TestSupport.TemporaryDirectory()
        var samples = [Double](repeating: 0, count: 48000)
        for n in 8000..<16000 { samples[n] = 0.3 * sin(Double(n) * 0.2) }
        for n in 32000..<40000 { samples[n] = 0.3 * sin(Double(n) * 0.1) }
        try Self.writeWAV(samples, rate: 16000, to: work.file("corpus/talk.wav"))
        let run = try TestSupport.vadprep(["extract", work.file("corpus"), "--out", work.file("out"), "--quiet",
                                           "--labels", "energy", "--write-audio", work.file("audio")])
        try #require(run.status == 0, "\(run.stderr)")
        let ranges = try Self.speech(work.file("audio/talk.txt"), rate: 16000)
        try #require(ranges.count == 2, "\(ranges)")
        // Within about a frame (160 samples, plus the 400-sample window's reach) of the bursts.
        #expect(abs(ranges[0].lowerBound - 8000) <= 560 && abs(ranges[0].upperBound - 16000) <= 560, "\(ranges)")
        #expect(abs(ranges[1].lowerBound - 32000) <= 560 && abs(ranges[1].upperBound - 40000) <= 560, "\(ranges)")
        let utterance = try #require((try Self.index(work.file("out"))["utterances"] as? [[String: Any]])?.first)
        #expect(utterance["label_source"] as? String == "energy")
    }

    /// Bad augmentation input is refused before any work starts, naming the file.
    @Test func badInputIsRefusedBeforeAnyWork() throws {
        let work = TestSupport.TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: work.file("empty"), withIntermediateDirectories: true)
        try Self.writeWAV([Double](repeating: 0, count: 1600), rate: 16000, to: work.file("silent/zero.wav"))
        try Self.writeWAV((0..<(16000 * 61)).map { $0 == 10 ? 0.5 : 0 }, rate: 16000, to: work.file("longrir/hall.wav"))
        try Self.writeWAV([0.1, -0.1], rate: 16000, to: work.file("fine/n.wav"))
        let corpus = TestSupport.fixture("corpus")
        let cases: [([String], Int32, String)] = [
            (["--noise", work.file("empty")], 1, "vadprep extract: \(work.file("empty")): the --noise directory holds no audio files"),
            (["--noise", work.file("missing")], 1, "vadprep extract: \(work.file("missing")): the --noise directory does not exist or is not a directory"),
            (["--noise", work.file("silent")], 1, "vadprep extract: \(work.file("silent"))/zero.wav: is silent (every sample is zero, its power is zero)"),
            (["--noise", work.file("fine"), "--rir", work.file("longrir")], 1, "vadprep extract: \(work.file("longrir"))/hall.wav: lasts 61.0 s; an --rir recording may last at most 60 s"),
            (["--noise", work.file("fine"), "--snr", "10,nan"], 64, "Error: --snr 10,nan: must be a list of finite numbers of dB between -50 and 100"),
            (["--copies", "2"], 64, "Error: --copies 2: augmented copies need --noise, --babble or --rir"),
        ]
        for (options, status, message) in cases {
            let run = try TestSupport.vadprep(["extract", corpus, "--out", work.file("out")] + options)
            #expect(run.status == status, "\(options): \(run.stderr)")
            #expect(run.stderr.hasPrefix(message), "\(options): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: work.file("out")), "\(options) wrote output")
        }
    }
}
