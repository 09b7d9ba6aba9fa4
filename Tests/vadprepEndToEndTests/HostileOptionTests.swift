import Foundation
import Testing
import _VADTestSupport

/// Every numeric option of every command, given NaN, infinities and absurd
/// magnitudes: the built `vadprep` must refuse each with exit status 64 (a
/// usage error) and a message naming the option, before it opens any input or
/// writes anything, never trap or die of a signal.
///
/// The table below is the one place that lists the options. `tableCoversEveryOption`
/// reads each command's own description of its options (`--experimental-dump-help`)
/// and fails when an option is in neither `rows` nor `notNumbers`, so a new
/// option cannot go untested by being forgotten here.
@Suite struct HostileOptionTests {
    /// What a value of the option is read as.
    enum Kind: Sendable {
        /// A `Double` (or `Float`).
        case real
        /// An `Int` or `UInt64`.
        case integer
        /// Text holding numbers (`--shard-size 256M`, `--part 0/4`, `--split valid=0.12`), with its own hostile values.
        case text([String])

        var values: [String] {
            switch self {
            case .real: ["nan", "inf", "-inf", "1e300", "-1e300"]
            case .integer: ["nan", "inf", "-inf", "1e300", "99999999999999999999", "9223372036854775807", "-9223372036854775808"]
            case .text(let values): values
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var command: String
        var option: String
        var kind: Kind
        /// Other options the option needs to be read at all (`--raw-frames` for `--raw-frame-length`).
        var with: [String] = []
        var testDescription: String { "\(command) \((with + [option]).joined(separator: " "))" }
    }

    /// Each command's required arguments. None of the paths exists: options are
    /// checked before anything is opened, so a refusal cannot depend on them.
    static let required: [String: [String]] = [
        "extract": ["missing-corpus", "--out", "out"],
        "merge": ["missing-part", "--out", "out"],
        "segment": ["missing-features", "--out", "out"],
        "train": ["missing-segments", "--model", "lstm", "--out", "out"],
        "eval": ["missing-run", "missing-dataset"],
        "predict": ["missing-run", "missing.wav", "--out", "out"],
        "inspect": ["missing-dataset"],
        "verify": ["missing-dataset"],
        "export": ["missing-dataset", "--kaldi", "out"],
    ]

    static let rows: [Row] = [
        Row(command: "extract", option: "--sample-rate", kind: .integer),
        Row(command: "extract", option: "--channel", kind: .integer),
        Row(command: "extract", option: "--frame-length", kind: .real),
        Row(command: "extract", option: "--frame-shift", kind: .real),
        Row(command: "extract", option: "--dither", kind: .real),
        Row(command: "extract", option: "--preemphasis-coefficient", kind: .real),
        Row(command: "extract", option: "--blackman-coeff", kind: .real),
        Row(command: "extract", option: "--num-mel-bins", kind: .integer),
        Row(command: "extract", option: "--low-freq", kind: .real),
        Row(command: "extract", option: "--high-freq", kind: .real),
        Row(command: "extract", option: "--num-ceps", kind: .integer),
        Row(command: "extract", option: "--energy-floor", kind: .real),
        Row(command: "extract", option: "--cepstral-lifter", kind: .real),
        Row(command: "extract", option: "--seed", kind: .text(seeds)),
        Row(command: "extract", option: "--delta-order", kind: .integer),
        Row(command: "extract", option: "--delta-window", kind: .integer),
        Row(command: "extract", option: "--cmvn-window", kind: .integer),
        Row(command: "extract", option: "--cmvn-min-window", kind: .integer),
        Row(command: "extract", option: "--raw-frame-length", kind: .real, with: ["--raw-frames"]),
        Row(command: "extract", option: "--shard-size", kind: .text(sizes)),
        Row(command: "extract", option: "--jobs", kind: .integer),
        Row(command: "extract", option: "--max-overshoot", kind: .real),
        Row(command: "extract", option: "--command-timeout", kind: .real),
        Row(command: "extract", option: "--part", kind: .text(["nan/4", "0/inf", "-1/4", "4/4", "0/0", "0/99999999999999999999",
                                                               "9223372036854775807/9223372036854775807"])),
        Row(command: "extract", option: "--snr", kind: .text(["nan", "inf", "-inf", "1e300", "0,nan", "-1e300:0", "0:inf", "20:10"])),
        Row(command: "extract", option: "--copies", kind: .integer),
        Row(command: "extract", option: "--augment-seed", kind: .text(seeds)),
        Row(command: "extract", option: "--babble-speakers", kind: .text(["nan", "inf", "0:3", "3:1", "1:99999999999999999999", "-1:2", "1:1e300"])),
        Row(command: "extract", option: "--babble-prob", kind: .real),
        Row(command: "extract", option: "--reverb-prob", kind: .real),
        Row(command: "extract", option: "--noise-shaping", kind: .real),
        Row(command: "extract", option: "--energy-range-db", kind: .real),
        Row(command: "extract", option: "--energy-floor-db", kind: .real),
        Row(command: "extract", option: "--energy-percentile", kind: .real),
        Row(command: "extract", option: "--energy-min-speech", kind: .real),
        Row(command: "extract", option: "--energy-min-silence", kind: .real),
        Row(command: "segment", option: "--len", kind: .real),
        Row(command: "segment", option: "--frames", kind: .integer),
        Row(command: "segment", option: "--hop", kind: .real),
        Row(command: "segment", option: "--epochs", kind: .integer),
        Row(command: "segment", option: "--epochs", kind: .integer, with: ["--mode", "random"]),
        Row(command: "segment", option: "--seed", kind: .text(seeds)),
        Row(command: "segment", option: "--max-len", kind: .real, with: ["--mode", "whole"]),
        Row(command: "segment", option: "--split", kind: .text(["valid=nan", "valid=inf", "valid=-inf", "valid=1e300", "valid=1", "valid=0"])),
        Row(command: "segment", option: "--valid-count", kind: .integer),
        Row(command: "segment", option: "--shard-size", kind: .text(sizes)),
        Row(command: "segment", option: "--jobs", kind: .integer),
        Row(command: "train", option: "--epochs", kind: .integer),
        Row(command: "train", option: "--batch", kind: .integer),
        Row(command: "train", option: "--lr", kind: .real),
        Row(command: "train", option: "--seed", kind: .text(seeds)),
        Row(command: "train", option: "--threads", kind: .integer),
        Row(command: "train", option: "--hidden", kind: .integer),
        Row(command: "train", option: "--layers", kind: .integer),
        Row(command: "train", option: "--filters", kind: .integer),
        Row(command: "train", option: "--filters", kind: .integer, with: ["--model", "cdnn"]),
        Row(command: "train", option: "--inputs", kind: .integer),
        Row(command: "train", option: "--inputs", kind: .integer, with: ["--model", "cdnn-raw"]),
        Row(command: "eval", option: "--threshold", kind: .real),
        Row(command: "eval", option: "--threads", kind: .integer),
        Row(command: "predict", option: "--threshold", kind: .real),
        Row(command: "predict", option: "--window", kind: .real),
        Row(command: "predict", option: "--min-speech", kind: .real),
        Row(command: "predict", option: "--min-silence", kind: .real),
        Row(command: "predict", option: "--threads", kind: .integer),
    ]

    /// Seeds are any UInt64, so only what is not one.
    static let seeds = ["nan", "inf", "-inf", "1e300", "-1", "18446744073709551616", "99999999999999999999"]
    static let sizes = ["nan", "inf", "-inf", "1e300", "1e300G", "0", "0.5", "-1M", "99999999999999999999", "9223372036854775807"]

    /// The options that take no number, by command.
    static let notNumbers: [String: Set<String>] = [
        "extract": ["--out", "--preset", "--remove-dc-offset", "--window-type", "--round-to-power-of-two", "--use-energy",
                    "--raw-energy", "--snip-edges", "--cmvn", "--norm-vars", "--labels", "--label-format", "--speech-labels", "--nonspeech-labels",
                    "--input", "--kaldi-utterances",
                    "--noise", "--babble", "--rir", "--write-audio", "--supervisions"],
        "merge": ["--out"],
        "segment": ["--out", "--mode", "--short", "--valid-list", "--split-by"],
        "train": ["--valid", "--model", "--out", "--lr-schedule", "--loss"],
        "eval": [],
        "predict": ["--out", "--model"],
        "inspect": [],
        "verify": [],
        "export": ["--kaldi"],
    ]

    @Test(arguments: rows)
    func refusedBeforeAnyWork(_ row: Row) throws {
        let work = TestSupport.TemporaryDirectory()
        for value in row.kind.values {
            // `--option=value`, so that "-inf" is read as the value and not as an option.
            let arguments = [row.command] + Self.required[row.command, default: []] + row.with + ["\(row.option)=\(value)"]
            let run = try TestSupport.vadprep(arguments, in: work.path)
            let said = "\(arguments.joined(separator: " ")) -> \(run.status): \(run.stderr)"
            #expect(run.status == 64, "\(said)")
            let firstLine = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
            // Refused by vadprep's checks (one wording everywhere) or by the argument parser, which cannot read the value.
            let ours = firstLine.hasPrefix("Error: \(row.option) ") && firstLine.contains(": must be ")
            let parser = firstLine.hasPrefix("Error: The value '\(value)' is invalid for '\(row.option) ")
            #expect(ours || parser, "\(said)")
            #expect(run.stdout.isEmpty, "\(said)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty, "\(said): wrote something")
        }
    }

    /// The exact messages, for a few options of each kind.
    @Test(arguments: [
        (["extract", "c", "--out", "o", "--frame-shift=nan"], "Error: --frame-shift nan: must be a finite number of milliseconds"),
        (["extract", "c", "--out", "o", "--frame-length=1e300"], "Error: --frame-length 1e+300: must be more than 0 and at most 10000 milliseconds"),
        (["extract", "c", "--out", "o", "--frame-shift=0.05"], "Error: --frame-shift 0.05: must be at least one sample (0.0625 milliseconds at 16000 Hz)"),
        (["extract", "c", "--out", "o", "--cepstral-lifter=nan"], "Error: --cepstral-lifter nan: must be a finite number"),
        (["extract", "c", "--out", "o", "--raw-frames", "--raw-frame-length=-inf"], "Error: --raw-frame-length -inf: must be a finite number of milliseconds"),
        (["extract", "c", "--out", "o", "--sample-rate=9223372036854775807"], "Error: --sample-rate 9223372036854775807: must be between 1000 and 1000000 Hz"),
        (["extract", "c", "--out", "o", "--high-freq=-8000"], "Error: --high-freq -8000.0: must be more than minus the Nyquist frequency, 8000 Hz"),
        (["extract", "c", "--out", "o", "--low-freq=7000", "--high-freq=-1500"], "Error: --low-freq 7000.0: must be below the high cutoff (6500 Hz)"),
        (["extract", "c", "--out", "o", "--num-mel-bins=100", "--frame-length=10"],
         "Error: --num-mel-bins 100: must be fewer (or --frame-length longer): mel bin 0 holds no bin of the 256-point FFT"),
        (["extract", "c", "--out", "o", "--shard-size=0.5"], "Error: --shard-size 0.5: must be a size such as 256M, 1G or 500000 (bytes), from 1 byte to less than 10^15"),
        (["extract", "c", "--out", "o", "--jobs=0"], "Error: --jobs 0: must be between 1 and 1024"),
        (["segment", "d", "--out", "o", "--len=nan"], "Error: --len nan: must be a finite number of seconds"),
        (["segment", "d", "--out", "o", "--hop=inf"], "Error: --hop inf: must be a finite number of seconds"),
        (["segment", "d", "--out", "o", "--mode", "whole", "--max-len=-inf"], "Error: --max-len -inf: must be a finite number of seconds"),
        (["train", "s", "--model", "lstm", "--out", "r", "--lr=1e300"], "Error: --lr 1e+300: must be more than 0 and at most 10"),
        (["train", "s", "--model", "lstm", "--out", "r", "--hidden=0"], "Error: --hidden 0: must be between 1 and 4096"),
        (["eval", "r", "d", "--threshold=1e300"], "Error: --threshold 1e+300: must be between 0 and 1"),
        (["predict", "r", "a.wav", "--out", "o", "--threshold=nan"], "Error: --threshold nan: must be a finite number"),
        (["predict", "r", "a.wav", "--out", "o", "--window=-1"], "Error: --window -1.0: must be between 0 and 86400 seconds"),
    ])
    func message(arguments: [String], expected: String) throws {
        let work = TestSupport.TemporaryDirectory()
        let run = try TestSupport.vadprep(arguments, in: work.path)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix(expected + "\n"), "\(run.stderr)")
    }

