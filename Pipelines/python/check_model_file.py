"""Checks that the vadprep package refuses damaged or foreign model files by name.

    python check_model_file.py RUN WORK_DIR

From RUN's model.safetensors (an lstm model), writes altered copies into
WORK_DIR and checks that `vadprep.read_model`, `vadprep.load_model` and
`python -m vadprep export-onnx` refuse each with its exact message; the
unaltered file loads. Exits 1 on the first failed check.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

import vadprep

passed = 0


def check(condition, message):
    global passed
    if not condition:
        print(f"check_model_file: FAILED: {message}", file=sys.stderr)
        sys.exit(1)
    passed += 1


def main(run, work):
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    source = vadprep.read_model(run)
    check(source.config.kind == "lstm", f"{run}: an lstm model is needed, not {source.config.kind}")
    with safe_open(source.path, framework="np") as f:
        metadata = f.metadata()
        tensors = {name: f.get_tensor(name) for name in f.keys()}
    description = json.loads(metadata["vadprep_model"])
    H, inputs = source.config.hidden, source.config.inputs

    def variant(name, edit_tensors=None, edit_description=None, edit_metadata=None):
        t = {k: v.copy() for k, v in tensors.items()}
        d = json.loads(json.dumps(description))
        m = dict(metadata)
        if edit_tensors:
            edit_tensors(t)
        if edit_description:
            edit_description(d)
        m["vadprep_model"] = json.dumps(d)
        if edit_metadata:
            edit_metadata(m)
        path = work / f"{name}.safetensors"
        save_file(t, str(path), metadata=m)
        return path

    def nan(t):
        t["lstm0.bias"][3] = np.nan

    def reshape(t):
        t["out.weight"] = t["out.weight"].reshape(-1, 1)

    def set_config(key, value):
        return lambda d: d["config"].__setitem__(key, value)

    truncated = work / "truncated.safetensors"
    truncated.write_bytes(Path(source.path).read_bytes()[:200])
    cases = [
        (variant("nan", nan), "tensor lstm0.bias holds nan at element 3; weights must be finite"),
        (variant("shape", reshape),
         f"tensor out.weight is F32 [{H}, 1], the model needs F32 [1, {H}]"),
        (variant("missing", lambda t: t.pop("lstm0.weight_hh")), "has no tensor lstm0.weight_hh"),
        (variant("extra", lambda t: t.__setitem__("lstm1.bias", np.zeros(4, np.float32))),
         "has tensor lstm1.bias, which a model of kind lstm does not have"),
        (variant("f64", lambda t: t.__setitem__("out.bias", t["out.bias"].astype(np.float64))),
         "tensor out.bias is F64 [1], the model needs F32 [1]"),
        (variant("kind", edit_description=set_config("kind", "gru")),
         "model kind 'gru' is not one of lstm, blstm, lstm2, cdnn, cdnn-raw; it was written by another version of vadprep"),
        (variant("newer", edit_description=lambda d: d.__setitem__("attention", {})),
         f"the model description has unknown fields attention; it was written by another version of vadprep "
         f"({description['vadprep_version']!r}) than this reader knows"),
        (variant("older", edit_description=lambda d: d.pop("normalization")),
         f"the model description lacks normalization; it was written by another version of vadprep "
         f"({description['vadprep_version']!r}) than this reader knows"),
        (variant("huge", edit_description=set_config("hidden", 10**9)),
         "describes an impossible model: hidden is 1000000000, not a whole number between 1 and 4096"),
        (variant("bool", edit_description=set_config("layers", True)),
         "describes an impossible model: layers is True, not a whole number between 1 and 64"),
        (variant("std", edit_description=lambda d: d["normalization"]["std"].__setitem__(2, 0)),
         "normalization.std[2] is 0, not a positive finite number"),
        (variant("short", edit_description=lambda d: d["normalization"]["mean"].pop()),
         f"normalization.mean is not a list of {inputs} numbers"),
        (variant("foreign", edit_metadata=lambda m: m.pop("format")), "is not a vadprep model (no vadprep-model metadata)"),
        (variant("json", edit_metadata=lambda m: m.__setitem__("vadprep_model", "{\"config\": ")),
         "the model description is not valid JSON (Expecting value: line 1 column 12 (char 11))"),
        (truncated, None),
        (work / "absent.safetensors", "no such model file"),
    ]
    for path, message in cases:
        try:
            vadprep.read_model(path)
            check(False, f"{path.name}: read_model accepted it")
        except vadprep.ModelError as error:
            text = str(error)
            if message is None:  # the safetensors library's own words follow
                check(text.startswith(f"{path}: not a readable safetensors file ("), f"{path.name}: {text}")
            else:
                check(text == f"{path}: {message}", f"{path.name}: {text!r}, expected {path}: {message!r}")
    # The torch loader and the command line refuse the same way.
    path, message = cases[0]
    try:
        vadprep.load_model(path)
        check(False, "load_model accepted a NaN weight")
    except vadprep.ModelError as error:
        check(str(error) == f"{path}: {message}", f"load_model: {error}")
    run_cli = subprocess.run([sys.executable, "-m", "vadprep", "export-onnx", str(path), str(work / "x.onnx")],
                             capture_output=True, text=True, cwd=Path(__file__).parent)
    check(run_cli.returncode == 1 and run_cli.stderr == f"python -m vadprep export-onnx: {path}: {message}\n",
          f"export-onnx: {run_cli.returncode} {run_cli.stderr!r}")
    check(not (work / "x.onnx").exists(), "a refused export leaves no file")
    # The unaltered file, and a re-saved copy of it, load.
    check(vadprep.read_model(variant("same")).config == source.config, "an unaltered copy loads")
    print(f"check_model_file: {passed} passed, 0 failed")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: python check_model_file.py RUN WORK_DIR", file=sys.stderr)
        sys.exit(64)
    main(*sys.argv[1:])
