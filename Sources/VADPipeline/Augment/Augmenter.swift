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
/// full scale. One per worker (it caches the impulse responses' spectra and
/// keeps its working buffers from one utterance to the next).
///
/// The SNR is `10 log10(P_speech / P_added)`: P_speech is the mean square of
/// the (possibly reverberant) speech over the samples of its speech regions
/// (frame i labelled speech covers the samples within half a frame shift of
/// its centre), or over the whole utterance when it has no speech; P_added is
/// the mean square of everything added (noise and babble, shaped) over the
/// whole utterance. With both noise and babble, they are added at equal power.
///
/// Speed: a copy costs a few passes over the utterance, in buffers reused
/// across utterances (fresh arrays of an utterance's length cost a page fault
/// every 4 KiB). Plain noise is never stored: its power comes from sums of
/// squares the library keeps by block, and it is read once, while mixing.
final class Augmenter {
    let options: AugmentOptions
    let libraries: AugmentLibraries
    let sampleRate: Double
    private var convolvers: [Int: FFTConvolver] = [:]
    /// Working buffers: the reverberant speech (then the mix made in place),
    /// the noise and babble added, the babble of one copy, the mix.
    private let wet = Scratch(), added = Scratch(), part = Scratch(), mixed = Scratch()

    /// Impulse responses whose spectra one worker keeps.
    static let cachedResponses = 32

    /// The largest magnitude a mixed sample may have (int16 full scale).
    static let fullScale: Float = 32767

    init(options: AugmentOptions, libraries: AugmentLibraries, sampleRate: Double) {
        self.options = options
        self.libraries = libraries
        self.sampleRate = sampleRate
    }

    /// What one copy is made of: every random draw, taken before any sample is
    /// touched (in the order the copy's stream has always given them).
    private struct Draws {
        var wet: (which: Int, direct: Int)?
        var noise: (recording: AudioLibrary.Recording, offset: Int)?
        var babble: [(recording: AudioLibrary.Recording, offset: Int)]?
        var snr = 0.0
        var shaping: AugmentationRecord.Shaping?
    }

    private func draw(_ copy: Int, of id: String, count: Int, record: inout AugmentationRecord) -> Draws {
        var random = AugmentRandom(seed: options.seed, id: id, copy: copy)
        var draws = Draws()
        if let rir = libraries.rir {
            let wet = random.chance(options.reverbProbability)
            let which = random.index(rir.recordings.count)
            if wet {
                let direct = libraries.directPaths[which]
                record.rir = AugmentationRecord.Excerpt(dir: 0, file: rir.recordings[which].file, offset: direct)
                draws.wet = (which, direct)
            }
        }
        if let noise = libraries.noise {
            let recording = noise.recordings[random.index(noise.recordings.count)]
            let offset = Self.offset(recording.samples.count, count, &random)
            record.noise = AugmentationRecord.Excerpt(dir: recording.directory, file: recording.file, offset: offset)
            draws.noise = (recording, offset)
        }
        if let babble = libraries.babble, options.babbleProbability.map({ random.chance($0) }) ?? true {
            let talkers = options.babbleSpeakers[0] + random.index(options.babbleSpeakers[1] - options.babbleSpeakers[0] + 1)
            var excerpts: [AugmentationRecord.Excerpt] = []
            var chosen: [(recording: AudioLibrary.Recording, offset: Int)] = []
            for _ in 0..<talkers {
                let recording = babble.recordings[random.index(babble.recordings.count)]
                let offset = Self.offset(recording.samples.count, count, &random)
                excerpts.append(AugmentationRecord.Excerpt(dir: recording.directory, file: recording.file, offset: offset))
                chosen.append((recording, offset))
            }
            record.babble = excerpts
            draws.babble = chosen
        }
        draws.snr = options.snrRange ? random.uniform(options.snrDb[0], options.snrDb[1])
            : options.snrDb[random.index(options.snrDb.count)]
        if random.chance(options.noiseShaping), libraries.noise != nil || libraries.babble != nil {
            let shaping = NoiseShaping.draw(&random, sampleRate: sampleRate)
            record.shaping = shaping
            draws.shaping = shaping
        }
        return draws
    }

