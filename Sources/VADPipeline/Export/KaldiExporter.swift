import Foundation
import VADShards

/// `vadprep export DATASET --kaldi OUT_DIR`: a dataset's features and frame
/// labels as a Kaldi data directory's feature files.
///
/// Writes, in OUT_DIR:
/// - `feats.ark` + `feats.scp`: one float matrix per utterance, `[frames x featureDim]`
///   (see `KaldiBinary` for the bytes);
/// - `labels.ark` + `labels.scp`: one int32 vector per utterance, one label per
///   frame as stored (0 non-speech, 1 speech, 255 unknown), readable as
///   alignments (`copy-int-vector`, `kaldiio`);
/// - `utt2num_frames`: `KEY FRAMES` per line;
/// - `utt2spk`: `KEY SPEAKER`, only when every utterance has a known speaker.
///
/// Entries are in the byte order of their keys (`LC_ALL=C sort`), as Kaldi's
/// scripts require; scp lines name the archives as `OUT_DIR/feats.ark` with
/// OUT_DIR as given. Keys are utterance ids (`en/utt-0001`); segments of a
/// whole-utterance segments dataset keep their utterance's id when each
/// utterance appears once, and otherwise all get `-START-END` (frames, 7 digits)
/// and, with several epochs, `-eEPOCH`. Fixed-length segment datasets (padded
/// `[segments, frames, D]` rows) are refused. Every file is written under a
/// temporary name and renamed when complete, each script file after its
/// archive; `--force` first removes the earlier export's files, so OUT_DIR
/// never mixes two exports.
public enum KaldiExporter {
    /// The files an export consists of; `--force` replaces a directory holding only these.
    public static let fileNames = ["feats.ark", "feats.scp", "labels.ark", "labels.scp", "utt2num_frames", "utt2spk"]

    /// What was written.
    public struct Summary: Equatable, Sendable {
        public var utterances: Int
        public var frames: Int
        public var featureDim: Int
        public var bytes: Int
        public var wroteSpeakers: Bool
    }

    /// One utterance to export: its row in the dataset and its Kaldi key.
    struct Entry {
        var row: Int
        var key: String
        var frames: Int
        /// The speaker, where the index knows it (a Kaldi `utt2spk`, a Lhotse supervision's).
        var speaker: String?
    }

