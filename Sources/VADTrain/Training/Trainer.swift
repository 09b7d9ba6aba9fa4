import BLAS
import Foundation
import VADOptions
import VADShards

/// Everything `vadprep train` is asked to do.
public struct TrainOptions: Codable, Equatable, Sendable {
    public var model: ModelConfig
    public var epochs = 4
    /// Segments per batch for fixed-length data (whole utterances go one at a time).
    public var batch = 51
    public var learningRate = 1e-3
    /// How the learning rate moves over the run; nil is constant (and is
    /// left out of the stored options, so runs from before it resume).
    public var schedule: LearningRateSchedule?
    public var seed: UInt64 = 1
    /// Threads (OpenBLAS and the LSTM time loop). Results are bit-identical for a given count.
    public var threads = 1

    public init(model: ModelConfig) { self.model = model }

    /// Problems with the values, as messages naming the option.
    public func problems() -> [String] {
        var check = OptionCheck()
        check.integer("--epochs", epochs, in: 1...100_000)
        check.integer("--batch", batch, in: 1...100_000, unit: "segments")
        check.number("--lr", learningRate, in: 0...10, aboveLowerBound: true)
        check.integer("--threads", threads, in: OptionLimits.threads)
        return model.problems() + check.problems
    }

    /// Besides `problems()`: a batch of `batch` segments of `segmentFrames`
    /// frames must have activations whose count fits in `Int` with room to
    /// spare (2^48 values), counting every layer's widest per-frame state.
    public func problems(segmentFrames: Int) -> [String] {
        let out = problems()
        guard out.isEmpty else { return out }
        let width = max(model.inputs, 8 * model.hidden, model.filters * model.inputs)  // 4 gates x 2 directions
        let rows = batch.multipliedReportingOverflow(by: max(segmentFrames, 1))
        let values = rows.partialValue.multipliedReportingOverflow(by: width * model.layers)
        guard rows.overflow || values.overflow || values.partialValue > 1 << 48 else { return [] }
        return [OptionCheck.message("--batch", batch, "small enough that \(batch) segments of \(segmentFrames) frames fit in memory")]
    }

    /// The learning rate at `progress` epochs into the run (fractional:
    /// epoch + batches done / batches). A function of the position alone, so
    /// a resumed run follows the same curve.
    public func learningRate(at progress: Double) -> Double {
        switch schedule ?? .constant {
        case .constant:
            return learningRate
        case .cosine:
            return learningRate * 0.5 * (1 + cos(Double.pi * min(max(progress / Double(epochs), 0), 1)))
        }
    }

    /// The options that must match for `--resume`: all but the number of
    /// epochs and threads (another thread count continues the run, but not bit
    /// for bit as an uninterrupted one).
    var resumeKey: JSONValue {
        get throws {
            var copy = self
            copy.epochs = 0
            copy.threads = 0
            return try JSONValue(encoding: copy)
        }
    }
}

/// A problem that stops a training run: options or data that cannot be
/// used, a run directory in the way, divergence, or an interruption.
public struct TrainError: Error, CustomStringConvertible {
    public var message: String
    /// The exit status the command should end with: 1, or 130 when interrupted.
    public var status: Int32
    public init(_ message: String, status: Int32 = 1) {
        self.message = message
        self.status = status
    }
    public var description: String { message }
}

/// The learning rate over a run: `constant`, or `cosine`, from --lr at the
/// start down to zero at the end of the last epoch along half a cosine.
public enum LearningRateSchedule: String, Codable, Sendable, CaseIterable {
    case constant, cosine
}

/// Progress within an epoch.
public struct TrainProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var batchesDone: Int
    public var batches: Int
    public var loss: Double
}

/// `vadprep train`: trains a model on a segments dataset, validating after
/// each epoch, and keeps in the run directory
///
///     model.safetensors                  the weights after the last epoch done
///     history.jsonl, history.csv          one record per epoch
///     curves.svg                          the learning curves
///     checkpoints/epoch-NNNN.safetensors  weights + Adam state after each epoch
///
/// Every file is replaced atomically, so an interrupted run leaves the last
/// finished epoch intact, and `resume` continues from its checkpoint: the
/// shuffles depend only on (seed, epoch) and the optimiser state is restored,
/// so the result is bit-identical to an uninterrupted run with the same
/// number of threads.
public enum Trainer {
    public static let modelFile = "model.safetensors"
    public static let historyFile = "history.jsonl"
    public static let checkpoints = "checkpoints"