    /// Copy `copy` (1-based) of utterance `id`, made from its `clean` signal
    /// whose speech lies in `speech` (sample ranges).
    func copy(_ copy: Int, of id: String, clean: [Float], speech: [Range<Int>]) -> ([Float], AugmentationRecord) {
        clean.withUnsafeBufferPointer { clean in
            self.copy(copy, of: id, clean: clean, speech: speech) { (Array($0), $1) }
        }
    }

    /// Copy `copy` (1-based) of utterance `id`, made from its `clean` signal
    /// whose speech lies in `speech` (sample ranges), handed to `use` (the
    /// samples are valid only during the call: they live in this augmenter's
    /// buffers, or are `clean` itself when the copy leaves it unchanged).
    func copy<R>(_ copy: Int, of id: String, clean: UnsafeBufferPointer<Float>, speech: [Range<Int>],
                 _ use: (UnsafeBufferPointer<Float>, AugmentationRecord) throws -> R) rethrows -> R {
        var record = AugmentationRecord(copy: copy)
        let count = clean.count
        let draws = draw(copy, of: id, count: count, record: &record)
        guard count > 0 else { return try use(clean, record) }
        // The speech, and where the mix goes (in place over reverberant speech).
        var speechSignal = UnsafePointer(clean.baseAddress!)
        var out: UnsafeMutablePointer<Float>? = nil
        if let (which, direct) = draws.wet {
            let w = wet.reserve(count)
            reverberate(clean, with: which, direct: direct, into: UnsafeMutableBufferPointer(start: w, count: count))
            speechSignal = UnsafePointer(w)
            out = w
        }
        let pSpeech: Double
        do {
            let all = UnsafeBufferPointer(start: speechSignal, count: count)
            let speechSamples = speech.reduce(0) { $0 + $1.count }
            pSpeech = Self.power(all, over: speechSamples > 0 ? speech : [0..<count])
        }
        var peak: Float
        if draws.babble == nil && draws.shaping == nil, let (recording, offset) = draws.noise {
            // Plain noise: never stored.
            let noiseScale = Float(1 / recording.power.squareRoot())
            // Its power from the recording's sums of squares by block (the scale squared
            // in Double: within a few parts in 10^7 of the power of the scaled samples).
            let pAdded = Double(noiseScale) * Double(noiseScale) * recording.excerptSumOfSquares(from: offset, count: count) / Double(count)
            let target = out ?? mixed.reserve(count)
            if pAdded > 0 && pSpeech > 0 {
                let scale = Float((pSpeech / (pAdded * pow(10, draws.snr / 10))).squareRoot())
                peak = recording.samples.withUnsafeBufferPointer { source in
                    Self.mixExcerpt(speechSignal, source, from: offset, noiseScale: noiseScale, scale: scale, into: target, count: count)
                }
                record.snrDb = draws.snr
                out = target
            } else {
                peak = Self.peak(speechSignal, count: count)
            }
        } else if draws.noise != nil || draws.babble != nil {
            let a = added.reserve(count)
            var haveNoise = false
            if let (recording, offset) = draws.noise {
                recording.samples.withUnsafeBufferPointer { source in
                    Self.place(source, from: offset, scale: Float(1 / recording.power.squareRoot()), into: a, count: count, adding: false)
                }
                haveNoise = true
            }
            if let babble = draws.babble {
                let b = haveNoise ? part.reserve(count) : a
                if babble.isEmpty { b.update(repeating: 0, count: count) }
                for (k, (recording, offset)) in babble.enumerated() {
                    recording.samples.withUnsafeBufferPointer { source in
                        Self.place(source, from: offset, scale: Float(1 / recording.power.squareRoot()), into: b, count: count, adding: k > 0)
                    }
                }
                if haveNoise {
                    // Noise and babble at equal power.
                    let p = Self.sumOfSquares(UnsafeBufferPointer(start: a, count: count)) / Double(count)
                    let q = Self.sumOfSquares(UnsafeBufferPointer(start: b, count: count)) / Double(count)
                    if p > 0 && q > 0 {
                        let scale = Float((p / q).squareRoot())
                        for i in 0..<count { a[i] += scale * b[i] }
                    }
                }
            }
            if let shaping = draws.shaping {
                NoiseShaping.apply(shaping, to: UnsafeMutableBufferPointer(start: a, count: count), sampleRate: sampleRate)
            }
            let pAdded = Self.sumOfSquares(UnsafeBufferPointer(start: a, count: count)) / Double(count)
            if pAdded > 0 && pSpeech > 0 {
                let scale = Float((pSpeech / (pAdded * pow(10, draws.snr / 10))).squareRoot())
                let target = out ?? mixed.reserve(count)
                peak = Self.mix(speechSignal, UnsafePointer(a), scale: scale, into: target, count: count)
                record.snrDb = draws.snr
                out = target
            } else {
                peak = Self.peak(speechSignal, count: count)
            }
        } else {
            peak = Self.peak(speechSignal, count: count)
        }
        if peak > Self.fullScale {
            let gain = Self.fullScale / peak
            let from = out.map { UnsafePointer($0) } ?? speechSignal
            let target = out ?? mixed.reserve(count)
            for i in 0..<count { target[i] = min(max(from[i] * gain, -Self.fullScale), Self.fullScale) }
            record.gain = Double(gain)
            out = target
        }
        return try use(out.map { UnsafeBufferPointer(start: $0, count: count) } ?? clean, record)
    }

