"""Checks that two vadprep features datasets hold the same utterances with
the same bytes, whatever their sharding: the same ids in the same order, and
for each utterance identical features, labels and (when present) waveform.

    python compare_datasets.py DATASET_A DATASET_B

Prints one line and exits 0 when they agree; names the first difference and
exits 1 otherwise. Used to check a merged multi-machine extraction against a
single-machine run.
"""
import sys
from itertools import zip_longest
from pathlib import Path

from vadprep_dataset import DatasetError, load_shard, read_index


def utterances(directory):
    """(id, {tensor: bytes}) for every utterance, in index order."""
    root = Path(directory)
    try:
        index = read_index(root)
    except DatasetError as error:
        sys.exit(f"compare_datasets: {error}")
    shards = {}
    for u in index["utterances"]:
        number = u["shard"]
        if number not in shards:
            try:
                shards = {number: load_shard(root, index, number)[0]}
            except DatasetError as error:
                sys.exit(f"compare_datasets: {error}")
        t = shards[number]
        row = u["row"]
        first, end = t["utterance_offsets"][row], t["utterance_offsets"][row + 1]
        data = {"tensor names": sorted(t), "features": t["features"][first:end].tobytes(),
                "labels": t["labels"][first:end].tobytes()}
        if "waveform" in t:
            a, b = t["waveform_offsets"][row], t["waveform_offsets"][row + 1]
            data["waveform"] = (str(t["waveform"].dtype), t["waveform"][a:b].tobytes())
        yield u["id"], data


def main(a, b):
    count = 0
    # zip_longest, not zip: zip drops the item it drew from A when B runs out.
    for left, right in zip_longest(utterances(a), utterances(b)):
        if left is None or right is None:
            longer, shorter, extra = (b, a, right) if left is None else (a, b, left)
            sys.exit(f"compare_datasets: {longer} has more utterances than {shorter}: "
                     f"{count} in common, then {extra[0]}")
        (id_a, data_a), (id_b, data_b) = left, right
        if id_a != id_b:
            sys.exit(f"compare_datasets: utterance {count}: {a} has {id_a}, {b} has {id_b}")
        for name in sorted(set(data_a) | set(data_b)):
            if data_a.get(name) != data_b.get(name):
                sys.exit(f"compare_datasets: {id_a}: {name} differ between {a} and {b}")
        count += 1
    print(f"compare_datasets: {a} and {b} hold the same {count} utterances, byte for byte")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
