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

                With --stream, the segments go to standard output as they are decided, one Audacity label \
                line each, flushed (several files: each line starts with the file's path and a tab); "-" \
                reads raw 16-bit little-endian mono PCM at 16 kHz from standard input as it arrives. A causal \
                model (lstm, lstm2, cdnn, cdnn-raw) gives the lines of the run with --window 0.
                """)

        @Argument(help: ArgumentHelp("""
            Recordings (any format libsndfile reads); with --stream, - is standard input. A run directory \
            or .safetensors file first names the model, as --model does.
            """, valueName: "audio"))
        var arguments: [String]

        @Option(help: ArgumentHelp("""
            The model: a `vadprep train` run directory or its model .safetensors file (default: the bundled \
            model, a causal LSTM of 64 cells trained by Pipelines/vad-benchmark.sh).
            """, valueName: "run"))
        var model: String?

        /// The model named by --model or by a first argument that is a run
        /// directory or a .safetensors file (the form before --model existed);
        /// nil: the bundled model.
        var namedModel: String? {
            if let model { return model }
            guard let first = arguments.first, arguments.count > 1 else { return nil }
            var directory: ObjCBool = false
            let isDirectory = FileManager.default.fileExists(atPath: first, isDirectory: &directory) && directory.boolValue
            return first.hasSuffix(".safetensors") || isDirectory ? first : nil
        }

        /// The recordings: the arguments after the model, if one came first.
        var audio: [String] { model == nil && namedModel != nil ? Array(arguments.dropFirst()) : arguments }

        @Option(help: "Directory the outputs are written to (not with --stream).")
        var out: String?

        @Flag(help: "Write each speech segment to standard output as soon as its end is decided.")
        var stream = false

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
            if audio.isEmpty { throw ValidationError("Missing expected argument '<audio> ...'") }
            var check = OptionCheck()
            check.number("--threshold", threshold, in: 0...1)  // as typed, before it becomes a Float
            check.integer("--threads", threads, in: OptionLimits.threads)
            let window = window.map(Predictor.problems(windowSeconds:)) ?? []
            if let problem = check.problems.first ?? segmentation.problems().first ?? window.first { throw ValidationError(problem) }
            if stream {
                if out != nil { throw ValidationError("--stream writes the segments to standard output; --out is not used with it") }
                if let seconds = self.window, seconds != 0 {
                    throw ValidationError("--stream runs the model over the whole recording, as --window 0 does; --window \(seconds) cannot be used with it")
                }
                if audio.contains("-") && audio.count > 1 { throw ValidationError("- (standard input) must be the only recording") }
            } else {
                if out == nil { throw ValidationError("Missing expected argument '--out <out>' (or stream with --stream)") }
                if audio.contains("-") { throw ValidationError("- (standard input) is read only with --stream") }
            }
        }

        func run() throws {
            ComputeThreads.use(threads)
            let predictor: Predictor, path: String
            do {
                if let named = namedModel {
                    path = named.hasSuffix(".safetensors") ? named : "\(named)/\(Trainer.modelFile)"
                } else {
                    path = try BundledModel.path()
                }
                predictor = try Predictor(modelPath: path)
            } catch {
                Terminal.warn("vadprep predict: \(error)")
                throw ExitCode(1)
            }
            if stream {
                do { return try runStream(predictor) } catch let refusal as SpeechStream.Refusal {
                    Terminal.warn("vadprep predict: \(path): cannot stream: \(refusal)")
                    throw ExitCode(1)
                }
            }
            guard let out else { throw ValidationError("Missing expected argument '--out <out>'") }
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

        /// `--stream`: every recording (or standard input) through a `SpeechStream`.
        private func runStream(_ predictor: Predictor) throws {
            let summary = !quiet && isatty(STDERR_FILENO) == 1
            if audio == ["-"] {
                do { try streamStandardInput(predictor, summary: summary) } catch let refusal as SpeechStream.Refusal {
                    throw refusal
                } catch {
                    Terminal.warn("vadprep predict: \(error)")
                    throw ExitCode(1)
                }
                return
            }
            var failures = 0
            for file in audio {
                let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                let prefix = audio.count > 1 ? "\(file)\t" : ""
                let stream = try SpeechStream(predictor, segmentation: segmentation, name: stem)  // a refusal stops all
                do {
                    let options = predictor.extractOptions.audio
                    _ = try AudioDecoder.decode(path: file, options: options) { block in
                        Self.emit(stream.accept(block), prefix: prefix)
                    }
                    Self.emit(stream.finish(), prefix: prefix)
                    if stream.frames == 0 { throw PipelineError("\(file): is too short: it gives no frame") }
                    if summary { Terminal.warn("\(file): \(stream.frames) frames") }
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

        /// Raw PCM from standard input, read with `read(2)` as it arrives.
        private func streamStandardInput(_ predictor: Predictor, summary: Bool) throws {
            let name = "standard input"
            let options = predictor.extractOptions.audio
            guard options.sampleRate == 16000 else {
                throw PipelineError("\(name): the model was trained on \(options.sampleRate) Hz audio, and --stream reads 16 kHz PCM from standard input; give the file's path instead of -")
            }
            if let channel = options.channel, channel != 1 {
                throw PipelineError("\(name): the model keeps channel \(channel), and --stream reads mono PCM from standard input; give the file's path instead of -")
            }
            let stream = try SpeechStream(predictor, segmentation: segmentation, name: "-")
            var decoder = PCM16Decoder()
            var head: [UInt8] = []  // the first bytes, held until the header check
            var checked = false
            func check() throws {
                checked = true
                if let container = PCM16Decoder.container(startingWith: head) {
                    throw PipelineError("\(name): starts with a \(container) header, but --stream reads raw 16-bit little-endian mono PCM at 16 kHz from standard input; give the file's path instead of -, or strip the header (sox FILE -t raw -r 16000 -e signed -b 16 -c 1 -)")
                }
                head.withUnsafeBytes { feed($0) }
            }
            func feed(_ bytes: UnsafeRawBufferPointer) {
                let samples = decoder.decode(bytes)
                samples.withUnsafeBufferPointer { Self.emit(stream.accept($0), prefix: "") }
            }
            let capacity = 1 << 16
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
            defer { buffer.deallocate() }
            while true {
                let count = read(STDIN_FILENO, buffer.baseAddress, capacity)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw PipelineError("\(name): cannot read: \(String(cString: strerror(errno)))")
                }
                if count == 0 { break }
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                if checked {
                    feed(bytes)
                } else {
                    head += bytes
                    if head.count >= 4 { try check() }
                }
            }
            if !checked { try check() }
            Self.emit(stream.finish(), prefix: "")
            if decoder.hasPartialSample {
                throw PipelineError("\(name): ends in the middle of a sample: \(decoder.bytes) bytes are not a whole number of 16-bit samples")
            }
            if stream.frames == 0 {
                throw PipelineError("\(name): is too short: \(decoder.bytes / 2) samples give no \(predictor.extractOptions.mfcc.frame.frameLengthMs) ms frame")
            }
            if summary { Terminal.warn("\(name): \(decoder.bytes / 2) samples, \(stream.frames) frames") }
        }

        /// Segments as Audacity label lines on standard output, flushed at once.
        private static func emit(_ segments: [SpeechStream.Segment], prefix: String) {
            guard !segments.isEmpty else { return }
            for segment in segments { print(prefix + SpeechSegments.audacityLabels([segment]), terminator: "") }
            fflush(nil)  // every C stream: the one print writes to
        }

        private func write(_ bytes: [UInt8], to path: String) throws {
            let file = try AtomicFile(path: path)
            try file.write(bytes)
            try file.commit()
        }
    }
}
