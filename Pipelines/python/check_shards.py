"""Reads a vadprep dataset with numpy and safetensors alone and checks it.

    python check_shards.py DATASET_DIR

What a Python user relies on, checked from the outside: every shard loads
with safetensors.numpy.load_file and hashes to the SHA-256 in index.json; the
utterance ids in each shard's metadata, the offsets and the shapes agree with
the index; raw-waveform frames are a strided view of the stored waveform,
centred on the MFCC frames; the global statistics in the index are those of
the features. Exits 1 on the first failed check.
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided
from safetensors import safe_open
from safetensors.numpy import load_file

from vadprep.dataset import DatasetError, load_shard, read_index

passed = 0


def check(condition, message):
    global passed
    if not condition:
        print(f"check_shards: FAILED: {message}", file=sys.stderr)
        sys.exit(1)
    passed += 1


def main(directory):
    root = Path(directory)
    try:
        index = read_index(root)  # shard names plain, the index consistent with itself
    except DatasetError as error:
        check(False, str(error))
    check(index["format"] == "vadprep-dataset", "index format")
    dim = index["feature_dim"]
    all_features = []
    by_shard = {}
    for u in index["utterances"]:
        by_shard.setdefault(u["shard"], []).append(u)

    for number, shard in enumerate(index["shards"]):
        path = root / shard["file"]
        check(hashlib.sha256(path.read_bytes()).hexdigest() == shard["sha256"], f"{path}: sha256")
        try:
            load_shard(root, index, number)  # dtypes, shapes and offsets against the index
        except DatasetError as error:
            check(False, str(error))
        tensors = load_file(str(path))
        with safe_open(str(path), framework="np") as f:
            metadata = f.metadata()
        members = by_shard.get(number, [])
        check(json.loads(metadata["utterances"]) == [u["id"] for u in members], f"{path}: utterance ids")
        offsets = tensors["utterance_offsets"]
        check(offsets.dtype == np.int64 and list(np.diff(offsets)) == [u["frames"] for u in members], f"{path}: offsets")
        features, labels = tensors["features"], tensors["labels"]
        check(features.dtype == np.float32 and features.shape == (shard["frames"], dim), f"{path}: features shape")
        check(labels.dtype == np.uint8 and labels.shape == (shard["frames"],), f"{path}: labels shape")
        check(set(np.unique(labels)) <= {0, 1, 255}, f"{path}: label values")
        for row, u in enumerate(members):
            frames = labels[offsets[row]:offsets[row + 1]]
            if u["speech_fraction"] is not None:
                check(abs(float(np.mean(frames == 1)) - u["speech_fraction"]) < 1e-9, f"{u['id']}: speech fraction")
        all_features.append(features.astype(np.float64))

        raw = index.get("raw_frames")
        if raw:
            waveform, woffsets = tensors["waveform"], tensors["waveform_offsets"]
            shift = raw["hop"]
            frame_options = index["options"]["mfcc"]["frame"]
            length = int(index["sample_rate"] * 0.001 * frame_options["frame_length_ms"])
            for row, u in enumerate(members):
                w = waveform[woffsets[row]:woffsets[row + 1]]
                view = as_strided(w[raw["first"]:], shape=(u["frames"], raw["length"]),
                                  strides=(shift * w.itemsize, w.itemsize), writeable=False)
                check(view.shape == (u["frames"], raw["length"]) and view[-1, -1] == w[raw["first"] + (u["frames"] - 1) * shift + raw["length"] - 1],
                      f"{u['id']}: raw frames fit in the stored waveform")
                # The middle sample of raw frame i is the signal sample at the MFCC frame's centre.
                i = np.arange(u["frames"])
                first = i * shift if frame_options["snip_edges"] else i * shift + shift // 2 - length // 2
                centre_in_signal = first + length // 2
                centre_in_stored = raw["first"] + i * shift + raw["length"] // 2
                check(np.array_equal(centre_in_stored - raw["left_padding"], centre_in_signal), f"{u['id']}: raw frames centred")

    features = np.concatenate(all_features)
    stats = index["statistics"]
    check(stats["frames"] == features.shape[0], "statistics frame count")
    check(np.allclose(features.mean(axis=0), stats["mean"], rtol=1e-6, atol=1e-6), "statistics mean")
    check(np.allclose(features.std(axis=0), stats["std"], rtol=1e-5, atol=1e-5), "statistics std")

    # The README's loading snippet, run as written there (with this dataset's path).
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    snippet = readme.split("<!-- snippet:load -->", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    snippet = snippet.replace("demo-output/features", str(root))
    scope = {}
    exec(snippet, scope)
    first = index["utterances"][0]
    check(scope["x"].shape == (first["frames"], dim) and scope["y"].shape == (first["frames"],)
          and scope["ids"][0] == first["id"], "README snippet")

    print(f"check_shards: {passed} passed, 0 failed")


if __name__ == "__main__":
    main(sys.argv[1])
