"""A vadprep model as an ONNX graph (opset 17), built node by node from the
model file's weights, without PyTorch.

Whole-sequence form (every model):

    features        float32 [batch, frames, D]   what `vadprep extract` writes
                    (D = the dataset's feature columns; for cdnn-raw, the
                    samples of a raw frame, in the int16 range as stored)
    -> probabilities float32 [batch, frames]     speech probability per frame

Streaming form (causal models: lstm, lstm2, cdnn, cdnn-raw), as Silero's VAD
carries its state:

    features [batch, chunk, D], h [layers, batch, hidden], c [layers, batch, hidden]
    -> probabilities [batch, chunk], h_out, c_out

Zeros for h and c start a sequence; feeding each chunk's h_out and c_out
with the next chunk continues it, giving what the whole sequence gives.
The normalisation the model was trained with is inside the graph.
"""
import json

import numpy as np

from .model import read_model

OPSET = 17
# Gate blocks: PyTorch (and vadprep) order i, f, g, o; ONNX's LSTM wants i, o, f, c.
_ONNX_GATES = (0, 3, 1, 2)


class _Graph:
    def __init__(self):
        import onnx
        from onnx import helper, numpy_helper
        self.onnx, self.helper, self.numpy_helper = onnx, helper, numpy_helper
        self.nodes, self.initializers = [], []
        self._names = 0

    def name(self, stem):
        self._names += 1
        return f"{stem}_{self._names}"

    def constant(self, stem, value):
        name = self.name(stem)
        self.initializers.append(self.numpy_helper.from_array(np.array(value, order="C"), name))
        return name

    def op(self, op_type, inputs, stem=None, outputs=1, **attributes):
        names = [self.name(stem or op_type.lower()) for _ in range(outputs)]
        self.nodes.append(self.helper.make_node(op_type, inputs, names, **attributes))
        return names[0] if outputs == 1 else names

    def reshape_frames(self, x, frames_shape, width):
        """[T * B, ...] -> [T, B, width] with T, B from `frames_shape`."""
        shape = self.op("Concat", [frames_shape, self.constant("width", np.array([width], np.int64))], axis=0)
        return self.op("Reshape", [x, shape])


def _lstm_weights(tensors, name, hidden):
    def reorder(value):
        blocks = [value[k * hidden:(k + 1) * hidden] for k in range(4)]
        return np.concatenate([blocks[k] for k in _ONNX_GATES])
    w = reorder(tensors[f"{name}.weight_ih"])
    r = reorder(tensors[f"{name}.weight_hh"])
    b = np.concatenate([reorder(tensors[f"{name}.bias"]), np.zeros(4 * hidden, np.float32)])
    return w, r, b


