"""Opening a vadprep dataset from Python without trusting it.

A dataset is untrusted input: its SHA-256s detect damage, not tampering
(anyone can edit a file and recompute them). These are the structural checks
vadprep's own readers make (DatasetChecker), for the Python readers in this
folder: shard names are plain files inside the dataset, the index agrees with
itself, and each shard's tensors have the dtypes, shapes and offsets the index
implies. A failed check raises DatasetError naming the file and, where one is
at fault, the utterance and row.

    index = read_index(directory)
    for number in range(len(index["shards"])):
        tensors, ids = load_shard(directory, index, number)

A shard's `waveform` (with raw frames) is int16 or float32, on Kaldi's int16
scale either way (`waveform_dtype(index, number)` says which; format version 1
stored float32 only). Raw frames are a strided view of either:
`as_strided(w[first:], (frames, length), (hop * w.itemsize, w.itemsize))`.
"""
import hashlib
import json
from pathlib import Path

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


class DatasetError(ValueError):
    """A dataset that cannot be read as it claims to be."""


def shard_name_problem(name):
    """Why `name` cannot be a shard's file name, or None when it can."""
    if not isinstance(name, str) or not name:
        return "which is empty"
    if "/" in name or "\\" in name:
        return "which contains a path separator"
    if name.startswith("."):
        return "which is hidden or a relative path"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "which contains a control character"
    if not name.endswith(".safetensors") or name == ".safetensors":
        return "which does not end in .safetensors"
    return None


def _count(value, what, path):
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise DatasetError(f"{path}: {what} is {value!r}, not a count")
    return value


def read_index(directory):
    """The index of `directory`, checked against itself."""
    root = Path(directory)
    path = root / "index.json"
    if not path.is_file():
        raise DatasetError(f"{directory}: not a vadprep dataset (no index.json)")
    try:
        index = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise DatasetError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(index, dict) or index.get("format") != "vadprep-dataset":
        raise DatasetError(f"{path}: not a vadprep dataset index")
    dim = _count(index.get("feature_dim"), "feature_dim", path)
    if dim == 0 or len(index.get("feature_names", [])) != dim:
        raise DatasetError(f"{path}: feature dimension {dim} does not match the feature names")
    stats = index.get("statistics", {})
    if any(len(stats.get(key, [])) != dim for key in ("mean", "std", "sum", "sum_of_squares")):
        raise DatasetError(f"{path}: feature dimension {dim} does not match the statistics")
    shards, utterances = index.get("shards", []), index.get("utterances", [])
    seen = {}
    for number, shard in enumerate(shards):
        problem = shard_name_problem(shard.get("file"))
        if problem:
            raise DatasetError(f"{path}: shard {number} is named {shard.get('file')!r}, {problem}; "
                               "a shard is a plain file inside the dataset")
        if shard["file"] in seen:
            raise DatasetError(f"{path}: shard {shard['file']} is listed twice (shards {seen[shard['file']]} and {number})")
        seen[shard["file"]] = number
        dtype = shard.get("waveform_dtype", "F32")
        if dtype not in ("F32", "I16") or (dtype == "I16" and (index.get("format_version", 1) < 2 or index.get("kind") != "features")):
            raise DatasetError(f"{path}: shard {shard['file']} records waveform type {dtype!r}, which this dataset cannot hold")
    segments = index.get("segments")
    fixed = segments["frames"] if segments and segments.get("layout") == "fixed" else None
    if segments and segments.get("layout") == "fixed":
        _count(fixed, "segments.frames", path)
    rows, frames = [0] * len(shards), [0] * len(shards)
    for u in utterances:
        number = u.get("shard")
        if not isinstance(number, int) or not 0 <= number < len(shards):
            raise DatasetError(f"{path}: utterance {u.get('id')} names shard {number}, which does not exist")
        if u.get("row") != rows[number]:
            raise DatasetError(f"{path}: utterance {u['id']} is row {u.get('row')} of shard {number}, expected row {rows[number]}")
        count = _count(u.get("frames"), f"the frame count of utterance {u['id']} (row {u['row']})", path)
        if fixed is not None and count > fixed:
            raise DatasetError(f"{path}: utterance {u['id']} (row {u['row']}) has {count} real frames in a segment of {fixed}")
        rows[number] += 1
        frames[number] += count
    for number, shard in enumerate(shards):
        if shard.get("utterances") != rows[number] or shard.get("frames") != frames[number]:
            raise DatasetError(f"{path}: shard {shard['file']} is recorded with {shard.get('utterances')} utterances and "
                               f"{shard.get('frames')} frames, but its utterances add up to {rows[number]} and {frames[number]}")
    return index


WAVEFORM_DTYPES = {"F32": np.float32, "I16": np.int16}


