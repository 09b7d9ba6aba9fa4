#!/usr/bin/env bash
# Writes the bad-input suite into OUT_DIR: recordings vadprep must accept
# (valid/: every sample format, several containers, rates and channel
# counts, 0.1 s, silence, full-scale clipping, a WAV with an extra chunk and
# one with the 0xFFFFFFFF sizes streaming writers leave) and input it must
# reject with a message naming the file (invalid/), each with a good label
# file so that the rejection is about the audio; and good audio with a bad
# label file of every kind (bad-labels/). Deterministic (sox -R -D).
#
#   Fixtures/bad-input/make-bad-input.sh OUT_DIR      (needs sox)
set -euo pipefail
export LC_ALL=C
out="${1:?usage: make-bad-input.sh OUT_DIR}"
rm -rf "$out"
mkdir -p "$out/valid" "$out/invalid"
sox() { command sox -R -D "$@"; }

# tone FILE RATE CHANNELS SECONDS FORMAT...: a 440 Hz tone at half scale.
tone() { local file="$1" rate="$2" channels="$3" seconds="$4"; shift 4
    sox -n -r "$rate" -c "$channels" "$@" "$file" synth "$seconds" sine 440 vol 0.5; }
# le32 FILE OFFSET VALUE: overwrite 4 bytes, little-endian.
le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($3 & 255)) $((($3 >> 8) & 255)) $((($3 >> 16) & 255)) $((($3 >> 24) & 255)))" \
    | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
le16() { printf "$(printf '\\x%02x\\x%02x' $(($3 & 255)) $((($3 >> 8) & 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

v="$out/valid"
tone "$v/pcm-u8-8k.wav" 8000 1 0.5 -e unsigned-integer -b 8
tone "$v/pcm-s16-16k.wav" 16000 1 0.5 -e signed-integer -b 16
tone "$v/pcm-s24-44k.wav" 44100 1 0.5 -e signed-integer -b 24
tone "$v/pcm-s32-48k.wav" 48000 1 0.5 -e signed-integer -b 32
tone "$v/float32-32k.wav" 32000 1 0.5 -e floating-point -b 32
tone "$v/float64-22k.wav" 22050 1 0.5 -e floating-point -b 64
tone "$v/alaw-8k.wav" 8000 1 0.5 -e a-law
tone "$v/ulaw-8k.au" 8000 1 0.5 -e u-law
tone "$v/flac-11k.flac" 11025 1 0.5 -b 16
tone "$v/vorbis-24k.ogg" 24000 1 0.5
tone "$v/aiff-96k.aiff" 96000 1 0.5 -b 16
tone "$v/w64-16k.w64" 16000 1 0.5 -b 16
tone "$v/stereo-16k.wav" 16000 2 0.5 -b 16
tone "$v/six-channels-48k.wav" 48000 6 0.5 -b 16
tone "$v/short-0.1s.wav" 16000 1 0.1 -b 16
sox -n -r 16000 -c 1 -b 16 "$v/silence.wav" trim 0 0.5
sox -n -r 16000 -c 1 -b 16 "$v/clipped.wav" synth 0.5 square 100 vol 1.0
# A WAV with an unknown chunk between "fmt " and "data".
head -c 36 "$v/pcm-s16-16k.wav" > "$v/extra-chunk.wav"
printf 'JUNK\x08\x00\x00\x00abcdefgh' >> "$v/extra-chunk.wav"
tail -c +37 "$v/pcm-s16-16k.wav" >> "$v/extra-chunk.wav"
le32 "$v/extra-chunk.wav" 4 $(( $(stat -c %s "$v/extra-chunk.wav") - 8 ))
# RIFF and data sizes of 0xFFFFFFFF, as a writer that cannot seek back leaves them.
cp "$v/pcm-s16-16k.wav" "$v/streaming-size.wav"
le32 "$v/streaming-size.wav" 4 4294967295
le32 "$v/streaming-size.wav" 40 4294967295

i="$out/invalid"
: > "$i/empty.wav"
head -c 20 "$v/pcm-s16-16k.wav" > "$i/header-cut.wav"
head -c 8044 "$v/pcm-s16-16k.wav" > "$i/truncated.wav"
printf 'this is not audio\n' > "$i/text.wav"
printf '\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00' > "$i/jpeg.wav"
cp "$v/pcm-s16-16k.wav" "$i/zero-channels.wav"; le16 "$i/zero-channels.wav" 22 0
cp "$v/pcm-s16-16k.wav" "$i/zero-rate.wav"; le32 "$i/zero-rate.wav" 24 0
cp "$v/float32-32k.wav" "$i/nan.wav"
cp "$v/float32-32k.wav" "$i/infinite.wav"
# Sample 100 of each becomes a NaN or +infinity (float32, little-endian),
# counted from the "data" chunk (float WAVs carry a "fact" chunk before it).
data=$(grep -abo data "$i/nan.wav" | head -1 | cut -d: -f1)
le32 "$i/nan.wav" $((data + 8 + 4 * 100)) 2143289344
le32 "$i/infinite.wav" $((data + 8 + 4 * 100)) 2139095040
mkdir "$i/directory.wav"
ln -s nowhere.wav "$i/broken-link.wav"
# Unreadable to anyone but root (root reads it regardless).
cp "$v/pcm-s16-16k.wav" "$i/unreadable.wav"; chmod 000 "$i/unreadable.wav"

for file in "$v"/* "$i"/*; do
    printf '0.010\t0.050\tspeech\n' > "${file%.*}.txt"
done

# Valid audio (0.5 s at 16 kHz: 50 frames) with a bad label file of each kind.
l="$out/bad-labels"
mkdir -p "$l"
label() { cp "$v/pcm-s16-16k.wav" "$l/$1.wav"; printf "$2" > "$l/$1.$3"; }
label one-field          '0.1\n'                                   lab
label start-not-a-number 'zero 0.2\n'                              lab
label end-not-a-number   '0.1 0.2x\n'                              lab
label end-before-start   '0.3\t0.2\tspeech\n'                      txt
label negative-start     '0.1 0.2\n-0.1 0.2\n'                     lab
label nan-end            '0.1\tnan\tspeech\n'                      txt
label past-the-end       '0.1 0.2\n0.3 1.2\n'                      lab
label rttm-short-line    'SPEAKER rttm-short-line 1 0.1\n'          rttm
label rttm-negative      'SPEAKER rttm-negative 1 0.1 -0.2 <NA> <NA> s <NA> <NA>\n' rttm
label rttm-other-file    'SPEAKER somebody-else 1 0.1 0.2 <NA> <NA> s <NA> <NA>\n' rttm
label frames-bad-token   '0\n1\n2\n'                              frames
label frames-too-few     '0\n1\n1\n'                              frames
cp "$v/pcm-s16-16k.wav" "$l/not-utf8.wav"; printf '0.1 0.2 \xff\xfe\n' > "$l/not-utf8.lab"
