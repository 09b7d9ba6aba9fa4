import FFT
import Foundation
import VADShards

/// The recordings augmentation draws from, loaded once before any utterance
/// is processed and shared read-only by every worker.
public final class AugmentLibraries: Sendable {
    public let noise: AudioLibrary?
    public let babble: AudioLibrary?
    public let rir: AudioLibrary?
    /// Per impulse response: the sample of its direct path (its largest magnitude).
    let directPaths: [Int]

    /// The longest impulse response, in seconds.
    public static let maxImpulseResponseSeconds = 60.0

    /// Loads every directory `options` names. Throws (naming the directory or
    /// file) on a missing, unreadable or empty directory, a file that does not
    /// decode, a silent file, or an impulse response longer than a minute.
    public init(options: AugmentOptions, audio: AudioOptions) throws(PipelineError) {
        noise = options.noise.isEmpty ? nil : try AudioLibrary(option: "--noise", directories: options.noise, audio: audio)
        babble = try options.babble.map { dir throws(PipelineError) in try AudioLibrary(option: "--babble", directories: [dir], audio: audio) }
        rir = try options.rir.map { dir throws(PipelineError) in
            try AudioLibrary(option: "--rir", directories: [dir], audio: audio, maxSeconds: Self.maxImpulseResponseSeconds)
        }
        directPaths = rir?.recordings.map { recording in
            var best = 0
            for (i, x) in recording.samples.enumerated() where abs(x) > abs(recording.samples[best]) { best = i }
            return best
        } ?? []
    }
}

/// Makes the augmented copies of utterances: reverberation, then noise and
/// babble scaled to a speech-active SNR, then a gain that keeps the mix within
/// full scale. One per worker (it caches the impulse responses' spectra).
///
/// The SNR is `10 log10(P_speech / P_added)`: P_speech is the mean square of
/// the (possibly reverberant) speech over the samples of its speech regions
/// (frame i labelled speech covers the samples within half a frame shift of
/// its centre), or over the whole utterance when it has no speech; P_added is
/// the mean square of everything added (noise and babble, shaped) over the
/// whole utterance. With both noise and babble, they are added at equal power.
final class Augmenter {
    let options: AugmentOptions
    let libraries: AugmentLibraries
    let sampleRate: Double
    private var convolvers: [Int: FFTConvolver] = [:]

    /// Impulse responses whose spectra one worker keeps.
    static let cachedResponses = 32

    /// The largest magnitude a mixed sample may have (int16 full scale).
    static let fullScale: Float = 32767

    init(options: AugmentOptions, libraries: AugmentLibraries, sampleRate: Double) {
        self.options = options
        self.libraries = libraries
        self.sampleRate = sampleRate
    }

    /// Copy `copy` (1-based) of utterance `id`, made from its `clean` signal
    /// whose speech lies in `speech` (sample ranges).
    func copy(_ copy: Int, of id: String, clean: [Float], speech: [Range<Int>]) -> ([Float], AugmentationRecord) {
        var random = AugmentRandom(seed: options.seed, id: id, copy: copy)
        var record = AugmentationRecord(copy: copy)
        let count = clean.count
        var speechSignal = clean
        if let rir = libraries.rir {
            let wet = random.chance(options.reverbProbability)
            let which = random.index(rir.recordings.count)
            if wet {
                let direct = libraries.directPaths[which]
                record.rir = AugmentationRecord.Excerpt(dir: 0, file: rir.recordings[which].file, offset: direct)
                speechSignal = reverberate(clean, with: which, direct: direct)
            }
        }
        var added: [Float]?
        if let noise = libraries.noise {
            let which = random.index(noise.recordings.count)
            let recording = noise.recordings[which]
            let offset = Self.offset(recording.samples.count, count, &random)
            record.noise = AugmentationRecord.Excerpt(dir: recording.directory, file: recording.file, offset: offset)
            var part = [Float](repeating: 0, count: count)
            Self.add(recording.samples, from: offset, scale: Float(1 / recording.power.squareRoot()), into: &part)
            added = part
        }
        if let babble = libraries.babble {
            let talkers = options.babbleSpeakers[0] + random.index(options.babbleSpeakers[1] - options.babbleSpeakers[0] + 1)
            var part = [Float](repeating: 0, count: count)
            var excerpts: [AugmentationRecord.Excerpt] = []
            for _ in 0..<talkers {
                let recording = babble.recordings[random.index(babble.recordings.count)]
                let offset = Self.offset(recording.samples.count, count, &random)
                excerpts.append(AugmentationRecord.Excerpt(dir: recording.directory, file: recording.file, offset: offset))
                Self.add(recording.samples, from: offset, scale: Float(1 / recording.power.squareRoot()), into: &part)
            }
            record.babble = excerpts
            if var sum = added {
                // Noise and babble at equal power.
                let (p, q) = (Self.power(sum, over: [0..<count]), Self.power(part, over: [0..<count]))
                if p > 0 && q > 0 {
                    let scale = Float((p / q).squareRoot())
                    for i in 0..<count { sum[i] += scale * part[i] }
                    added = sum
                }
            } else {
                added = part
            }
        }
        let snr = options.snrRange ? random.uniform(options.snrDb[0], options.snrDb[1])
            : options.snrDb[random.index(options.snrDb.count)]
        if random.chance(options.noiseShaping), added != nil {
            let shaping = NoiseShaping.draw(&random, sampleRate: sampleRate)
            record.shaping = shaping
            NoiseShaping.apply(shaping, to: &added!, sampleRate: sampleRate)
        }
        var mix = speechSignal
        if let added {
            let pAdded = Self.power(added, over: [0..<count])
            let speechSamples = speech.reduce(0) { $0 + $1.count }
            let pSpeech = Self.power(speechSignal, over: speechSamples > 0 ? speech : [0..<count])
            if pAdded > 0 && pSpeech > 0 {
                let scale = Float((pSpeech / (pAdded * pow(10, snr / 10))).squareRoot())
                mix.withUnsafeMutableBufferPointer { m in
                    added.withUnsafeBufferPointer { a in for i in 0..<count { m[i] += scale * a[i] } }
                }
                record.snrDb = snr
            }
        }
        let peak = mix.withUnsafeBufferPointer { m -> Float in
            // Four running maxima, not one chain of dependent comparisons.
            var (a, b, c, d): (Float, Float, Float, Float) = (0, 0, 0, 0)
            var i = 0
            while i + 4 <= count {
                a = Swift.max(a, m[i].magnitude); b = Swift.max(b, m[i + 1].magnitude)
                c = Swift.max(c, m[i + 2].magnitude); d = Swift.max(d, m[i + 3].magnitude)
                i += 4
            }
            while i < count { a = Swift.max(a, m[i].magnitude); i += 1 }
            return Swift.max(Swift.max(a, b), Swift.max(c, d))
        }
        if peak > Self.fullScale {
            let gain = Self.fullScale / peak
            for i in 0..<count { mix[i] = min(max(mix[i] * gain, -Self.fullScale), Self.fullScale) }
            record.gain = Double(gain)
        }
        return (mix, record)
    }