    /// The first sample of an excerpt of `count` samples from a recording of
    /// `length`: anywhere it fits whole, or anywhere when it must loop.
    static func offset(_ length: Int, _ count: Int, _ random: inout AugmentRandom) -> Int {
        length >= count ? random.index(length - count + 1) : random.index(length)
    }

    /// Calls `body(at, from, run)` for the runs of an excerpt of `count`
    /// samples of a recording of `length` from `offset` on (looping): output
    /// samples `at ..< at + run` are recording samples `from ..< from + run`.
    @inline(__always)
    static func runs(length: Int, offset: Int, count: Int, _ body: (Int, Int, Int) -> Void) {
        var at = 0, from = offset
        while at < count {
            let run = min(count - at, length - from)
            body(at, from, run)
            at += run
            from = 0
        }
    }

    /// Writes (or, `adding`, adds) `scale` times `source` from `offset` on
    /// (looping) into `output[0 ..< count]`.
    static func place(_ source: UnsafeBufferPointer<Float>, from offset: Int, scale: Float,
                      into output: UnsafeMutablePointer<Float>, count: Int, adding: Bool) {
        runs(length: source.count, offset: offset, count: count) { at, from, run in
            let o = output + at, s = source.baseAddress! + from
            if adding {
                for i in 0..<run { o[i] += scale * s[i] }
            } else {
                for i in 0..<run { o[i] = scale * s[i] }
            }
        }
    }

    /// `out[i] = speech[i] + scale * (noiseScale * source[offset + i])` (the
    /// source looping), as the mix of a stored excerpt would give it; returns
    /// the largest magnitude of `out`.
    static func mixExcerpt(_ speech: UnsafePointer<Float>, _ source: UnsafeBufferPointer<Float>, from offset: Int,
                           noiseScale: Float, scale: Float, into out: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var high = SIMD8<Float>(repeating: 0), low = SIMD8<Float>(repeating: 0)
        var top: Float = 0
        runs(length: source.count, offset: offset, count: count) { at, from, run in
            let s = speech + at, x = source.baseAddress! + from, o = out + at
            var i = 0
            while i + 8 <= run {
                let n = noiseScale * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                let v = UnsafeRawPointer(s + i).loadUnaligned(as: SIMD8<Float>.self) + scale * n
                UnsafeMutableRawPointer(o + i).storeBytes(of: v, as: SIMD8<Float>.self)
                high.replace(with: v, where: v .> high); low.replace(with: v, where: v .< low)
                i += 8
            }
            while i < run {
                let v = s[i] + scale * (noiseScale * x[i])
                o[i] = v
                top = max(top, v.magnitude)
                i += 1
            }
        }
        return max(top, max(high.max(), -low.min()))
    }

