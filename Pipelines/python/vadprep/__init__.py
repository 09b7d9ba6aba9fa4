"""vadprep from Python: datasets (numpy), models (PyTorch), ONNX export.

    import vadprep
    index = vadprep.read_index("features")              # numpy + safetensors only
    tensors, ids = vadprep.load_shard("features", index, 0)
    model = vadprep.load_model("runs/lstm")             # needs the [torch] extra
    probabilities, state = model(features)              # [batch, frames, D] -> [batch, frames]
    vadprep.export_onnx("runs/lstm", "lstm.onnx")       # needs the [onnx] extra

Every reader treats its input as untrusted and raises DatasetError or
ModelError (both ValueErrors) naming the file at fault.
"""
from .dataset import DatasetError, load_shard, members, read_index
from .model import Model, ModelConfig, ModelError, read_model

__all__ = ["DatasetError", "Model", "ModelConfig", "ModelError", "export_onnx", "load_model", "load_shard",
           "members", "read_index", "read_model"]


def load_model(run):
    """The model of run directory (or weights file) `run` as a torch.nn.Module
    (see vadprep.torch_models)."""
    from .torch_models import load_model as load
    return load(run)


def export_onnx(run, file, streaming=False):
    """Writes the model of `run` to `file` as ONNX (see vadprep.onnx_export)."""
    from .onnx_export import export_onnx as export
    return export(run, file, streaming=streaming)
