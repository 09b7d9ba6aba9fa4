"""Writes a labelled corpus directory as a Kaldi data directory and as Lhotse
manifests (with Lhotse's own API), the same audio and the same speech regions.

    python corpus_forms.py CORPUS_DIR OUT_DIR [--reference] [--by-hand]

Recordings are the audio files below CORPUS_DIR (ids: the path relative to
CORPUS_DIR without its extension, in byte order); their speech regions come
from the label file beside each (.txt/.lab/.tsv "start end [label]", or
.rttm), regions whose label is a non-speech one (vadprep's default list)
left out. Writes:

  OUT_DIR/kaldi/         wav.scp (absolute paths), segments, utt2spk, reco2dur
  OUT_DIR/lhotse/        recordings.jsonl.gz + supervisions.jsonl.gz, and
                         cuts.jsonl.gz (one MonoCut per recording)
  OUT_DIR/reference.json with --reference: per recording, Lhotse's duration
                         and its supervisions_feature_mask() at a 10 ms shift

Speakers are the recording's first directory (or the id when there is none).
--by-hand writes the same manifests without Lhotse (for a Python without it).
"""
import gzip
import json
import sys
from pathlib import Path

AUDIO = {".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif", ".sph"}
LABELS = [".rttm", ".frames", ".lab", ".tsv", ".txt"]
NON_SPEECH = {"nonspeech", "non-speech", "non_speech", "silence", "sil", "<sil>", "sp", "noise", "music", "ns", "0"}


def regions(audio):
    """The speech regions (start, end) of the label file beside `audio`."""
    for ext in LABELS:
        path = audio.with_suffix(ext)
        if not path.is_file():
            continue
        if ext == ".frames":
            sys.exit(f"corpus_forms: {path}: frame labels cannot become Kaldi segments or Lhotse supervisions")
        out = []
        for number, line in enumerate(path.read_text().splitlines(), 1):
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            try:
                if ext == ".rttm":
                    if fields[0] != "SPEAKER":
                        continue
                    start, end, label = float(fields[3]), float(fields[3]) + float(fields[4]), fields[7]
                else:
                    start, end = float(fields[0]), float(fields[1])
                    label = fields[2] if len(fields) > 2 else ""
            except (IndexError, ValueError):
                sys.exit(f"corpus_forms: {path}:{number}: cannot read \"{line}\"")
            if label.lower() not in NON_SPEECH:
                out.append((start, end))
        return sorted(out)
    sys.exit(f"corpus_forms: {audio}: no label file beside it")


def audio_info(path):
    """(channels, sample rate, samples) of an audio file, without Lhotse."""
    import wave
    try:
        with wave.open(str(path)) as w:
            return w.getnchannels(), w.getframerate(), w.getnframes()
    except (wave.Error, EOFError):
        pass
    try:
        import soundfile
        info = soundfile.info(str(path))
        return info.channels, info.samplerate, info.frames
    except ImportError:
        import subprocess
        values = [subprocess.run(["soxi", flag, str(path)], check=True, capture_output=True, text=True).stdout.strip()
                  for flag in ("-c", "-r", "-s")]
        return int(values[0]), int(float(values[1])), int(values[2])


def main(corpus_dir, out_dir, reference, by_hand):
    corpus, out = Path(corpus_dir).resolve(), Path(out_dir)
    files = sorted((p for p in corpus.rglob("*") if p.suffix.lower() in AUDIO and not p.name.startswith(".")),
                   key=lambda p: str(p.relative_to(corpus)).encode())
    if not files:
        sys.exit(f"corpus_forms: {corpus_dir}: no audio files")
    kaldi, manifests = out / "kaldi", out / "lhotse"
    kaldi.mkdir(parents=True, exist_ok=True)
    manifests.mkdir(parents=True, exist_ok=True)
    entries = []
    for path in files:
        rid = str(path.relative_to(corpus).with_suffix(""))
        speaker = rid.split("/")[0] if "/" in rid else rid
        entries.append((rid, path, speaker, regions(path)))

    if by_hand:
        recordings = []
        for rid, path, _, _ in entries:
            channels, rate, frames = audio_info(path)
            recordings.append({"id": rid, "sources": [{"type": "file", "channels": list(range(channels)), "source": str(path)}],
                               "sampling_rate": rate, "num_samples": frames,
                               "duration": frames / rate, "channel_ids": list(range(channels))})
    else:
        from lhotse import Recording
        recordings = [Recording.from_file(path, recording_id=rid) for rid, path, _, _ in entries]
    durations = {}
    supervisions = []
    for recording, (rid, _, speaker, spans) in zip(recordings, entries):
        durations[rid] = recording["duration"] if by_hand else recording.duration
        for n, (start, end) in enumerate(spans):
            supervisions.append({"id": f"{rid}-{n}", "recording_id": rid, "start": start, "duration": round(end - start, 6),
                                 "channel": 0, "speaker": speaker})

    with open(kaldi / "wav.scp", "w") as wav, open(kaldi / "segments", "w") as seg, \
            open(kaldi / "utt2spk", "w") as u2s, open(kaldi / "reco2dur", "w") as r2d:
        for rid, path, speaker, spans in entries:
            wav.write(f"{rid} {path}\n")
            r2d.write(f"{rid} {durations[rid]}\n")
            for n, (start, end) in enumerate(spans):
                seg.write(f"{rid}-{n} {rid} {start} {end}\n")
                u2s.write(f"{rid}-{n} {speaker}\n")

    if by_hand:
        def write(name, rows):
            with gzip.open(manifests / name, "wt") as f:
                for row in rows:
                    f.write(json.dumps(row) + "\n")
        write("recordings.jsonl.gz", recordings)
        write("supervisions.jsonl.gz", supervisions)
        by_recording = {}
        for s in supervisions:
            by_recording.setdefault(s["recording_id"], []).append(s)
        write("cuts.jsonl.gz", [{"id": r["id"], "start": 0, "duration": r["duration"], "channel": 0,
                                 "supervisions": by_recording.get(r["id"], []), "recording": r, "type": "MonoCut"}
                                for r in recordings])
        if reference:
            sys.exit("corpus_forms: --reference needs Lhotse")
        return

    from lhotse import CutSet, MonoCut, RecordingSet, SupervisionSegment, SupervisionSet
    from lhotse.cut.set import compute_supervisions_frame_mask
    segments = SupervisionSet.from_segments([SupervisionSegment(**s) for s in supervisions])
    RecordingSet.from_recordings(recordings).to_file(manifests / "recordings.jsonl.gz")
    segments.to_file(manifests / "supervisions.jsonl.gz")
    by_recording = {}
    for s in segments:
        by_recording.setdefault(s.recording_id, []).append(s)
    cuts = []
    for recording in recordings:
        own = by_recording.get(recording.id, [])
        cuts.append(MonoCut(id=recording.id, start=0, duration=recording.duration, channel=0, recording=recording,
                            supervisions=own))
    CutSet.from_cuts(cuts).to_file(manifests / "cuts.jsonl.gz")
    if reference:
        result = {}
        for cut in CutSet.from_file(manifests / "cuts.jsonl.gz"):
            mask = compute_supervisions_frame_mask(cut, frame_shift=0.01)
            result[cut.id] = {"duration": cut.duration, "mask": [int(v) for v in mask]}
        (out / "reference.json").write_text(json.dumps(result) + "\n")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    if len(args) != 2 or flags - {"--reference", "--by-hand"}:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(args[0], args[1], "--reference" in flags, "--by-hand" in flags)
