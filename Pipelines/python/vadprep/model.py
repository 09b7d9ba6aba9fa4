"""Reading a trained vadprep model (`model.safetensors`) without trusting it.

`vadprep train` writes the weights as PyTorch-named float32 tensors and, in
the safetensors `__metadata__`, `format` = "vadprep-model" and
`vadprep_model`, the model's description as JSON: its configuration (kind and
sizes), the input normalisation, the extract options and feature names of the
training data, its frame shift and sample rate, the raw-frame layout (cdnn-raw)
and the training segment length.

A model file is untrusted input (anyone can write one): `read_model` checks
every field it uses against the same limits as vadprep's own reader, every
tensor's dtype and shape against the configuration, and refuses NaN or
infinite weights, raising ModelError naming the file.

    model = read_model("runs/lstm")          # a run directory or a .safetensors file
    model.config.kind, model.tensors["out.weight"]
"""
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import safe_open

FORMAT = "vadprep-model"
KINDS = ("lstm", "blstm", "lstm2", "cdnn", "cdnn-raw")
LOSSES = ("bce", "ce")
# vadprep's limits on a model's sizes (ModelConfig): far beyond the report's models.
MAX_INPUTS, MAX_HIDDEN, MAX_LAYERS, MAX_FILTERS = 100_000, 4096, 64, 1024
# What a description holds; a file with other keys was written by another version.
DESCRIPTION_KEYS = {"config", "normalization", "extract_options", "feature_names", "frame_shift_seconds",
                    "sample_rate", "raw_frames", "training_frames", "training", "vadprep_version"}
OPTIONAL_KEYS = {"raw_frames", "training_frames"}
CONFIG_KEYS = {"kind", "inputs", "hidden", "layers", "filters", "kernel", "pool", "raw_filters",
               "raw_filter_length", "loss"}


class ModelError(ValueError):
    """A model file that cannot be used as it claims to be."""


@dataclass(frozen=True)
class ModelConfig:
    """Which network and its sizes (vadprep's ModelConfig)."""
    kind: str
    inputs: int
    hidden: int
    layers: int
    filters: int
    kernel: int
    pool: int
    raw_filters: int
    raw_filter_length: int
    loss: str

    @property
    def uses_raw_frames(self):
        return self.kind == "cdnn-raw"

    @property
    def causal(self):
        """Whether each frame's output depends only on it and earlier frames."""
        return self.kind != "blstm"

    @property
    def outputs(self):
        return 1 if self.loss == "bce" else 2

    def conv_input_width(self):
        return self.raw_filters if self.kind == "cdnn-raw" else self.inputs

    def conv_output_width(self):
        return self.filters * ((self.conv_input_width() - self.kernel + 1) // self.pool)

    def tensor_shapes(self):
        """Name -> shape of every weight tensor, in the network's order."""
        shapes = {}
        width = self.inputs
        H = self.hidden

        def lstm(name, inputs):
            shapes[f"{name}.weight_ih"] = (4 * H, inputs)
            shapes[f"{name}.weight_hh"] = (4 * H, H)
            shapes[f"{name}.bias"] = (4 * H,)

        if self.kind in ("lstm", "lstm2"):
            for layer in range(self.layers):
                lstm(f"lstm{layer}", width)
                width = H
        elif self.kind == "blstm":
            for layer in range(self.layers):
                lstm(f"blstm{layer}.forward", width)
                lstm(f"blstm{layer}.reverse", width)
                width = 2 * H
        else:
            if self.kind == "cdnn-raw":
                shapes["raw.weight"] = (self.raw_filters, 1, self.raw_filter_length)
                shapes["raw.bias"] = (self.raw_filters,)
            shapes["conv.weight"] = (self.filters, 1, 1, self.kernel)
            shapes["conv.bias"] = (self.filters,)
            width = self.conv_output_width()
            for layer in range(self.layers):
                lstm(f"lstm{layer}", width)
                width = H
        shapes["out.weight"] = (self.outputs, width)
        shapes["out.bias"] = (self.outputs,)
        return shapes


@dataclass(frozen=True)
class Model:
    """A model file read and checked: its description and its weights (numpy float32)."""
    path: str
    config: ModelConfig
    # (x - mean) / std per feature column; for raw frames, samples times raw_scale.
    mean: np.ndarray
    std: np.ndarray
    raw_scale: float
    feature_names: list
    extract_options: dict
    frame_shift_seconds: float
    sample_rate: int
    raw_frames: dict
    training_frames: int
    vadprep_version: str
    tensors: dict
    # Every feature column extract writes with the model's options (the model
    # reads the first config.inputs, named by feature_names).
    extract_feature_names: list

    @property
    def input_width(self):
        """D of the [batch, frames, D] inputs the model takes: every feature column
        extract writes, or the samples of a raw frame."""
        return self.config.inputs if self.config.uses_raw_frames else len(self.extract_feature_names)


def extract_feature_names(options, path):
    """The feature columns `vadprep extract` writes with `options` (its
    ExtractOptions.featureNames): the cepstra, then their deltas of each order."""
    mfcc, deltas = options.get("mfcc"), options.get("deltas")
    if not isinstance(mfcc, dict) or not isinstance(deltas, dict):
        raise ModelError(f"{path}: extract_options lack mfcc or deltas")
    ceps = _integer(mfcc.get("num_ceps"), "extract_options.mfcc.num_ceps", 1, MAX_INPUTS, path)
    order = _integer(deltas.get("order"), "extract_options.deltas.order", 0, 3, path)
    energy = mfcc.get("use_energy")
    if not isinstance(energy, bool):
        raise ModelError(f"{path}: extract_options.mfcc.use_energy is {energy!r}, not true or false")
    base = ["energy" if n == 0 and energy else f"c{n}" for n in range(ceps)]
    prefixes = [""] + ["delta_" if k == 1 else f"delta{k}_" for k in range(1, order + 1)]
    return [prefix + name for prefix in prefixes for name in base]


def model_path(run):
    """The weights file of a run directory (RUN/model.safetensors), or `run` itself."""
    path = Path(run)
    return path / "model.safetensors" if path.is_dir() else path


def _integer(value, what, low, high, path):
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ModelError(f"{path}: describes an impossible model: {what} is {value!r}, not a whole number "
                         f"between {low} and {high}")
    return value


def _number(value, what, path, positive=False):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) \
            or (positive and value <= 0):
        raise ModelError(f"{path}: {what} is {value!r}, not a {'positive ' if positive else ''}finite number")
    return float(value)


