#!/usr/bin/env bash
# Extraction speed and memory, vadprep against its peers, in one run on the
# same files: a fixed benchmark corpus (48 recordings, about 10 minutes of
# 16 kHz mono audio in files of 2-30 s: the corpus generator's clean speech
# with white, pink, brown or babble noise mixed in by vadprep extract --noise,
# written out as 16-bit WAV),
# each command timed as a whole process REPEATS times (minimum and median
# wall time, to 0.1 ms; peak RSS), the peers also in-process (imports excluded), all
# computing 20 MFCCs with deltas. Single-threaded runs are pinned to core 0.
#
# Also the cost of reading the same corpus through a Kaldi data directory and
# through Lhotse manifests against the directory layout (same audio, same
# options, runs interleaved, medians; the target is at most 5 % over).
#
# Also the cost of augmentation: one augmented copy per utterance instead of
# the clean one (--no-clean --copies 1, noise at a drawn SNR) against a plain
# extract (target: at most 30 % over), and the same with reverberation by
# impulse responses up to 1 s long (target: at most 100 % over). The targets
# are per copy; the noise library (125 s of noise) is decoded once a run,
# whatever the corpus's length, and that fixed part is printed on its own.
#
# Also how extraction scales, on the benchmark corpus ten times over (hard
# links, one directory tree): --jobs 1 against kaldi-native-fbank (whole
# processes, target at least 10x), --jobs 2 against --jobs 1 (target at least
# 1.85x), the serial share of a --jobs 1 run (the wall time outside the
# workers' phase that `extract --timings` reports, process start included;
# target at most 8 %) with its Amdahl projection to 16 cores, and what
# --raw-frames costs at --jobs 1 (target at most +40 %). Runs interleaved,
# medians.
#
#   Pipelines/bench.sh [REPEATS] [--inputs-only | --augment-only | --scaling-only]     (default 5)
#
# BENCH_PYTHON=PATH runs the peers with that interpreter instead of a
# virtualenv made for them (VADPREP_PYTHON does the same for the corpus
# generator).
source "$(dirname "$0")/common.sh"
repeats="${1:-5}"
inputs_only=""
augment_only=""
[ "${2:-}" = "--inputs-only" ] && inputs_only=1
[ "${2:-}" = "--augment-only" ] && augment_only=1
scaling_only=""
[ "${2:-}" = "--scaling-only" ] && scaling_only=1
ensure_system_packages
build_vadprep release
work="$ROOT/.build-bench"
mkdir -p "$work"

corpus="$work/corpus"
if [ "$(cat "$corpus/.done" 2>/dev/null)" != "mixed by vadprep" ]; then
    # Mixed once, outside the clock, like the shell generator's corpus this
    # replaces (which mixed with sox; 879 s of audio, this one 864 s): one copy
    # of every recording at 20/10/5/0 dB, written by --write-audio and
    # stored as 16-bit 16 kHz WAV beside the generator's exact labels.
    say "generating the benchmark corpus"
    rm -rf "$work/mixed" "$corpus"
    generate_speech "$work/raw" --count 48 --seed 7 --min-seconds 2 --max-seconds 30 --quiet >/dev/null
    generate_noise "$work/raw-noise" --kinds white,pink,brown,babble --per-kind 2 --seed 7 --quiet >/dev/null
    "$VADPREP" extract "$work/raw" --noise "$work/raw-noise" --snr 0,5,10,20 --copies 1 --no-clean --augment-seed 7 \
        --out "$work/mixed/features" --write-audio "$work/mixed/audio" --quiet
    while IFS= read -r file; do
        name="${file#"$work/mixed/audio/"}"
        name="${name%~aug1.wav}"
        mkdir -p "$(dirname "$corpus/$name")"
        sox -V1 -R -D "$file" -b 16 "$corpus/$name.wav"   # -V1: the float WAV's short fmt chunk draws a warning
        cp "$work/raw/$name.txt" "$corpus/$name.txt"
    done < <(find "$work/mixed/audio" -name '*.wav' | sort)
    rm -rf "$work/mixed"
    echo "mixed by vadprep" > "$corpus/.done"
fi
find "$corpus" -name '*.wav' | sort > "$work/files.txt"
audio=$(while read -r f; do soxi -D "$f"; done < "$work/files.txt" | awk '{ s += $1 } END { printf "%.1f", s }')

