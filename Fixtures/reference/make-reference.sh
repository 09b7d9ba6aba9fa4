#!/usr/bin/env bash
# Recomputes the reference MFCCs in this directory with kaldi-native-fbank, in
# a virtualenv this script creates (Fixtures/reference/.venv). Run it after
# Fixtures/make-fixtures.sh; the tests only read its output, never run it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -x "$here/.venv/bin/python" ]; then python3 -m venv "$here/.venv"; fi
"$here/.venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
"$here/.venv/bin/python" "$here/make_reference.py" "$here/../corpus" "$here"
