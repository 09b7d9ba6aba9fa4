"""vadprep's five models as `torch.nn.Module`s, built from a model file.

Written from the semantics vadprep documents for its layers (Sources/VADTrain):

- LSTM: PyTorch's formulation and gate order (i, f, g, o); vadprep stores one
  bias per layer, which is PyTorch's b_ih + b_hh, so it goes into `bias_ih`
  and `bias_hh` is zero. A bidirectional layer's outputs are [forward | reverse].
- Frequency convolution (cdnn, cdnn-raw): Conv2d(1, C, (1, K)) along each
  frame's feature vector, MaxPool2d((1, P)) (floor: trailing positions that
  fill no whole pool are dropped), ReLU, flattened channels x positions.
- Raw front end (cdnn-raw): Conv1d(1, R, N) over each raw frame's samples,
  max over all positions, log(relu(.) + 0.01).
- Output: Linear to one logit (bce: sigmoid) or two (ce: the speech class of
  the softmax, sigmoid(z1 - z0)).
- Inputs are normalised inside: (x[..., :inputs] - mean) / std over the
  features extract writes, or samples times raw_scale for raw frames.

`forward(x, state=None, mask=None)` takes [batch, frames, D] and returns
speech probabilities [batch, frames] and the LSTM states (h, c), each
[layers, batch, hidden] (for blstm [2 * layers, batch, hidden], PyTorch's
layout); passing the returned state with the next chunk of frames continues a
causal model's sequence.

A padding mask [batch, frames] (1 real, 0 padding, as in segment datasets)
is applied as vadprep applies it: each LSTM step's h and c are multiplied by
the frame's mask value, so padding frames output zeros and, in reverse, a
sequence starts from a zero state at its last real frame (PyTorch's packed
sequences, for padding at the end). This runs step by step in Python.
"""
import torch
from torch import nn

from .model import read_model


class FrequencyConv(nn.Module):
    def __init__(self, inputs, filters, kernel, pool):
        super().__init__()
        self.conv = nn.Conv2d(1, filters, (1, kernel))
        self.pool = nn.MaxPool2d((1, pool))

    def forward(self, x):  # [B, T, F] -> [B, T, C * Wp]
        B, T, F = x.shape
        y = torch.relu(self.pool(self.conv(x.reshape(B * T, 1, 1, F))))  # [BT, C, 1, Wp]
        return y.reshape(B, T, -1)


class RawFrontEnd(nn.Module):
    def __init__(self, filters, filter_length):
        super().__init__()
        self.conv = nn.Conv1d(1, filters, filter_length)

    def forward(self, x):  # [B, T, L] -> [B, T, R]
        B, T, L = x.shape
        y = self.conv(x.reshape(B * T, 1, L)).amax(dim=2)  # [BT, R]
        return torch.log(torch.relu(y) + 0.01).reshape(B, T, -1)


