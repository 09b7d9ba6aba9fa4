import Foundation

/// One epoch of a training run.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// From 1.
    public var epoch: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    /// NaN without a validation set (written as null).
    public var validLoss: Double
    public var validAccuracy: Double
    public var validF1: Double
    /// Wall time of the epoch, validation included.
    public var seconds: Double
    public var learningRate: Double

    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, validLoss: Double, validAccuracy: Double,
                validF1: Double, seconds: Double, learningRate: Double) {
        (self.epoch, self.trainLoss, self.trainAccuracy) = (epoch, trainLoss, trainAccuracy)
        (self.validLoss, self.validAccuracy, self.validF1) = (validLoss, validAccuracy, validF1)
        (self.seconds, self.learningRate) = (seconds, learningRate)
    }

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss, trainAccuracy, validLoss, validAccuracy, validF1, seconds, learningRate
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        for (key, value) in [(CodingKeys.trainLoss, trainLoss), (.trainAccuracy, trainAccuracy), (.validLoss, validLoss),
                             (.validAccuracy, validAccuracy), (.validF1, validF1), (.seconds, seconds), (.learningRate, learningRate)] {
            if value.isFinite { try c.encode(value, forKey: key) } else { try c.encodeNil(forKey: key) }
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func value(_ key: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key) ?? .nan }
        self.init(epoch: try c.decode(Int.self, forKey: .epoch), trainLoss: try value(.trainLoss),
                  trainAccuracy: try value(.trainAccuracy), validLoss: try value(.validLoss),
                  validAccuracy: try value(.validAccuracy), validF1: try value(.validF1),
                  seconds: try value(.seconds), learningRate: try value(.learningRate))
    }
}

/// A run's history on disk: `history.jsonl` (one JSON object per epoch) and `history.csv`.
public enum TrainingHistory {
    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Compact JSON with sorted snake_case keys, no newline.
    public static func jsonLine(_ record: EpochRecord) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    public static func read(_ path: String) throws -> [EpochRecord] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ReadError(description: "\(path): cannot read the history: \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var records: [EpochRecord] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do { records.append(try decoder.decode(EpochRecord.self, from: Data(line.utf8))) } catch {
                throw ReadError(description: "\(path):\(n + 1): not an epoch record")
            }
        }
        return records
    }

    /// A header line and one row per epoch; empty cells for missing values.
    public static func csv(_ records: [EpochRecord]) -> String {
        func cell(_ x: Double) -> String { x.isFinite ? String(format: "%.6g", x) : "" }
        var text = "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,valid_f1,seconds,learning_rate\n"
        for r in records {
            text += "\(r.epoch)," + [r.trainLoss, r.trainAccuracy, r.validLoss, r.validAccuracy, r.validF1, r.seconds, r.learningRate]
                .map(cell).joined(separator: ",") + "\n"
        }
        return text
    }
}
