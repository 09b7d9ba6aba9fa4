"""Scores VADs frame by frame on a vadprep features dataset: webrtcvad (mode 3),
Silero VAD (its ONNX model, run with onnxruntime) and vadprep's own predictions.

    python peer_vads.py DATASET --silero MODEL.onnx [--predictions DIR] [--name NAME]
                        [--json OUT] [--scores OUT.npz]
    python peer_vads.py --pool A.npz B.npz ...

DATASET is `vadprep extract CORPUS --raw-frames` of the test recordings:
its labels are the truth and its stored 16 kHz waveform is what every VAD
hears, so all are scored on exactly vadprep's frame grid (frame i is the
10 ms around its centre). A peer's decision for a frame is that of its own
frame (30 ms for webrtcvad, 512 samples for Silero) containing the centre.
Frames labelled unknown are not scored. Prints a Markdown table and, when
the recordings are augmented copies (`extract --noise`), a second one of F1
and ROC AUC per noise kind (the noise file's folder), and how fast Silero ran
(one thread, × real time). --scores keeps every frame's truth and scores, so
that `--pool` can score several test sets as one.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import onnxruntime
import webrtcvad
from safetensors.numpy import load_file


def utterances(directory):
    """(index entry, signal int16-scale float32, labels uint8, frame centres) per utterance."""
    root = Path(directory)
    index = json.loads((root / "index.json").read_text())
    frame = index["options"]["mfcc"]["frame"]
    rate = index["sample_rate"]
    shift = int(rate * frame["frame_shift_ms"] / 1000)
    length = int(rate * frame["frame_length_ms"] / 1000)
    raw = index["raw_frames"]
    if raw is None:
        raise SystemExit(f"peer_vads: {directory}: extract the test corpus with --raw-frames (the peers need the waveform)")
    loaded = {}
    for u in index["utterances"]:
        if u["shard"] not in loaded:
            loaded = {u["shard"]: load_file(str(root / index["shards"][u["shard"]]["file"]))}
        t = loaded[u["shard"]]
        row = u["row"]
        labels = t["labels"][t["utterance_offsets"][row]:t["utterance_offsets"][row + 1]]
        start = t["waveform_offsets"][row] + raw["left_padding"]
        samples = int(round(u["duration_seconds"] * rate))
        signal = t["waveform"][start:start + samples].astype(np.float32)  # stored int16 or float32
        i = np.arange(len(labels))
        centres = i * shift + (length // 2 if frame["snip_edges"] else shift // 2)
        yield u, signal, labels, centres


def webrtc_scores(signal, centres, mode=3, ms=30):
    vad = webrtcvad.Vad(mode)
    step = 16 * ms
    pcm = np.clip(np.round(signal), -32768, 32767).astype("<i2")
    decisions = [1.0 if vad.is_speech(pcm[j:j + step].tobytes(), 16000) else 0.0
                 for j in range(0, len(pcm) - step + 1, step)] or [0.0]
    return np.asarray(decisions)[np.minimum(centres // step, len(decisions) - 1)]


class Silero:
    """Silero VAD v5+ on 16 kHz: 512-sample chunks, each preceded by the last
    64 samples of the previous one, with a recurrent state of [2, 1, 128]."""

    def __init__(self, path):
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])

    def scores(self, signal, centres):
        x = (signal / 32768.0).astype(np.float32)
        state = np.zeros((2, 1, 128), dtype=np.float32)
        context = np.zeros((1, 64), dtype=np.float32)
        probabilities = []
        for j in range(0, len(x), 512):
            chunk = np.zeros((1, 512), dtype=np.float32)
            piece = x[j:j + 512]
            chunk[0, :len(piece)] = piece
            inputs = np.concatenate([context, chunk], axis=1)
            out, state = self.session.run(None, {"input": inputs, "state": state, "sr": np.array(16000, dtype=np.int64)})
            probabilities.append(float(out[0][0]))
            context = inputs[:, -64:]
        probabilities = np.asarray(probabilities or [0.0])
        return probabilities[np.minimum(centres // 512, len(probabilities) - 1)]


def metrics(scores, labels):
    """Accuracy, precision, recall, F1 at 0.5 and exact ROC AUC (ties count half)."""
    predicted = scores >= 0.5
    truth = labels == 1
    tp = int(np.sum(predicted & truth)); fp = int(np.sum(predicted & ~truth))
    fn = int(np.sum(~predicted & truth)); tn = int(np.sum(~predicted & ~truth))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # Mann-Whitney U with average ranks for ties.
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    for f, c in zip(first, counts):
        ranks[order[f:f + c]] = f + (c + 1) / 2
    positives, negatives = int(truth.sum()), int((~truth).sum())
    auc = (ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives) if positives and negatives else 0.5
    return {"frames": len(labels), "accuracy": (tp + tn) / len(labels), "precision": precision, "recall": recall,
            "f1": f1, "roc_auc": auc}


def noise_kind(utterance):
    """The folder of the noise file an augmented copy was mixed with, or None."""
    noise = (utterance.get("augmentation") or {}).get("noise")
    return Path(noise["file"]).parts[0] if noise else None


def print_table(results):
    print("| system | frames | accuracy | precision | recall | F1 | ROC AUC |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, m in results.items():
        print(f"| {name} | {m['frames']} | {100 * m['accuracy']:.2f} % | {100 * m['precision']:.2f} % | "
              f"{100 * m['recall']:.2f} % | {m['f1']:.4f} | {m['roc_auc']:.4f} |")
    print("(webrtcvad gives yes/no decisions only, so its ROC AUC is its balanced accuracy.)")


def pool(paths):
    """Scores the frames of several --scores files as one test set."""
    labels, systems = [], {}
    for path in paths:
        with np.load(path, allow_pickle=False) as z:
            names = [str(n) for n in z["names"]]
            if systems and list(systems) != names:
                raise SystemExit(f"peer_vads: {path}: systems {names} differ from {list(systems)}")
            labels.append(z["labels"])
            for i, name in enumerate(names):
                systems.setdefault(name, []).append(z[f"scores{i}"])
    truth = np.concatenate(labels)
    print_table({name: metrics(np.concatenate(parts).astype(np.float64), truth) for name, parts in systems.items()})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", nargs="?")
    parser.add_argument("--silero", help="silero_vad.onnx")
    parser.add_argument("--predictions", help="vadprep predict output directory (STEM.npy per recording)")
    parser.add_argument("--name", default="vadprep", help="name of the predictions in the table")
    parser.add_argument("--json", help="write the results here as JSON")
    parser.add_argument("--scores", help="write every scored frame's label and scores here (.npz), for --pool")
    parser.add_argument("--pool", nargs="+", metavar="NPZ", help="score the frames of these --scores files as one set")
    args = parser.parse_args()
    if args.pool:
        return pool(args.pool)
    if not args.dataset or not args.silero:
        parser.error("DATASET and --silero are required (or --pool)")

    silero = Silero(args.silero)
    systems = {"webrtcvad (mode 3, 30 ms)": [], "Silero VAD (ONNX)": []}
    if args.predictions:
        systems[args.name] = []
    truth, groups = [], []
    silero_seconds = audio_seconds = 0.0
    for utterance, signal, labels, centres in utterances(args.dataset):
        uid = utterance["id"]
        keep = labels <= 1
        truth.append(labels[keep])
        groups.append(np.full(int(keep.sum()), noise_kind(utterance) or "none", dtype=object))
        systems["webrtcvad (mode 3, 30 ms)"].append(webrtc_scores(signal, centres)[keep])
        started = time.perf_counter()
        systems["Silero VAD (ONNX)"].append(silero.scores(signal, centres)[keep])
        silero_seconds += time.perf_counter() - started
        audio_seconds += len(signal) / 16000
        if args.predictions:
            ours = np.load(Path(args.predictions) / f"{Path(uid).name}.npy")
            if len(ours) != len(labels):
                raise SystemExit(f"peer_vads: {uid}: {len(ours)} predictions for {len(labels)} frames")
            systems[args.name].append(ours.astype(np.float64)[keep])
    labels = np.concatenate(truth)
    results = {name: metrics(np.concatenate(parts).astype(np.float64), labels) for name, parts in systems.items()}
    print_table(results)
    group = np.concatenate(groups)
    noises = sorted(set(group))
    if noises != ["none"]:
        per_noise = {name: {} for name in systems}
        for name, parts in systems.items():
            scores = np.concatenate(parts).astype(np.float64)
            for noise in noises:
                chosen = group == noise
                per_noise[name][noise] = metrics(scores[chosen], labels[chosen])
        print()
        print("| system | " + " | ".join(f"{noise} F1 / AUC" for noise in noises) + " |")
        print("| --- |" + " --- |" * len(noises))
        for name in systems:
            print(f"| {name} | " + " | ".join(f"{per_noise[name][n]['f1']:.4f} / {per_noise[name][n]['roc_auc']:.4f}"
                                              for n in noises) + " |")
        for name in systems:
            results[name]["per_noise"] = per_noise[name]
    speed = audio_seconds / silero_seconds if silero_seconds else float("nan")
    print(f"\nSilero VAD (ONNX, one thread, chunk by chunk from Python): {audio_seconds:.1f} s of audio in "
          f"{silero_seconds:.2f} s, {speed:.0f} x real time")
    results["Silero VAD (ONNX)"]["real_time_factor"] = speed
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    if args.scores:
        names = list(systems)
        np.savez(args.scores, labels=labels, names=np.array(names),
                 **{f"scores{i}": np.concatenate(systems[n]).astype(np.float32) for i, n in enumerate(names)})


if __name__ == "__main__":
    main()