def waveform_dtype(index, number):
    """The numpy type of shard `number`'s waveform: int16 or float32."""
    return WAVEFORM_DTYPES[index["shards"][number].get("waveform_dtype", "F32")]


def members(index, number):
    """The utterance records of shard `number`, in row order."""
    return [u for u in index["utterances"] if u["shard"] == number]


def _expect(tensors, name, dtype, shape, path):
    if name not in tensors:
        raise DatasetError(f'{path}: has no tensor "{name}"')
    t = tensors[name]
    if t.dtype != dtype or tuple(t.shape) != tuple(shape):
        raise DatasetError(f'{path}: tensor "{name}" is {t.dtype} {list(t.shape)}, expected {np.dtype(dtype)} {list(shape)}')
    return t


def check_shard(path, index, records, tensors, ids, wave_dtype=np.float32):
    """Checks one shard's tensors and utterance list against the index
    (`wave_dtype`: the waveform's type the index records for the shard)."""
    if ids is None or len(ids) != len(records):
        raise DatasetError(f"{path}: header lists {None if ids is None else len(ids)} utterances, the index {len(records)}")
    for row, (id, u) in enumerate(zip(ids, records)):
        if id != u["id"]:
            raise DatasetError(f"{path}: row {row} is utterance {id} in the header, {u['id']} in the index")
    dim, rows = index["feature_dim"], len(records)
    segments, raw = index.get("segments"), index.get("raw_frames")

    def start_frames():
        starts = _expect(tensors, "start_frame", np.int64, (rows,), path)
        for row, u in enumerate(records):
            if starts[row] != u.get("start_frame", -1):
                raise DatasetError(f"{path}: start_frame of row {row} (utterance {u['id']}) is {starts[row]}, "
                                   f"the index records {u.get('start_frame')}")

    if segments and segments.get("layout") == "fixed":
        length = segments["frames"]
        _expect(tensors, "features", np.float32, (rows, length, dim), path)
        _expect(tensors, "labels", np.uint8, (rows, length), path)
        if segments.get("masked"):
            _expect(tensors, "mask", np.uint8, (rows, length), path)
        elif "mask" in tensors:
            raise DatasetError(f"{path}: has a mask, but the index records no padding")
        start_frames()
        if raw:
            _expect(tensors, "waveform", np.float32, (rows, (length - 1) * raw["hop"] + raw["length"]), path)
        return
    offsets = _expect(tensors, "utterance_offsets", np.int64, (rows + 1,), path)
    expected = np.concatenate([[0], np.cumsum([u["frames"] for u in records], dtype=np.int64)])
    bad = np.flatnonzero(offsets != expected)
    if len(bad):
        r = int(bad[0])
        who = f"utterance {records[r - 1]['id']} (row {r - 1}) has {records[r - 1]['frames']} frames in the index, so " if r else ""
        raise DatasetError(f"{path}: utterance_offsets[{r}] is {offsets[r]}: {who}expected {expected[r]}")
    _expect(tensors, "features", np.float32, (int(expected[-1]), dim), path)
    _expect(tensors, "labels", np.uint8, (int(expected[-1]),), path)
    if segments:
        start_frames()
    if raw:
        woffsets = _expect(tensors, "waveform_offsets", np.int64, (rows + 1,), path)
        waveform = tensors.get("waveform")
        if waveform is None or waveform.dtype != wave_dtype or waveform.ndim != 1:
            raise DatasetError(f'{path}: tensor "waveform" is missing or not {np.dtype(wave_dtype)} [samples]')
        if woffsets[0] != 0 or np.any(np.diff(woffsets) < 0) or woffsets[-1] != len(waveform):
            raise DatasetError(f"{path}: waveform_offsets do not run from 0 up to the {len(waveform)} samples of the waveform")


def load_shard(directory, index, number, verify_hash=False):
    """Shard `number`'s tensors (numpy, via safetensors) and utterance ids,
    checked against the index (and, with verify_hash, its SHA-256)."""
    record = index["shards"][number]
    problem = shard_name_problem(record["file"])
    if problem:
        raise DatasetError(f"{directory}/index.json: shard {number} is named {record['file']!r}, {problem}")
    path = Path(directory) / record["file"]
    if not path.is_file():
        raise DatasetError(f"{path}: is missing")
    if verify_hash and hashlib.sha256(path.read_bytes()).hexdigest() != record["sha256"]:
        raise DatasetError(f"{path}: SHA-256 does not match the index (the file is damaged)")
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="np") as f:
            metadata = f.metadata() or {}
        ids = json.loads(metadata["utterances"]) if "utterances" in metadata else None
    except Exception as error:  # safetensors raises its own types for malformed files
        raise DatasetError(f"{path}: not a readable safetensors file ({error})") from None
    check_shard(path, index, members(index, number), tensors, ids, waveform_dtype(index, number))
    return tensors, ids
