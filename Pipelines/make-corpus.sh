#!/usr/bin/env bash
# Generates a synthetic voice-activity corpus whose labels are known by
# construction: speech chunks (espeak-ng sentences and KTuberling's recorded
# words) placed at whole-millisecond offsets between silences, with white,
# pink, brown or babble noise (by default; also mains hum, music, tones,
# engine, melody, traffic or cafe) mixed under the whole file at a chosen SNR.
#
#   Pipelines/make-corpus.sh OUT_DIR [--count N] [--seed S]
#       [--min-seconds A] [--max-seconds B] [--languages LIST]
#       [--noises LIST] [--snr LIST] [--noise-shaping P] [--jobs J] [--quiet]
#
# Writes OUT_DIR/<language>/utt-NNNN.{wav,flac} with an Audacity label track
# OUT_DIR/<language>/utt-NNNN.txt beside each (start<TAB>end<TAB>speech), and
# OUT_DIR/corpus.tsv describing every utterance. The same arguments give
# byte-identical files; utterance k depends only on (seed, k), not on --count.
# Needs bash, espeak-ng, sox (with libsox-fmt-base) and ktuberling-data.
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
self="$(basename "$0")"

usage() {
    cat <<EOF
usage: $self OUT_DIR [options]

Generates N labelled recordings under OUT_DIR/<language>/ plus OUT_DIR/corpus.tsv.

options:
  --count N          utterances to generate (default 60)
  --seed S           random seed, a non-negative integer (default 1)
  --min-seconds A    shortest utterance, seconds (default 4)
  --max-seconds B    longest utterance, seconds (default 20); about 1 in 10
                     utterances is a long one of 30-45 s regardless
  --languages LIST   comma-separated languages with sentence lists in
                     corpus-text/ (default en,es,de,fr,it,pt,nl; also
                     sv,fi,ca,ro,da,ru,el,uk,lt,sl,ga,sr, which have
                     KTuberling words too)
  --noises LIST      comma-separated from white,pink,brown,babble,hum,music,
                     tones,engine,melody,chords,wind,traffic,cafe,rain,fan,
                     typing,birds,vacuum,none (default white,pink,brown,
                     babble; hum is 50 or 60 Hz mains hum with harmonics over
                     faint hiss,
                     music plucked pentatonic chords, tones beeps and sweeps
                     of 0.3-3 kHz, engine brown noise throbbing at 4-30 Hz,
                     melody one synthesizer voice playing a tune, chords an
                     organ-like synthesizer holding chords of three or four
                     notes, wind band-limited noise in slow
                     irregular gusts, traffic cars swelling and fading over a
                     low rumble, cafe a drifting band-limited murmur with
                     clinks of cups and cutlery, rain a fluttering hiss of
                     drops, fan a steady airflow with the hum of its blades,
                     typing runs of keyboard clicks, birds trills of chirps,
                     vacuum a motor's whine over loud rushing air)
  --snr LIST         comma-separated SNRs in dB relative to the speech RMS
                     (default 20,10,5,0)
  --noise-shaping P  with probability P (default 0), pass an utterance's noise
                     through a random band-pass (low edge 0-600 Hz, high edge
                     1.2-7.6 kHz), a random peak or dip of up to 12 dB at
                     0.2-4 kHz and a slow random level drift, so that a model
                     trained on it meets noise spectra and envelopes beyond
                     those of the noise types themselves
  --jobs J           parallel workers (default: the number of CPUs)
  --quiet            no progress lines, only the summary
  -h, --help         show this help
EOF
}

bad_usage() {
    printf '%s: %s\n' "$self" "$1" >&2
    usage >&2
    exit 2
}

die() {
    printf '%s: error: %s\n' "$self" "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- options

out_dir=""
count=60
seed=1
min_seconds=4
max_seconds=20
languages="en,es,de,fr,it,pt,nl"
noises="white,pink,brown,babble"
snrs="20,10,5,0"
shaping=0
jobs=""
quiet=0

while [ $# -gt 0 ]; do
    arg="$1"
    value=""
    case "$arg" in
        --*=*) value="${arg#*=}"; arg="${arg%%=*}"; set -- "$arg" "$value" "${@:2}" ;;
    esac
    case "$arg" in
        -h|--help) usage; exit 0 ;;
        --quiet) quiet=1; shift ;;
        --count|--seed|--min-seconds|--max-seconds|--languages|--noises|--snr|--noise-shaping|--jobs)
            [ $# -ge 2 ] || bad_usage "$arg needs a value"
            case "$arg" in
                --count) count="$2" ;;
                --seed) seed="$2" ;;
                --min-seconds) min_seconds="$2" ;;
                --max-seconds) max_seconds="$2" ;;
                --languages) languages="$2" ;;
                --noises) noises="$2" ;;
                --snr) snrs="$2" ;;
                --noise-shaping) shaping="$2" ;;
                --jobs) jobs="$2" ;;
            esac
            shift 2 ;;
        -*) bad_usage "unknown option: $arg" ;;
        *)
            [ -z "$out_dir" ] || bad_usage "more than one OUT_DIR: $out_dir, $arg"
            out_dir="$arg"; shift ;;
    esac
done

