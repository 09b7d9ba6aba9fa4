import Resample
import SoundFile
import VADShards

/// How recordings become the signal features are computed from.
public struct AudioOptions: Codable, Equatable, Sendable {
    /// Rate everything is resampled to, in Hz.
    public var sampleRate = 16000
    /// 1-based channel to keep; nil averages all channels.
    public var channel: Int?

    public init() {}
}

/// Decodes a recording with libsndfile, in blocks, into one channel at the
/// target rate, on Kaldi's int16 scale (a full-scale 16-bit sample is 32767).
///
/// Steps: read a block -> average the channels (or keep `channel`) -> resample
/// with libsoxr when the rate differs -> multiply by 32768. Memory stays
/// bounded by the block size whatever the recording's length. Values are kept
/// as they are (clipping and float overshoot included); NaN or infinite
/// samples, a file shorter than its header says, and empty audio are errors.
public enum AudioDecoder {
    /// Frames read per block.
    static let blockFrames = 1 << 15

    /// What the header of a decoded file said.
    public struct Source: Sendable, Equatable {
        public var sampleRate: Int
        public var channels: Int
        public var frames: Int64
        public var container: String
        public var encoding: String
    }

    /// Decodes `path`, handing converted samples to `sink` block by block.
    /// Returns the header's description of the file and the number of samples
    /// produced.
    public static func decode(path: String, options: AudioOptions,
                              sink: (UnsafeBufferPointer<Float>) throws -> Void) throws -> (Source, samples: Int) {
        if FileSystem.isDirectory(path) { throw InputError(path, "is a directory, not an audio file") }
        if let problem = FileSystem.openProblem(path) { throw InputError(path, "cannot open: \(problem)") }
        if FileSystem.size(path) == 0 { throw InputError(path, "is empty (0 bytes)") }
        let file: SoundFile
        do { file = try SoundFile(path: path) } catch {
            throw InputError(path, "cannot read audio: \(error.message)")
        }
        return try decode(file, name: path, options: options, sink: sink)
    }

    /// Decodes audio held in memory (a command's output) exactly as the same
    /// bytes in a file; `name` stands for it in error messages.
    public static func decode(bytes: [UInt8], name: String, options: AudioOptions,
                              sink: (UnsafeBufferPointer<Float>) throws -> Void) throws -> (Source, samples: Int) {
        if bytes.isEmpty { throw InputError(name, "is empty (0 bytes)") }
        let file: SoundFile
        do { file = try SoundFile(bytes: bytes, name: name) } catch {
            throw InputError(name, "cannot read audio: \(error.message)")
        }
        return try decode(file, name: name, options: options, sink: sink)
    }