# input_forms: the benchmark corpus as a Kaldi data directory and as Lhotse
# manifests, each extracted REPEATS times (interleaved with the directory
# layout, one job on core 0); prints each form's median against the directory's.
input_forms() {
    local python="${PYTHON:-python3}" by_hand=()
    "$python" -c "import lhotse" 2>/dev/null || by_hand=(--by-hand)
    rm -rf "$work/forms"
    "$python" "$ROOT/Pipelines/python/corpus_forms.py" "$corpus" "$work/forms" "${by_hand[@]}"
    local -A runs=()
    local form t start end
    for _ in $(seq "$repeats"); do
        for form in dir kaldi lhotse lhotse-cuts; do
            local input=()
            case "$form" in
                dir) input=("$corpus") ;;
                kaldi) input=("$work/forms/kaldi") ;;
                lhotse) input=("$work/forms/lhotse/recordings.jsonl.gz" --supervisions "$work/forms/lhotse/supervisions.jsonl.gz") ;;
                lhotse-cuts) input=("$work/forms/lhotse/cuts.jsonl.gz") ;;
            esac
            start=$EPOCHREALTIME
            taskset -c 0 "$VADPREP" extract "${input[@]}" --out "$work/form-$form" --force --quiet --jobs 1
            end=$EPOCHREALTIME
            t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')
            runs[$form]+="$t "
        done
    done
    printf '\nreading the benchmark corpus (%s files, %s s of audio) in three forms, vadprep extract --jobs 1, %s runs each, interleaved%s:\n' \
        "$(wc -l < "$work/files.txt")" "$audio" "$repeats" "${by_hand:+ (manifests written without Lhotse)}"
    local base
    base=$(printf '%s\n' ${runs[dir]} | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    for form in dir kaldi lhotse lhotse-cuts; do
        printf '%s\n' ${runs[$form]} | sort -n | awk -v n="$form" -v base="$base" '{ a[NR] = $1 }
            END { m = a[int((NR + 1) / 2)]; printf "  %-12s min %7.3f s  median %7.3f s  %+6.1f %% against the directory layout\n", n, a[1], m, 100 * (m / base - 1) }'
    done
}
# augment_cost: plain extract, one noisy copy, one noisy reverberant copy,
# REPEATS runs each, interleaved, one job on core 0; prints medians.
augment_cost() {
    local aug="$work/augment"
    if [ ! -f "$aug/.done" ]; then
        rm -rf "$aug"; mkdir -p "$aug/noise" "$aug/rir"
        sox -R -n -r 16000 -b 16 -c 1 "$aug/noise/pink.wav" synth 60 pinknoise vol 0.3
        sox -R -n -r 16000 -b 16 -c 1 "$aug/noise/brown.wav" synth 45 brownnoise vol 0.3
        sox -R -n -r 44100 -b 16 -c 2 "$aug/noise/white.flac" synth 20 whitenoise vol 0.1
        # Impulse responses: decaying noise of 0.3, 0.6 and 1 s.
        for len in 0.3 0.6 1; do
            sox -R -n -r 16000 -b 16 -c 1 "$aug/rir/room-$len.wav" synth "$len" whitenoise vol 0.5 fade q 0 "$len" "$len"
        done
        touch "$aug/.done"
    fi
    # One short recording of the corpus alone: with and without --noise, the
    # fixed cost of loading the noise library (it does not grow with the corpus).
    rm -rf "$aug/one"; mkdir -p "$aug/one"
    local first; first=$(head -1 "$work/files.txt")
    cp "$first" "${first%.wav}.txt" "$aug/one/"
    local -A runs=()
    local kind t start end
    for _ in $(seq "$repeats"); do
        for kind in plain noise reverb one-plain one-noise; do
            local extra=() input="$corpus"
            case "$kind" in
                noise|one-noise) extra=(--noise "$aug/noise" --snr 0:20 --no-clean --copies 1) ;;
                reverb) extra=(--noise "$aug/noise" --snr 0:20 --no-clean --copies 1 --rir "$aug/rir") ;;
            esac
            [ "${kind#one-}" != "$kind" ] && input="$aug/one"
            start=$EPOCHREALTIME
            taskset -c 0 "$VADPREP" extract "$input" --out "$work/aug-$kind" --force --quiet --jobs 1 "${extra[@]}"
            end=$EPOCHREALTIME
            t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')
            runs[$kind]+="$t "
        done
    done
    printf '\naugmentation on the benchmark corpus (%s s of audio), vadprep extract --jobs 1, %s runs each, interleaved:\n' "$audio" "$repeats"
    local base
    base=$(printf '%s\n' ${runs[plain]} | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    for kind in plain noise reverb; do
        local label
        case "$kind" in
            plain) label="plain extract" ;;
            noise) label="one noisy copy (--no-clean --copies 1), target +30 %" ;;
            reverb) label="one noisy copy reverberated (RIRs up to 1 s), target +100 %" ;;
        esac
        printf '%s\n' ${runs[$kind]} | sort -n | awk -v n="$label" -v base="$base" '{ a[NR] = $1 }
            END { m = a[int((NR + 1) / 2)]; printf "  %-62s median %7.3f s  %+6.1f %% against plain\n", n, m, 100 * (m / base - 1) }'
    done
    local one_plain one_noise
    one_plain=$(printf '%s\n' ${runs[one-plain]} | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    one_noise=$(printf '%s\n' ${runs[one-noise]} | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    awk -v p="$one_plain" -v q="$one_noise" -v base="$base" 'BEGIN {
        printf "  of which loading the noise library (125 s, once a run; medians on one short file): %.3f s, %.1f %% of plain\n", q - p, 100 * (q - p) / base }'
}
# tenfold: the benchmark corpus ten times over, as hard links in one tree.
tenfold() {
    if [ ! -f "$work/tenfold/.done" ]; then
        rm -rf "$work/tenfold"; mkdir -p "$work/tenfold"
        for k in $(seq 10); do cp -al "$corpus" "$work/tenfold/copy$k"; done
        touch "$work/tenfold/.done"
    fi
    find "$work/tenfold" -name '*.wav' | sort > "$work/tenfold-files.txt"
}