    /// `out[i] = speech[i] + scale * added[i]` (`out` may be `speech`);
    /// returns the largest magnitude of `out`.
    static func mix(_ speech: UnsafePointer<Float>, _ added: UnsafePointer<Float>, scale: Float,
                    into out: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var high = SIMD8<Float>(repeating: 0), low = SIMD8<Float>(repeating: 0)
        var top: Float = 0
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(speech + i).loadUnaligned(as: SIMD8<Float>.self)
                + scale * UnsafeRawPointer(added + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + i).storeBytes(of: v, as: SIMD8<Float>.self)
            high.replace(with: v, where: v .> high); low.replace(with: v, where: v .< low)
            i += 8
        }
        while i < count {
            let v = speech[i] + scale * added[i]
            out[i] = v
            top = max(top, v.magnitude)
            i += 1
        }
        return max(top, max(high.max(), -low.min()))
    }

    /// The largest magnitude of `x[0 ..< count]`.
    static func peak(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var high = SIMD8<Float>(repeating: 0), low = SIMD8<Float>(repeating: 0)
        var top: Float = 0
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            high.replace(with: v, where: v .> high); low.replace(with: v, where: v .< low)
            i += 8
        }
        while i < count { top = max(top, x[i].magnitude); i += 1 }
        return max(top, max(high.max(), -low.min()))
    }

    /// Mean square of `signal` over `ranges` (0 when they hold no sample).
    static func power(_ signal: [Float], over ranges: [Range<Int>]) -> Double {
        signal.withUnsafeBufferPointer { power($0, over: ranges) }
    }

    /// Mean square of `signal` over `ranges` (0 when they hold no sample).
    static func power(_ all: UnsafeBufferPointer<Float>, over ranges: [Range<Int>]) -> Double {
        var sum = 0.0, n = 0
        for range in ranges {
            sum += sumOfSquares(UnsafeBufferPointer(rebasing: all[range]))
            n += range.count
        }
        return n > 0 ? sum / Double(n) : 0
    }

    /// The sum of squares in eight interleaved Double lanes, added up in a
    /// fixed order: the same bytes every run, without one long chain of
    /// dependent additions.
    static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
        var lanes = SIMD8<Double>()
        let whole = x.count & ~7
        addSquares(UnsafeBufferPointer(rebasing: x[0..<whole]), into: &lanes)
        var sum = lanes.sum()
        for i in whole..<x.count { sum += Double(x[i]) * Double(x[i]) }
        return sum
    }

    /// Adds the squares of `x` (a whole number of groups of 8) into `lanes`,
    /// sample i into lane i % 8.
    @inline(__always)
    static func addSquares(_ x: UnsafeBufferPointer<Float>, into lanes: inout SIMD8<Double>) {
        guard let base = x.baseAddress else { return }
        var i = 0
        while i + 8 <= x.count {
            let v = SIMD8<Double>(UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self))
            lanes += v * v
            i += 8
        }
    }

    /// `clean` convolved with impulse response `which`, scaled so that its
    /// direct path has magnitude 1 and moved so that the direct path is at
    /// time zero: `y[n] = sum_k h[k] x[n + direct - k]`, as many samples as `clean`.
    func reverberate(_ clean: UnsafeBufferPointer<Float>, with which: Int, direct: Int, into out: UnsafeMutableBufferPointer<Float>) {
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
        convolver.convolve(clean, from: direct, into: out)
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

/// A buffer of floats that grows and is reused: its pages, once touched,
/// stay mapped from one utterance to the next.
final class Scratch {
    private var pointer: UnsafeMutablePointer<Float>?
    private var capacity = 0

    /// At least `count` floats (their contents undefined).
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let pointer, capacity >= count { return pointer }
        pointer?.deallocate()
        // Some room to grow, so that slightly longer utterances do not reallocate.
        capacity = max(count, capacity + capacity / 2)
        let made = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
        pointer = made
        return made
    }

    deinit { pointer?.deallocate() }
}
