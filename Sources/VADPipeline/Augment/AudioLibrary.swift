import Foundation
import SoundFile
import VADShards

/// The recordings of one kind of augmentation (`--noise`, `--babble`, `--rir`),
/// decoded once before any utterance is processed and then shared read-only
/// by every worker.
///
/// Memory: every recording is decoded in full, at the target rate, into
/// memory (4 bytes a sample: an hour of noise at 16 kHz takes 230 MB). That
/// is the price of refusing a silent or over-long recording before any work
/// starts, and of never decoding a noise file twice; a library larger than
/// `maxSamples` is refused with a message saying so.
public final class AudioLibrary: Sendable {
    public struct Recording: Sendable {
        /// Which of the option's directories holds it (0 for the first).
        public var directory: Int
        /// Its path relative to that directory.
        public var file: String
        /// Its samples on the int16 scale, at the target rate.
        public var samples: [Float]
        /// Mean square of `samples` (never zero).
        public var power: Double
        /// Sum of squares of each block of `AudioLibrary.block` samples (the
        /// last one possibly shorter): an excerpt's power without reading it.
        var blockSquares: [Double] = []

        /// The sum of squares of samples `range` (within the recording).
        func sumOfSquares(_ range: Range<Int>) -> Double {
            let block = AudioLibrary.block
            return samples.withUnsafeBufferPointer { all in
                let firstWhole = (range.lowerBound + block - 1) / block, endWhole = range.upperBound / block
                guard firstWhole < endWhole else { return Augmenter.sumOfSquares(UnsafeBufferPointer(rebasing: all[range])) }
                var sum = Augmenter.sumOfSquares(UnsafeBufferPointer(rebasing: all[range.lowerBound..<(firstWhole * block)]))
                for b in firstWhole..<endWhole { sum += blockSquares[b] }
                return sum + Augmenter.sumOfSquares(UnsafeBufferPointer(rebasing: all[(endWhole * block)..<range.upperBound]))
            }
        }

        /// The sum of squares of the excerpt of `count` samples from `offset`
        /// on (looping).
        func excerptSumOfSquares(from offset: Int, count: Int) -> Double {
            var sum = 0.0
            Augmenter.runs(length: samples.count, offset: offset, count: count) { _, from, run in sum += sumOfSquares(from..<(from + run)) }
            return sum
        }
    }

    /// Samples per block of `Recording.blockSquares`.
    static let block = 4096

    /// The sums of squares of `samples` by block of `block` samples.
    static func blockSquares(_ samples: [Float]) -> [Double] {
        samples.withUnsafeBufferPointer { all in
            stride(from: 0, to: all.count, by: block).map { Augmenter.sumOfSquares(UnsafeBufferPointer(rebasing: all[$0..<min($0 + block, all.count)])) }
        }
    }

    /// The option the recordings came from, for messages ("--noise").
    public let option: String
    public let directories: [String]
    public let recordings: [Recording]

    /// The most samples one library may hold (2^28: 4.7 hours at 16 kHz, 1 GiB).
    public static let maxSamples = 1 << 28

    /// Lists and decodes the audio files below `directories` (recursively, in
    /// sorted order). Throws, naming the directory or file, when a directory is
    /// missing, unreadable or holds no audio, when a file does not decode or is
    /// silent, or when a file lasts longer than `maxSeconds`.
    public init(option: String, directories: [String], audio: AudioOptions, maxSeconds: Double? = nil) throws(PipelineError) {
        self.option = option
        self.directories = directories
        var recordings: [Recording] = []
        var total = 0
        for (index, directory) in directories.enumerated() {
            guard FileSystem.isDirectory(directory) else {
                throw PipelineError("\(directory): the \(option) directory does not exist or is not a directory")
            }
            let files: [String]
            do { files = try Self.audioFiles(below: directory) } catch {
                throw PipelineError("\(directory): cannot read the \(option) directory: \((error as NSError).localizedDescription)")
            }
            guard !files.isEmpty else {
                throw PipelineError("\(directory): the \(option) directory holds no audio files (looked for \(Corpus.audioExtensions.sorted().prefix(6).joined(separator: ", ")), …)")
            }
            for file in files {
                let path = (directory.hasSuffix("/") ? directory : directory + "/") + file
                var samples: [Float] = []
                // Room for the whole recording at once: growing the array block by
                // block would copy it and touch fresh pages many times over.
                samples.reserveCapacity(Self.expectedSamples(path, sampleRate: audio.sampleRate, room: Self.maxSamples - total))
                do {
                    _ = try AudioDecoder.decode(path: path, options: audio) { samples.append(contentsOf: $0) }
                } catch {
                    throw PipelineError("\(option): \(error)")
                }
                if let maxSeconds, Double(samples.count) > maxSeconds * Double(audio.sampleRate) {
                    throw PipelineError("\(path): lasts \(Double(samples.count) / Double(audio.sampleRate)) s; an \(option) recording may last at most \(OptionCheck.format(maxSeconds)) s")
                }
                let sum = samples.withUnsafeBufferPointer { Augmenter.sumOfSquares($0) }
                guard sum > 0 else {
                    throw PipelineError("\(path): is silent (every sample is zero, its power is zero); an \(option) recording must hold some sound")
                }
                total += samples.count
                guard total <= Self.maxSamples else {
                    throw PipelineError("\(directory): the \(option) recordings hold more than \(Self.maxSamples) samples (\(Self.maxSamples / audio.sampleRate) s at \(audio.sampleRate) Hz), more than vadprep keeps in memory; use fewer or shorter recordings")
                }
                recordings.append(Recording(directory: index, file: file, samples: samples, power: sum / Double(samples.count),
                                            blockSquares: Self.blockSquares(samples)))
            }
        }
        self.recordings = recordings
    }

    /// The samples `path` should give at `sampleRate`, from its header (a little
    /// over); 0 when the header cannot be read (the decoder then says why) or
    /// announces more than `room` (the library is then refused as too large).
    static func expectedSamples(_ path: String, sampleRate: Int, room: Int) -> Int {
        guard let file = try? SoundFile(path: path), file.info.sampleRate > 0, file.info.frames > 0 else { return 0 }
        let estimate = Double(file.info.frames) * Double(sampleRate) / Double(file.info.sampleRate) + 64
        guard estimate.isFinite, estimate <= Double(room) else { return 0 }
        return Int(estimate)
    }

    /// The audio files below `directory`, relative to it, sorted.
    static func audioFiles(below directory: String) throws -> [String] {
        // contentsOfDirectory throws for an unreadable directory; the enumerator would not.
        _ = try FileManager.default.contentsOfDirectory(atPath: directory)
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let ext = (relative as NSString).pathExtension.lowercased()
            guard Corpus.audioExtensions.contains(ext), !FileSystem.isDirectory("\(directory)/\(relative)") else { continue }
            files.append(relative)
        }
        return files.sorted()
    }
}