# timing_of DATASET KEY: one number of the timings.json `extract --timings` wrote.
timing_of() {
    awk -v key="\"$2\"" '$1 == key && $2 == ":" { gsub(/,/, "", $3); print $3 }' "$1/timings.json"
}

# median: the median of the numbers on stdin.
median() {
    sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# scaling: on the ten-fold corpus, REPEATS interleaved runs each of --jobs 1
# (core 0), --jobs 2 and --jobs 1 --raw-frames (core 0), whole processes, with
# --timings; then kaldi-native-fbank on one core (whole process, REPEATS runs).
scaling() {
    tenfold
    local audio10 files
    files=$(wc -l < "$work/tenfold-files.txt")
    audio10=$(awk -v a="$audio" 'BEGIN { printf "%.1f", 10 * a }')
    local -A runs=() serial=() before=() after=() busy=() rss=()
    local kind start end t
    for _ in $(seq "$repeats"); do
        for kind in jobs1 jobs2 raw; do
            local run=()
            case "$kind" in
                jobs1) run=(taskset -c 0 "$VADPREP" extract "$work/tenfold" --jobs 1) ;;
                jobs2) run=("$VADPREP" extract "$work/tenfold" --jobs 2) ;;
                raw) run=(taskset -c 0 "$VADPREP" extract "$work/tenfold" --jobs 1 --raw-frames) ;;
            esac
            # The previous run's output is removed outside the clock (with
            # --force, deleting the larger raw-frames dataset cost that run
            # about 0.1 s before its workers started).
            rm -rf "$work/scale-$kind"
            start=$EPOCHREALTIME
            /usr/bin/time -f "%M" -o "$work/time.txt" "${run[@]}" --out "$work/scale-$kind" --quiet --timings >/dev/null
            end=$EPOCHREALTIME
            t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')
            runs[$kind]+="$t "
            serial[$kind]+="$(awk -v w="$t" -v p="$(timing_of "$work/scale-$kind" workers_seconds)" 'BEGIN { printf "%.5f", (w - p) / w }') "
            before[$kind]+="$(timing_of "$work/scale-$kind" before_workers_seconds) "
            after[$kind]+="$(timing_of "$work/scale-$kind" after_workers_seconds) "
            busy[$kind]+="$(timing_of "$work/scale-$kind" worker_busy_seconds) "
            rss[$kind]=$(( $(cat "$work/time.txt") > ${rss[$kind]:-0} ? $(cat "$work/time.txt") : ${rss[$kind]:-0} ))
        done
    done
    local knf_runs=""
    if "$PYTHON" -c "import kaldi_native_fbank" 2>/dev/null; then
        for _ in $(seq "$repeats"); do
            start=$EPOCHREALTIME
            env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c 0 "$PYTHON" "$ROOT/Pipelines/python/peers.py" knf "$work/tenfold-files.txt" >/dev/null
            end=$EPOCHREALTIME
            knf_runs+="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }') "
        done
    fi
    local j1 j2 raw knf s
    j1=$(printf '%s\n' ${runs[jobs1]} | median)
    j2=$(printf '%s\n' ${runs[jobs2]} | median)
    raw=$(printf '%s\n' ${runs[raw]} | median)
    s=$(printf '%s\n' ${serial[jobs1]} | median)
    printf '\nscaling on the benchmark corpus ten times over (%s files, %s s of audio), %s runs each, interleaved, medians; %s cores; load average %s:\n' \
        "$files" "$audio10" "$repeats" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
    for kind in jobs1 jobs2 raw; do
        local label
        case "$kind" in
            jobs1) label="--jobs 1 (core 0)" ;;
            jobs2) label="--jobs 2" ;;
            raw) label="--jobs 1 --raw-frames (core 0)" ;;
        esac
        awk -v n="$label" -v w="$(printf '%s\n' ${runs[$kind]} | median)" -v audio="$audio10" \
            -v b="$(printf '%s\n' ${before[$kind]} | median)" -v a="$(printf '%s\n' ${after[$kind]} | median)" \
            -v busy="$(printf '%s\n' ${busy[$kind]} | median)" -v s="$(printf '%s\n' ${serial[$kind]} | median)" -v r="${rss[$kind]}" 'BEGIN {
            printf "  %-32s %7.3f s %7.0fx real time; before workers %.3f s, after %.3f s, busy %.3f s; serial %4.1f %%; RSS %.0f MB\n",
                n, w, audio / w, b, a, busy, 100 * s, r / 1024 }'
    done
    if [ -n "$knf_runs" ]; then
        knf=$(printf '%s\n' $knf_runs | median)
        awk -v k="$knf" -v v="$j1" 'BEGIN { printf "  --jobs 1 against kaldi-native-fbank (%.3f s, whole process, core 0): %.2fx   (target at least 10x)\n", k, k / v }'
    else
        echo "  --jobs 1 against kaldi-native-fbank: not measured (kaldi_native_fbank does not import)"
    fi
    awk -v a="$j1" -v b="$j2" 'BEGIN { printf "  --jobs 2 against --jobs 1: %.2fx   (target at least 1.85x)\n", a / b }'
    awk -v s="$s" 'BEGIN { printf "  serial share of --jobs 1, process start included: %.1f %%   (target at most 8 %%); Amdahl: at most %.2fx on 2 cores, %.1fx on 16\n",
        100 * s, 1 / (s + (1 - s) / 2), 1 / (s + (1 - s) / 16) }'
    awk -v a="$j1" -v r="$raw" 'BEGIN { printf "  --raw-frames at --jobs 1: %+.1f %% over plain   (target at most +40 %%)\n", 100 * (r / a - 1) }'
    echo "  --raw-frames waveform stored as: $(grep -o '"waveform_dtype" : "[A-Z0-9]*"' "$work/scale-raw/index.json" | cut -d'"' -f4 | sort | uniq -c | awk '{ printf "%s%s shards %s", (NR > 1 ? ", " : ""), $1, $2 }')"
    rm -rf "$work/scale-jobs1" "$work/scale-jobs2" "$work/scale-raw"
}

