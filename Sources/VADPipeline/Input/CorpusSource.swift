import Foundation
import VADShards

/// The layouts `vadprep extract` reads.
public enum InputKind: String, Codable, Sendable, CaseIterable {
    /// A directory of recordings with label files beside them (or `--labels`).
    case dir
    /// A Kaldi data directory (`wav.scp`, `segments`, `utt2spk`, …).
    case kaldi
    /// A Lhotse manifest (`.jsonl` or `.jsonl.gz`).
    case lhotse
}

/// What becomes an utterance in a Kaldi data directory.
public enum KaldiUtterances: String, Codable, Sendable, CaseIterable {
    /// Each recording; `segments`, when present, gives its speech regions.
    case recordings
    /// Each entry of `segments`, cut from its recording; labels come from
    /// `--labels` or the usual label files, on the recording's timeline.
    case segments
}

/// How the input is read. Recorded in the options of a dataset only when it
/// differs from the defaults, so that a directory-layout dataset's index is
/// the same bytes as before these options existed.
public struct InputOptions: Codable, Equatable, Sendable {
    /// nil: judged from the input path (see `CorpusSource.detect`).
    public var kind: InputKind?
    public var kaldiUtterances = KaldiUtterances.recordings
    /// A label region (or a cut) may run past the end of the audio by this
    /// many seconds; it is then cut at the end and counted. Further is an error.
    public var maxOvershoot = 0.5
    /// Run the commands of piped `wav.scp` lines.
    public var allowCommands = false
    /// Seconds a command may run before it is killed.
    public var commandTimeout = 600.0
    /// A Lhotse recordings manifest's supervisions manifest.
    public var supervisions: String?

    public init() {}

    public var isDefault: Bool { self == InputOptions() }

    /// Problems with the values, as messages naming the option.
    public func problems() -> [String] {
        var check = OptionCheck()
        check.number("--max-overshoot", maxOvershoot, in: 0...3600, unit: "seconds")
        check.number("--command-timeout", commandTimeout, in: 0...1_000_000, aboveLowerBound: true, unit: "seconds")
        return check.problems
    }
}

/// The ordered utterances of an input, whatever its layout, and where the
/// labels of those that do not carry their own come from. Everything after
/// reading (features, labels, shards, index, resume, `--part`) works on this.
public struct CorpusSource: Sendable {
    public var kind: InputKind
    /// In extraction order.
    public var items: [CorpusItem]
    /// Labels of the items that carry no `regions`.
    public var labels: LabelResolver
    /// What the index records about the input; nil for the directory layout.
    public var record: InputRecord?
    /// Recordings of a Lhotse manifest without supervisions (all non-speech), by id.
    public var unsupervised: Set<String> = []

    public init(kind: InputKind, items: [CorpusItem], labels: LabelResolver, record: InputRecord?) {
        self.kind = kind
        self.items = items
        self.labels = labels
        self.record = record
    }

    /// The record for the utterances `items` (all of them, or a `--part`).
    public func record(for items: [CorpusItem]) -> InputRecord? {
        guard var record, !unsupervised.isEmpty else { return record }
        let count = items.filter { unsupervised.contains($0.id) }.count
        record.unsupervised = count > 0 ? count : nil
        return record
    }

    /// The kind `input` is read as without `--input`: a directory holding
    /// `wav.scp` is a Kaldi data directory, a `.jsonl` or `.jsonl.gz` file a
    /// Lhotse manifest, anything else the directory layout.
    public static func detect(_ input: String) -> InputKind {
        if KaldiDataDirectory.isDataDirectory(input) { return .kaldi }
        if input.hasSuffix(".jsonl") || input.hasSuffix(".jsonl.gz") { return .lhotse }
        return .dir
    }