    public static func run(train: String, valid: String?, options: TrainOptions, out: String, resume: Bool, force: Bool,
                           shouldStop: () -> Bool = { false }, progress: (TrainProgress) -> Void = { _ in },
                           epochDone: (EpochRecord) -> Void = { _ in }) throws -> [EpochRecord] {
        if let problem = options.problems().first { throw TrainError(problem) }
        ComputeThreads.use(options.threads)
        let data: TrainingData, validation: TrainingData?
        do {
            data = try TrainingData(directory: train, config: options.model, normalization: nil, batchSize: options.batch)
            validation = try valid.map { path throws(ShardError) in
                try TrainingData(directory: path, config: options.model, normalization: data.normalization, batchSize: options.batch)
            }
        } catch { throw TrainError(error.description) }
        if let frames = data.segmentFrames, let problem = options.problems(segmentFrames: frames).first { throw TrainError(problem) }
        if let validation, DatasetIndex.featureOptions(validation.extractOptions) != DatasetIndex.featureOptions(data.extractOptions) {
            throw TrainError("\(valid!): was extracted with other feature options than \(train)")
        }

        let network = Network<Float>(options.model, seed: options.seed)
        let optimizer = Adam(network.parameters, learningRate: options.learningRate)
        let description = ModelDescription(config: options.model, normalization: data.normalization, extractOptions: data.extractOptions,
                                           featureNames: Array(data.index.featureNames.prefix(options.model.inputs)),
                                           frameShiftSeconds: data.index.frameShiftSeconds, sampleRate: data.index.sampleRate,
                                           rawFrames: data.index.rawFrames, trainingFrames: data.segmentFrames,
                                           training: try JSONValue(encoding: options), vadprepVersion: VADPrepVersion.current)
        var history: [EpochRecord] = []
        if resume { removeLeftovers(in: out) }
        if resume, let continued = try latestCheckpoint(in: out) {
            guard try continued.description.training.resumeKey == options.resumeKey else {
                throw TrainError("\(out): was trained with other options; resume with the same model options, --batch, --lr, --lr-schedule and --seed (only --epochs and --threads may change)")
            }
            for (target, source) in zip(network.parameters, continued.network.parameters) {
                target.value.pointer.update(from: source.value.pointer, count: target.count)
            }
            do { try ModelFile.restore(optimizer, from: continued) } catch { throw TrainError(error.description) }
            history = Array(((try? TrainingHistory.read("\(out)/\(historyFile)")) ?? []).prefix(continued.epoch ?? 0))
            guard history.count == continued.epoch else {
                throw TrainError("\(out)/\(historyFile): does not hold the \(continued.epoch ?? 0) epochs of the checkpoint; start over with --force")
            }
        } else {
            try prepare(out, force: force)
        }

        for epoch in history.count..<options.epochs {
            let started = Date()
            let batches = data.batches(epoch: epoch, shuffleSeed: options.seed)
            var lossSum = 0.0, frames = 0, correct = 0
            for (n, members) in batches.enumerated() {
                if shouldStop() {
                    throw TrainError("interrupted in epoch \(epoch + 1) of \(options.epochs); \(epoch) finished epoch\(epoch == 1 ? " is" : "s are") kept in \(out): run the same command with --resume to continue", status: 130)
                }
                let batch: Batch<Float>
                do { batch = try data.batch(members) } catch { throw TrainError("\(error)") }
                optimizer.learningRate = options.learningRate(at: Double(epoch) + Double(n) / Double(batches.count))
                network.zeroGradients()
                let logits = network.forward(batch.inputs, mask: batch.mask)
                let result = MaskedLoss.compute(options.model.loss, logits: logits, targets: batch.targets, weights: batch.mask)
                // A diverged network would only train on to NaN weights and a model file that marks nothing.
                guard result.loss.isFinite else {
                    throw TrainError("training diverged in epoch \(epoch + 1), batch \(n + 1) of \(batches.count): the loss is \(result.loss); \(epoch) finished epoch\(epoch == 1 ? " is" : "s are") kept in \(out): lower --lr (now \(options.learningRate))")
                }
                network.backward(result.gradient)
                optimizer.update()
                lossSum += result.loss * Double(result.frames)
                frames += result.frames
                correct += result.correct
                progress(TrainProgress(epoch: epoch + 1, epochs: options.epochs, batchesDone: n + 1, batches: batches.count,
                                       loss: lossSum / Double(max(frames, 1))))
            }
            var record = EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(max(frames, 1)),
                                     trainAccuracy: Double(correct) / Double(max(frames, 1)),
                                     validLoss: .nan, validAccuracy: .nan, validF1: .nan, seconds: 0,
                                     learningRate: optimizer.learningRate)
            if let validation {
                let result: Evaluator.Result
                do { result = try Evaluator.evaluate(network, on: validation) } catch { throw TrainError(error.description) }
                let metrics = result.scorer.metrics()
                (record.validLoss, record.validAccuracy, record.validF1) = (result.loss, metrics.accuracy, metrics.f1)
            }
            record.seconds = Date().timeIntervalSince(started)
            history.append(record)
            try save(network, optimizer, description: description, history: history, to: out)
            epochDone(record)
        }
        return history
    }

    /// The run directory: created, or emptied with `force` (only if it holds a run).
    private static func prepare(_ out: String, force: Bool) throws {
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        if !contents.isEmpty {
            guard force else { throw TrainError("\(out): is not empty; use --resume to continue the run in it, or --force to replace it") }
            let ours: Set<String> = [modelFile, historyFile, "history.csv", "curves.svg", checkpoints]
            guard contents.allSatisfy({ ours.contains($0) || $0.hasPrefix(".") }) else {
                throw TrainError("\(out): holds files that are not part of a training run; refusing to replace it")
            }
            try? FileManager.default.removeItem(atPath: out)
        }
        do { try FileManager.default.createDirectory(atPath: "\(out)/\(checkpoints)", withIntermediateDirectories: true) } catch {
            throw TrainError("\(out): cannot create the run directory: \(error.localizedDescription)")
        }
    }

    /// Temporary files of writes a killed run did not finish (their names start with ".").
    private static func removeLeftovers(in out: String) {
        for directory in [out, "\(out)/\(checkpoints)"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(".") {
                FileSystem.remove("\(directory)/\(name)")
            }
        }
    }

    /// The checkpoint of the last finished epoch, if any.
    private static func latestCheckpoint(in out: String) throws -> ModelFile.Loaded? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: "\(out)/\(checkpoints)")) ?? [])
            .filter { $0.hasPrefix("epoch-") && $0.hasSuffix(".safetensors") }.sorted()
        guard let last = names.last else { return nil }
        do { return try ModelFile.read("\(out)/\(checkpoints)/\(last)") } catch { throw TrainError(error.description) }
    }

    /// Writes the epoch's checkpoint, the weights, the history and the curves.
    private static func save(_ network: Network<Float>, _ optimizer: Adam<Float>, description: ModelDescription,
                             history: [EpochRecord], to out: String) throws {
        let epoch = history.count
        let name = "epoch-" + String(format: "%04d", epoch) + ".safetensors"
        // The history first and the checkpoint last: a run stopped in between
        // resumes from the previous checkpoint, whose epochs the history holds.
        try writeText(history.map { try TrainingHistory.jsonLine($0) }.joined(separator: "\n") + "\n", to: "\(out)/\(historyFile)")
        try writeText(TrainingHistory.csv(history), to: "\(out)/history.csv")
        try writeText(LearningCurves.svg(history, title: "\(description.config.kind.rawValue): loss and accuracy per epoch"),
                      to: "\(out)/curves.svg")
        try ModelFile.write(network, description: description, to: out, name: modelFile)
        try ModelFile.write(network, description: description, to: "\(out)/\(checkpoints)", name: name, optimizer: optimizer, epoch: epoch)
    }

    static func writeText(_ text: String, to path: String) throws {
        let file = try AtomicFile(path: path)
        try file.write(Array(text.utf8))
        try file.commit()
    }
}

extension JSONValue {
    /// For a training-options value: the same value with `epochs` zeroed.
    var resumeKey: JSONValue {
        guard case .object(var members) = self else { return self }
        members["epochs"] = .number(0)
        members["threads"] = .number(0)
        return .object(members)
    }
}