    /// Seconds that pass the first check but give no whole frame at the
    /// dataset's frame shift are refused the same way, once it is read.
    @Test func secondsShorterThanTheDatasetsFrame() throws {
        let work = TestSupport.TemporaryDirectory()
        let extract = try TestSupport.vadprep(["extract", TestSupport.fixture("corpus"), "--out", work.file("features"), "--quiet"])
        try #require(extract.status == 0, "\(extract.stderr)")
        for (option, mode) in [("--len", "fixed"), ("--hop", "fixed"), ("--max-len", "whole")] {
            let run = try TestSupport.vadprep(["segment", work.file("features"), "--out", work.file("s"), "--mode", mode, "\(option)=0.004"])
            #expect(run.status == 64)
            #expect(run.stderr.hasPrefix("Error: \(option) 0.004: must be at least one frame (0.005 seconds rounds to one frame of 0.01)\n"), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: work.file("s")))
        }
    }

    /// The table knows every option each command lists, and each numeric-looking
    /// default belongs to an option the table tries hostile numbers on.
    @Test func tableCoversEveryOption() throws {
        let root = try Self.dumpHelp([])
        let commands = try #require((root["command"] as? [String: Any])?["subcommands"] as? [[String: Any]])
            .compactMap { $0["commandName"] as? String }.filter { $0 != "help" }
        #expect(Set(commands) == Set(Self.required.keys), "the table's commands")
        for command in commands {
            let numeric = Set(Self.rows.filter { $0.command == command }.map(\.option))
            let other = Self.notNumbers[command, default: []]
            #expect(numeric.isDisjoint(with: other), "\(command): \(numeric.intersection(other)) is listed as both")
            let arguments = try #require((try Self.dumpHelp([command])["command"] as? [String: Any])?["arguments"] as? [[String: Any]])
            var listed: Set<String> = []
            for argument in arguments where argument["kind"] as? String == "option" {
                let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { name -> String? in
                    guard let text = name["name"] as? String else { return nil }
                    return (name["kind"] as? String == "short" ? "-" : "--") + text
                }
                let name = try #require(names.first)
                listed.insert(name)
                #expect(numeric.contains(name) || other.contains(name),
                        "vadprep \(command) \(name) is in neither HostileOptionTests.rows nor .notNumbers")
                if let value = argument["defaultValue"] as? String, Double(value) != nil {
                    #expect(numeric.contains(name), "vadprep \(command) \(name) has the numeric default \(value) but no row")
                }
            }
            #expect(numeric.union(other).subtracting(listed).isEmpty, "\(command): the table names options the command does not have")
        }
    }

    static func dumpHelp(_ command: [String]) throws -> [String: Any] {
        let run = try TestSupport.vadprep(command + ["--experimental-dump-help"])
        try #require(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }
}