[ -n "$out_dir" ] || bad_usage "missing OUT_DIR"
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_number() { [[ "$1" =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }
is_uint "$count" && [ "$count" -ge 1 ] || bad_usage "--count must be a positive integer, not '$count'"
is_uint "$seed" && [ "${#seed}" -le 18 ] || bad_usage "--seed must be a non-negative integer, not '$seed'"
is_number "$min_seconds" || bad_usage "--min-seconds must be a number, not '$min_seconds'"
is_number "$max_seconds" || bad_usage "--max-seconds must be a number, not '$max_seconds'"
awk -v a="$min_seconds" -v b="$max_seconds" 'BEGIN { exit !(a >= 1 && a <= b && b <= 600) }' ||
    bad_usage "need 1 <= --min-seconds <= --max-seconds <= 600 (got $min_seconds, $max_seconds)"
if [ -z "$jobs" ]; then jobs="$(nproc 2>/dev/null || echo 2)"; fi
is_uint "$jobs" && [ "$jobs" -ge 1 ] || bad_usage "--jobs must be a positive integer, not '$jobs'"
[[ "$languages" =~ ^[a-z][a-z0-9_-]*(,[a-z][a-z0-9_-]*)*$ ]] || bad_usage "bad --languages list: '$languages'"
[[ "$noises" =~ ^[a-z]+(,[a-z]+)*$ ]] || bad_usage "bad --noises list: '$noises'"
for noise in ${noises//,/ }; do
    case "$noise" in
        white|pink|brown|babble|hum|music|tones|engine|melody|chords|wind|traffic|cafe|rain|fan|typing|birds|vacuum|none) ;;
        *) bad_usage "unknown noise '$noise' (white, pink, brown, babble, hum, music, tones, engine, melody, chords, wind, traffic, cafe, rain, fan, typing, birds, vacuum, none)" ;;
    esac
done
[[ "$snrs" =~ ^-?[0-9]+(\.[0-9]+)?(,-?[0-9]+(\.[0-9]+)?)*$ ]] || bad_usage "bad --snr list: '$snrs'"
is_number "$shaping" && awk -v p="$shaping" 'BEGIN { exit !(p >= 0 && p <= 1) }' ||
    bad_usage "--noise-shaping must be a probability from 0 to 1, not '$shaping'"
text_dir="$here/corpus-text"
for lang in ${languages//,/ }; do
    [ -s "$text_dir/$lang.txt" ] || bad_usage "no sentence list for language '$lang' (expected $text_dir/$lang.txt)"
done

# ---------------------------------------------------------------- tools

command -v espeak-ng >/dev/null || die "espeak-ng not found; install it with: apt-get install espeak-ng"
command -v sox >/dev/null && command -v soxi >/dev/null || die "sox not found; install it with: apt-get install sox libsox-fmt-base"
command -v awk >/dev/null || die "awk not found; install it with: apt-get install mawk"
sox_formats="$(sox -h 2>/dev/null | sed -n 's/^AUDIO FILE FORMATS: //p')"
for format in flac ogg wav; do
    [[ " $sox_formats " == *" $format "* ]] ||
        die "sox cannot read or write $format files; install it with: apt-get install libsox-fmt-base"
done
words_root="${KTUBERLING_SOUNDS:-/usr/share/ktuberling/sounds}"
ls "$words_root"/*/*.ogg >/dev/null 2>&1 ||
    die "KTuberling's recorded words not found in $words_root; install them with: apt-get install ktuberling-data"

# espeak-ng voices per language; a language not listed uses its own code.
voices_for() {
    case "$1" in
        en) echo "en-us en-gb en-gb-scotland en-029" ;;
        es) echo "es es-419" ;;
        fr) echo "fr-fr fr-be" ;;
        pt) echo "pt pt-br" ;;
        ru) echo "ru ru-lv" ;;
        *) echo "$1" ;;
    esac
}
voice_table=""
for lang in ${languages//,/ }; do
    for voice in $(voices_for "$lang"); do
        espeak-ng -v "$voice" -q "a" >/dev/null 2>&1 ||
            die "espeak-ng has no voice '$voice' for language '$lang' (apt-get install espeak-ng-data)"
    done
    voice_table+="$lang=$(voices_for "$lang" | tr ' ' ':');"
done

# ---------------------------------------------------------------- work area

mkdir -p "$out_dir" || die "cannot create $out_dir"
out_dir="$(cd "$out_dir" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/make-corpus.XXXXXX")"
cleanup() {
    rm -rf "$work"
    find "$out_dir" -mindepth 2 -maxdepth 2 -name '.utt-*.part' -delete 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Recorded words per language, in a fixed order (.ogg and .wav; sox lacks opus).
for lang in ${languages//,/ }; do
    : > "$work/words-$lang.lst"
    if [ -d "$words_root/$lang" ]; then
        find "$words_root/$lang" -maxdepth 1 -type f \( -name '*.ogg' -o -name '*.wav' \) | sort > "$work/words-$lang.lst"
    fi
done

min_ms="$(awk -v s="$min_seconds" 'BEGIN { printf "%d", s * 1000 + 0.5 }')"
max_ms="$(awk -v s="$max_seconds" 'BEGIN { printf "%d", s * 1000 + 0.5 }')"

export out_dir work text_dir words_root count seed min_ms max_ms languages noises snrs shaping voice_table quiet

# ---------------------------------------------------------------- planner
#
# Every random choice of utterance K, drawn from a Park-Miller generator whose
# state comes from sha256("vadprep-corpus SEED K"): utterance K is the same
# whatever --count is. Prints the plan as tab-separated lines.
plan_utterance() {
    local k="$1" hash
    hash="$(printf 'vadprep-corpus %s %s' "$seed" "$k" | sha256sum)"
    awk -v init="$((16#${hash:0:12}))" -v k="$k" -v langs="$languages" -v noises="$noises" \
        -v snrs="$snrs" -v shaping="$shaping" -v min_ms="$min_ms" -v max_ms="$max_ms" -v voice_table="$voice_table" \
        -v text_dir="$text_dir" -v work="$work" '
    function rnd() { st = (st * 48271) % 2147483647; return st / 2147483647 }
    function pick(n) { return 1 + int(rnd() * n) }
    function between(a, b) { return a + rnd() * (b - a) }
    function gap_ms() { return 200 + int(2800 * rnd() ^ 1.8) }
    BEGIN {
        st = init % 2147483646 + 1
        for (i = 0; i < 10; i++) rnd()
        split("f1 f2 f3 f4 f5 m1 m2 m3 m4 m5 m6 m7 klatt klatt2 klatt3 Annie Andy Alicia benjamin david ed Gene john linda max Michael paul quincy rob robert steph travis victor norbert shelby grandma grandpa", VAR, " ")
        nvar = 0; for (i in VAR) nvar++

        nlang = split(langs, LANG, ","); lang = LANG[pick(nlang)]
        ntab = split(voice_table, TAB, ";")
        for (i = 1; i <= ntab; i++) { split(TAB[i], kv, "="); if (kv[1] == lang) nvoice = split(kv[2], VOICE, ":") }
        nsent = 0
        file = text_dir "/" lang ".txt"
        while ((getline line < file) > 0) if (line ~ /[^ \t\r]/) { sub(/\r$/, "", line); SENT[++nsent] = line }
        close(file)
        nword = 0
        file = work "/words-" lang ".lst"
        while ((getline line < file) > 0) WORD[++nword] = line
        close(file)

        # Formats by index, so that the shares are exact: 1 in 6 FLAC at
        # 22050 Hz (even K), 1 in 8 WAV at 44100 Hz (odd K), the rest 16 kHz WAV.
        fmt = (k % 6 == 2) ? "flac-22050" : (k % 8 == 5) ? "wav-44100" : "wav-16000"

        # Duration: a whole number of 20 ms, so that every output rate has a
        # whole number of samples. About 1 in 10 is 30-45 s long.
        if (rnd() < 0.1) { lo = 30000; hi = 45000 } else { lo = min_ms; hi = max_ms }
        dur = 20 * int(between(lo, hi) / 20 + 0.5)
        if (dur < lo) dur += 20; if (dur > hi) dur -= 20
        if (dur < 1000) dur = 1000

        voice = VOICE[pick(nvoice)] "+" VAR[pick(nvar)]
        speed = int(between(140, 205)); pitch = int(between(25, 75))
        r = rnd(); pword = r < 0.4 ? 0 : r < 0.8 ? 0.3 : r < 0.95 ? 0.7 : 1
        if (nword == 0) pword = 0
        level = between(-12, -3)
        nnoise = split(noises, NOISE, ","); noise = NOISE[pick(nnoise)]
        nsnr = split(snrs, SNR, ","); snr = SNR[pick(nsnr)]
        noise_offset = int(between(0, 20000))

        printf "utt\t%s\t%s\t%d\t%s\t%.2f\t%s\t%s\t%d\n", fmt, lang, dur, voice, level, noise, snr, noise_offset
        for (i = 0; i < 80; i++) printf "gap\t%d\n", gap_ms()
        last = 0
        for (i = 0; i < 60; i++) {
            if (rnd() < pword) {
                printf "chunk\tword\t%s\t%.3f\t%.2f\n", WORD[pick(nword)], between(0.9, 1.12), level + between(-3, 2)
            } else {
                do s = pick(nsent); while (s == last && nsent > 1)
                last = s
                printf "chunk\ttts\t%s\t%d\t%d\t%.2f\t%s\n", voice, speed + int(between(-12, 12)), pitch + int(between(-6, 6)), level + between(-3, 2), SENT[s]
            }
        }
        for (i = 0; i < 12 && nword > 0; i++)
            printf "filler\tword\t%s\t%.3f\t%.2f\n", WORD[pick(nword)], between(0.9, 1.12), level + between(-3, 2)

        # Babble: 2-4 other talkers, each reading its own run of sentences.
        if (noise == "babble") {
            talkers = 2 + int(rnd() * 3)
            for (t = 0; t < talkers; t++) {
                do v = VOICE[pick(nvoice)] "+" VAR[pick(nvar)]; while (v == voice)
                text = ""; need = int(dur / 1500) + 3; prev = 0
                for (j = 0; j < need; j++) { do s = pick(nsent); while (s == prev && nsent > 1); prev = s; text = text (j ? " " : "") SENT[s] }
                printf "talker\t%s\t%d\t%d\t%.2f\t%d\t%s\n", v, int(between(140, 205)), int(between(25, 75)), between(-10, -4), int(between(0, 3000)), text
            }
        }

        # Noise shaping, drawn last so that the draws above do not depend on it.
        if (noise != "none" && rnd() < shaping) {
            lo = rnd() < 0.3 ? 0 : int(between(50, 600)); hi = int(between(1200, 7600))
            printf "shape\t%d\t%d\t%d\t%.2f\t%.1f\t%.2f\t%d\n", lo, hi, int(between(200, 4000)), between(0.5, 2),
                between(-12, 12), between(0.05, 0.6), int(between(5, 60))
        }
    }'
}

# ---------------------------------------------------------------- one utterance

# Reads sox's `stat` report for a raw 16 kHz float file and prints FIELD.
stat_of() {
    sox -t f32 -r 16000 -c 1 "$1" -n stat 2>&1 | awk -F: -v want="$2" '$1 ~ want { gsub(/ /, "", $2); print $2; exit }'
}

# Renders one speech chunk to a trimmed, levelled 16 kHz float file; prints
# its length in whole milliseconds (0 if unusable).
render_chunk() {
    local out="$1" kind="$2"; shift 2
    local trim=(silence 1 0.02 -45d reverse silence 1 0.02 -45d reverse)
    if [ "$kind" = tts ]; then
        local voice="$1" speed="$2" pitch="$3" gain="$4" text="$5"
        espeak-ng -v "$voice" -s "$speed" -p "$pitch" -w "$out.wav" "$text"
        sox -R -D --temp "$udir" "$out.wav" -t f32 -r 16000 -c 1 "$out" gain -6 rate 16000 "${trim[@]}" norm "$gain"
    else
        # Recordings have a noise floor: normalise first, then trim at -40 dB.
        local file="$1" factor="$2" gain="$3"
        sox -R -D --temp "$udir" "$file" -t f32 -r 16000 -c 1 "$out" remix - gain -6 speed "$factor" rate 16000 norm \
            silence 1 0.02 -40d reverse silence 1 0.02 -40d reverse gain "$gain"
    fi
    local bytes
    bytes="$(stat -c %s "$out")"
    echo $(( bytes / 64 ))   # 16 samples of 4 bytes = 1 ms
}

ms_to_s() { printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )); }

make_utterance() {
    local k="$1"
    local id udir
    id="$(printf 'utt-%04d' "$k")"
    udir="$work/u$k"
    mkdir -p "$udir"
    plan_utterance "$k" > "$udir/plan"

    local fmt lang dur voice level noise snr noise_offset
    IFS=$'\t' read -r _ fmt lang dur voice level noise snr noise_offset < <(grep '^utt' "$udir/plan")
    local -a gaps=() chunks=() fillers=() talkers=()
    mapfile -t gaps < <(awk -F'\t' '$1 == "gap" { print $2 }' "$udir/plan")
    mapfile -t chunks < <(grep '^chunk' "$udir/plan" | cut -f2-)
    mapfile -t fillers < <(grep '^filler' "$udir/plan" | cut -f2- || true)
    mapfile -t talkers < <(grep '^talker' "$udir/plan" | cut -f2- || true)

    # Place chunks: gap, chunk, gap, chunk, ... while a chunk and a 0.2 s
    # trailing gap still fit. Once a chunk does not fit, only short recorded
    # words are tried to fill the rest.
    local -a placed_file=() placed_len=()
    local pos=${gaps[0]} g=1 n=0 words=0 misses=0 ci=0 wi=0 len spec kind
    local -a f
    while [ $(( dur - pos )) -ge 500 ] && [ $misses -lt 4 ]; do
        if [ $misses -eq 0 ] && [ $ci -lt ${#chunks[@]} ]; then
            spec="${chunks[$ci]}"; ci=$((ci + 1))
        elif [ $wi -lt ${#fillers[@]} ]; then
            spec="${fillers[$wi]}"; wi=$((wi + 1))
        else
            break
        fi
        IFS=$'\t' read -r -a f <<< "$spec"
        kind="${f[0]}"
        len="$(render_chunk "$udir/c$n.f32" "${f[@]}")"
        if [ "$len" -lt 80 ]; then continue; fi
        if [ $(( pos + len + 200 )) -gt "$dur" ]; then misses=$((misses + 1)); continue; fi
        placed_file+=("$udir/c$n.f32"); placed_len+=("$len")
        [ "$kind" = word ] && words=$((words + 1))
        n=$((n + 1))
        pos=$(( pos + len ))
        if [ $(( pos + gaps[g] + 500 )) -gt "$dur" ]; then break; fi
        pos=$(( pos + gaps[g] )); g=$((g + 1))
    done

    # Starts: spread any trailing silence beyond 3 s over the gaps (each at
    # most 3 s), so long leftovers do not pile up at the end.
    local labels="" speech_ms=0 i start end
    local -a starts=()
    awk -v dur="$dur" -v lens="${placed_len[*]}" -v firstgap="${gaps[0]}" -v gaps="${gaps[*]:1}" '
    BEGIN {
        n = split(lens, L, " "); split(gaps, G, " ")
        gap[0] = firstgap; used = firstgap
        for (i = 1; i <= n; i++) { used += L[i]; if (i < n) { gap[i] = G[i]; used += G[i] } }
        trail = dur - used
        if (n > 0 && trail > 3000) {
            excess = trail - 1000
            for (round = 0; round < 4 && excess > 0; round++) {
                room = 0; for (i = 0; i < n; i++) if (gap[i] < 3000) room++
                if (room == 0) break
                each = int(excess / room)
                if (each < 1) break
                for (i = 0; i < n; i++) if (gap[i] < 3000) {
                    add = each; if (gap[i] + add > 3000) add = 3000 - gap[i]
                    gap[i] += add; excess -= add
                }
            }
        }
        p = 0
        for (i = 1; i <= n; i++) { p += gap[i - 1]; print p; p += L[i] }
    }' > "$udir/starts"
    mapfile -t starts < "$udir/starts"

    # Speech track: silence with each chunk written at its millisecond offset.
    truncate -s $(( dur * 64 )) "$udir/speech.f32"
    for i in "${!placed_file[@]}"; do
        start=${starts[$i]}; end=$(( start + placed_len[i] ))
        dd if="${placed_file[$i]}" of="$udir/speech.f32" bs=64 seek="$start" count="${placed_len[$i]}" \
            conv=notrunc status=none
        labels+="$(ms_to_s "$start")"$'\t'"$(ms_to_s "$end")"$'\tspeech\n'
        speech_ms=$(( speech_ms + placed_len[i] ))
    done

    # Noise under the whole file, scaled against the RMS of the speech alone.
    local mix="$udir/speech.f32" boost=1 noise_file="$udir/noise.f32" samples=$(( dur * 16 ))
    if [ "$noise" != none ] && [ "$speech_ms" -gt 0 ]; then
        case "$noise" in
            white|pink|brown)
                # sox -R repeats the same noise every run; start at an offset.
                sox -R -r 16000 -c 1 -n -t f32 "$noise_file" \
                    synth $(( samples + noise_offset * 16 ))s "${noise}noise" gain -12 trim $(( noise_offset * 16 ))s ;;
            babble)
                local -a inputs=()
                local t=0 tv ts tp tvol toff ttext
                for spec in "${talkers[@]}"; do
                    IFS=$'\t' read -r tv ts tp tvol toff ttext <<< "$spec"
                    espeak-ng -v "$tv" -s "$ts" -p "$tp" -w "$udir/t$t.wav" "$ttext"
                    sox -R -D "$udir/t$t.wav" -t f32 -r 16000 -c 1 "$udir/t$t.raw" gain -6 rate 16000 norm "$tvol"
                    truncate -s $(( dur * 64 )) "$udir/t$t.f32"
                    dd if="$udir/t$t.raw" of="$udir/t$t.f32" bs=64 skip="$toff" count="$dur" conv=notrunc status=none
                    inputs+=(-v 0.25 -t f32 -r 16000 -c 1 "$udir/t$t.f32")
                    t=$((t + 1))
                done
                sox -R -D -m "${inputs[@]}" -t f32 "$noise_file" ;;
            hum)
                local base=$(( noise_offset % 2 ? 60 : 50 ))
                sox -R -r 16000 -c 3 -n -t f32 "$udir/hum.f32" synth "${samples}s" sine "$base" sine $(( 2 * base )) \
                    sine $(( 3 * base )) remix 1v0.5,2v0.3,3v0.2
                sox -R -r 16000 -c 1 -n -t f32 "$udir/hiss.f32" \
                    synth $(( samples + noise_offset * 16 ))s pinknoise gain -30 trim $(( noise_offset * 16 ))s
                sox -R -D -m -t f32 -r 16000 -c 1 "$udir/hum.f32" -t f32 -r 16000 -c 1 "$udir/hiss.f32" -t f32 "$noise_file" ;;
            music)
                # Half-second chords of three plucked notes from a pentatonic scale.
                local -a scale=(C4 D4 E4 G4 A4 C5 D5 E5 G5 A5) chords=()
                local c
                for ((c = 0; c * 500 < dur + 500; c++)); do
                    sox -R -r 44100 -c 3 -n -t f32 -r 16000 "$udir/chord$c.f32" synth 0.5 \
                        pluck "${scale[$(( (c * 7 + noise_offset) % 10 ))]}" \
                        pluck "${scale[$(( (c * 3 + noise_offset + 2) % 10 ))]}" \
                        pluck "${scale[$(( (c * 5 + noise_offset + 4) % 10 ))]}" remix 1v0.33,2v0.33,3v0.33 gain -6 rate 16000
                    chords+=(-t f32 -r 16000 -c 1 "$udir/chord$c.f32")
                done
                sox -R -D "${chords[@]}" -t f32 "$noise_file" trim 0 "${samples}s" ;;
            tones)
                # Beeps and sweeps (alarms, phones, whistles) with silences between.
                local -a pieces=()
                local b=0 at=0 f1 f2 on off
                while (( at < dur )); do
                    f1=$(( 300 + (noise_offset * 37 + b * 911) % 2700 ))
                    f2=$(( 300 + (noise_offset * 53 + b * 577) % 2700 ))
                    on=$(( 100 + (noise_offset + b * 131) % 700 )) off=$(( 50 + (noise_offset + b * 257) % 900 ))
                    if (( b % 2 )); then f2=$f1; fi
                    sox -R -r 16000 -c 1 -n -t f32 "$udir/tone$b.f32" synth "0.$(printf '%03d' "$on")" sine "$f1:$f2" \
                        fade 0.01 0 0.01 pad 0 "0.$(printf '%03d' "$off")"
                    pieces+=(-t f32 -r 16000 -c 1 "$udir/tone$b.f32")
                    at=$(( at + on + off )) b=$(( b + 1 ))
                done
                sox -R -D "${pieces[@]}" -t f32 "$noise_file" trim 0 "${samples}s" ;;
            melody)
                # One square, sawtooth or triangle voice on a major scale, notes of 0.12-0.6 s.
                local -a steps=(0 2 4 5 7 9 11 12 14 16) waves=(square sawtooth triangle) notes=()
                local m=0 at=0 len semis wave
                wave="${waves[$(( noise_offset % 3 ))]}"
                while (( at < dur )); do
                    len=$(( 120 + (noise_offset * 17 + m * 389) % 480 ))
                    semis=$(( steps[(noise_offset + m * 3 + m / 4) % 10] + (noise_offset % 5) * 2 - 12 ))
                    sox -R -r 16000 -c 1 -n -t f32 "$udir/note$m.f32" synth "0.$(printf '%03d' "$len")" \
                        "$wave" "%$semis" fade 0.01 0 0.03 gain -12
                    notes+=(-t f32 -r 16000 -c 1 "$udir/note$m.f32")
                    at=$(( at + len )) m=$(( m + 1 ))
                done
                sox -R -D "${notes[@]}" -t f32 "$noise_file" trim 0 "${samples}s" ;;
            chords)
                # Held chords (root, third, fifth, and an octave or a seventh)
                # of 0.8-2.5 s moving through a progression, in one square,
                # sawtooth or triangle timbre low-passed at 0.8-3 kHz, with soft
                # attacks and releases.
                local -a roots=(0 5 7 -3 2 -5 4 9) waves=(square sawtooth triangle) held=()
                local h=0 at=0 len root third top wave cut
                wave="${waves[$(( (noise_offset / 3) % 3 ))]}" cut=$(( 800 + (noise_offset * 19) % 2200 ))
                while (( at < dur )); do
                    len=$(( 800 + (noise_offset * 23 + h * 577) % 1700 ))
                    root=$(( roots[(noise_offset + h * 3) % 8] + (noise_offset % 7) - 15 ))
                    third=$(( (noise_offset + h) % 3 ? 4 : 3 )) top=$(( (noise_offset + h * 5) % 2 ? 12 : 10 ))
                    sox -R -r 16000 -c 4 -n -t f32 -c 1 "$udir/chord$h.f32" synth "$(ms_to_s "$len")" \
                        "$wave" "%$root" "$wave" "%$(( root + third ))" "$wave" "%$(( root + 7 ))" "$wave" "%$(( root + top ))" \
                        remix 1v0.3,2v0.25,3v0.25,4v0.2 gain -12 lowpass "$cut" \
                        fade q "0.$(printf '%03d' $(( 20 + (noise_offset + h * 41) % 180 )))" "$(ms_to_s "$len")" 0.150
                    held+=(-t f32 -r 16000 -c 1 "$udir/chord$h.f32")
                    at=$(( at + len )) h=$(( h + 1 ))
                done
                sox -R -D "${held[@]}" -t f32 "$noise_file" trim 0 "${samples}s" ;;
            engine)
                sox -R -r 16000 -c 1 -n -t f32 "$noise_file" synth $(( samples + noise_offset * 16 ))s brownnoise \
                    synth sine amod $(( 4 + noise_offset % 27 )) 60 gain -6 trim $(( noise_offset * 16 ))s ;;
            wind)
                # Gusts: pink noise low-passed at 0.4-1.8 kHz under two slow
                # tremolos of unrelated rates (0.1-0.5 and 0.4-1.2 Hz), so the
                # level swells and falls by 10 dB and more, irregularly.
                sox -R -r 16000 -c 1 -n -t f32 "$noise_file" synth $(( samples + noise_offset * 16 ))s pinknoise \
                    lowpass $(( 400 + (noise_offset * 13) % 1400 )) \
                    tremolo "0.$(( 10 + noise_offset % 40 ))" 85 tremolo "$(ms_to_s $(( 400 + (noise_offset * 7) % 800 )))" 60 \
                    trim $(( noise_offset * 16 ))s ;;
            traffic)
                # Vehicles passing one after another: pink noise low-passed at
                # 0.5-2.5 kHz, swelling and fading over 2-7 s, sometimes with a
                # pause between, over a steady low rumble.
                local -a cars=()
                local v=0 at=0 clen cut pause
                while (( at < dur )); do
                    clen=$(( 2000 + (noise_offset * 29 + v * 1733) % 5000 ))
                    cut=$(( 500 + (noise_offset * 7 + v * 419) % 2000 ))
                    pause=$(( (noise_offset + v * 617) % 3 ? 0 : (noise_offset * 3 + v * 211) % 2000 ))
                    sox -R -r 16000 -c 1 -n -t f32 "$udir/car$v.f32" synth $(( (clen + v * 300) * 16 ))s pinknoise \
                        trim $(( v * 300 * 16 ))s lowpass "$cut" fade q "$(ms_to_s $(( clen / 2 )))" "$(ms_to_s "$clen")" \
                        "$(ms_to_s $(( clen / 2 )))" gain -$(( (noise_offset + v * 5) % 10 )) pad 0 "$(ms_to_s "$pause")"
                    cars+=(-t f32 -r 16000 -c 1 "$udir/car$v.f32")
                    at=$(( at + clen + pause )) v=$(( v + 1 ))
                done
                sox -R -D "${cars[@]}" -t f32 "$udir/cars.f32" trim 0 "${samples}s"
                sox -R -r 16000 -c 1 -n -t f32 "$udir/rumble.f32" synth $(( samples + noise_offset * 16 ))s brownnoise \
                    lowpass 250 trim $(( noise_offset * 16 ))s
                sox -R -D -m -v 0.7 -t f32 -r 16000 -c 1 "$udir/cars.f32" -v 0.3 -t f32 -r 16000 -c 1 "$udir/rumble.f32" \
                    -t f32 "$noise_file" ;;
            cafe)
                # A room of people far off: pink noise band-passed to 200-3000 Hz
                # whose level drifts slowly, and the clinks of cups and cutlery
                # (two inharmonic partials decaying over 60-250 ms) at irregular times.
                local -a clinks=()
                local b=0 at=0 hz clen gap
                while (( at < dur )); do
                    hz=$(( 1500 + (noise_offset * 61 + b * 997) % 1900 ))
                    clen=$(( 60 + (noise_offset * 13 + b * 71) % 190 ))
                    gap=$(( (b % 4 == 1) ? 40 + (b * 37) % 120 : 150 + (noise_offset * 11 + b * 733) % 1600 ))
                    sox -R -r 16000 -c 2 -n -t f32 -c 1 "$udir/clink$b.f32" synth "$(ms_to_s "$clen")" sine "$hz" \
                        sine $(( hz * 232 / 100 )) remix 1v0.6,2v0.4 fade l 0 "$(ms_to_s "$clen")" "$(ms_to_s $(( clen - 5 )))" \
                        gain -$(( 6 + (noise_offset + b * 7) % 12 )) pad 0 "$(ms_to_s "$gap")"
                    clinks+=(-t f32 -r 16000 -c 1 "$udir/clink$b.f32")
                    at=$(( at + clen + gap )) b=$(( b + 1 ))
                done
                sox -R -D "${clinks[@]}" -t f32 "$udir/clinks.f32" trim 0 "${samples}s"
                sox -R -r 16000 -c 1 -n -t f32 "$udir/murmur.f32" synth $(( samples + noise_offset * 16 ))s pinknoise \
                    trim $(( noise_offset * 16 ))s sinc 200-3000 tremolo "0.$(( 1 + noise_offset % 4 ))" 40
                sox -R -D -m -v 0.5 -t f32 -r 16000 -c 1 "$udir/murmur.f32" -v 0.5 -t f32 -r 16000 -c 1 "$udir/clinks.f32" \
                    -t f32 "$noise_file" ;;
            rain)
                # Drops on a roof or window: white noise high-passed at 0.6-2 kHz,
                # its level fluttering fast (17-40 Hz, deep) and again at 3-9 Hz,
                # over a softer low-passed patter whose level swells every 1-2 s
                # or every 5-10 s.
                sox -R -r 16000 -c 1 -n -t f32 "$udir/drops.f32" synth $(( samples + noise_offset * 16 ))s whitenoise \
                    gain -12 highpass $(( 600 + (noise_offset * 17) % 1400 )) tremolo $(( 17 + noise_offset % 24 )) 90 \
                    tremolo $(( 3 + noise_offset % 7 )) 50 trim $(( noise_offset * 16 ))s
                sox -R -r 16000 -c 1 -n -t f32 "$udir/patter.f32" synth $(( samples + noise_offset * 16 ))s pinknoise \
                    gain -12 lowpass $(( 1000 + (noise_offset * 7) % 2000 )) tremolo "0.$(( 5 + noise_offset % 15 ))" 50 \
                    trim $(( noise_offset * 16 ))s
                sox -R -D -m -v 0.6 -t f32 -r 16000 -c 1 "$udir/drops.f32" -v 0.4 -t f32 -r 16000 -c 1 "$udir/patter.f32" \
                    -t f32 "$noise_file" ;;
            fan)
                # A fan or air conditioner: brown and pink noise with a broad
                # resonance at 300-1200 Hz, and the blades' hum at 70-190 Hz
                # with two harmonics, beating slowly.
                local blade=$(( 70 + (noise_offset * 11) % 120 ))
                sox -R -r 16000 -c 2 -n -t f32 "$udir/air.f32" synth $(( samples + noise_offset * 16 ))s brownnoise \
                    pinknoise remix 1v0.6,2v0.4 gain -12 equalizer $(( 300 + (noise_offset * 23) % 900 )) 1q 8 \
                    trim $(( noise_offset * 16 ))s
                sox -R -r 16000 -c 3 -n -t f32 "$udir/blade.f32" synth "${samples}s" sine "$blade" \
                    sine $(( 2 * blade + 1 )) sine $(( 3 * blade )) remix 1v0.5,2v0.3,3v0.2 tremolo "0.$(( 2 + noise_offset % 6 ))" 30
                sox -R -D -m -v 0.7 -t f32 -r 16000 -c 1 "$udir/air.f32" -v 0.3 -t f32 -r 16000 -c 1 "$udir/blade.f32" \
                    -t f32 "$noise_file" ;;
            typing)
                # Someone typing: words of five or six keystrokes 80-250 ms apart,
                # then 0.3-1.8 s pauses; a keystroke is a 4-12 ms click of noise
                # band-passed around 1-6 kHz, decaying.
                local -a keys=()
                local b=0 at=0 klen gap lo
                while (( at < dur )); do
                    klen=$(( 4 + (noise_offset + b * 7) % 9 ))
                    gap=$(( ((noise_offset + b * 13) % 11) < 2 ? 300 + (noise_offset * 7 + b * 389) % 1500 : 80 + (noise_offset * 3 + b * 151) % 170 ))
                    lo=$(( 1000 + (noise_offset * 13 + b * 307) % 2000 ))
                    sox -R -r 16000 -c 1 -n -t f32 "$udir/key$b.f32" synth "0.$(printf '%03d' "$klen")" whitenoise gain -12 \
                        sinc "$lo-$(( lo + 3000 ))" fade q 0.001 "0.$(printf '%03d' "$klen")" "0.$(printf '%03d' $(( klen - 2 )))" \
                        gain -$(( (noise_offset + b * 5) % 9 )) pad 0 "$(ms_to_s "$gap")"
                    keys+=(-t f32 -r 16000 -c 1 "$udir/key$b.f32")
                    at=$(( at + klen + gap )) b=$(( b + 1 ))
                done
                sox -R -D "${keys[@]}" -t f32 "$noise_file" trim 0 "${samples}s" ;;
            birds)
                # Songbirds: trills of six chirps (30-150 ms, sweeping up to
                # 1.2 kHz up or down from 1.8-5.8 kHz, 30-120 ms apart),
                # 0.3-2 s between trills, over a faint hiss of leaves.
                local -a chirps=()
                local b=0 at=0 clen gap f1 f2
                while (( at < dur )); do
                    clen=$(( 30 + (noise_offset * 7 + b * 53) % 121 ))
                    gap=$(( ((noise_offset + b * 5) % 6) == 0 ? 300 + (noise_offset * 11 + b * 677) % 1700 : 30 + (noise_offset + b * 29) % 91 ))
                    f1=$(( 1800 + (noise_offset * 31 + (b / 6) * 1013) % 4000 ))
                    f2=$(( f1 + ((noise_offset + b) % 3 - 1) * (300 + (b * 97) % 900) ))
                    sox -R -r 16000 -c 1 -n -t f32 "$udir/chirp$b.f32" synth "0.$(printf '%03d' "$clen")" sine "$f1:$f2" \
                        fade h 0.008 "0.$(printf '%03d' "$clen")" 0.015 gain -$(( 6 + (noise_offset + b * 3) % 10 )) \
                        pad 0 "$(ms_to_s "$gap")"
                    chirps+=(-t f32 -r 16000 -c 1 "$udir/chirp$b.f32")
                    at=$(( at + clen + gap )) b=$(( b + 1 ))
                done
                sox -R -D "${chirps[@]}" -t f32 "$udir/chirps.f32" trim 0 "${samples}s"
                sox -R -r 16000 -c 1 -n -t f32 "$udir/leaves.f32" synth $(( samples + noise_offset * 16 ))s pinknoise \
                    gain -30 highpass 1000 trim $(( noise_offset * 16 ))s
                sox -R -D -m -t f32 -r 16000 -c 1 "$udir/chirps.f32" -t f32 -r 16000 -c 1 "$udir/leaves.f32" -t f32 "$noise_file" ;;
            vacuum)
                # A vacuum cleaner: white noise through a broad peak at 1-3 kHz
                # (rushing air), and the motor's whine at 500-1100 Hz with two
                # harmonics, wavering as the load changes.
                local whine=$(( 500 + (noise_offset * 17) % 600 ))
                sox -R -r 16000 -c 1 -n -t f32 "$udir/rush.f32" synth $(( samples + noise_offset * 16 ))s whitenoise \
                    gain -18 highpass 150 equalizer $(( 1000 + (noise_offset * 29) % 2000 )) 0.7q 10 \
                    trim $(( noise_offset * 16 ))s
                sox -R -r 16000 -c 3 -n -t f32 "$udir/motor.f32" synth "${samples}s" sine "$whine" \
                    sine $(( 2 * whine )) sine $(( 3 * whine + 7 )) remix 1v0.5,2v0.3,3v0.2 \
                    tremolo "$(ms_to_s $(( 300 + (noise_offset * 13) % 900 )))" 25
                sox -R -D -m -v 0.8 -t f32 -r 16000 -c 1 "$udir/rush.f32" -v 0.2 -t f32 -r 16000 -c 1 "$udir/motor.f32" \
                    -t f32 "$noise_file" ;;
        esac
        local shape
        shape="$(grep '^shape' "$udir/plan" | cut -f2- || true)"
        if [ -n "$shape" ]; then
            local lo hi eq_hz eq_q eq_db drift_hz drift_pct
            IFS=$'\t' read -r lo hi eq_hz eq_q eq_db drift_hz drift_pct <<< "$shape"
            [ "$lo" -gt 0 ] && lo="$lo-$hi" || lo="-$hi"
            # Headroom first: sox clips at full scale even in float files.
            sox -R -D -t f32 -r 16000 -c 1 "$noise_file" -t f32 "$udir/shaped.f32" gain -12 sinc "$lo" \
                equalizer "$eq_hz" "${eq_q}q" "$eq_db" tremolo "$drift_hz" "$drift_pct"
            mv -f "$udir/shaped.f32" "$noise_file"
            noise+="~shaped"
        fi
        local speech_rms noise_rms gain
        speech_rms="$(stat_of "$udir/speech.f32" RMS)"
        noise_rms="$(stat_of "$noise_file" RMS)"
        gain="$(awk -v s="$speech_rms" -v n="$noise_rms" -v dur="$dur" -v sp="$speech_ms" -v snr="$snr" \
            'BEGIN { s = s * sqrt(dur / sp); printf "%.6f", (n > 0 ? 0.25 * s / (n * 10 ^ (snr / 20)) : 0) }')"
        sox -R -D -m -v 0.25 -t f32 -r 16000 -c 1 "$udir/speech.f32" -v "$gain" -t f32 -r 16000 -c 1 "$noise_file" \
            -t f32 "$udir/mix.f32"
        mix="$udir/mix.f32" boost=4
    fi

    # sox clips at full scale even in float files, so the mix above is made at a
    # quarter of the level; restore it, keeping the peak under -1 dBFS
    # (resampling can overshoot a little).
    local volume
    volume="$(sox -t f32 -r 16000 -c 1 "$mix" -n stat 2>&1 | awk -F: -v boost="$boost" '
        /^Maximum amplitude/ { a = $2 + 0 } /^Minimum amplitude/ { b = -($2 + 0) }
        END { p = a > b ? a : b; printf "%.6f", (p * boost > 0.89 ? 0.89 / p : boost) }')"

    local rate ext type path
    case "$fmt" in
        wav-16000) rate=16000 ext=wav type=(-t wav -b 16 -e signed-integer) ;;
        wav-44100) rate=44100 ext=wav type=(-t wav -b 16 -e signed-integer) ;;
        flac-22050) rate=22050 ext=flac type=(-t flac -b 16) ;;
    esac
    path="$lang/$id.$ext"
    mkdir -p "$out_dir/$lang"
    sox -R -D -t f32 -r 16000 -c 1 "$mix" "${type[@]}" -r "$rate" -c 1 "$out_dir/$lang/.$id.$ext.part" vol "$volume"
    printf '%s' "$labels" > "$out_dir/$lang/.$id.txt.part"
    mv -f "$out_dir/$lang/.$id.txt.part" "$out_dir/$lang/$id.txt"
    mv -f "$out_dir/$lang/.$id.$ext.part" "$out_dir/$path"

    local voice_col="$voice" snr_col="$snr"
    if [ "$words" -gt 0 ]; then voice_col+=",ktuberling-$lang"; fi
    if [ "$words" -eq "$n" ] && [ "$n" -gt 0 ]; then voice_col="ktuberling-$lang"; fi
    # Noise is set against the speech, so a recording without speech has none.
    if [ "$speech_ms" -eq 0 ]; then noise=none; fi
    if [ "$noise" = none ]; then snr_col="inf"; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$path" "$lang" "$voice_col" "$(ms_to_s "$dur")" \
        "$(ms_to_s "$speech_ms")" "$noise" "$snr_col" "$fmt" > "$work/rows/$(printf '%08d' "$k")"
    rm -rf "$udir"
    if [ "$quiet" -eq 0 ]; then
        printf '[%d/%d] %s  %s s, %d chunks, %s @ %s dB\n' "$k" "$count" "$path" "$(ms_to_s "$dur")" "$n" \
            "$noise" "$snr_col" >&2
    fi
}

export -f plan_utterance stat_of render_chunk ms_to_s make_utterance

# ---------------------------------------------------------------- run

mkdir -p "$work/rows"
[ "$quiet" -eq 1 ] || printf '%s: %d utterances into %s (%d jobs)\n' "$self" "$count" "$out_dir" "$jobs" >&2
started=$SECONDS
seq 1 "$count" | xargs -P "$jobs" -I{} bash -c 'set -euo pipefail; shopt -s inherit_errexit; make_utterance "$1"' _ {} ||
    die "generating the corpus failed (see the messages above)"

rows=("$work"/rows/*)
[ "${#rows[@]}" -eq "$count" ] || die "only ${#rows[@]} of $count utterances were generated"
{
    printf 'id\tpath\tlanguage\tvoice\tduration_s\tspeech_s\tnoise\tsnr_db\tformat\n'
    cat "${rows[@]}"
} > "$out_dir/.corpus.tsv.part"
mv -f "$out_dir/.corpus.tsv.part" "$out_dir/corpus.tsv"

# Remove utterances an earlier run left behind that this run did not write.
awk -F'\t' 'NR > 1 { print $2; sub(/\.[^.]*$/, ".txt", $2); print $2 }' "$out_dir/corpus.tsv" | sort > "$work/ours"
stale="$(cd "$out_dir" && find . -mindepth 2 -maxdepth 2 -type f \( -name 'utt-*.wav' -o -name 'utt-*.flac' -o -name 'utt-*.txt' \) |
    sed 's|^\./||' | sort | comm -23 - "$work/ours")"
if [ -n "$stale" ]; then
    (cd "$out_dir" && printf '%s\n' "$stale" | xargs rm -f)
    [ "$quiet" -eq 1 ] || printf '%s: removed %d stale files of an earlier run\n' "$self" "$(printf '%s\n' "$stale" | wc -l)" >&2
fi

bytes="$(cd "$out_dir" && awk -F'\t' 'NR > 1 { print $2 }' corpus.tsv | xargs stat -c %s | awk '{ s += $1 } END { print s }')"
awk -F'\t' -v bytes="$bytes" -v secs=$((SECONDS - started)) -v dir="$out_dir" -v self="$self" 'NR > 1 { d += $5; s += $6; n++ }
    END { printf "%s: %d files, %.1f min, %.1f MB, speech %.1f%%, in %d s -> %s\n", self, n, d / 60, bytes / 1e6, 100 * s / d, secs, dir }' \
    "$out_dir/corpus.tsv"