def _config(raw, path):
    if not isinstance(raw, dict):
        raise ModelError(f"{path}: the model description's config is not an object")
    if set(raw) != CONFIG_KEYS:
        missing, extra = sorted(CONFIG_KEYS - set(raw)), sorted(set(raw) - CONFIG_KEYS)
        raise ModelError(f"{path}: the model's config has {'no ' + ', '.join(missing) if missing else ''}"
                         f"{' and ' if missing and extra else ''}{'unknown ' + ', '.join(extra) if extra else ''}; "
                         "it was written by another version of vadprep")
    if raw["kind"] not in KINDS:
        raise ModelError(f"{path}: model kind {raw['kind']!r} is not one of {', '.join(KINDS)}; "
                         "it was written by another version of vadprep")
    if raw["loss"] not in LOSSES:
        raise ModelError(f"{path}: loss {raw['loss']!r} is not one of {', '.join(LOSSES)}")
    _integer(raw["inputs"], "inputs", 1, MAX_INPUTS, path)
    _integer(raw["hidden"], "hidden", 1, MAX_HIDDEN, path)
    _integer(raw["layers"], "layers", 1, MAX_LAYERS, path)
    config = ModelConfig(**raw)
    if config.kind in ("cdnn", "cdnn-raw"):
        _integer(raw["filters"], "filters", 1, MAX_FILTERS, path)
        _integer(raw["kernel"], "kernel", 1, MAX_INPUTS, path)
        _integer(raw["pool"], "pool", 1, MAX_INPUTS, path)
        if config.kind == "cdnn-raw":
            _integer(raw["raw_filters"], "raw filters", 1, MAX_FILTERS, path)
            _integer(raw["raw_filter_length"], "raw filter length", 1, MAX_INPUTS, path)
            if config.raw_filter_length > config.inputs:
                raise ModelError(f"{path}: describes an impossible model: raw filters of {config.raw_filter_length} "
                                 f"samples do not fit raw frames of {config.inputs}")
        if (config.conv_input_width() - config.kernel + 1) // config.pool < 1:
            raise ModelError(f"{path}: describes an impossible model: the frequency convolution (kernel "
                             f"{config.kernel}, pool {config.pool}) does not fit {config.conv_input_width()} inputs")
    return config


def _description(text, path):
    try:
        description = json.loads(text)
    except ValueError as error:
        raise ModelError(f"{path}: the model description is not valid JSON ({error})") from None
    if not isinstance(description, dict):
        raise ModelError(f"{path}: the model description is not a JSON object")
    version = description.get("vadprep_version", "unknown")
    missing = sorted(DESCRIPTION_KEYS - OPTIONAL_KEYS - set(description))
    extra = sorted(set(description) - DESCRIPTION_KEYS)
    if missing or extra:
        what = "lacks " + ", ".join(missing) if missing else "has unknown fields " + ", ".join(extra)
        raise ModelError(f"{path}: the model description {what}; it was written by another version of vadprep "
                         f"({version!r}) than this reader knows")
    return description


