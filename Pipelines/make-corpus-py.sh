#!/usr/bin/env bash
# Runs the Python corpus generator, Pipelines/corpus/make_corpus.py, in the
# project's virtualenv (created on first use with Pipelines/corpus/requirements.txt).
#
#   Pipelines/make-corpus-py.sh speech OUT [--count N] [--seed S] [--min-seconds A]
#       [--max-seconds B] [--languages LIST] [--jobs J] [--quiet]
#   Pipelines/make-corpus-py.sh noise OUT [--kinds LIST] [--per-kind N]
#       [--seconds S] [--seed S] [--noise-shaping P] [--jobs J] [--quiet]
#
# speech writes clean speech with exact labels (OUT/<language>/utt-NNNN.{wav,flac},
# utt-NNNN.txt, OUT/corpus.tsv); noise writes a library of the eighteen noise
# kinds (OUT/<kind>/NNNN.wav, OUT/noise.tsv). Keep the two apart, e.g.
#   Pipelines/make-corpus-py.sh speech corpus/clean
#   Pipelines/make-corpus-py.sh noise corpus/noise
# Set VADPREP_PYTHON to use an interpreter that has numpy already.
source "$(dirname "$0")/common.sh"

if [ -n "${VADPREP_PYTHON:-}" ]; then
    PYTHON="$VADPREP_PYTHON"
else
    python_venv "$ROOT/Pipelines/corpus/requirements.txt" "$ROOT/.build-corpusvenv"
fi
exec "$PYTHON" "$ROOT/Pipelines/corpus/make_corpus.py" "$@"
