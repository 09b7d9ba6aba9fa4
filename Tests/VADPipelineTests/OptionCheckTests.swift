import Foundation
import Testing
import VADPipeline

/// The option types check their numbers themselves, without trapping, before
/// anything converts them.
@Suite struct OptionCheckTests {
    @Test func wholeNumbersAreConvertedOnlyWhenTheyFit() {
        #expect(OptionCheck.wholeNumber(2.5) == 3)
        #expect(OptionCheck.wholeNumber(-2.5) == -3)
        #expect(OptionCheck.wholeNumber(2.9, rule: .towardZero) == 2)
        #expect(OptionCheck.wholeNumber(.nan) == nil)
        #expect(OptionCheck.wholeNumber(.infinity) == nil)
        #expect(OptionCheck.wholeNumber(-.infinity) == nil)
        #expect(OptionCheck.wholeNumber(1e300) == nil)
        #expect(OptionCheck.wholeNumber(1e15) == nil)
        #expect(OptionCheck.wholeNumber(1e15 - 1) == 999_999_999_999_999)
    }

    @Test func frameOptionsWithNonFiniteNumbersGiveProblemsNotTraps() {
        var frame = FrameOptions()
        frame.frameShiftMs = .nan
        frame.frameLengthMs = .infinity
        frame.sampleRate = -.infinity
        #expect(frame.shiftSamples == 0 && frame.lengthSamples == 0)
        #expect(frame.problems() == ["--sample-rate -inf: must be a finite number of Hz",
                                     "--frame-shift nan: must be a finite number of milliseconds",
                                     "--frame-length inf: must be a finite number of milliseconds"])
        var mfcc = MFCCOptions()
        mfcc.frame.sampleRate = -9.2e18  // the mel band is not checked against a bad rate
        mfcc.cepstralLifter = .nan
        #expect(mfcc.problems() == ["--sample-rate -9.2e+18: must be between 1000 and 1000000 Hz",
                                    "--cepstral-lifter nan: must be a finite number"])
        var raw = RawFrameOptions()
        raw.lengthMs = 1e300
        #expect(raw.lengthSamples(sampleRate: 16000) == 0)
        #expect(raw.problems(sampleRate: 16000) == ["--raw-frame-length 1e+300: must be more than 0 and at most 1000 milliseconds"])
    }

    /// `MFCCOptions.problems()` finds empty mel bins in one pass over the FFT
    /// bins; `MelBank` finds them by building every bin. They must agree on
    /// every combination, and both outcomes must occur, or the test proves nothing.
    @Test func emptyMelBinsAreFoundAsTheBankFindsThem() throws {
        var agreed = (empty: 0, full: 0)
        for rate in [8000.0, 16000, 22050, 44100] {
            for lengthMs in [5.0, 10, 25] {
                for bins in [3, 23, 40, 64, 80, 100, 128, 200] {
                    for (low, high) in [(0.0, 0.0), (20, 0), (60, -400), (300, 3000)] {
                        var options = MFCCOptions()
                        options.numCeps = 3
                        options.frame.sampleRate = rate
                        options.frame.frameLengthMs = lengthMs
                        options.mel.numBins = bins
                        options.mel.lowFreq = low
                        options.mel.highFreq = high
                        let problems = options.problems()
                        let bank = Result { () throws(FeatureOptionsError) in
                            try MelBank(options: options.mel, sampleRate: rate, paddedLength: options.frame.paddedLengthSamples)
                        }
                        switch bank {
                        case .success:
                            #expect(problems.isEmpty, "\(rate) Hz, \(lengthMs) ms, \(bins) bins, \(low)-\(high) Hz")
                            agreed.full += 1
                        case .failure(let error):
                            #expect(problems == [error.message], "\(rate) Hz, \(lengthMs) ms, \(bins) bins, \(low)-\(high) Hz")
                            agreed.empty += 1
                        }
                    }
                }
            }
        }
        #expect(agreed.empty > 20 && agreed.full > 20, "\(agreed)")
    }

    @Test func segmenterRefusesImpossibleOptionsBeforeReadingAnything() throws {
        var options = SegmentOptions()
        options.frames = .max
        let error = #expect(throws: PipelineError.self) {
            try Segmenter.run(source: "/nonexistent", output: "/nonexistent/out", options: options, split: SplitOptions(), jobs: 1, force: false)
        }
        #expect(error?.message == "--frames 9223372036854775807: must be between 1 and 100000000")
        #expect(options.problems() == ["--frames 9223372036854775807: must be between 1 and 100000000"])
        var split = SplitOptions()
        split.validFraction = .nan  // would trap when the split is written into the index as JSON
        let splitError = #expect(throws: PipelineError.self) {
            try Segmenter.run(source: "/nonexistent", output: "/nonexistent/out", options: SegmentOptions(), split: split, jobs: 1, force: false)
        }
        #expect(splitError?.message == "--split valid=nan: must be valid=FRACTION with 0 < FRACTION < 1, e.g. valid=0.12")
        options.frames = 300
        #expect(options.problems(featureDimension: 40).isEmpty)
        options.frames = 100_000_000
        #expect(options.problems(featureDimension: 1 << 40)
                == ["--frames 100000000: must be small enough that a segment of 1099511627776 features per frame fits in memory"])
        #expect(throws: Never.self) { try SegmentOptions.frames(option: "--len", seconds: 3, frameShiftSeconds: 0.01).get() }
        #expect(try SegmentOptions.frames(option: "--len", seconds: 3, frameShiftSeconds: 0.01).get() == 300)
        for (seconds, shift, message) in [
            (Double.nan, 0.01, "--len nan: must be a finite number of seconds"),
            (1e300, 0.01, "--len 1e+300: must be more than 0 and at most 86400 seconds"),
            (0.004, 0.01, "--len 0.004: must be at least one frame (0.005 seconds rounds to one frame of 0.01)"),
            (3, .nan, "--len 3.0: must be at most 100000000 frames of nan seconds"),
            (86_400, 1e-6, "--len 86400.0: must be at most 100000000 frames of 1e-06 seconds"),
        ] {
            let error = #expect(throws: PipelineError.self) {
                try SegmentOptions.frames(option: "--len", seconds: seconds, frameShiftSeconds: shift).get()
            }
            #expect(error?.message == message)
        }
    }
}