def build_onnx(model, streaming=False):
    """The ONNX ModelProto of a checked `vadprep.model.Model`."""
    config, t = model.config, model.tensors
    if streaming and not config.causal:
        raise ValueError(f"{model.path}: a {config.kind} model reads each sequence in both directions; "
                         "it has no streaming form")
    g = _Graph()
    helper, TensorProto = g.helper, g.onnx.TensorProto
    H, layers = config.hidden, config.layers
    inputs = [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", "frames", model.input_width])]
    if streaming:
        for state in ("h", "c"):
            inputs.append(helper.make_tensor_value_info(state, TensorProto.FLOAT, [layers, "batch", H]))

    x = "features"
    if not config.uses_raw_frames and model.input_width > config.inputs:
        x = g.op("Slice", [x, g.constant("starts", np.array([0], np.int64)),
                           g.constant("ends", np.array([config.inputs], np.int64)),
                           g.constant("axes", np.array([2], np.int64))], "first_inputs")
    if config.uses_raw_frames:
        x = g.op("Mul", [x, g.constant("raw_scale", np.array([model.raw_scale], np.float32))], "scaled")
    else:
        x = g.op("Sub", [x, g.constant("mean", model.mean)], "centred")
        x = g.op("Div", [x, g.constant("std", model.std)], "normalised")
    x = g.op("Transpose", [x], "time_major", perm=[1, 0, 2])  # [T, B, I]: the LSTM op's layout
    frames_shape = g.op("Slice", [g.op("Shape", [x]), g.constant("zero", np.array([0], np.int64)),
                                  g.constant("two", np.array([2], np.int64))], "frames_shape")
    width = config.inputs
    if config.kind == "cdnn-raw":
        y = g.op("Reshape", [x, g.constant("shape", np.array([-1, 1, width], np.int64))])
        y = g.op("Conv", [y, g.constant("raw_weight", t["raw.weight"]), g.constant("raw_bias", t["raw.bias"])], "raw_conv")
        y = g.op("ReduceMax", [y], "raw_max", axes=[2], keepdims=0)
        y = g.op("Relu", [y])
        y = g.op("Add", [y, g.constant("floor", np.array([0.01], np.float32))])
        y = g.op("Log", [y], "raw_log")
        width = config.raw_filters
        x = g.reshape_frames(y, frames_shape, width)
    if config.kind in ("cdnn", "cdnn-raw"):
        y = g.op("Reshape", [x, g.constant("shape", np.array([-1, 1, 1, width], np.int64))])
        y = g.op("Conv", [y, g.constant("conv_weight", t["conv.weight"]), g.constant("conv_bias", t["conv.bias"])], "conv")
        y = g.op("MaxPool", [y], "pool", kernel_shape=[1, config.pool], strides=[1, config.pool])
        y = g.op("Relu", [y])
        width = config.conv_output_width()
        x = g.reshape_frames(y, frames_shape, width)

    states_h, states_c = [], []
    for layer in range(layers):
        if config.kind == "blstm":
            parts = [_lstm_weights(t, f"blstm{layer}.{d}", H) for d in ("forward", "reverse")]
            w, r, b = (np.stack([p[k] for p in parts]) for k in range(3))
        else:
            w, r, b = (v[None] for v in _lstm_weights(t, f"lstm{layer}", H))
        operands = [x, g.constant("W", w), g.constant("R", r), g.constant("B", b)]
        if streaming:
            pick = [g.constant("layer", np.array([layer], np.int64)), g.constant("next", np.array([layer + 1], np.int64)),
                    g.constant("axis0", np.array([0], np.int64))]
            operands += ["", g.op("Slice", ["h"] + pick, "h_in"), g.op("Slice", ["c"] + pick, "c_in")]
        y, y_h, y_c = g.op("LSTM", operands, f"lstm{layer}", outputs=3, hidden_size=H,
                           direction="bidirectional" if config.kind == "blstm" else "forward")
        states_h.append(y_h)
        states_c.append(y_c)
        if config.kind == "blstm":  # [T, 2, B, H] -> [T, B, 2H], forward then reverse
            y = g.op("Transpose", [y], perm=[0, 2, 1, 3])
            x = g.op("Reshape", [y, g.constant("shape", np.array([0, 0, -1], np.int64))])
        else:
            x = g.op("Squeeze", [y, g.constant("axis1", np.array([1], np.int64))])

    z = g.op("MatMul", [x, g.constant("out_weight_t", np.ascontiguousarray(t["out.weight"].T))])
    z = g.op("Add", [z, g.constant("out_bias", t["out.bias"])], "logits")  # [T, B, outputs]
    if config.outputs == 1:
        z = g.op("Squeeze", [z, g.constant("axis2", np.array([2], np.int64))])
    else:  # the softmax's speech class: sigmoid(z1 - z0)
        speech = g.op("Gather", [z, g.constant("one", np.array(1, np.int64))], axis=2)
        other = g.op("Gather", [z, g.constant("zero", np.array(0, np.int64))], axis=2)
        z = g.op("Sub", [speech, other])
    p = g.op("Sigmoid", [z])
    g.nodes.append(helper.make_node("Transpose", [p], ["probabilities"], perm=[1, 0]))
    outputs = [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", "frames"])]
    if streaming:
        for state, parts in (("h_out", states_h), ("c_out", states_c)):
            g.nodes.append(helper.make_node("Concat", parts, [state], axis=0) if len(parts) > 1
                           else helper.make_node("Identity", parts, [state]))
            outputs.append(helper.make_tensor_value_info(state, TensorProto.FLOAT, [layers, "batch", H]))

    graph = helper.make_graph(g.nodes, f"vadprep_{config.kind.replace('-', '_')}", inputs, outputs, g.initializers)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="vadprep",
                                   doc_string=f"vadprep {config.kind} model: speech probability per frame"
                                              f"{' (streaming form)' if streaming else ''}")
    onnx_model.ir_version = 8  # opset 17's; runtimes from 2021 on read it
    info = {"kind": config.kind, "streaming": str(streaming).lower(), "hidden": str(H), "layers": str(layers),
            "feature_names": json.dumps(model.feature_names), "frame_shift_seconds": repr(model.frame_shift_seconds),
            "sample_rate": str(model.sample_rate), "extract_options": json.dumps(model.extract_options, sort_keys=True),
            "vadprep_version": model.vadprep_version}
    helper.set_model_props(onnx_model, info)
    g.onnx.checker.check_model(onnx_model, full_check=True)
    return onnx_model


def export_onnx(run, file, streaming=False):
    """Writes the model of run directory (or weights file) `run` to `file` as
    ONNX; with streaming=True its streaming form (causal models only)."""
    model = read_model(run)
    proto = build_onnx(model, streaming=streaming)
    with open(file, "wb") as out:
        out.write(proto.SerializeToString())
    return file
