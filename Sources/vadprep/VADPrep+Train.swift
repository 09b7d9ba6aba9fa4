import ArgumentParser
import Foundation
import VADPipeline
import VADTrain

extension ModelConfig.Kind: ExpressibleByArgument {}
extension ModelConfig.Loss: ExpressibleByArgument {}

extension VADPrep {
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train one of the report's models on a segments dataset.",
            discussion: """
                Models: lstm (LSTM 256, sigmoid), blstm (bidirectional, 256 each way), lstm2 (two layers of \
                256), cdnn (frequency convolution + LSTM 32, softmax, on MFCC + deltas) and cdnn-raw (raw \
                waveform filters + CDNN; needs --raw-frames data). Inputs are normalised with the training \
                data's global mean and standard deviation. Each epoch prints train and valid loss, accuracy \
                and F1; RUN holds model.safetensors, history.jsonl/.csv, curves.svg and a checkpoint per \
                epoch. An interrupted run continues with the same command and --resume, giving the same \
                weights as an uninterrupted one. The same data, options, seed and --threads give the same \
                weights bit for bit.
                """)

        @Argument(help: "Training dataset (a segments dataset; a features dataset is read as whole utterances).")
        var train: String

        @Option(help: "Validation dataset, evaluated after each epoch.")
        var valid: String?

        @Option(help: "lstm, blstm, lstm2, cdnn or cdnn-raw.")
        var model: ModelConfig.Kind

        @Option(help: "Run directory: weights, history, curves, checkpoints.")
        var out: String

        @Option(help: "Epochs (passes over the dataset; random-crop datasets give each epoch its own crops).")
        var epochs = 4

        @Option(help: "Segments per batch (whole-utterance datasets use 1).")
        var batch = 51

        @Option(help: "Adam's learning rate.")
        var lr = 1e-3

        @Option(name: .customLong("lr-schedule"),
                help: "constant, or cosine: from --lr down to 0 at the end of the last epoch.")
        var lrSchedule: LearningRateSchedule = .constant

        @Option(help: "Seed of the initial weights and the shuffles.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("Threads for the matrix products and the LSTM time loop (the default is this machine's cores).", valueName: "n"))
        var threads = min(ProcessInfo.processInfo.activeProcessorCount, OptionLimits.threads.upperBound)

        @Option(help: "LSTM cells per layer and direction (default: the report's, 256 or 16/32 for the CDNNs).")
        var hidden: Int?

        @Option(help: "LSTM layers (default: the report's).")
        var layers: Int?

        @Option(help: "Frequency-convolution filters of the CDNN models.")
        var filters: Int?

        @Option(help: "Input features per frame, the first N columns (default: 20 MFCCs; 40 = MFCC + deltas for cdnn).")
        var inputs: Int?

        @Option(help: "bce (one sigmoid output) or ce (two-class softmax); default: the report's choice for the model.")
        var loss: ModelConfig.Loss?

        @Flag(help: "Continue an interrupted run in --out from its last checkpoint.")
        var resume = false

        @Flag(help: "Replace a run already in --out.")
        var force = false

        @Flag(help: "No progress bar and no per-epoch lines.")
        var quiet = false

        func validate() throws {
            if resume && force { throw ValidationError("give --resume or --force, not both") }
            var check = OptionCheck()
            if let filters, model != .cdnn && model != .cdnnRaw {  // not in the model's options, but still a number given
                check.integer("--filters", filters, in: 1...ModelConfig.maxFilters)
            }
            if let problem = options().problems().first ?? check.problems.first { throw ValidationError(problem) }
        }

        func options() -> TrainOptions {
            var config = ModelConfig(kind: model)
            if let hidden { config.hidden = hidden }
            if let layers { config.layers = layers }
            if let filters { config.filters = filters }
            if let inputs { config.inputs = inputs }
            if let loss { config.loss = loss }
            var options = TrainOptions(model: config)
            options.epochs = epochs
            options.batch = batch
            options.learningRate = lr
            options.schedule = lrSchedule == .constant ? nil : lrSchedule
            options.seed = seed
            options.threads = threads
            return options
        }

        func run() throws {
            let terminal = Terminal(quiet: quiet)
            Interruption.install()
            do {
                _ = try Trainer.run(train: train, valid: valid, options: options(), out: out, resume: resume, force: force,
                                    shouldStop: { Interruption.requested }, progress: { step in
                    terminal.progress("epoch \(step.epoch)/\(step.epochs)", done: step.batchesDone, total: step.batches,
                                      detail: String(format: "loss %.4f", step.loss))
                }, epochDone: { record in
                    terminal.endProgress()
                    if !quiet { print(Train.line(record, of: epochs)) }
                })
            } catch let error as TrainError {
                terminal.endProgress()
                Terminal.warn("vadprep train: \(error.message)")
                throw ExitCode(error.status)
            }
        }

        static func line(_ r: EpochRecord, of epochs: Int) -> String {
            let valid = r.validLoss.isNaN ? "" : String(format: "  valid loss %.4f acc %.2f %% F1 %.4f", r.validLoss, 100 * r.validAccuracy, r.validF1)
            return String(format: "epoch %d/%d  train loss %.4f acc %.2f %%%@  %.1f s", r.epoch, epochs, r.trainLoss,
                          100 * r.trainAccuracy, valid, r.seconds)
        }
    }
}

extension LearningRateSchedule: ExpressibleByArgument {}
