"""Reading vadprep segment datasets from PyTorch.

`VADSegments` is a torch Dataset over the shards of one segment dataset (the
train or valid directory `vadprep segment` writes); each item is a dict of
`features` [T, D] float32 (globally normalised with the index's statistics
unless normalize=False), `labels` [T] (0, 1; 255 unknown or padding) and
`mask` [T] (1 for frames that count). `collate_padded` stacks items of any
lengths into [B, T, D] / [B, T] / [B, T] with the mask marking real frames,
so fixed-length batches (the report's 51 segments of 300 frames) and
whole-utterance batches (batch size 1) are read the same way.
"""
from pathlib import Path

import numpy as np
import torch

from .dataset import DatasetError, load_shard, read_index


class VADSegments(torch.utils.data.Dataset):
    def __init__(self, directory, epoch=None, normalize=True):
        self.root = Path(directory)
        # Shard names plain, the index consistent, every shard's tensors as the
        # index says: raises DatasetError (a ValueError) naming the file otherwise.
        self.index = read_index(self.root)
        info = self.index.get("segments")
        if info is None:
            raise DatasetError(f"{directory}: is a {self.index.get('kind')} dataset; VADSegments reads what vadprep segment writes")
        self.fixed = info["layout"] == "fixed"
        self.shards = [load_shard(self.root, self.index, number)[0] for number in range(len(self.index["shards"]))]
        stats = self.index["statistics"]
        self.mean = np.asarray(stats["mean"], dtype=np.float32) if normalize else 0.0
        self.scale = 1.0 / np.maximum(np.asarray(stats["std"], dtype=np.float32), 1e-5) if normalize else 1.0
        # Rows of the requested epoch of random crops (all rows otherwise).
        self.rows = [(u["shard"], u["row"]) for u in self.index["utterances"]
                     if epoch is None or u.get("epoch", 0) == epoch]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        shard, row = self.rows[i]
        tensors = self.shards[shard]
        if self.fixed:
            features, labels = tensors["features"][row], tensors["labels"][row]
            mask = tensors["mask"][row] if "mask" in tensors else np.ones(len(labels), np.uint8)
        else:
            o = tensors["utterance_offsets"]
            features, labels = tensors["features"][o[row]:o[row + 1]], tensors["labels"][o[row]:o[row + 1]]
            mask = np.ones(len(labels), np.uint8)
        mask = mask * (labels != 255)  # unknown labels never count
        features = (features - self.mean) * self.scale
        return {"features": torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32)),
                "labels": torch.from_numpy(labels.astype(np.int64)),
                "mask": torch.from_numpy(mask.astype(np.bool_))}


def collate_padded(items):
    """Pads a list of items to the longest; padding has mask False."""
    length = max(len(item["labels"]) for item in items)
    dim = items[0]["features"].shape[1]
    features = torch.zeros(len(items), length, dim)
    labels = torch.zeros(len(items), length, dtype=torch.int64)
    mask = torch.zeros(len(items), length, dtype=torch.bool)
    for b, item in enumerate(items):
        n = len(item["labels"])
        features[b, :n], labels[b, :n], mask[b, :n] = item["features"], item["labels"], item["mask"]
    return {"features": features, "labels": labels, "mask": mask}
