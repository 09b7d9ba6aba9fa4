import Foundation
import Testing
@testable import VADNetwork
@testable import VADTrain
import VADInference

/// Frame metrics, speech segments, .npy files and the training history.
@Suite struct EvaluationOutputTests {
    static func metrics(_ scores: [Float], _ labels: [UInt8], threshold: Float = 0.5) -> FrameMetrics {
        var scorer = FrameScorer()
        scores.withUnsafeBufferPointer { s in labels.withUnsafeBufferPointer { scorer.add(probabilities: s, labels: $0) } }
        return scorer.metrics(threshold: threshold)
    }

    @Test func rocAUCByHand() {
        #expect(Self.metrics([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).rocAUC == 0.75)
        // Ties count half: one speech frame tied with one of two non-speech frames.
        #expect(Self.metrics([0.5, 0.5, 0.2], [1, 0, 0]).rocAUC == 0.75)
        #expect(Self.metrics([0.3, 0.6], [1, 1]).rocAUC == 0.5)  // one class only
        #expect(Self.metrics([0.9, 0.2, 0.7], [1, 255, 0]).frames == 2)  // unknown skipped
    }

    /// Against the definition, counted pair by pair.
    @Test func rocAUCAgainstPairCounting() {
        var random = Random(seed: 5)
        let scores = (0..<600).map { _ in Float(random.below(50)) / 50 }  // many ties
        let labels = (0..<600).map { _ in UInt8(random.below(2)) }
        var wins = 0.0, pairs = 0.0
        for i in scores.indices where labels[i] == 1 {
            for j in scores.indices where labels[j] == 0 {
                pairs += 1
                wins += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
            }
        }
        #expect(abs(Self.metrics(scores, labels).rocAUC - wins / pairs) < 1e-12)
    }

    @Test func confusionAndF1() {
        // TP 2, FN 1, FP 1, TN 2.
        let m = Self.metrics([0.9, 0.6, 0.2, 0.7, 0.1, 0.3], [1, 1, 1, 0, 0, 0])
        #expect((m.truePositives, m.falseNegatives, m.falsePositives, m.trueNegatives) == (2, 1, 1, 2))
        #expect(m.precision == 2.0 / 3 && m.recall == 2.0 / 3 && abs(m.f1 - 2.0 / 3) < 1e-15 && m.accuracy == 4.0 / 6)
        #expect(m.table().contains("F1         0.6667"))
        #expect(Self.metrics([0.1, 0.2], [0, 0]).f1 == 0)
    }

