#!/usr/bin/env bash
# One corpus in three forms: a labelled corpus directory, the Kaldi data
# directory and the Lhotse manifests of the same audio and speech regions
# (written by Pipelines/python/corpus_forms.py with Lhotse's own API), each
# extracted with the same options; the datasets' features and labels must be
# identical, utterance by utterance (Pipelines/python/compare_datasets.py).
#
#   Pipelines/corpus-forms.sh [CORPUS_DIR] [OUT_DIR]
#
# CORPUS_DIR defaults to the default corpus (Pipelines/common.sh, generated
# there when missing); OUT_DIR to .build-corpus-forms/. A CORPUS_DIR holding
# clean/ and noise/ (the default corpus) gives the forms of clean/, each
# extracted with noise/ mixed in as Pipelines/prepare.sh mixes it: a copy
# depends on the utterance id, never on the input's kind, so the mixed
# datasets must agree too. Exits 1 when any two forms differ.
source "$(dirname "$0")/common.sh"

out="${2:-$ROOT/.build-corpus-forms}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
corpus="${1:-$out/corpus}"

ensure_system_packages
build_vadprep "${CONFIGURATION:-release}"
if [ -z "${1:-}" ]; then
    generate_default_corpus "$corpus"
fi
[ -d "$corpus" ] || { echo "corpus-forms.sh: $corpus: no such corpus directory" >&2; exit 1; }
mix=()
if [ -d "$corpus/clean" ] && [ -d "$corpus/noise" ]; then
    mix=(--noise "$corpus/noise" "${DEFAULT_MIX[@]}")
    corpus="$corpus/clean"
fi

# $PYTHON when set (a Python with numpy and safetensors), else the project's virtualenv.
[ -n "${PYTHON:-}" ] || python_venv "$ROOT/Pipelines/python/requirements.txt"
"$PYTHON" -c "import torch" 2>/dev/null || "$PYTHON" -m pip install -q --disable-pip-version-check -r "$ROOT/Pipelines/python/requirements-torch.txt"
"$PYTHON" -c "import lhotse" 2>/dev/null || "$PYTHON" -m pip install -q --disable-pip-version-check lhotse==1.33.0 urllib3

say "writing the Kaldi data directory and the Lhotse manifests (Pipelines/python/corpus_forms.py)"
rm -rf "$out/forms"
"$PYTHON" "$ROOT/Pipelines/python/corpus_forms.py" "$corpus" "$out/forms"

say "extracting the three forms"
"$VADPREP" extract "$corpus" --out "$out/dir" --force --quiet "${mix[@]}"
"$VADPREP" extract "$out/forms/kaldi" --out "$out/kaldi" --force --quiet "${mix[@]}"
"$VADPREP" extract "$out/forms/lhotse/recordings.jsonl.gz" --supervisions "$out/forms/lhotse/supervisions.jsonl.gz" \
    --out "$out/lhotse" --force --quiet "${mix[@]}"
"$VADPREP" extract "$out/forms/lhotse/cuts.jsonl.gz" --out "$out/lhotse-cuts" --force --quiet "${mix[@]}"

say "comparing features and labels"
status=0
for form in kaldi lhotse lhotse-cuts; do
    "$PYTHON" "$ROOT/Pipelines/python/compare_datasets.py" "$out/dir" "$out/$form" || status=1
done
exit "$status"
