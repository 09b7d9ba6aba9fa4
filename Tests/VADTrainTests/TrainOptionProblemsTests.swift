import Foundation
import Testing
import VADPipeline
import VADTrain
import VADInference

/// The trainer and the predictor refuse impossible options with an error
/// naming the option, before they read anything, instead of trapping.
@Suite struct TrainOptionProblemsTests {
    @Test func trainerThrowsTheFirstProblemBeforeReadingData() {
        var options = TrainOptions(model: ModelConfig(kind: .lstm))
        options.learningRate = .nan
        options.threads = Int.max  // would trap in the conversion to OpenBLAS's Int32
        let error = #expect(throws: TrainError.self) {
            try Trainer.run(train: "/nonexistent", valid: nil, options: options, out: "/nonexistent/run", resume: false, force: false)
        }
        #expect(error?.message == "--lr nan: must be a finite number")
        #expect(options.problems() == ["--lr nan: must be a finite number", "--threads 9223372036854775807: must be between 1 and 1024"])
    }

    @Test func aBatchMustFitInMemory() {
        var options = TrainOptions(model: ModelConfig(kind: .blstm))
        #expect(options.problems(segmentFrames: 300).isEmpty)
        options.batch = 100_000
        #expect(options.problems(segmentFrames: 100_000_000)
                == ["--batch 100000: must be small enough that 100000 segments of 100000000 frames fit in memory"])
    }

    @Test func modelSizesAreBounded() {
        var config = ModelConfig(kind: .cdnn)
        #expect(config.problems().isEmpty)
        config.hidden = .max
        config.filters = 0
        #expect(config.problems() == ["--hidden 9223372036854775807: must be between 1 and 4096"])
        config.hidden = 32
        #expect(config.problems() == ["--filters 0: must be between 1 and 1024"])
        config.filters = 32
        config.inputs = 7  // narrower than the kernel
        #expect(config.problems() == ["the frequency convolution (kernel 8, pool 3) does not fit 7 inputs"])
    }

    @Test func segmentationOptionsAreChecked() {
        #expect(SegmentationOptions().problems().isEmpty)
        #expect(SegmentationOptions(threshold: .nan, minSpeechSeconds: -.infinity, minSilenceSeconds: 1e300).problems() == [
            "--threshold nan: must be a finite number",
            "--min-speech -inf: must be a finite number of seconds",
            "--min-silence 1e+300: must be between 0 and 86400 seconds",
        ])
        #expect(Predictor.problems(windowSeconds: .infinity) == ["--window inf: must be a finite number of seconds"])
        #expect(Predictor.problems(windowSeconds: 0).isEmpty)
    }
}