    /// Frames of 10 ms centred every 10 ms from 0.0125 s (25 ms frames, snip-edges on).
    @Test func segmentsBridgeThenDrop() {
        let p: [Float] = [0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0]
        let options = SegmentationOptions(threshold: 0.5, minSpeechSeconds: 0.05, minSilenceSeconds: 0.02)
        let segments = SpeechSegments.find(probabilities: p, frameShift: 0.01, frameLength: 0.025, options: options)
        // Frames 1-2 and 4-6 joined over a 10 ms gap; frame 12 alone (10 ms) dropped.
        #expect(segments.count == 1)
        #expect(abs(segments[0].start - 0.0175) < 1e-12 && abs(segments[0].end - 0.0775) < 1e-12)
        #expect(SpeechSegments.audacityLabels(segments) == "0.017500\t0.077500\tspeech\n")
        #expect(SpeechSegments.find(probabilities: p, frameShift: 0.01, frameLength: 0.025,
                                    options: SegmentationOptions(minSpeechSeconds: 0, minSilenceSeconds: 0)).count == 3)
    }

    /// The same bytes numpy.save writes for np.array([1, 2, 3], dtype='<f4').
    @Test func npyMatchesNumpy() throws {
        let bytes = NPY.float32Vector([1, 2, 3])
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" + String(repeating: " ", count: 60) + "\n"
        #expect(Array(bytes.prefix(10)) == [0x93, 78, 85, 77, 80, 89, 1, 0, 118, 0])
        #expect(Array(bytes[10..<128]) == Array(header.utf8))
        #expect(bytes.count == 140)
        #expect(try NPY.readFloat32Vector(bytes) == [1, 2, 3])
        #expect(throws: NPY.FormatError.self) { try NPY.readFloat32Vector(Array(bytes.dropLast())) }
    }

    @Test func historyRoundTrip() throws {
        let records = [EpochRecord(epoch: 1, trainLoss: 0.5, trainAccuracy: 0.8, validLoss: .nan, validAccuracy: .nan,
                                   validF1: .nan, seconds: 1.5, learningRate: 0.001)]
        let line = try TrainingHistory.jsonLine(records[0])
        #expect(line == #"{"epoch":1,"learning_rate":0.001,"seconds":1.5,"train_accuracy":0.8,"train_loss":0.5,"valid_accuracy":null,"valid_f1":null,"valid_loss":null}"#)
        let directory = NSTemporaryDirectory() + "vadprep-history-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try (line + "\n").write(toFile: "\(directory)/h.jsonl", atomically: true, encoding: .utf8)
        let back = try TrainingHistory.read("\(directory)/h.jsonl")
        #expect(back.count == 1 && back[0].trainLoss == 0.5 && back[0].validLoss.isNaN)
        try (line + "\n{oops\n").write(toFile: "\(directory)/bad.jsonl", atomically: true, encoding: .utf8)
        #expect { try TrainingHistory.read("\(directory)/bad.jsonl") } throws: { "\($0)" == "\(directory)/bad.jsonl:2: not an epoch record" }
        #expect(TrainingHistory.csv(records) == "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,valid_f1,seconds,learning_rate\n1,0.5,0.8,,,,1.5,0.001\n")
    }

    /// The curves' points where the plot's scales put them, worked out by hand:
    /// each panel is 420 x 300 with the plot in x 60...400 (+420 for the second
    /// panel) and y 285 (low) ... 70 (high); the y range is the finite values
    /// widened by 5 % each way, the x range the first to the last epoch. A
    /// missing (NaN) validation value is left out of its line.
    @Test func learningCurvePoints() {
        let records = [(1.0, 0.5, 1.2, 0.6), (0.5, 0.75, .nan, .nan), (0.25, 0.9, 0.6, 0.8)].enumerated().map { n, r in
            EpochRecord(epoch: n + 1, trainLoss: r.0, trainAccuracy: r.1, validLoss: r.2, validAccuracy: r.3,
                        validF1: .nan, seconds: 1, learningRate: 0.001)
        }
        let svg = LearningCurves.svg(records, title: "a<b")
        #expect(svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" width="840.0" height="330.0" viewBox="0 0 840.0 330.0""#))
        #expect(svg.contains(##"<text x="420.0" y="20" text-anchor="middle" font-size="15">a&lt;b</text>"##))
        // Loss from 0.2025 to 1.2475: train 1, 0.5, 0.25; valid 1.2, -, 0.6.
        #expect(svg.contains(##"<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="60.0,120.9 230.0,223.8 400.0,275.2"/>"##))
        #expect(svg.contains(##"<polyline fill="none" stroke="#d62728" stroke-width="2" points="60.0,79.8 400.0,203.2"/>"##))
        // Accuracy (%) from 48 to 92: train 50, 75, 90; valid 60, -, 80.
        #expect(svg.contains(##"<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="480.0,275.2 650.0,153.1 820.0,79.8"/>"##))
        #expect(svg.contains(##"<polyline fill="none" stroke="#d62728" stroke-width="2" points="480.0,226.4 820.0,128.6"/>"##))
        #expect(svg.components(separatedBy: "<circle ").count - 1 == 10)
        #expect(svg.contains(##"<circle cx="230.0" cy="223.8" r="3" fill="#1f77b4"/>"##))
        #expect(svg.hasSuffix("</svg>\n"))
    }
}
