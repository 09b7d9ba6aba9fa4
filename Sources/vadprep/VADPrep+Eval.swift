import ArgumentParser
import Foundation
import VADPipeline
import VADShards
import VADTrain

extension VADPrep {
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eval",
            abstract: "Score a trained model on a dataset: frame accuracy, precision, recall, F1, ROC AUC.",
            discussion: """
                Frames labelled unknown and padding are not scored. Random-crop datasets are scored on their \
                first epoch's crops. Each row runs whole (predict instead runs the model in windows of its \
                training segment length).
                """)

        @Argument(help: ArgumentHelp("Run directory (or a model .safetensors file).", valueName: "run"))
        var runDirectory: String

        @Argument(help: "Dataset to score (segments or features, extracted with the model's options).")
        var dataset: String

        @Option(help: "Speech probability at or above which a frame counts as speech.")
        var threshold = 0.5

        @Option(help: ArgumentHelp("Threads for the matrix products and the LSTM time loop (the default is this machine's cores).", valueName: "n"))
        var threads = min(ProcessInfo.processInfo.activeProcessorCount, OptionLimits.threads.upperBound)

        @Flag(help: "Print the metrics as JSON.")
        var json = false

        func validate() throws {
            var check = OptionCheck()
            check.number("--threshold", threshold, in: 0...1)
            check.integer("--threads", threads, in: OptionLimits.threads)
            if let problem = check.problems.first { throw ValidationError(problem) }
        }

        func run() throws {
            let path = runDirectory.hasSuffix(".safetensors") ? runDirectory : "\(runDirectory)/\(Trainer.modelFile)"
            ComputeThreads.use(threads)
            do {
                let model = try ModelFile.read(path)
                let data = try TrainingData(directory: dataset, config: model.description.config,
                                            normalization: model.description.normalization, batchSize: 51)
                if DatasetIndex.featureOptions(data.extractOptions) != DatasetIndex.featureOptions(model.description.extractOptions) {
                    throw PipelineError("\(dataset): was extracted with other feature options than the model was trained on")
                }
                let result = try Evaluator.evaluate(model.network, on: data)
                let metrics = result.scorer.metrics(threshold: Float(threshold))
                if json {
                    var value = try JSONValue(encoding: metrics)
                    if case .object(var members) = value { members["loss"] = JSONNumber(result.loss).map(JSONValue.number) ?? .null; value = .object(members) }
                    print(value.compactJSON())
                } else {
                    print(String(format: "%@ on %@: loss %.4f over %d frames", path, dataset, result.loss, result.frames))
                    print(metrics.table())
                }
            } catch let error as PipelineError {
                Terminal.warn("vadprep eval: \(error.message)")
                throw ExitCode(1)
            } catch let error as ShardError {
                Terminal.warn("vadprep eval: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