class VADModel(nn.Module):
    """One of vadprep's models with its input normalisation; see the module doc."""

    def __init__(self, model):
        super().__init__()
        config = self.config = model.config
        self.kind = config.kind
        self.feature_width = model.input_width
        if config.uses_raw_frames:
            self.register_buffer("mean", torch.zeros(config.inputs))
            self.register_buffer("scale", torch.full((config.inputs,), model.raw_scale))
        else:
            self.register_buffer("mean", torch.from_numpy(model.mean.copy()))
            self.register_buffer("scale", 1 / torch.from_numpy(model.std.copy()))
        width = config.inputs
        self.raw = self.conv = None
        if config.kind in ("cdnn", "cdnn-raw"):
            if config.kind == "cdnn-raw":
                self.raw = RawFrontEnd(config.raw_filters, config.raw_filter_length)
                width = config.raw_filters
            self.conv = FrequencyConv(width, config.filters, config.kernel, config.pool)
            width = config.conv_output_width()
        bidirectional = config.kind == "blstm"
        self.lstm = nn.LSTM(width, config.hidden, num_layers=config.layers, batch_first=True,
                            bidirectional=bidirectional)
        self.out = nn.Linear(config.hidden * (2 if bidirectional else 1), config.outputs)
        self._load(model)
        self.eval()

    def _load(self, model):
        t = {name: torch.from_numpy(value.copy()) for name, value in model.tensors.items()}
        with torch.no_grad():
            if self.raw is not None:
                self.raw.conv.weight.copy_(t["raw.weight"])
                self.raw.conv.bias.copy_(t["raw.bias"])
            if self.conv is not None:
                self.conv.conv.weight.copy_(t["conv.weight"])
                self.conv.conv.bias.copy_(t["conv.bias"])
            for layer in range(self.config.layers):
                if self.kind == "blstm":
                    sources = [(f"blstm{layer}.forward", ""), (f"blstm{layer}.reverse", "_reverse")]
                else:
                    sources = [(f"lstm{layer}", "")]
                for name, suffix in sources:
                    getattr(self.lstm, f"weight_ih_l{layer}{suffix}").copy_(t[f"{name}.weight_ih"])
                    getattr(self.lstm, f"weight_hh_l{layer}{suffix}").copy_(t[f"{name}.weight_hh"])
                    getattr(self.lstm, f"bias_ih_l{layer}{suffix}").copy_(t[f"{name}.bias"])
                    getattr(self.lstm, f"bias_hh_l{layer}{suffix}").zero_()
            self.out.weight.copy_(t["out.weight"])
            self.out.bias.copy_(t["out.bias"])

    def logits(self, x, state=None, mask=None):
        """Logits [B, T, outputs] of features [B, T, D], and the LSTM state after the last frame."""
        if x.dim() != 3 or x.shape[2] != self.feature_width:
            raise ValueError(f"{self.kind}: expected inputs [batch, frames, {self.feature_width}], got {list(x.shape)}")
        x = (x[..., :self.config.inputs] - self.mean) * self.scale
        if self.raw is not None:
            x = self.raw(x)
        if self.conv is not None:
            x = self.conv(x)
        y, state = self.lstm(x, state) if mask is None else self._masked_lstm(x, state, mask)
        return self.out(y), state

    def _masked_lstm(self, x, state, mask):
        B, T, _ = x.shape
        if tuple(mask.shape) != (B, T):
            raise ValueError(f"{self.kind}: expected a mask [{B}, {T}], got {list(mask.shape)}")
        m = mask.to(x.dtype).unsqueeze(-1)  # [B, T, 1]
        H = self.config.hidden
        directions = [""] + (["_reverse"] if self.kind == "blstm" else [])
        hs, cs = [], []
        for layer in range(self.config.layers):
            outputs = []
            for d, suffix in enumerate(directions):
                k = layer * len(directions) + d
                w_ih = getattr(self.lstm, f"weight_ih_l{layer}{suffix}")
                w_hh = getattr(self.lstm, f"weight_hh_l{layer}{suffix}")
                b = getattr(self.lstm, f"bias_ih_l{layer}{suffix}") + getattr(self.lstm, f"bias_hh_l{layer}{suffix}")
                h = state[0][k] if state is not None else x.new_zeros(B, H)
                c = state[1][k] if state is not None else x.new_zeros(B, H)
                projected = x @ w_ih.T + b
                steps = [None] * T
                for t in (reversed(range(T)) if suffix else range(T)):
                    i, f, g, o = (projected[:, t] + h @ w_hh.T).chunk(4, dim=1)
                    cell = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                    h = torch.sigmoid(o) * torch.tanh(cell) * m[:, t]
                    c = cell * m[:, t]
                    steps[t] = h
                outputs.append(torch.stack(steps, dim=1))
                hs.append(h)
                cs.append(c)
            x = torch.cat(outputs, dim=2)
        return x, (torch.stack(hs), torch.stack(cs))

    def forward(self, x, state=None, mask=None):
        """Speech probabilities [B, T] and the LSTM state (h, c)."""
        z, state = self.logits(x, state, mask)
        p = torch.sigmoid(z[..., 0]) if self.config.outputs == 1 else torch.sigmoid(z[..., 1] - z[..., 0])
        return p, state


def load_model(run):
    """The model of run directory (or weights file) `run` as a VADModel in eval mode.
    Raises vadprep.ModelError for a file that is not a usable vadprep model."""
    return VADModel(read_model(run))
