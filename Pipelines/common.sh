# Shared by the Pipelines scripts: strict mode, paths, and the setup every
# entry point needs on a fresh Debian machine. Source it, do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# Debian packages vadprep builds against (C libraries) and the tools the
# corpus scripts use to make audio.
SYSTEM_PACKAGES=(pkg-config libsndfile1-dev libfftw3-dev libsoxr-dev libopenblas-dev zlib1g-dev espeak-ng sox ktuberling-data)

say() { printf '==> %s\n' "$*" >&2; }

# Installs whatever of SYSTEM_PACKAGES is missing (apt-get, as root or via sudo).
ensure_system_packages() {
    local missing=() package
    for package in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds vadprep in CONFIGURATION (release or debug) and sets VADPREP to the binary.
build_vadprep() {
    local configuration="${1:-release}"
    say "building vadprep ($configuration)"
    (cd "$ROOT" && swift build -c "$configuration" --product vadprep 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2) || {
        (cd "$ROOT" && swift build -c "$configuration" --product vadprep)
        return 1
    }
    VADPREP="$(cd "$ROOT" && swift build -c "$configuration" --show-bin-path)/vadprep"
    export VADPREP
}

# The default corpus in DIR: 60 recordings of clean speech with exact labels
# (DIR/clean, seven languages, 4-20 s, some of 30-45 s) and a library of
# white, pink, brown and babble noise, four 30 s recordings of each
# (DIR/noise). vadprep mixes them at extraction, one copy of every
# recording at a speech-active SNR of 0, 5, 10 or 20 dB instead of the
# clean one: `vadprep extract DIR/clean --noise DIR/noise "${DEFAULT_MIX[@]}"`
# (what Pipelines/prepare.sh does with a DIR holding clean/ and noise/).
DEFAULT_MIX=(--snr 0,5,10,20 --copies 1 --no-clean --augment-seed 1)
generate_default_corpus() {   # DIR [--quiet]
    local dir="$1"
    shift
    generate_speech "$dir/clean" --count 60 --seed 1 "$@"
    generate_noise "$dir/noise" --kinds white,pink,brown,babble --per-kind 4 --seed 1 "$@"
}

# Generates clean speech with exact labels (make_corpus.py speech) into DIR
# with ARGS, unless DIR holds what the same generator made with the same
# arguments (--quiet aside).
generate_speech() { generate_with_python speech "$@"; }

# Generates a library of noise recordings (make_corpus.py noise) into DIR
# with ARGS, likewise kept when already made.
generate_noise() { generate_with_python noise "$@"; }

generate_with_python() {
    local what="$1" dir="$2" stamp argument arguments=()
    shift 2
    for argument in "$@"; do [ "$argument" = --quiet ] || arguments+=("$argument"); done
    stamp="$(cat "$ROOT"/Pipelines/corpus/*.py | sha256sum | cut -c1-16) $what ${arguments[*]}"
    [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
    say "generating $dir (make_corpus.py $what $*)"
    rm -rf "$dir"
    corpus_python
    "$CORPUS_PYTHON" "$ROOT/Pipelines/corpus/make_corpus.py" "$what" "$dir" "$@"
    echo "$stamp" > "$dir/.stamp"
}

# Sets CORPUS_PYTHON to an interpreter with the generator's requirements:
# VADPREP_PYTHON when set, else a virtualenv made once.
corpus_python() {
    [ -n "${CORPUS_PYTHON:-}" ] && return 0
    if [ -n "${VADPREP_PYTHON:-}" ]; then
        CORPUS_PYTHON="$VADPREP_PYTHON"
    else
        local saved="${PYTHON:-}"
        python_venv "$ROOT/Pipelines/corpus/requirements.txt" "$ROOT/.build-corpusvenv"
        CORPUS_PYTHON="$PYTHON"
        PYTHON="$saved"
    fi
    export CORPUS_PYTHON
}

# Creates (once) a virtualenv (VENV, default $ROOT/.build-venv) with
# REQUIREMENTS installed, and sets PYTHON to its interpreter.
python_venv() {
    local requirements="$1" venv="${2:-$ROOT/.build-venv}"
    if [ ! -x "$venv/bin/python" ]; then
        say "creating the Python virtualenv $venv"
        python3 -m venv "$venv"
    fi
    if ! cmp -s "$requirements" "$venv/requirements.installed" 2>/dev/null; then
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
        cp "$requirements" "$venv/requirements.installed"
    fi
    PYTHON="$venv/bin/python"
    export PYTHON
}