    /// The first sample of an excerpt of `count` samples from a recording of
    /// `length`: anywhere it fits whole, or anywhere when it must loop.
    static func offset(_ length: Int, _ count: Int, _ random: inout AugmentRandom) -> Int {
        length >= count ? random.index(length - count + 1) : random.index(length)
    }

    /// Adds `scale` times `source` from `offset` on (looping) into `output`.
    static func add(_ source: [Float], from offset: Int, scale: Float, into output: inout [Float]) {
        source.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { output in
                var at = 0, from = offset
                while at < output.count {
                    let run = min(output.count - at, source.count - from)
                    let o = output.baseAddress! + at, s = source.baseAddress! + from
                    for i in 0..<run { o[i] += scale * s[i] }
                    at += run
                    from = 0
                }
            }
        }
    }

    /// Mean square of `signal` over `ranges` (0 when they hold no sample).
    static func power(_ signal: [Float], over ranges: [Range<Int>]) -> Double {
        var sum = 0.0, n = 0
        signal.withUnsafeBufferPointer { all in
            for range in ranges {
                sum += sumOfSquares(UnsafeBufferPointer(rebasing: all[range]))
                n += range.count
            }
        }
        return n > 0 ? sum / Double(n) : 0
    }

    /// The sum of squares in eight interleaved Double lanes, added up in a
    /// fixed order: the same bytes every run, without one long chain of
    /// dependent additions.
    static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
        var lanes = SIMD8<Double>()
        var i = 0
        while i + 8 <= x.count {
            let v = SIMD8<Double>(UnsafeRawPointer(x.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self))
            lanes += v * v
            i += 8
        }
        var sum = lanes.sum()
        while i < x.count { sum += Double(x[i]) * Double(x[i]); i += 1 }
        return sum
    }

    /// `clean` convolved with impulse response `which`, scaled so that its
    /// direct path has magnitude 1 and moved so that the direct path is at
    /// time zero: `y[n] = sum_k h[k] x[n + direct - k]`, as many samples as `clean`.
    func reverberate(_ clean: [Float], with which: Int, direct: Int) -> [Float] {
        let convolver: FFTConvolver
        if let made = convolvers[which] { convolver = made } else {
            let samples = libraries.rir!.recordings[which].samples
            let scale = 1 / abs(samples[direct])
            convolver = samples.map { $0 * scale }.withUnsafeBufferPointer { FFTConvolver(kernel: $0) }
            // A bounded cache (the spectra of many long responses would add up); the
            // result does not depend on what is cached.
            if convolvers.count >= Self.cachedResponses { convolvers.removeAll() }
            convolvers[which] = convolver
        }
        var out = [Float](repeating: 0, count: clean.count)
        clean.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { convolver.convolve(x, from: direct, into: $0) } }
        return out
    }

    /// The sample ranges covered by speech frames: for a run of speech frames
    /// `a ..< b`, from half a shift before frame a's centre to half a shift
    /// after frame b - 1's, within `0 ..< samples`.
    static func speechRanges(_ labels: [UInt8], grid: FrameGrid, samples: Int) -> [Range<Int>] {
        EnergyLabeler.runs(of: FrameLabel.speech, in: labels).compactMap { (a, b) in
            let lo = min(max((grid.doubledCentre(a) - grid.shift) / 2, 0), samples)
            let hi = min(max((grid.doubledCentre(b - 1) + grid.shift) / 2, 0), samples)
            return lo < hi ? lo..<hi : nil
        }
    }
}
