import ArgumentParser
import Foundation
import VADShards

extension VADPrep {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Show what a dataset holds: utterances, audio, labels, features, options, shards.")

        @Argument(help: "Dataset directory.")
        var dataset: String

        @Flag(help: "Also list every utterance.")
        var utterances = false

        @Flag(help: "Print the index itself (JSON).")
        var json = false

        func run() throws {
            let index: DatasetIndex
            do { index = try DatasetIndex.read(from: dataset) } catch {
                Terminal.warn("vadprep inspect: \(error)")
                throw ExitCode(1)
            }
            if json {
                print(String(decoding: try index.encoded(), as: UTF8.self), terminator: "")
                return
            }
            print(Self.summary(index, name: dataset, listUtterances: utterances), terminator: "")
        }

        static func summary(_ index: DatasetIndex, name: String, listUtterances: Bool) -> String {
            let stats = index.statistics
            let seconds = index.utterances.reduce(0) { $0 + $1.durationSeconds }
            let bytes = index.shards.reduce(0) { $0 + $1.bytes }
            var lines: [String] = []
            func row(_ key: String, _ value: String) { lines.append(key.padding(toLength: 12, withPad: " ", startingAt: 0) + value) }
            row("dataset", "\(name) (\(index.kind), format \(index.formatVersion), vadprep \(index.vadprepVersion))")
            let shards = "\(index.shards.count) shard\(index.shards.count == 1 ? "" : "s") (\(formatBytes(bytes)))"
            if let segments = index.segments {
                let utterances = Set(index.utterances.map(\.id)).count
                var shape = segments.frames.map { "\($0) frames each, [segments, \($0), \(index.featureDim)]" } ?? "variable length, with offsets"
                if segments.masked { shape += ", padding masked" }
                row("segments", "\(index.utterances.count) \(segments.mode) segments from \(utterances) utterances in \(shards)\(segments.split.map { "; split \($0)" } ?? "")")
                row("", shape + (segments.epochs > 1 ? "; \(segments.epochs) epochs" : "") + (segments.dropped > 0 ? "; \(segments.dropped) too short, dropped" : ""))
                row("", "frames in rows: \(segments.speechFrames) speech, \(segments.nonSpeechFrames) non-speech, \(segments.paddedFrames) padding")
            } else {
                row("utterances", "\(index.utterances.count) in \(shards); \(index.failures.count) input file\(index.failures.count == 1 ? "" : "s") failed")
            }
            let speech = stats.labelledFrames > 0
                ? String(format: "%.1f %% speech", 100 * Double(stats.speechFrames) / Double(stats.labelledFrames)) : "unlabelled"
            row("audio", String(format: "%.3f h at %d Hz; %d frames every %g ms; %@", seconds / 3600, index.sampleRate,
                                stats.frames, index.frameShiftSeconds * 1000, speech))
            if stats.labelledFrames < stats.frames { row("", "\(stats.frames - stats.labelledFrames) frames without labels (255)") }
            let names = index.featureNames
            let shown = names.count > 6 ? names.prefix(3).joined(separator: " ") + " … " + names.suffix(2).joined(separator: " ") : names.joined(separator: " ")
            row("features", "\(index.featureDim) per frame: \(shown)")
            if let raw = index.rawFrames {
                row("raw frames", String(format: "%d samples every %d (%.1f ms), first at %d after %d zeros",
                                         raw.length, raw.hop, 1000 * Double(raw.length) / Double(index.sampleRate), raw.first, raw.leftPadding))
            }
            let extract = index.segments == nil ? index.options : (index.options["extract"] ?? .null)
            if let mfcc = extract["mfcc"], let frame = mfcc["frame"] {
                func value(_ v: JSONValue?) -> String {
                    switch v {
                    case .number(let n)?: return Int(exactly: n).map(String.init) ?? String(n)
                    case .bool(let b)?: return String(b)
                    case .string(let s)?: return s
                    default: return "?"
                    }
                }
                row("mfcc", "frame \(value(frame["frame_length_ms"]))/\(value(frame["frame_shift_ms"])) ms, \(value(frame["window_type"])) window, "
                    + "snip-edges \(value(frame["snip_edges"])), dither \(value(frame["dither"])), \(value(mfcc["mel"]?["num_bins"])) mel bins, "
                    + "\(value(mfcc["num_ceps"])) ceps, lifter \(value(mfcc["cepstral_lifter"]))")
                row("", "deltas order \(value(extract["deltas"]?["order"])), cmvn \(value(extract["cmvn"]?["mode"]))")
            }
            let means = stats.mean.prefix(3).map { String(format: "%.3f", $0) }.joined(separator: " ")
            let stds = stats.std.prefix(3).map { String(format: "%.3f", $0) }.joined(separator: " ")
            row("statistics", "mean \(means) …; std \(stds) …")
            for shard in index.shards {
                row("shard", "\(shard.file): \(shard.utterances) rows, \(shard.frames) frames, \(formatBytes(shard.bytes)), sha256 \(shard.sha256.prefix(16))…")
            }
            for failure in index.failures { row("failed", failure.error) }
            if listUtterances {
                let width = index.utterances.map(\.id.count).max() ?? 0
                for u in index.utterances {
                    let speech = u.speechFraction.map { String(format: "%5.1f %%", 100 * $0) } ?? "    - "
                    row("utterance", String(format: "%@  %6d frames  %7.2f s  %@ speech  (%@ row %d)", u.id, u.frames, u.durationSeconds,
                                            speech, index.shards[u.shard].file, u.row).replacingOccurrences(of: u.id, with: u.id.padding(toLength: width, withPad: " ", startingAt: 0), options: .anchored))
                }
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
