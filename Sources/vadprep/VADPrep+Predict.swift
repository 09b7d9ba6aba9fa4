import ArgumentParser
import Foundation
import VADPipeline
import VADShards
import VADInference
import VADTrain

extension VADPrep {
    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "predict",
            abstract: "Mark speech in recordings with a trained model.",
            discussion: """
                For each recording, writes to --out STEM.npy (float32 speech probabilities, one per frame \
                on extract's frame grid) and STEM.txt (the speech segments as an Audacity label track, \
                start<TAB>end<TAB>speech). Gaps shorter than --min-silence are bridged first, then speech \
                shorter than --min-speech is dropped. Recordings that cannot be read are reported and the \
                others still done; the exit status is then 1.
                """)

        @Argument(help: ArgumentHelp("Run directory (or a model .safetensors file).", valueName: "run"))
        var runDirectory: String

        @Argument(help: "Recordings (any format libsndfile reads).")
        var audio: [String]

        @Option(help: "Directory the outputs are written to.")
        var out: String

        @Option(help: "Speech probability at or above which a frame is speech.")
        var threshold = 0.5

        @Option(help: ArgumentHelp("""
            Windows the model is run in, in seconds, overlapping by half (the default is the segment length \
            it was trained on); 0 runs each recording as one sequence.
            """, valueName: "seconds"))
        var window: Double?

        @Option(help: "Shortest speech segment kept, in seconds.")
        var minSpeech = 0.25

        @Option(help: "Shortest silence kept between speech segments, in seconds.")
        var minSilence = 0.25

        @Option(help: ArgumentHelp("Threads for the matrix products and the LSTM time loop (the default is this machine's cores).", valueName: "n"))
        var threads = min(ProcessInfo.processInfo.activeProcessorCount, OptionLimits.threads.upperBound)

        @Flag(help: "Print nothing on success.")
        var quiet = false

        var segmentation: SegmentationOptions {
            SegmentationOptions(threshold: Float(threshold), minSpeechSeconds: minSpeech, minSilenceSeconds: minSilence)
        }

        func validate() throws {
            var check = OptionCheck()
            check.number("--threshold", threshold, in: 0...1)  // as typed, before it becomes a Float
            check.integer("--threads", threads, in: OptionLimits.threads)
            let window = window.map(Predictor.problems(windowSeconds:)) ?? []
            if let problem = check.problems.first ?? segmentation.problems().first ?? window.first { throw ValidationError(problem) }
        }

        func run() throws {
            ComputeThreads.use(threads)
            let path = runDirectory.hasSuffix(".safetensors") ? runDirectory : "\(runDirectory)/\(Trainer.modelFile)"
            let predictor: Predictor
            do { predictor = try Predictor(modelPath: path) } catch {
                Terminal.warn("vadprep predict: \(error)")
                throw ExitCode(1)
            }
            let frames: Int?  // nil: each recording as one sequence
            do { frames = try predictor.windowFrames(seconds: window) } catch {
                throw ValidationError(error.message)  // a --window the model's frame shift makes impossible
            }
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                Terminal.warn("vadprep predict: \(out): cannot create the output directory: \(error.localizedDescription)")
                throw ExitCode(1)
            }
            var failures = 0
            var stems: [String: String] = [:]
            for file in audio {
                let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                if let other = stems[stem] {
                    Terminal.warn("vadprep predict: \(file): has the same name as \(other); its outputs would overwrite; skipped")
                    failures += 1
                    continue
                }
                stems[stem] = file
                do {
                    let probabilities = try predictor.probabilities(path: file, window: frames)
                    let segments = SpeechSegments.find(probabilities: probabilities, frameShift: predictor.frameShift,
                                                       frameLength: predictor.frameLength,
                                                       firstFrameOffset: predictor.firstFrameOffset, options: segmentation)
                    try write(NPY.float32Vector(probabilities), to: "\(out)/\(stem).npy")
                    try write(Array(SpeechSegments.audacityLabels(segments).utf8), to: "\(out)/\(stem).txt")
                    if !quiet {
                        let speech = segments.reduce(0) { $0 + $1.end - $1.start }
                        print(String(format: "%@: %d frames, %d speech segment%@, %.2f s of speech -> %@/%@.{txt,npy}",
                                     file, probabilities.count, segments.count, segments.count == 1 ? "" : "s", speech, out, stem))
                    }
                } catch {
                    Terminal.warn("vadprep predict: \(error)")
                    failures += 1
                }
            }
            if failures > 0 {
                Terminal.warn("vadprep predict: \(failures) of \(audio.count) recording\(audio.count == 1 ? "" : "s") failed")
                throw ExitCode(1)
            }
        }

        private func write(_ bytes: [UInt8], to path: String) throws {
            let file = try AtomicFile(path: path)
            try file.write(bytes)
            try file.commit()
        }
    }
}
