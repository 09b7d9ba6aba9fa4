import ArgumentParser
import VADPipeline

extension VADPrep {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write a dataset's features and frame labels in another toolkit's format (Kaldi archives).",
            discussion: """
                --kaldi OUT_DIR writes feats.ark + feats.scp (one float matrix per utterance), \
                labels.ark + labels.scp (one int32 label per frame: 0 non-speech, 1 speech, 255 unknown), \
                utt2num_frames, and utt2spk where speakers are known, sorted by utterance id. \
                Works on features datasets and on variable-length segments datasets (--mode whole); \
                fixed-length segments are refused.
                """)

        @Argument(help: "Dataset directory.")
        var dataset: String

        @Option(help: ArgumentHelp("Directory to write the Kaldi files to.", valueName: "out-dir"))
        var kaldi: String

        @Flag(help: "Replace an earlier Kaldi export in the output directory.")
        var force = false

        @Flag(help: "Print nothing on success.")
        var quiet = false

        func run() throws {
            let summary: KaldiExporter.Summary
            do {
                summary = try KaldiExporter.export(dataset: dataset, to: kaldi, force: force)
            } catch {
                Terminal.warn("vadprep export: \(error)")
                throw ExitCode(1)
            }
            if !quiet {
                print("exported \(summary.utterances) utterance\(summary.utterances == 1 ? "" : "s"), \(summary.frames) frames of "
                      + "\(summary.featureDim) features (\(formatBytes(summary.bytes)))\(summary.wroteSpeakers ? " with speakers" : "") -> \(kaldi)")
            }
        }
    }
}
