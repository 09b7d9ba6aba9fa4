import VADShards

/// The utterances of a Lhotse manifest: a recordings manifest (with its
/// supervisions manifest) or a cuts manifest of `MonoCut`s.
///
/// - A recording is one utterance, its id the recording id; its supervisions
///   are its speech regions, and a recording without any is all non-speech.
/// - A cut is an utterance cut from its recording, its id the cut id; its
///   supervisions (on the cut's timeline) are its speech regions.
///
/// Utterances are extracted in byte order of their ids, as a Kaldi data
/// directory's are, whatever the order of the manifest's lines. A source
/// path is used as written: a relative one is relative to the current
/// directory, as Lhotse resolves it. A manifest that cannot be read (a broken
/// line, a duplicate id, a field of the wrong type, a truncated gzip) stops
/// the whole input; a recording whose audio is missing or whose command fails
/// is that utterance's failure only.
enum LhotseSource {
    struct Listing {
        var items: [CorpusItem]
        var manifests: [(path: String, name: String)]
        /// Ids of the recordings that have no supervisions.
        var unsupervised: Set<String>
    }

    static func read(_ input: String, supervisionsPath: String?, allowCommands: Bool, channel: Int?) throws(InputError) -> Listing {
        func inputError(_ error: LhotseError) -> InputError {
            InputError(error.path, line: error.line, error.message + " (the manifest cannot be read, so nothing is extracted)")
        }
        if FileSystem.isDirectory(input) { throw InputError(input, "is a directory, not a Lhotse manifest (.jsonl or .jsonl.gz)") }
        let bytes: [UInt8]
        let content: LhotseManifest.Content?
        do throws(LhotseError) {
            bytes = try LhotseManifest.contents(of: input)
            content = try LhotseManifest.content(of: bytes, path: input)
        } catch { throw inputError(error) }
        guard let content else { throw InputError(input, "holds no recordings or cuts") }
        switch content {
        case .supervisions:
            throw InputError(input, "is a supervisions manifest; give the recordings manifest as the input and this one with --supervisions")
        case .cuts:
            if let supervisionsPath {
                throw InputError(supervisionsPath, "--supervisions goes with a recordings manifest; the cuts of \(input) carry their own supervisions")
            }
            let cuts: [LhotseCut]
            do throws(LhotseError) { cuts = try LhotseManifest.parseCuts(bytes, path: input) } catch { throw inputError(error) }
            var items: [CorpusItem] = []
            for cut in cuts {
                var item = try self.item(cut.recording, id: cut.id, manifest: input, allowCommands: allowCommands)
                let end = cut.start + cut.duration
                item.cut = CorpusItem.Cut(start: cut.start, end: end, file: input, line: cut.line)
                if cut.recording.channelIDs.count > 1 { item.channel = cut.channel + 1 }
                // Supervisions may reach outside their cut (Lhotse keeps them whole):
                // the part inside is speech. One running on past the cut's end,
                // within the recording, is not an overshoot.
                let regions = cut.supervisions.map { supervision -> LabeledSegment in
                    let runsOn = supervision.end >= cut.duration && cut.start + supervision.end <= cut.recording.duration
                    return LabeledSegment(start: max(supervision.start, 0), end: runsOn ? .infinity : supervision.end, label: "", line: supervision.line)
                }
                item.regions = CorpusItem.Regions(segments: regions.sorted { $0.start < $1.start }, file: input)
                item.speaker = onlySpeaker(cut.supervisions)
                items.append(item)
            }
            return Listing(items: sorted(items), manifests: [(input, fileName(input))], unsupervised: [])
        case .recordings:
            guard let supervisionsPath else {
                throw InputError(input, "is a recordings manifest: give its supervisions (the speech regions) with --supervisions FILE")
            }
            let recordings: [LhotseRecording], supervisions: [LhotseSupervision]
            do throws(LhotseError) {
                recordings = try LhotseManifest.parseRecordings(bytes, path: input)
                supervisions = try LhotseManifest.readSupervisions(supervisionsPath, recordings: recordings)
            } catch { throw inputError(error) }
            var byRecording: [String: [LhotseSupervision]] = [:]
            for supervision in supervisions { byRecording[supervision.recordingID, default: []].append(supervision) }
            var items: [CorpusItem] = []
            var unsupervised: Set<String> = []
            for recording in recordings {
                var item = try self.item(recording, id: recording.id, manifest: input, allowCommands: allowCommands)
                var own = byRecording[recording.id] ?? []
                if own.isEmpty { unsupervised.insert(recording.id) }
                // With --channel on a multi-channel recording, only that channel's supervisions.
                if let channel, recording.channelIDs.count > 1 { own = own.filter { $0.channels.contains(channel - 1) } }
                item.regions = CorpusItem.Regions(
                    segments: own.map { LabeledSegment(start: max($0.start, 0), end: $0.end, label: "", line: $0.line) }
                        .sorted { ($0.start, $0.line) < ($1.start, $1.line) },
                    file: supervisionsPath)
                item.speaker = onlySpeaker(own)
                item.statedSeconds = CorpusItem.StatedDuration(seconds: recording.duration, file: input, line: recording.line)
                items.append(item)
            }
            return Listing(items: sorted(items), manifests: [(input, fileName(input)), (supervisionsPath, fileName(supervisionsPath))],
                           unsupervised: unsupervised)
        }
    }

    /// An utterance reading `recording`'s audio.
    private static func item(_ recording: LhotseRecording, id: String, manifest: String, allowCommands: Bool) throws(InputError) -> CorpusItem {
        guard recording.sources.count == 1, let source = recording.sources.first else {
            throw InputError(manifest, line: recording.line, "recording \"\(recording.id)\" has \(recording.sources.count) audio sources (one per channel); vadprep reads recordings with one source")
        }
        var item: CorpusItem
        switch source.kind {
        case .file:
            item = CorpusItem(relativePath: source.source, id: id, path: source.source)
            item.listedAt = CorpusItem.Location(file: manifest, line: recording.line)
        case .command:
            guard allowCommands else {
                throw InputError(manifest, line: recording.line, "recording \"\(recording.id)\" is read through a command (\"\(source.source)\"); running commands named in a manifest needs --allow-commands")
            }
            item = CorpusItem(relativePath: source.source, id: id, path: manifest)
            item.audio = .command(source.source, file: manifest, line: recording.line)
        }
        item.recording = recording.id
        return item
    }

    /// The speaker all of `supervisions` name, when they name one and the same.
    private static func onlySpeaker(_ supervisions: [LhotseSupervision]) -> String? {
        let speakers = Set(supervisions.map(\.speaker))
        guard speakers.count == 1, let speaker = speakers.first else { return nil }
        return speaker
    }

    private static func sorted(_ items: [CorpusItem]) -> [CorpusItem] {
        items.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
    }

    private static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