    private static func decode(_ file: SoundFile, name path: String, options: AudioOptions,
                               sink: (UnsafeBufferPointer<Float>) throws -> Void) throws -> (Source, samples: Int) {
        let info = file.info
        let source = Source(sampleRate: info.sampleRate, channels: info.channels, frames: info.frames,
                            container: info.container, encoding: info.encoding)
        guard info.channels > 0, info.sampleRate > 0 else {
            throw InputError(path, "header declares \(info.channels) channels at \(info.sampleRate) Hz")
        }
        if let channel = options.channel, !(1...info.channels).contains(channel) {
            throw InputError(path, "has \(info.channels) channel\(info.channels == 1 ? "" : "s"); --channel \(channel) does not exist")
        }
        if let shortfall = file.dataShortfall {
            throw InputError(path, "truncated: the header announces \(shortfall.declared) bytes of audio data but the file holds \(shortfall.present)")
        }
        let resampler: Resampler?
        do {
            resampler = info.sampleRate == options.sampleRate ? nil
                : try Resampler(inputRate: Double(info.sampleRate), outputRate: Double(options.sampleRate))
        } catch { throw InputError(path, "\(error)") }

        let channels = info.channels
        var interleaved = [Float](repeating: 0, count: blockFrames * channels)
        var mono = [Float](repeating: 0, count: blockFrames)
        var converted: [Float] = []  // resampled blocks
        if resampler != nil { converted.reserveCapacity(blockFrames * max(1, options.sampleRate / info.sampleRate + 1) + 4096) }
        var framesRead: Int64 = 0
        var produced = 0

        /// Scales a block to Kaldi's int16 range and hands it on.
        func deliver(_ block: UnsafeMutableBufferPointer<Float>) throws {
            guard !block.isEmpty else { return }
            for i in 0..<block.count { block[i] *= 32768 }
            produced += block.count
            try sink(UnsafeBufferPointer(block))
        }
        func deliverConverted() throws {
            try converted.withUnsafeMutableBufferPointer { try deliver($0) }
            converted.removeAll(keepingCapacity: true)
        }

        while true {
            let got: Int
            do { got = try interleaved.withUnsafeMutableBufferPointer { try file.read(into: $0.baseAddress!, frames: blockFrames) } }
            catch { throw InputError(path, "cannot read audio after sample \(framesRead): \((error as? SoundFileError)?.message ?? "\(error)")") }
            if got == 0 { break }
            let bad = interleaved.withUnsafeBufferPointer { input in
                mono.withUnsafeMutableBufferPointer { output in
                    mixDown(input.baseAddress!, frames: got, channels: channels, keep: options.channel, into: output.baseAddress!)
                }
            }
            if let bad {
                throw InputError(path, "sample \(framesRead + Int64(bad)) is \(mono[bad].isNaN ? "NaN" : "infinite")")
            }
            framesRead += Int64(got)
            if let resampler {
                do { try mono.withUnsafeBufferPointer { try resampler.process(UnsafeBufferPointer(rebasing: $0[0..<got]), appendingTo: &converted) } }
                catch { throw InputError(path, "\(error)") }
                try deliverConverted()
            } else {
                try mono.withUnsafeMutableBufferPointer { try deliver(UnsafeMutableBufferPointer(rebasing: $0[0..<got])) }
            }
        }
        if let resampler {
            do { try resampler.finish(appendingTo: &converted) } catch { throw InputError(path, "\(error)") }
            try deliverConverted()
        }
        if framesRead < info.frames {
            throw InputError(path, "truncated: the header announces \(info.frames) samples but only \(framesRead) could be read")
        }
        if framesRead == 0 { throw InputError(path, "has no audio samples") }
        return (source, produced)
    }


    /// One channel out of `frames` interleaved frames: channel `keep` (1-based)
    /// or the mean of all channels. Returns the first frame whose value is not
    /// finite, if any.
    @inline(__always)
    static func mixDown(_ input: UnsafePointer<Float>, frames: Int, channels: Int, keep: Int?,
                        into output: UnsafeMutablePointer<Float>) -> Int? {
        if let keep {
            for frame in 0..<frames { output[frame] = input[frame * channels + keep - 1] }
        } else if channels == 1 {
            output.update(from: input, count: frames)
        } else {
            let scale = Float(channels)
            for frame in 0..<frames {
                var sum: Float = 0
                for c in 0..<channels { sum += input[frame * channels + c] }
                output[frame] = sum / scale
            }
        }
        // x * 0 is 0 for every finite x and NaN otherwise, so the sum is finite
        // exactly when every sample is, in whatever order it is summed: eight
        // lanes at a time, not one long chain of dependent additions.
        var lanes = SIMD8<Float>()
        var frame = 0
        while frame + 8 <= frames {
            lanes += UnsafeRawPointer(output + frame).loadUnaligned(as: SIMD8<Float>.self) * 0
            frame += 8
        }
        var check = lanes.sum()
        while frame < frames { check += output[frame] * 0; frame += 1 }
        guard !check.isFinite else { return nil }
        return (0..<frames).first { !output[$0].isFinite }
    }
}
