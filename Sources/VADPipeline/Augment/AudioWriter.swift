import Foundation
import VADShards

/// `--write-audio DIR`: each utterance as it was fed to the features, to
/// listen to: `DIR/ID.wav` (mono 32-bit float WAV, full scale 1.0, i.e. the
/// int16-scale samples divided by 32768) and `DIR/ID.txt`, its label track
/// (`start<TAB>end<TAB>speech` in seconds per speech region, the regions
/// `Augmenter.speechRanges` gives; vadprep reads it back as segment labels).
enum AudioWriter {
    static func write(id: String, samples: [Float], sampleRate: Int, speech: [Range<Int>], to directory: String) throws(InputError) {
        let base = "\(directory)/\(id)"
        guard !id.hasPrefix("/"), !id.split(separator: "/").contains("..") else {
            throw InputError(base + ".wav", "utterance id \"\(id)\" would be written outside the --write-audio directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: (base as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            // Temporary names, renamed when complete: a killed run leaves no half file.
            try Data(wav(samples, sampleRate: sampleRate)).write(to: URL(fileURLWithPath: base + ".wav"), options: .atomic)
            let rate = Double(sampleRate)
            let track = speech.map { "\(Double($0.lowerBound) / rate)\t\(Double($0.upperBound) / rate)\tspeech\n" }.joined()
            try Data(track.utf8).write(to: URL(fileURLWithPath: base + ".txt"), options: .atomic)
        } catch {
            throw InputError(base + ".wav", "cannot write (--write-audio): \((error as NSError).localizedDescription)")
        }
    }

    /// Why `directory` cannot take `--write-audio`'s files, if it cannot: it
    /// is, or lies inside, the output dataset (which must hold only the
    /// dataset), or it is, or holds, one of the recordings read (`ID.wav` and
    /// `ID.txt` would overwrite the corpus's own audio and label files).
    static func problem(directory: String, output: String, recordings: [String]) -> String? {
        if FileSystem.lies(directory, inside: output) {
            return "\(directory): the --write-audio directory lies inside the output dataset \(output), which holds only the dataset's files; choose another directory"
        }
        if let inside = recordings.first(where: { FileSystem.lies($0, inside: directory) }) {
            return "\(directory): the --write-audio directory holds \(inside), one of the recordings read, whose audio and label files its own could overwrite; choose a directory outside the corpus"
        }
        return nil
    }

    /// The bytes of a mono IEEE-float WAV file: as the format wants for
    /// samples that are not integer PCM, an 18-byte `fmt ` chunk (with its
    /// extension size, 0) and a `fact` chunk with the sample count, then
    /// `data` at byte 58.
    static func wav(_ samples: [Float], sampleRate: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(58 + 4 * samples.count)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        let data = UInt32(truncatingIfNeeded: 4 * samples.count)
        bytes += Array("RIFF".utf8); u32(50 &+ data); bytes += Array("WAVE".utf8)
        bytes += Array("fmt ".utf8); u32(18); u16(3); u16(1)
        u32(UInt32(truncatingIfNeeded: sampleRate)); u32(UInt32(truncatingIfNeeded: 4 * sampleRate)); u16(4); u16(32); u16(0)
        bytes += Array("fact".utf8); u32(4); u32(UInt32(truncatingIfNeeded: samples.count))
        bytes += Array("data".utf8); u32(data)
        for x in samples { u32((x / 32768).bitPattern) }
        return bytes
    }
}