if [ -z "$scaling_only" ]; then
    augment_cost
    [ -n "$augment_only" ] && exit 0
    input_forms
    [ -n "$inputs_only" ] && exit 0
fi

if [ -n "${BENCH_PYTHON:-}" ]; then
    PYTHON="$BENCH_PYTHON"  # an interpreter of one's own; peers it cannot import are reported as not measured
else
    say "peers' virtualenv"
    python_venv "$ROOT/Pipelines/python/requirements-bench.txt" "$work/venv"
fi
scaling
[ -n "$scaling_only" ] && exit 0
peers=(knf librosa psf)
if "$PYTHON" -m pip install -q --disable-pip-version-check -r "$ROOT/Pipelines/python/requirements-torch.txt" >/dev/null 2>&1 \
    && "$PYTHON" -m pip install -q --disable-pip-version-check --no-deps torchaudio==2.11.0 >/dev/null 2>&1 \
    && "$PYTHON" -c "import torchaudio" >/dev/null 2>&1; then
    peers+=(torchaudio)
else
    torchaudio_note="torchaudio: not measured (torchaudio 2.11.0, the newest on PyPI, does not load with the CPU torch 2.13 available here)"
fi

# measure NAME COMMAND...: REPEATS whole-process runs; prints "NAME min median rss_mb".
measure() {
    local name="$1"; shift
    local times=() rss=0 t m
    local start end
    for _ in $(seq "$repeats"); do
        start=$EPOCHREALTIME
        /usr/bin/time -f "%M" -o "$work/time.txt" "$@" > "$work/last.out"
        end=$EPOCHREALTIME
        read -r m < "$work/time.txt"
        t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }')
        times+=("$t")
        [ "$m" -gt "$rss" ] && rss=$m
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v n="$name" -v r="$rss" '{ a[NR] = $1 } END { printf "%s\t%s\t%s\t%.0f\n", n, a[1], a[int((NR + 1) / 2)], r / 1024 }'
}

