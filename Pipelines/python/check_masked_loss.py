"""Checks the PyTorch module's padding mask against vadprep's: the masked
loss of a padded segments dataset in PyTorch is `vadprep eval`'s.

    python check_masked_loss.py RUN SEGMENTS EVAL_JSON

SEGMENTS is a fixed-length segments dataset with padding (a mask); EVAL_JSON
is what `vadprep eval RUN SEGMENTS --json` printed. The loss is the mean BCE
(or CE) over real frames with a known label, the network run with the mask
(`model(x, mask=...)`); it must be eval's within 1e-5. For a bidirectional
model the mask must matter (the unmasked loss differs), or the check would
prove nothing. Exits 1 on a failed check.
"""
import json
import sys

import numpy as np
import torch

import vadprep

TOLERANCE = 1e-5


def fail(message):
    print(f"check_masked_loss: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def segments(directory, index, model):
    """(inputs [rows, T, D], labels [rows, T], padding mask [rows, T]) of every shard."""
    raw = index.get("raw_frames")
    frames = index["segments"]["frames"]
    for number in range(len(index["shards"])):
        tensors, _ = vadprep.load_shard(directory, index, number)
        labels = tensors["labels"]
        mask = tensors["mask"] if "mask" in tensors else np.ones_like(labels)
        if model.config.uses_raw_frames:
            starts = raw["first"] + raw["hop"] * np.arange(frames)
            positions = starts[:, None] + np.arange(raw["length"])[None, :]
            x = tensors["waveform"][:, positions]  # [rows, T, L]: inside each stored segment
        else:
            x = tensors["features"]
        yield x, labels, mask


def mean_loss(module, config, batches, masked):
    total, counted = 0.0, 0
    for x, labels, mask in batches:
        with torch.no_grad():
            z, _ = module.logits(torch.from_numpy(np.ascontiguousarray(x)),
                                 mask=torch.from_numpy(mask.astype(np.float32)) if masked else None)
        z = z.double().numpy()
        keep = (mask == 1) & (labels <= 1)
        y = labels[keep].astype(np.int64)
        z = z[keep]
        if config.outputs == 1:
            losses = np.logaddexp(0, z[:, 0]) - y * z[:, 0]
        else:
            losses = np.logaddexp(z[:, 0], z[:, 1]) - z[np.arange(len(y)), y]
        total += float(losses.sum())
        counted += int(keep.sum())
    return total / max(counted, 1), counted


def main(run, directory, eval_json):
    try:
        model = vadprep.read_model(run)
        index = vadprep.read_index(directory)
        with open(eval_json) as f:
            metrics = json.load(f)
    except (ValueError, OSError) as error:
        fail(str(error))
    info = index.get("segments") or {}
    if info.get("layout") != "fixed" or not info.get("masked"):
        fail(f"{directory}: is not a fixed-length segments dataset with padding")
    module = vadprep.load_model(run)
    batches = list(segments(directory, index, model))
    loss, counted = mean_loss(module, model.config, batches, masked=True)
    if counted != metrics["frames"]:
        fail(f"{directory}: {counted} frames counted, eval counted {metrics['frames']}")
    if not abs(loss - metrics["loss"]) <= TOLERANCE:
        fail(f"{directory}: masked loss {loss:.7f} in PyTorch, {metrics['loss']:.7f} in vadprep eval")
    unmasked, _ = mean_loss(module, model.config, batches, masked=False)
    if model.config.kind == "blstm" and not abs(unmasked - metrics["loss"]) > TOLERANCE:
        fail(f"{directory}: the loss without the mask is eval's too; the padding does not test the mask")
    print(f"check_masked_loss: {model.config.kind}: {counted} frames, loss {loss:.7f} (eval {metrics['loss']:.7f}, "
          f"unmasked {unmasked:.7f})")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("usage: python check_masked_loss.py RUN SEGMENTS EVAL_JSON", file=sys.stderr)
        sys.exit(64)
    main(*sys.argv[1:])
