#!/usr/bin/env bash
# Regenerates Fixtures/corpus/: five short recordings in different formats,
# rates and channel counts, each with a label file in a different format,
# whose speech segments are known by construction (espeak-ng words placed at
# chosen offsets over a low noise floor, so no region is digital silence).
#
#   Fixtures/make-fixtures.sh          (needs espeak-ng and sox)
#
# Every output is byte-identical on every run (with the same espeak-ng and
# sox): sox runs with -R, which seeds its random generator with a fixed value,
# so the noise floor and the Ogg stream's serial number repeat.
set -euo pipefail
export LC_ALL=C
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/corpus"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out/nested"

# Every sox call repeatable (-R) and without dither (-D), so that reducing
# the bit depth adds no random noise.
sox() { command sox -R -D "$@"; }

# chunk NAME VOICE TEXT RATE MAX_SECONDS: a trimmed espeak-ng utterance at RATE,
# cut to whole milliseconds and at most MAX_SECONDS; prints its duration.
chunk() {
    local name="$1" voice="$2" text="$3" rate="$4" max="$5"
    espeak-ng -v "$voice" -s 150 -w "$work/$name.raw.wav" "$text"
    sox "$work/$name.raw.wav" -r "$rate" "$work/$name.trim.wav" \
        silence 1 0.01 -45d reverse silence 1 0.01 -45d reverse
    local seconds
    seconds="$(soxi -D "$work/$name.trim.wav" | awk -v max="$max" '{ s = int($1 * 1000) / 1000; if (s > max) s = max; printf "%.3f", s }')"
    sox "$work/$name.trim.wav" "$work/$name.wav" trim 0 "$seconds"
    echo "$seconds"
}

# build OUTPUT RATE SECONDS FORMAT_ARGS -- START:VOICE:TEXT ...
# Writes the recording and prints its speech segments, one "start end" line each.
build() {
    local output="$1" rate="$2" total="$3" format="$4"
    shift 5
    local inputs=() starts=() index=0 spec start voice text next max seconds
    sox -n -r "$rate" -c 1 -b 16 "$work/floor.wav" synth "$total" pinknoise vol 0.004
    inputs+=(-v 1 "$work/floor.wav")
    local specs=("$@")
    for spec in "${specs[@]}"; do
        IFS=: read -r start voice text <<< "$spec"
        # Each chunk ends at least 0.1 s before the next one starts (or the end).
        if [ $((index + 1)) -lt ${#specs[@]} ]; then next="${specs[$((index + 1))]%%:*}"; else next="$total"; fi
        max="$(awk -v a="$start" -v b="$next" 'BEGIN { printf "%.3f", b - a - 0.1 }')"
        seconds="$(chunk "c$index" "$voice" "$text" "$rate" "$max")"
        sox "$work/c$index.wav" "$work/p$index.wav" pad "$start" 0
        inputs+=(-v 1 "$work/p$index.wav")
        awk -v a="$start" -v d="$seconds" 'BEGIN { printf "%.3f %.3f\n", a, a + d }'
        index=$((index + 1))
    done
    sox -m "${inputs[@]}" -b 32 -e floating-point "$work/mix.wav" trim 0 "$total"
    # shellcheck disable=SC2086
    sox "$work/mix.wav" $format "$output"
}

# Audacity label track: start<TAB>end<TAB>speech.
audacity() { awk '{ printf "%s\t%s\tspeech\n", $1, $2 }'; }

build "$out/speech-16k.wav" 16000 2.0 "-b 16 -e signed-integer" -- \
    "0.250:en:seven" "1.000:en+f3:open the door" | audacity > "$out/speech-16k.txt"

build "$out/speech-8k.wav" 8000 1.5 "-e u-law" -- \
    "0.200:es:hola" "0.800:es:buenos dias" > "$out/speech-8k.lab"

# Stereo: the right channel is the left one, 6 dB down and 1 ms late.
segments="$(build "$work/left.wav" 44100 1.5 "-b 32 -e floating-point" -- "0.300:de:guten tag")"
sox "$work/left.wav" "$work/right.wav" vol 0.5 delay 0.001 trim 0 1.5
sox -M "$work/left.wav" "$work/right.wav" -b 24 "$out/stereo-44k.flac"
awk '{ printf "SPEAKER stereo-44k 1 %.3f %.3f <NA> <NA> spk1 <NA> <NA>\n", $1, $2 - $1 }' <<< "$segments" > "$out/stereo-44k.rttm"

# Per-frame labels on vadprep's default grid (16 kHz, 10 ms shift, no snipping):
# floor((n + 80) / 160) frames, frame i centred on sample i*160 + 80, and 1 when
# round(start * 16000) <= i*160 + 80 < round(end * 16000) for some segment.
# One 0 or 1 per line and nothing else (the segments are in Fixtures/README.md).
segments="$(build "$out/float-48k.wav" 48000 1.5 "-b 32 -e floating-point" -- "0.150:fr:bonjour" "0.900:fr:merci")"
awk -v n=24000 -v segs="$segments" 'BEGIN {
    count = split(segs, lines, "\n")
    frames = int((n + 80) / 160)
    for (i = 0; i < frames; i++) {
        c = i * 160 + 80; speech = 0
        for (k = 1; k <= count; k++) {
            split(lines[k], f, " ")
            if (int(f[1] * 16000 + 0.5) <= c && c < int(f[2] * 16000 + 0.5)) speech = 1
        }
        print speech
    }
}' > "$out/float-48k.frames"

build "$out/nested/vorbis-22k.ogg" 22050 1.5 "-C 3" -- "0.400:it:buongiorno" | audacity > "$out/nested/vorbis-22k.txt"

for file in "$out"/*.* "$out"/nested/*.*; do
    case "$file" in *.wav|*.flac|*.ogg) printf '%s: %s\n' "${file#$here/}" "$(soxi "$file" | awk -F': ' '/Sample Rate|Channels|Sample Encoding|^Duration/ { printf "%s; ", $2 }')" ;; esac
done
