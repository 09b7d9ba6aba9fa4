import Foundation

/// How well speech probabilities match frame labels.
public struct FrameMetrics: Codable, Equatable, Sendable {
    /// Frames scored (labelled speech or non-speech).
    public var frames: Int
    public var accuracy: Double
    /// TP / (TP + FP); 0 when nothing is predicted speech.
    public var precision: Double
    /// TP / (TP + FN); 0 when nothing is speech.
    public var recall: Double
    /// 2 P R / (P + R); 0 when both are 0.
    public var f1: Double
    /// Area under the ROC curve: the probability that a random speech frame
    /// scores above a random non-speech frame, ties counting half; 0.5 when
    /// one class is absent.
    public var rocAUC: Double
    /// A frame is predicted speech when its probability is at least this.
    public var threshold: Float
    public var truePositives: Int
    public var falsePositives: Int
    public var trueNegatives: Int
    public var falseNegatives: Int

    /// The metrics and the confusion matrix as an aligned text table.
    public func table() -> String {
        func percent(_ x: Double) -> String { String(format: "%6.2f %%", 100 * x) }
        let width = max(String(truePositives + falseNegatives).count, String(falsePositives + trueNegatives).count, 7)
        func cell(_ text: String) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        return """
            frames     \(frames)
            accuracy   \(percent(accuracy))
            precision  \(percent(precision))
            recall     \(percent(recall))
            F1         \(String(format: "%.4f", f1))
            ROC AUC    \(String(format: "%.4f", rocAUC))
            threshold  \(String(format: "%.2f", threshold))

            confusion (frames)  predicted
                                \(cell("speech"))  \(cell("silence"))
            actual speech       \(cell(String(truePositives)))  \(cell(String(falseNegatives)))
            actual silence      \(cell(String(falsePositives)))  \(cell(String(trueNegatives)))
            """
    }
}

/// Collects (speech probability, label) pairs and scores them.
///
/// Keeps every scored frame's probability (4 bytes) and label (1 byte) so the
/// ROC AUC is exact: a sort of the probabilities, then the Mann–Whitney U
/// statistic with tied scores counting half.
public struct FrameScorer: Sendable {
    private var scores: [Float] = []
    private var labels: [UInt8] = []

    public init() {}

    /// Adds frames; label 1 is speech, 0 non-speech, anything else is skipped.
    public mutating func add(probabilities: UnsafeBufferPointer<Float>, labels frameLabels: UnsafeBufferPointer<UInt8>) {
        precondition(probabilities.count == frameLabels.count)
        for i in 0..<probabilities.count where frameLabels[i] <= 1 {
            scores.append(probabilities[i])
            labels.append(frameLabels[i])
        }
    }

    public var count: Int { scores.count }

    public func metrics(threshold: Float = 0.5) -> FrameMetrics {
        var tp = 0, fp = 0, tn = 0, fn = 0
        for (score, label) in zip(scores, labels) {
            switch (score >= threshold, label == 1) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
        let precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
        let recall = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0
        return FrameMetrics(frames: scores.count, accuracy: scores.isEmpty ? 0 : Double(tp + tn) / Double(scores.count),
                            precision: precision, recall: recall,
                            f1: precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0,
                            rocAUC: rocAUC(), threshold: threshold,
                            truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn)
    }

    /// U / (positives x negatives), U = Σ over speech frames of the number of
    /// non-speech frames scored lower, plus half the number scored equal.
    private func rocAUC() -> Double {
        let positives = labels.reduce(0) { $0 + Int($1) }, negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return 0.5 }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var u = 0.0, negativesBelow = 0
        var i = 0
        while i < order.count {
            var j = i, tiedPositives = 0, tiedNegatives = 0
            while j < order.count && scores[order[j]] == scores[order[i]] {
                if labels[order[j]] == 1 { tiedPositives += 1 } else { tiedNegatives += 1 }
                j += 1
            }
            u += Double(tiedPositives) * (Double(negativesBelow) + 0.5 * Double(tiedNegatives))
            negativesBelow += tiedNegatives
            i = j
        }
        return u / (Double(positives) * Double(negatives))
    }
}