say "timing ($repeats runs each)"
out="$work/out"
{
    measure "vadprep extract --jobs 1" taskset -c 0 "$VADPREP" extract "$corpus" --out "$out" --force --quiet --jobs 1
    measure "vadprep extract --jobs 2" "$VADPREP" extract "$corpus" --out "$out" --force --quiet --jobs 2
    measure "vadprep extract --jobs 1 --raw-frames" taskset -c 0 "$VADPREP" extract "$corpus" --out "$out" --force --quiet --jobs 1 --raw-frames
    measure "vadprep extract --jobs 2 --raw-frames" "$VADPREP" extract "$corpus" --out "$out" --force --quiet --jobs 2 --raw-frames
    for peer in "${peers[@]}"; do
        measure "$peer (whole process)" env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 \
            taskset -c 0 "$PYTHON" "$ROOT/Pipelines/python/peers.py" "$peer" "$work/files.txt"
        # The same work timed inside the process (imports and a warm-up excluded).
        env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 taskset -c 0 \
            "$PYTHON" "$ROOT/Pipelines/python/peers.py" "$peer" "$work/files.txt" --row
    done
} > "$work/results.tsv"

base=$(awk -F'\t' 'NR == 1 { print $2 }' "$work/results.tsv")
printf '\nbenchmark corpus: %s files, %s s of audio; %s; %s cores; vadprep %s\n' "$(wc -l < "$work/files.txt")" "$audio" \
    "$(date -u +%F)" "$(nproc)" "$("$VADPREP" --version)"
printf '%-46s %9s %9s %10s %16s %8s\n' "command" "min s" "median s" "x realtime" "vs vadprep -j1" "RSS MB"
awk -F'\t' -v audio="$audio" -v base="$base" '{
    printf "%-46s %9.3f %9.3f %10.0f %15.2fx %8s\n", $1, $2, $3, audio / $2, base / $2, $4 }' "$work/results.tsv"
[ -n "${torchaudio_note:-}" ] && echo "$torchaudio_note"

say "memory: one file of one hour, and the corpus ten times over"
if [ ! -f "$work/hour/hour.wav" ]; then
    mkdir -p "$work/hour"
    sox -R -D -n -r 16000 -b 16 -c 1 "$work/hour/hour.wav" synth 3600 pinknoise vol 0.3
    printf '10\t3000\tspeech\n' > "$work/hour/hour.txt"
fi
tenfold
for set in "one-hour file:$work/hour" "benchmark corpus:$corpus" "corpus x10:$work/tenfold"; do
    /usr/bin/time -f "%M" -o "$work/time.txt" "$VADPREP" extract "${set#*:}" --out "$out" --force --quiet --jobs 2
    printf '%-20s peak RSS %6.0f MB (--jobs 2)\n' "${set%%:*}" "$(awk '{ print $1 / 1024 }' "$work/time.txt")"
done
