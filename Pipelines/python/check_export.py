"""Checks that a trained model gives the same speech probabilities in vadprep,
in PyTorch and in ONNX Runtime.

    python check_export.py RUN PREDICT_DIR FEATURES_DATASET

RUN is a `vadprep train` run; PREDICT_DIR holds `vadprep predict RUN ...
--window 0`'s STEM.npy for every recording of FEATURES_DATASET, a features
dataset extracted with the model's extract options (so it holds exactly the
inputs predict computes). For every utterance: the frame counts agree, and
the PyTorch module (`vadprep.load_model`) and the exported ONNX model
(`vadprep.export_onnx`, run by onnxruntime) give predict's probabilities
within 1e-4. Also: `python -m vadprep export-onnx` writes the same bytes;
a batch of several sequences gives what each gives alone; for causal models
the streaming form (and the torch module with its state) fed chunk by chunk
gives the whole-sequence output within 1e-5; and the comparison is not
vacuous (the probabilities vary, a gate-swapped module disagrees). Prints
the largest differences; exits 1 on the first failed check.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime
import torch

import vadprep

TOLERANCE, STREAMING_TOLERANCE = 1e-4, 1e-5


def fail(message):
    print(f"check_export: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def utterance_inputs(directory, index, model):
    """(id, [frames, D] inputs as the ONNX model takes them) of every utterance:
    the stored features, or for cdnn-raw the raw frames cut from the stored
    waveform as vadprep does (zeros past its end)."""
    raw = index.get("raw_frames")
    for number in range(len(index["shards"])):
        tensors, ids = vadprep.load_shard(directory, index, number)
        offsets = tensors["utterance_offsets"]
        for row, id in enumerate(ids):
            frames = int(offsets[row + 1] - offsets[row])
            if not model.config.uses_raw_frames:
                yield id, tensors["features"][offsets[row]:offsets[row + 1]]
                continue
            w = tensors["waveform"][tensors["waveform_offsets"][row]:tensors["waveform_offsets"][row + 1]]
            starts = raw["first"] + raw["hop"] * np.arange(frames)
            positions = starts[:, None] + np.arange(raw["length"])[None, :]
            yield id, np.where(positions < len(w), w[np.minimum(positions, len(w) - 1)], 0).astype(np.float32)


def main(run, predicted, dataset):
    try:
        model = vadprep.read_model(run)
        index = vadprep.read_index(dataset)
    except ValueError as error:
        fail(str(error))
    if model.config.uses_raw_frames:
        layout = index.get("raw_frames") or {}
        if [layout.get("length"), layout.get("hop")] != [model.raw_frames["length"], model.raw_frames["hop"]]:
            fail(f"{dataset}: raw frames {layout} are not the model's {model.raw_frames}")
    elif index["feature_names"] != model.extract_feature_names:
        fail(f"{dataset}: features {index['feature_names']} are not the model's {model.extract_feature_names}")
    module = vadprep.load_model(run)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    with tempfile.TemporaryDirectory() as work:
        file = Path(work) / "model.onnx"
        vadprep.export_onnx(run, file)
        session = onnxruntime.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        # The command line writes the same bytes (export is deterministic).
        again = Path(work) / "again.onnx"
        cli = subprocess.run([sys.executable, "-m", "vadprep", "export-onnx", run, str(again)], capture_output=True,
                             text=True, cwd=Path(__file__).resolve().parent)
        if cli.returncode != 0 or not again.is_file() or again.read_bytes() != file.read_bytes():
            fail(f"python -m vadprep export-onnx {run}: status {cli.returncode}, {cli.stderr.strip()!r}, "
                 "not the bytes export_onnx wrote")
        streaming = None
        if model.config.causal:
            path = Path(work) / "streaming.onnx"
            vadprep.export_onnx(run, path, streaming=True)
            streaming = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    largest = {"torch - vadprep": 0.0, "onnx - vadprep": 0.0, "onnx - torch": 0.0, "batched - alone": 0.0,
               "streamed - whole": 0.0}
    inputs = list(utterance_inputs(dataset, index, model))
    if not inputs:
        fail(f"{dataset}: has no utterances")
    whole = {}
    for id, x in inputs:
        npy = Path(predicted) / f"{Path(id).name}.npy"
        if not npy.is_file():
            fail(f"{npy}: no predict output for utterance {id}")
        swift = np.load(npy)
        if swift.shape != (len(x),):
            fail(f"{id}: predict wrote {swift.shape[0]} frames, the dataset holds {len(x)}")
        with torch.no_grad():
            p_torch = module(torch.from_numpy(x)[None])[0][0].numpy()
        p_onnx = session.run(["probabilities"], {"features": x[None]})[0][0]
        whole[id] = p_onnx
        for key, a, b in (("torch - vadprep", p_torch, swift), ("onnx - vadprep", p_onnx, swift),
                          ("onnx - torch", p_onnx, p_torch)):
            difference = float(np.max(np.abs(a.astype(np.float64) - b)))
            largest[key] = max(largest[key], difference)
            if not difference <= TOLERANCE:
                frame = int(np.argmax(np.abs(a.astype(np.float64) - b)))
                fail(f"{id}: {key} differ by {difference:.3g} at frame {frame} ({a[frame]:.6f} vs {b[frame]:.6f})")
        if streaming is not None:
            batch = 1
            h = np.zeros((model.config.layers, batch, model.config.hidden), np.float32)
            c = np.zeros_like(h)
            chunks = []
            for start in range(0, len(x), 7):
                p, h, c = streaming.run(["probabilities", "h_out", "c_out"],
                                        {"features": x[None, start:start + 7], "h": h, "c": c})
                chunks.append(p[0])
            state, torch_chunks = None, []
            with torch.no_grad():
                for start in range(0, len(x), 7):
                    p, state = module(torch.from_numpy(x[None, start:start + 7]), state)
                    torch_chunks.append(p[0].numpy())
            difference = float(max(np.max(np.abs(np.concatenate(chunks) - p_onnx)),
                                   np.max(np.abs(np.concatenate(torch_chunks) - p_torch))))
            largest["streamed - whole"] = max(largest["streamed - whole"], difference)
            if not difference <= STREAMING_TOLERANCE:
                fail(f"{id}: the streaming form fed 7 frames at a time differs from the whole sequence by {difference:.3g}")

    # Several sequences in one batch (cut to the shortest) give what each gives alone.
    shortest = min(len(x) for _, x in inputs)
    batch = np.stack([x[:shortest] for _, x in inputs])
    p_batch = session.run(["probabilities"], {"features": batch})[0]
    with torch.no_grad():
        t_batch = module(torch.from_numpy(batch))[0].numpy()
    for b, (id, x) in enumerate(inputs):
        alone = session.run(["probabilities"], {"features": x[None, :shortest]})[0][0]
        difference = float(max(np.max(np.abs(p_batch[b] - alone)), np.max(np.abs(t_batch[b] - alone))))
        largest["batched - alone"] = max(largest["batched - alone"], difference)
        if not difference <= STREAMING_TOLERANCE:
            fail(f"{id}: as row {b} of a batch it differs from alone by {difference:.3g}")
    # The agreement means something only if the probabilities vary, and only if
    # the comparison tells a wrong network apart: the same module with the
    # input and forget gates of its first LSTM layer swapped must disagree.
    everything = np.concatenate([np.load(Path(predicted) / f"{Path(id).name}.npy") for id, _ in inputs])
    if not np.ptp(everything) > 1e-3:
        fail(f"{predicted}: the probabilities span only {np.ptp(everything):.3g}; the comparison would prove nothing")
    H = model.config.hidden
    with torch.no_grad():
        for name, weight in module.lstm.named_parameters():
            if name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0"):
                weight.copy_(torch.cat([weight[H:2 * H], weight[:H], weight[2 * H:]]))
        id, x = inputs[0]
        wrong = module(torch.from_numpy(x)[None])[0][0].numpy()
    swift = np.load(Path(predicted) / f"{Path(id).name}.npy")
    if not np.max(np.abs(wrong - swift)) > TOLERANCE:
        fail(f"{id}: a module with its gates swapped agrees with vadprep too; the check cannot tell")
    frames = sum(len(x) for _, x in inputs)
    print(f"check_export: {model.config.kind}: {len(inputs)} utterances, {frames} frames; largest differences: "
          + ", ".join(f"{key} {value:.2e}" for key, value in largest.items()
                      if streaming is not None or key != "streamed - whole"))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__.strip().split("\n\n")[1].strip(), file=sys.stderr)
        sys.exit(64)
    main(*sys.argv[1:])