def read_model(run):
    """The model of run directory (or weights file) `run`, checked; raises ModelError."""
    path = model_path(run)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    try:
        with safe_open(str(path), framework="np") as f:
            metadata = f.metadata() or {}
            names = list(f.keys())
            if metadata.get("format") != FORMAT or "vadprep_model" not in metadata:
                raise ModelError(f"{path}: is not a vadprep model (no {FORMAT} metadata)")
            description = _description(metadata["vadprep_model"], path)
            config = _config(description["config"], path)
            shapes = config.tensor_shapes()
            for name in shapes:
                if name not in names:
                    raise ModelError(f"{path}: has no tensor {name}")
            unknown = [n for n in names if n not in shapes and not n.startswith("adam.")]
            if unknown:
                raise ModelError(f"{path}: has tensor {unknown[0]}, which a model of kind {config.kind} does not have")
            tensors = {}
            for name, shape in shapes.items():
                slice_ = f.get_slice(name)
                dtype, stored = slice_.get_dtype(), tuple(slice_.get_shape())
                if dtype != "F32" or stored != shape:
                    raise ModelError(f"{path}: tensor {name} is {dtype} {list(stored)}, the model needs F32 {list(shape)}")
                value = f.get_tensor(name)
                if not np.all(np.isfinite(value)):
                    bad = int(np.flatnonzero(~np.isfinite(value.ravel()))[0])
                    raise ModelError(f"{path}: tensor {name} holds {value.ravel()[bad]} at element {bad}; "
                                     "weights must be finite")
                tensors[name] = value
    except ModelError:
        raise
    except Exception as error:  # safetensors raises its own types for malformed files
        raise ModelError(f"{path}: not a readable safetensors file ({error})") from None

    names = description["feature_names"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not 1 <= len(names) <= MAX_INPUTS:
        raise ModelError(f"{path}: feature_names is not a list of 1 to {MAX_INPUTS} names")
    normalization = description["normalization"]
    if not isinstance(normalization, dict):
        raise ModelError(f"{path}: normalization is not an object")
    raw_frames = description.get("raw_frames")
    mean = std = np.zeros(0, np.float32)
    raw_scale = 1.0
    if config.uses_raw_frames:
        raw_scale = _number(normalization.get("raw_scale"), "normalization.raw_scale", path, positive=True)
        if not isinstance(raw_frames, dict) or raw_frames.get("length") != config.inputs:
            raise ModelError(f"{path}: a cdnn-raw model of {config.inputs} samples per frame needs raw_frames of that "
                             f"length, not {raw_frames!r}")
        for key in ("length", "hop", "first", "left_padding"):
            _integer(raw_frames.get(key), f"raw_frames.{key}", 0, 2**40, path)
    else:
        if len(names) < config.inputs:
            raise ModelError(f"{path}: the model reads {config.inputs} features, its data had {len(names)}")
        for key in ("mean", "std"):
            values = normalization.get(key)
            if not isinstance(values, list) or len(values) != config.inputs:
                raise ModelError(f"{path}: normalization.{key} is not a list of {config.inputs} numbers")
            for d, v in enumerate(values):
                _number(v, f"normalization.{key}[{d}]", path, positive=key == "std")
        mean = np.asarray(normalization["mean"], np.float32)
        std = np.asarray(normalization["std"], np.float32)
    training_frames = description.get("training_frames")
    if training_frames is not None:
        _integer(training_frames, "training_frames", 1, 2**40, path)
    sample_rate = _integer(description["sample_rate"], "sample_rate", 1, 10_000_000, path)
    shift = _number(description["frame_shift_seconds"], "frame_shift_seconds", path, positive=True)
    version = description["vadprep_version"]
    if not isinstance(version, str):
        raise ModelError(f"{path}: vadprep_version is {version!r}, not a string")
    options = description["extract_options"]
    if not isinstance(options, dict):
        raise ModelError(f"{path}: extract_options is not an object")
    columns = extract_feature_names(options, path)
    if not config.uses_raw_frames and columns[:config.inputs] != names[:config.inputs]:
        raise ModelError(f"{path}: feature_names {names[:config.inputs]} are not the first {config.inputs} of the "
                         f"columns its extract options give, {columns[:config.inputs]}")
    return Model(path=str(path), config=config, mean=mean, std=std, raw_scale=raw_scale, feature_names=names,
                 extract_options=options, frame_shift_seconds=shift, sample_rate=sample_rate, raw_frames=raw_frames,
                 training_frames=training_frames, vadprep_version=version, tensors=tensors,
                 extract_feature_names=columns)