    /// Exports the dataset in `datasetDirectory` into `output` (see the type's comment).
    public static func export(dataset datasetDirectory: String, to output: String, force: Bool) throws -> Summary {
        let dataset = try Dataset(directory: datasetDirectory)
        let index = dataset.index
        if let segments = index.segments, segments.isFixedLength {
            throw PipelineError("\(datasetDirectory): a fixed-length segments dataset (\(segments.frames.map { "\($0) frames" } ?? "fixed") per row, padded) cannot be exported to Kaldi; export the features dataset it was cut from, or segments made with --mode whole")
        }
        guard output.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }), output.first != " ", output.last != " " else {
            throw PipelineError("\(output): a path with control characters or leading or trailing spaces cannot be named in an scp file")
        }
        if FileSystem.lies(output, inside: datasetDirectory) {
            throw PipelineError("\(output): lies inside the dataset \(datasetDirectory), which holds only the dataset's files; export to a directory outside it")
        }
        let entries = try self.entries(index, directory: datasetDirectory)
        try dataset.openAll()
        try dataset.checkValues()  // finite features, labels 0, 1 or 255: Kaldi recipes would take them as they are
        try prepare(output, force: force)

        let out = output.count > 1 && output.hasSuffix("/") ? String(output.dropLast()) : output
        let feats = try KaldiArchiveWriter(arkPath: "\(out)/feats.ark", scpPath: "\(out)/feats.scp", arkPathInScript: "\(out)/feats.ark")
        let labels = try KaldiArchiveWriter(arkPath: "\(out)/labels.ark", scpPath: "\(out)/labels.scp", arkPathInScript: "\(out)/labels.ark")
        var numFrames = ""
        var speakers = ""
        let allSpeakersKnown = !entries.isEmpty && entries.allSatisfy { $0.speaker != nil }
        for entry in entries {
            let utterance = try dataset.utterance(entry.row)
            try feats.writeMatrix(key: entry.key, rows: utterance.frames, columns: utterance.dimension, data: utterance.features)
            try labels.writeIntVector(key: entry.key, utterance.labels)
            numFrames += "\(entry.key) \(utterance.frames)\n"
            if allSpeakersKnown, let speaker = entry.speaker { speakers += "\(entry.key) \(speaker)\n" }
        }
        let utt2numFrames = try AtomicFile(path: "\(out)/utt2num_frames")
        try utt2numFrames.write(Array(numFrames.utf8))
        var utt2spk: AtomicFile?
        if allSpeakersKnown {
            utt2spk = try AtomicFile(path: "\(out)/utt2spk")
            try utt2spk?.write(Array(speakers.utf8))
        }
        try feats.commit()
        try labels.commit()
        try utt2numFrames.commit()
        try utt2spk?.commit()
        return Summary(utterances: entries.count, frames: entries.reduce(0) { $0 + $1.frames }, featureDim: index.featureDim,
                       bytes: feats.bytesWritten + labels.bytesWritten, wroteSpeakers: allSpeakersKnown)
    }

    /// The rows to export with their keys, sorted by key bytes; refuses keys
    /// Kaldi cannot read and duplicate keys.
    static func entries(_ index: DatasetIndex, directory: String) throws -> [Entry] {
        let records = index.utterances
        var seen: [String: Int] = [:]
        for record in records { seen[record.id, default: 0] += 1 }
        let suffixed = index.segments != nil && seen.values.contains { $0 > 1 }
        let epochs = index.segments?.epochs ?? 1
        var entries: [Entry] = []
        entries.reserveCapacity(records.count)
        for (row, record) in records.enumerated() {
            var key = record.id
            if suffixed {
                let start = record.startFrame ?? 0
                key += "-" + digits(start) + "-" + digits(start + record.frames)
                if epochs > 1, let epoch = record.epoch { key += "-e\(epoch)" }
            }
            guard KaldiBinary.isToken(key) else {
                throw PipelineError("\(directory): utterance \"\(record.id)\" (row \(row)) cannot be a Kaldi utterance id: it holds white space or control characters")
            }
            if let speaker = record.speaker, !KaldiBinary.isToken(speaker) {
                throw PipelineError("\(directory): the speaker \"\(speaker)\" of utterance \"\(record.id)\" (row \(row)) cannot be a Kaldi speaker id: it holds white space or control characters")
            }
            entries.append(Entry(row: row, key: key, frames: record.frames, speaker: record.speaker))
        }
        entries.sort { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        for (previous, next) in zip(entries, entries.dropFirst()) where previous.key == next.key {
            throw PipelineError("\(directory): rows \(previous.row) and \(next.row) would both be Kaldi utterance \"\(next.key)\"")
        }
        return entries
    }

    /// `value` with at least 7 digits, zero-padded.
    private static func digits(_ value: Int) -> String {
        let text = String(value)
        return text.count >= 7 ? text : String(repeating: "0", count: 7 - text.count) + text
    }

    /// Creates `output`, or empties it: a non-empty directory only with `force`
    /// and only when it holds nothing but an earlier export's files.
    static func prepare(_ output: String, force: Bool) throws {
        if FileSystem.exists(output) && !FileSystem.isDirectory(output) {
            throw PipelineError("\(output): exists and is not a directory")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
        if !contents.isEmpty {
            guard force else { throw PipelineError("\(output): output directory is not empty; use --force to replace the Kaldi export in it") }
            let ours = Set(fileNames + fileNames.map { ".\($0).partial" })
            guard contents.allSatisfy({ ours.contains($0) && !FileSystem.isDirectory("\(output)/\($0)") }) else {
                throw PipelineError("\(output): holds files that are not part of a Kaldi export; refusing to replace it")
            }
            for name in contents { FileSystem.remove("\(output)/\(name)") }
        }
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw PipelineError("\(output): cannot create the output directory: \(error.localizedDescription)")
        }
    }
}
