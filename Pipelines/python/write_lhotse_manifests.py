"""Writes Lhotse manifests for a corpus with Lhotse's own API, and what Lhotse reads back.

    python write_lhotse_manifests.py CORPUS_DIR OUT_DIR

For every audio file under CORPUS_DIR (ids: the path relative to CORPUS_DIR,
without its extension) it writes, in OUT_DIR:

  recordings.jsonl.gz    Recording.from_file
  supervisions.jsonl.gz  two SupervisionSegments per recording, at fixed fractions
                         of its duration, speaker "spk-N"; a multi-channel
                         recording's second one lists all its channels
  cuts.jsonl.gz          CutSet.from_manifests over the single-channel recordings
                         (MonoCuts)
  cuts-all.jsonl         the same over every recording, uncompressed (a
                         multi-channel recording gives a MultiCut)
  expected.json          the manifests as Lhotse loads them again (load_manifest):
                         ids, durations, sample counts, regions, in file order

The vadprep tests parse the manifests with their own reader and compare to
expected.json.
"""
import json
import sys
from pathlib import Path

from lhotse import CutSet, Recording, RecordingSet, SupervisionSegment, SupervisionSet, load_manifest

AUDIO = {".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif"}


def recording_dict(r):
    return {"id": r.id, "sampling_rate": r.sampling_rate, "num_samples": r.num_samples, "duration": r.duration,
            "channel_ids": list(r.channel_ids),
            "sources": [{"type": s.type, "channels": list(s.channels), "source": s.source} for s in r.sources]}


def supervision_dict(s):
    channel = s.channel if isinstance(s.channel, list) else [s.channel]
    return {"id": s.id, "recording_id": s.recording_id, "start": s.start, "duration": s.duration, "end": s.end,
            "channels": channel, "speaker": s.speaker}


def main(corpus_dir, out_dir):
    corpus, out = Path(corpus_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in corpus.rglob("*") if p.suffix.lower() in AUDIO)
    recordings = [Recording.from_file(p, recording_id=str(p.relative_to(corpus).with_suffix(""))) for p in files]
    supervisions = []
    for n, r in enumerate(recordings):
        supervisions.append(SupervisionSegment(id=f"{r.id}-a", recording_id=r.id, start=round(0.1 * r.duration, 3),
                                               duration=round(0.3 * r.duration, 3), channel=0, speaker=f"spk-{n}"))
        channel = list(r.channel_ids) if len(r.channel_ids) > 1 else r.channel_ids[0]
        supervisions.append(SupervisionSegment(id=f"{r.id}-b", recording_id=r.id, start=round(0.55 * r.duration, 3),
                                               duration=round(0.25 * r.duration, 3), channel=channel, speaker=f"spk-{n}"))
    recording_set = RecordingSet.from_recordings(recordings)
    supervision_set = SupervisionSet.from_segments(supervisions)
    recording_set.to_file(out / "recordings.jsonl.gz")
    supervision_set.to_file(out / "supervisions.jsonl.gz")
    mono = RecordingSet.from_recordings([r for r in recordings if len(r.channel_ids) == 1])
    CutSet.from_manifests(recordings=mono, supervisions=supervision_set.filter(lambda s: s.recording_id in mono)) \
        .to_file(out / "cuts.jsonl.gz")
    CutSet.from_manifests(recordings=recording_set, supervisions=supervision_set).to_file(out / "cuts-all.jsonl")

    cuts = load_manifest(out / "cuts.jsonl.gz")
    expected = {
        "recordings": [recording_dict(r) for r in load_manifest(out / "recordings.jsonl.gz")],
        "supervisions": [supervision_dict(s) for s in load_manifest(out / "supervisions.jsonl.gz")],
        "cuts": [{"id": c.id, "start": c.start, "duration": c.duration, "channel": c.channel, "recording_id": c.recording.id,
                  "supervisions": [supervision_dict(s) for s in c.supervisions]} for c in cuts],
        "all_cut_types": [type(c).__name__ for c in load_manifest(out / "cuts-all.jsonl")],
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