    /// Reads the listing of `input` as `options.input` says.
    public static func open(_ input: String, options: ExtractOptions) throws -> CorpusSource {
        let inputOptions = options.input ?? InputOptions()
        let kind = inputOptions.kind ?? detect(input)
        switch kind {
        case .dir:
            let items = try Corpus.scan(input)
            return CorpusSource(kind: .dir, items: items, labels: try LabelResolver(corpus: input, options: options.labels, recordings: items), record: nil)
        case .lhotse:
            if let labels = options.labels.path {
                throw InputError(labels, "--labels does not go with a Lhotse manifest: its supervisions are the speech regions")
            }
            let listing = try LhotseSource.read(input, supervisionsPath: inputOptions.supervisions, allowCommands: inputOptions.allowCommands,
                                                channel: options.audio.channel)
            var manifests: [ManifestRecord] = []
            for (path, name) in listing.manifests {
                do { manifests.append(ManifestRecord(file: name, sha256: try FileSystem.sha256(ofFile: path))) } catch {
                    throw InputError(path, "cannot read: \(error)")
                }
            }
            var record = InputRecord(kind: InputKind.lhotse.rawValue, manifests: manifests)
            if !listing.unsupervised.isEmpty { record.unsupervised = listing.unsupervised.count }
            var source = CorpusSource(kind: .lhotse, items: listing.items,
                                      labels: try LabelResolver(corpus: input, options: options.labels, recordings: []), record: record)
            source.unsupervised = listing.unsupervised
            return source
        case .kaldi:
            let data = try KaldiDataDirectory.read(input, allowCommands: inputOptions.allowCommands)
            let items = try kaldiItems(data, utterances: inputOptions.kaldiUtterances)
            var manifests: [ManifestRecord] = []
            for file in data.files {
                let digest: String
                do { digest = try FileSystem.sha256(ofFile: "\(data.directory)/\(file)") } catch {
                    throw InputError("\(data.directory)/\(file)", "cannot read: \(error)")
                }
                manifests.append(ManifestRecord(file: file, sha256: digest))
            }
            return CorpusSource(kind: .kaldi, items: items, labels: try LabelResolver(corpus: data.directory, options: options.labels, recordings: items),
                                record: InputRecord(kind: InputKind.kaldi.rawValue, manifests: manifests))
        }
    }

    /// The utterances of a Kaldi data directory, in C-locale order of their ids.
    static func kaldiItems(_ data: KaldiDataDirectory, utterances: KaldiUtterances) throws(InputError) -> [CorpusItem] {
        let segmentsPath = "\(data.directory)/segments"
        func item(_ recording: KaldiDataDirectory.Recording, id: String) -> CorpusItem {
            let path: String
            switch recording.audio {
            case .file(let file): path = file
            case .command: path = "\(data.directory)/wav.scp"
            }
            var item = CorpusItem(relativePath: recording.entry, id: id, path: path)
            item.audio = recording.audio
            item.recording = recording.id
            if let stated = data.durations[recording.id] {
                item.statedSeconds = CorpusItem.StatedDuration(seconds: stated.seconds, file: "\(data.directory)/reco2dur", line: stated.line)
            }
            return item
        }
        switch utterances {
        case .recordings:
            var regions: [String: [LabeledSegment]] = [:]
            var segmentSpeakers: [String: Set<String>] = [:]
            for segment in data.segments ?? [] {
                // -1 runs to the end: any end past the audio is cut there, uncounted.
                regions[segment.recording, default: []].append(
                    LabeledSegment(start: segment.start, end: segment.end ?? .infinity, label: "", line: segment.line))
                if let speaker = data.speakers[segment.id] { segmentSpeakers[segment.recording, default: []].insert(speaker) }
            }
            return data.recordings.map { recording in
                var item = item(recording, id: recording.id)
                if data.segments != nil {
                    let own = (regions[recording.id] ?? []).sorted { ($0.start, $0.line) < ($1.start, $1.line) }
                    item.regions = CorpusItem.Regions(segments: own, file: segmentsPath)
                }
                if let speaker = data.speakers[recording.id] {
                    item.speaker = speaker
                } else if let speakers = segmentSpeakers[recording.id], speakers.count == 1 {
                    item.speaker = speakers.first
                }
                return item
            }
        case .segments:
            guard let segments = data.segments else {
                throw InputError(data.directory, "--kaldi-utterances segments needs a segments file, and this data directory has none")
            }
            let byID = Dictionary(uniqueKeysWithValues: data.recordings.map { ($0.id, $0) })
            var items: [CorpusItem] = []
            for segment in segments {
                guard let recording = byID[segment.recording] else {
                    throw InputError(segmentsPath, line: segment.line, "recording \"\(segment.recording)\" is not in wav.scp")
                }
                var cut = item(recording, id: segment.id)
                cut.cut = CorpusItem.Cut(start: segment.start, end: segment.end, file: segmentsPath, line: segment.line)
                cut.speaker = data.speakers[segment.id]
                items.append(cut)
            }
            return items
        }
    }
}
