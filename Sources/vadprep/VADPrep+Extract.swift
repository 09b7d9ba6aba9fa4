import ArgumentParser
import Foundation
import VADPipeline
import VADShards

extension VADPrep {
    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "extract",
            abstract: "Compute features and frame labels for every recording of a corpus directory.",
            discussion: """
                Every audio file below CORPUS_DIR (WAV, FLAC, Ogg and the other formats libsndfile reads) \
                is converted to one channel at --sample-rate and turned into MFCCs (+ deltas) and one \
                label per frame. Labels are read from a file beside each recording with the same stem \
                (.rttm, .frames, .lab, .tsv, .txt, in that order of preference), from a directory \
                mirroring the corpus, or from one corpus-wide RTTM file (--labels). A Kaldi data directory \
                (wav.scp, segments, utt2spk, reco2dur) and a Lhotse manifest (recordings with \
                --supervisions, or MonoCuts) are read too; see --input. Recordings that fail \
                are listed at the end and the others are still written; the exit status is then 1.
                """)

        @Argument(help: "Directory holding the recordings and their label files, a Kaldi data directory, or a Lhotse manifest.")
        var corpus: String

        @Option(help: "How to read the input: dir, kaldi or lhotse (default: kaldi for a directory holding wav.scp, lhotse for .jsonl/.jsonl.gz, else dir).")
        var input: InputKind?

        @Option(help: "Lhotse recordings manifest: its supervisions manifest (the speech regions).")
        var supervisions: String?

        @Option(help: "Kaldi data directory: what an utterance is: recordings (segments give speech regions) or segments (cut from their recordings).")
        var kaldiUtterances: KaldiUtterances = .recordings

        @Flag(help: "Run the commands of piped wav.scp lines (\"ID COMMAND |\") to read their audio.")
        var allowCommands = false

        @Option(help: "Seconds a wav.scp command may run before it is killed and its recording fails.")
        var commandTimeout: Double = 600

        @Option(help: "Seconds a label region (or a segment) may run past the end of the audio; it is then cut at the end.")
        var maxOvershoot: Double = FrameLabeler.defaultMaxOvershoot

        @Option(help: "Directory the dataset is written to.")
        var out: String

        @Option(help: "Target rate in Hz; recordings at other rates are resampled.")
        var sampleRate = 16000

        @Option(help: "Keep only this channel (counting from 1) instead of averaging all channels.")
        var channel: Int?

        @OptionGroup(title: "Features (Kaldi's names)")
        var features: FeatureOptionGroup

        @Flag(help: "Also store each utterance's waveform for raw-waveform frames.")
        var rawFrames = false

        @Option(help: "Raw-waveform frame length in milliseconds (35 ms = 561 samples at 16 kHz).")
        var rawFrameLength: Double = 35

        @Option(help: "A corpus-wide RTTM file, or a directory of label files mirroring the corpus; or \"energy\": label every recording from its own energy (see --energy-range-db; a directory named energy is ./energy).")
        var labels: String?

        @Option(help: "--labels energy: a frame is speech when its level is within this many dB of the loud frames' (default 40).")
        var energyRangeDb: Double?

        @Option(help: "--labels energy: ... and at least this level in dBFS (default -60).")
        var energyFloorDb: Double?

        @Option(help: "--labels energy: the loud frames' level is this percentile of the frame levels (default 95).")
        var energyPercentile: Double?

        @Option(help: "--labels energy: speech runs shorter than this many seconds become non-speech (default 0.1).")
        var energyMinSpeech: Double?

        @Option(help: "--labels energy: pauses shorter than this many seconds between speech become speech (default 0.2).")
        var energyMinSilence: Double?

        @Option(help: "Read label files as this format instead of judging by extension: segments, rttm, frames.")
        var labelFormat: LabelFormat?

        @Option(help: "Comma-separated labels that mean speech; by default every label but the non-speech ones does.")
        var speechLabels: String?

        @Option(help: "Comma-separated labels that mean non-speech (when --speech-labels is not given).")
        var nonspeechLabels: String?

        @Flag(help: "Keep recordings without labels (their frames are labelled 255, unknown).")
        var allowUnlabelled = false

        @Option(help: ArgumentHelp(
            "Directories of noise recordings (any format libsndfile reads, resampled, looped when shorter): each augmented copy adds an excerpt of one at a speech-active SNR.",
            valueName: "DIR[,DIR…]"))
        var noise: String?

        @Option(help: ArgumentHelp(
            "SNRs in dB to draw from (a list, default 20,10,5,0) or a range LO:HI. SNR = 10·log10(P_speech / P_noise): P_speech the mean square of the (possibly reverberant) speech over its speech regions (the whole signal when it has none), P_noise that of everything added over the whole utterance.",
            valueName: "LIST|LO:HI"))
        var snr: String?

        @Option(help: "Augmented copies per recording, ID~aug1 … ID~augN, written after the clean one (default 1).")
        var copies: Int?

        @Option(help: "Seed of the augmentation: a copy depends only on it, the utterance id and the copy number (default 0).")
        var augmentSeed: UInt64?

        @Flag(help: "Leave the clean utterances out: write only the augmented copies.")
        var noClean = false

        @Option(help: "A directory of speech recordings summed as background talkers (labels stay the target's).")
        var babble: String?

        @Option(help: ArgumentHelp("How many background talkers a copy gets, drawn uniformly (default 3:7).", valueName: "LO:HI"))
        var babbleSpeakers: String?

        @Option(help: "Probability that a copy gets background talkers when --babble is given (default 1: every copy).")
        var babbleProb: Double?

        @Option(help: "A directory of room impulse responses (at most 60 s each): copies are convolved with one, its direct path kept at time zero.")
        var rir: String?

        @Option(help: "Probability that a copy is reverberated when --rir is given (default 1).")
        var reverbProb: Double?

        @Option(help: "Probability that a copy's added noise is shaped: random band-pass (low edge 0-600 Hz, high edge 1.2-7.6 kHz), a peak or dip of up to ±12 dB at 0.2-4 kHz and a slow level drift (0.05-0.6 Hz, 5-60 % deep) (default 0).")
        var noiseShaping: Double?

        @Option(help: "Also write each utterance as fed to the features (DIR/ID.wav, 32-bit float) and its label track (DIR/ID.txt).")
        var writeAudio: String?

        @OptionGroup(title: "Output")
        var output: OutputOptionGroup

        @Flag(help: "Print where the wall time went: before the first worker starts, the workers (and their busy time), after the last one ends (also in the dataset's timings.json).")
        var timings = false

        @Flag(help: "Continue an interrupted run into the same --out: finished shards that check out are kept.")
        var resume = false

        @Option(help: ArgumentHelp(
            "Extract only part K of N (K from 0, as a Slurm array task id): contiguous runs of the sorted listing with equal hours of audio, judged from the file headers. Join the parts with `vadprep merge`.",
            valueName: "K/N"))
        var part: String?

        func validate() throws {
            if resume && output.force { throw ValidationError("give --resume or --force, not both") }
            var check = OptionCheck()
            if let part { check.require(CorpusPart(part) != nil, "--part", part, "K/N with 0 ≤ K < N, e.g. --part 0/4 … --part 3/4") }
            if let snr { check.require(AugmentOptions.parseSNR(snr) != nil, "--snr", snr, "a comma-separated list of dB values or a range LO:HI") }
            if let babbleSpeakers {
                check.require(AugmentOptions.parseCountRange(babbleSpeakers) != nil, "--babble-speakers", babbleSpeakers, "LO:HI with 1 ≤ LO ≤ HI ≤ \(AugmentOptions.maxBabbleSpeakers)")
            }
            let energy = [energyRangeDb, energyFloorDb, energyPercentile, energyMinSpeech, energyMinSilence]
            if check.problems.isEmpty, labels != "energy", energy.contains(where: { $0 != nil }) {
                if let problem = try options().problems().first { throw ValidationError(problem) }
                throw ValidationError("--energy-* options need --labels energy")
            }
            if let problem = try check.problems.first ?? options().problems().first { throw ValidationError(problem) }
        }

        func options() throws -> ExtractOptions {
            var options = ExtractOptions()
            options.audio.sampleRate = sampleRate
            options.audio.channel = channel
            (options.mfcc, options.deltas, options.cmvn) = features.options(sampleRate: sampleRate)
            options.seed = features.seed
            if rawFrames {
                var raw = RawFrameOptions()
                raw.lengthMs = rawFrameLength
                options.rawFrames = raw
            }
            if labels == "energy" {
                var energy = EnergyLabelOptions()
                energy.rangeDb = energyRangeDb ?? energy.rangeDb
                energy.floorDb = energyFloorDb ?? energy.floorDb
                energy.percentile = energyPercentile ?? energy.percentile
                energy.minSpeech = energyMinSpeech ?? energy.minSpeech
                energy.minSilence = energyMinSilence ?? energy.minSilence
                options.labels.energy = energy
            } else {
                options.labels.path = labels
            }
            if [energyRangeDb, energyFloorDb, energyPercentile, energyMinSpeech, energyMinSilence].contains(where: { $0 != nil }) && labels != "energy" {
                // Checked anyway, so that a bad value is named before the missing --labels energy.
                var energy = EnergyLabelOptions()
                energy.rangeDb = energyRangeDb ?? energy.rangeDb
                energy.floorDb = energyFloorDb ?? energy.floorDb
                energy.percentile = energyPercentile ?? energy.percentile
                energy.minSpeech = energyMinSpeech ?? energy.minSpeech
                energy.minSilence = energyMinSilence ?? energy.minSilence
                options.labels.energy = energy
            }
            options.labels.format = labelFormat
            options.labels.allowUnlabelled = allowUnlabelled
            if let speechLabels { options.labels.policy.speechLabels = list(speechLabels) }
            if let nonspeechLabels { options.labels.policy.nonSpeechLabels = list(nonspeechLabels) }
            options.shardSizeBytes = parseSize(output.shardSize) ?? options.shardSizeBytes
            var inputOptions = InputOptions()
            inputOptions.kind = input
            inputOptions.kaldiUtterances = kaldiUtterances
            inputOptions.allowCommands = allowCommands
            inputOptions.commandTimeout = commandTimeout
            inputOptions.maxOvershoot = maxOvershoot
            inputOptions.supervisions = supervisions
            options.input = inputOptions.isDefault ? nil : inputOptions
            let augmentGiven = noise != nil || snr != nil || copies != nil || augmentSeed != nil || noClean || babble != nil
                || babbleSpeakers != nil || babbleProb != nil || rir != nil || reverbProb != nil || noiseShaping != nil
            if augmentGiven {
                var augment = AugmentOptions()
                if let noise { augment.noise = list(noise) }
                if let snr, let parsed = AugmentOptions.parseSNR(snr) { (augment.snrDb, augment.snrRange) = parsed }
                augment.copies = copies ?? augment.copies
                augment.seed = augmentSeed ?? augment.seed
                augment.keepClean = !noClean
                augment.babble = babble
                if let babbleSpeakers, let parsed = AugmentOptions.parseCountRange(babbleSpeakers) { augment.babbleSpeakers = parsed }
                augment.babbleProbability = babbleProb
                augment.rir = rir
                augment.reverbProbability = reverbProb ?? augment.reverbProbability
                augment.noiseShaping = noiseShaping ?? augment.noiseShaping
                options.augment = augment
            }
            return options
        }

        func run() throws {
            let terminal = Terminal(quiet: output.quiet)
            let started = Date()
            let report: ExtractReport
            Interruption.install()
            do {
                report = try Extractor.run(corpus: corpus, output: out, options: options(), jobs: output.jobs, force: output.force,
                                           resume: resume, part: part.flatMap(CorpusPart.init), writeAudio: writeAudio, writeTimings: timings, shouldStop: { Interruption.requested }) { step in
                    terminal.progress("extract", done: step.filesDone, total: step.filesTotal,
                                      detail: String(format: "%.0f s of audio, %d failed", step.audioSeconds, step.failures))
                }
            } catch let error as PipelineError {
                terminal.endProgress()
                printFailures(error.failures, of: nil)
                Terminal.warn("vadprep extract: \(error.message)")
                throw ExitCode(error.status)
            } catch let error as InputError {
                terminal.endProgress()
                Terminal.warn("vadprep extract: \(error)")
                throw ExitCode(1)
            }
            terminal.endProgress()
            var warned = Set<String>()  // the cuts of one recording repeat its warnings
            for warning in report.warnings where warned.insert(warning).inserted { Terminal.warn("vadprep extract: warning: \(warning)") }
            let wall = Date().timeIntervalSince(started)
            let index = report.index
            if !output.quiet {
                let hours = report.audioSeconds / 3600
                let speech = index.statistics.labelledFrames > 0
                    ? String(format: ", %.1f %% speech", 100 * Double(index.statistics.speechFrames) / Double(index.statistics.labelledFrames)) : ""
                let bytes = index.shards.reduce(0) { $0 + $1.bytes }
                let part = self.part.map { " (part \($0))" } ?? ""
                let unsupervised = index.input?.unsupervised.map { ", \($0) recording\($0 == 1 ? "" : "s") without supervisions (all non-speech)" } ?? ""
                let copies = index.utterances.filter { $0.augmentation != nil }.count
                let done = Set(index.utterances.map(\.inputID)).count
                let augmented = copies > 0 ? ", \(copies) augmented cop\(copies == 1 ? "y" : "ies") (\(index.utterances.count) utterances)" : ""
                let cut = report.regionsCut > 0 ? ", \(report.regionsCut) label region\(report.regionsCut == 1 ? "" : "s") cut at the end of the audio" : ""
                print(String(format: "extracted %d of %d files%@: %.3f h of audio, %d frames%@%@%@%@ in %.2f s (%.0f× real time) -> %@ (%d shard%@, %@)",
                             done, report.files, part, hours,
                             index.statistics.frames, speech, unsupervised, augmented, cut, wall,
                             report.audioSeconds / max(wall, 1e-9), out, index.shards.count,
                             index.shards.count == 1 ? "" : "s", formatBytes(bytes)))
            }
            if timings, let phases = report.timings {
                print(String(format: "timings: before workers %.3f s, workers %.3f s (busy %.3f s over %d job%@), after workers %.3f s; serial share %.1f %% of %.3f s",
                             phases.beforeWorkersSeconds, phases.workersSeconds, phases.workerBusySeconds, phases.jobs,
                             phases.jobs == 1 ? "" : "s", phases.afterWorkersSeconds,
                             100 * phases.serialShare(wall: phases.totalSeconds), phases.totalSeconds))
            }
            if !report.failures.isEmpty {
                printFailures(report.failures, of: report.files)
                throw ExitCode(1)
            }
        }

        private func printFailures(_ failures: [FailureRecord], of total: Int?) {
            guard !failures.isEmpty else { return }
            let of = total.map { " of \($0)" } ?? ""
            Terminal.warn("vadprep extract: \(failures.count)\(of) file\(failures.count == 1 && total == nil ? "" : "s") failed:")
            for failure in failures { Terminal.warn("  \(failure.error)") }
        }
    }
}

extension InputKind: ExpressibleByArgument {}
extension KaldiUtterances: ExpressibleByArgument {}

private func list(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
