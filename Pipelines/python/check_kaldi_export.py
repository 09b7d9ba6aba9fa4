"""Checks a `vadprep export --kaldi` directory against its dataset, from the outside.

    python check_kaldi_export.py DATASET_DIR KALDI_DIR

The dataset is read with safetensors alone, the Kaldi files with kaldiio
(both through the scp files, which seek into the archives, and by reading
each archive from start to end). Every utterance's feature matrix must equal
the dataset's float32 rows bit for bit and its int32 label vector the
dataset's labels; keys, their order (bytes, as `LC_ALL=C sort`) and
utt2num_frames must match the index. Prints one summary line; exits 1 on the
first failed check.
"""
import json
import sys
from pathlib import Path

import kaldiio
import numpy as np
from safetensors.numpy import load_file


def fail(message):
    print(f"check_kaldi_export: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def expected_rows(dataset):
    """(key, features, labels) per row of the dataset, keys as the export names them."""
    index = json.loads((dataset / "index.json").read_text())
    shards = [load_file(dataset / shard["file"]) for shard in index["shards"]]
    records = index["utterances"]
    counts = {}
    for record in records:
        counts[record["id"]] = counts.get(record["id"], 0) + 1
    segments = index.get("segments")
    suffixed = segments is not None and any(n > 1 for n in counts.values())
    rows = []
    for record in records:
        tensors = shards[record["shard"]]
        offsets = tensors["utterance_offsets"]
        first, end = int(offsets[record["row"]]), int(offsets[record["row"] + 1])
        key = record["id"]
        if suffixed:
            start = record.get("start_frame") or 0
            key += f"-{start:07d}-{start + record['frames']:07d}"
            if segments["epochs"] > 1 and record.get("epoch") is not None:
                key += f"-e{record['epoch']}"
        rows.append((key, tensors["features"][first:end], tensors["labels"][first:end]))
    return rows


def main(dataset_dir, kaldi_dir):
    dataset, kaldi = Path(dataset_dir), Path(kaldi_dir)
    rows = expected_rows(dataset)
    keys = sorted((key for key, _, _ in rows), key=lambda k: k.encode("utf-8"))
    by_key = {key: (features, labels) for key, features, labels in rows}
    if len(by_key) != len(rows):
        fail("duplicate keys in the dataset")

    feats_scp = kaldiio.load_scp(str(kaldi / "feats.scp"))
    labels_scp = kaldiio.load_scp(str(kaldi / "labels.scp"))
    for name, table in (("feats.scp", feats_scp), ("labels.scp", labels_scp)):
        if list(table.keys()) != keys:
            fail(f"{name} keys are not the dataset's ids in byte order")
    streamed_feats = list(kaldiio.load_ark(str(kaldi / "feats.ark")))
    streamed_labels = list(kaldiio.load_ark(str(kaldi / "labels.ark")))
    if [k for k, _ in streamed_feats] != keys or [k for k, _ in streamed_labels] != keys:
        fail("archive keys are not the dataset's ids in byte order")

    frames = 0
    for key, (streamed_f, streamed_l) in zip(keys, zip(streamed_feats, streamed_labels)):
        features, labels = by_key[key]
        for source, matrix in (("feats.scp", feats_scp[key]), ("feats.ark", streamed_f[1])):
            if matrix.dtype != np.float32 or matrix.shape != features.shape and not (features.shape[0] == 0 and matrix.size == 0):
                fail(f"{source} {key}: {matrix.dtype} {matrix.shape}, expected float32 {features.shape}")
            if not np.array_equal(matrix.view(np.uint32), features.view(np.uint32)):
                fail(f"{source} {key}: features differ from the dataset")
        for source, vector in (("labels.scp", labels_scp[key]), ("labels.ark", streamed_l[1])):
            vector = np.asarray(vector)
            if vector.shape != labels.shape or not np.array_equal(vector.astype(np.int64), labels.astype(np.int64)):
                fail(f"{source} {key}: labels differ from the dataset")
        frames += features.shape[0]

    lines = (kaldi / "utt2num_frames").read_text().splitlines()
    if lines != [f"{key} {by_key[key][0].shape[0]}" for key in keys]:
        fail("utt2num_frames does not list each utterance's frames in key order")
    print(f"check_kaldi_export: {len(keys)} utterances, {frames} frames: features and labels equal the dataset's")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
