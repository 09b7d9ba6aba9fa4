#!/usr/bin/env bash
# Runs every test: installs what is missing (with the vadprep Python package
# and onnx + onnxruntime, which the export tests use), checks that Python
# reads the shards with `safetensors` alone and segments through the PyTorch
# example, then runs the Swift test suites.
#
#   Pipelines/test.sh [swift test arguments, e.g. --filter Label]
source "$(dirname "$0")/common.sh"

ensure_system_packages
build_vadprep debug

say "reading shards from Python (safetensors.numpy.load_file)"
python_venv "$ROOT/Pipelines/python/requirements.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$VADPREP" extract "$ROOT/Fixtures/corpus" --out "$work/dataset" --raw-frames --jobs 2 --quiet --shard-size 100k
"$PYTHON" "$ROOT/Pipelines/python/check_shards.py" "$work/dataset"

say "reading segments from PyTorch (Pipelines/python/torch_segments.py)"
if ! "$PYTHON" -c "import torch" 2>/dev/null; then
    "$PYTHON" -m pip install -q --disable-pip-version-check -r "$ROOT/Pipelines/python/requirements-torch.txt" \
        || "$PYTHON" -m pip install -q --disable-pip-version-check torch==2.13.0
fi
# Lhotse (it needs torch) for LhotseTests and LhotseInputTests, which skip without it.
"$PYTHON" -c "import lhotse" 2>/dev/null || "$PYTHON" -m pip install -q --disable-pip-version-check lhotse==1.33.0 urllib3
say "installing the vadprep Python package (Pipelines/python) with ONNX export"
"$PYTHON" -m pip install -q --disable-pip-version-check -r "$ROOT/Pipelines/python/requirements-export.txt"
"$PYTHON" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$ROOT/Pipelines/python"
(cd "$work" && "$PYTHON" -c "import vadprep, vadprep.torch_data, vadprep.onnx_export")  # the installed copy
"$VADPREP" segment "$work/dataset" --out "$work/fixed" --len 1 --split valid=0.4 --quiet
"$VADPREP" segment "$work/dataset" --out "$work/whole" --mode whole --quiet
"$PYTHON" "$ROOT/Pipelines/python/torch_segments.py" "$work/fixed/train" "$work/fixed/valid" "$work/whole"

say "running the Swift tests"
cd "$ROOT"
swift test "$@"
