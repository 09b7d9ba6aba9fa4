"""Clean speech with exact labels: espeak-ng sentences and KTuberling's
recorded words placed at whole-millisecond offsets between silences.

An utterance is planned first (`plan`, pure: every random choice of utterance
k, drawn from (seed, k) alone) and then rendered (`render`, which runs
espeak-ng and sox). A chunk is trimmed of its leading and trailing silence and
cut to whole milliseconds before it is placed, so the label of a chunk, from
its offset to its offset plus its length, is exact by construction.
"""

from __future__ import annotations

import dataclasses
import os
import struct
import subprocess
from pathlib import Path

import numpy as np

import dsp

RATE = 16000
SAMPLES_PER_MS = RATE // 1000
SPEECH_STREAM = 1000   # the third seed word of speech plans (noise kinds use 0-17)

HERE = Path(__file__).resolve().parent
TEXT_DIR = HERE.parent / "corpus-text"
DEFAULT_LANGUAGES = ("en", "es", "de", "fr", "it", "pt", "nl")

# espeak-ng voices per language; a language not listed uses its own code.
VOICES = {
    "en": ("en-us", "en-gb", "en-gb-scotland", "en-029"),
    "es": ("es", "es-419"),
    "fr": ("fr-fr", "fr-be"),
    "pt": ("pt", "pt-br"),
    "ru": ("ru", "ru-lv"),
}
VARIANTS = ("f1 f2 f3 f4 f5 m1 m2 m3 m4 m5 m6 m7 klatt klatt2 klatt3 Annie Andy Alicia benjamin david ed Gene john "
            "linda max Michael paul quincy rob robert steph travis victor norbert shelby grandma grandpa").split()

TTS_TRIM_DB = -45.0     # espeak-ng output, at -6 dB: silence is below -45 dBFS (as the shell generator had it)
WORD_TRIM_DB = -40.0    # recordings have a noise floor: normalised first, then trimmed at -40 dBFS
TRIM_WINDOW_MS = 20     # the RMS window of the silence test
MIN_CHUNK_MS = 80       # shorter chunks are dropped


class CorpusError(Exception):
    """A failure the user can act on; the message names the file or tool."""


def voices_for(language: str) -> tuple[str, ...]:
    return VOICES.get(language, (language,))


def words_root() -> Path:
    return Path(os.environ.get("KTUBERLING_SOUNDS", "/usr/share/ktuberling/sounds"))


def sentences(language: str) -> list[str]:
    """The non-blank lines of corpus-text/LANGUAGE.txt."""
    path = TEXT_DIR / f"{language}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot read the sentence list: {error}") from None
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip(" \t\r")]
    if not lines:
        raise CorpusError(f"{path}: no sentences")
    return lines


def words(language: str) -> list[str]:
    """KTuberling's recorded words for `language` (.ogg and .wav), sorted; may be empty."""
    folder = words_root() / language
    if not folder.is_dir():
        return []
    return sorted(str(p) for p in folder.iterdir() if p.is_file() and p.suffix in (".ogg", ".wav"))


# ---------------------------------------------------------------- plan

@dataclasses.dataclass(frozen=True)
class Chunk:
    kind: str           # "tts" or "word"
    gain_db: float      # the chunk's peak level
    voice: str = ""     # tts: espeak-ng voice+variant
    speed: int = 0      # tts: words per minute
    pitch: int = 0      # tts: 0-99
    text: str = ""      # tts: the sentence
    path: str = ""      # word: the recording
    factor: float = 1.0  # word: sox speed factor


@dataclasses.dataclass(frozen=True)
class Plan:
    item: int
    language: str
    format: str         # wav-16000, wav-44100 or flac-22050
    duration_ms: int
    voice: str
    gaps_ms: tuple[int, ...]
    chunks: tuple[Chunk, ...]
    fillers: tuple[Chunk, ...]


def format_of(item: int) -> str:
    """By index, so that the shares are exact: 1 in 6 FLAC at 22050 Hz,
    1 in 8 WAV at 44100 Hz, the rest WAV at 16 kHz."""
    return "flac-22050" if item % 6 == 2 else "wav-44100" if item % 8 == 5 else "wav-16000"


def plan(seed: int, item: int, languages, min_ms: int, max_ms: int, texts: dict, recordings: dict) -> Plan:
    """Every random choice of utterance `item`, from (seed, item) alone.
    `texts` and `recordings` map each language to its sentences and words."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, item, SPEECH_STREAM])))
    language = languages[int(rng.integers(len(languages)))]
    lines, spoken = texts[language], recordings[language]

    # A whole number of 20 ms, so that every output rate has a whole number
    # of samples. About 1 in 10 is 30-45 s long.
    low, high = (30000, 45000) if rng.random() < 0.1 else (min_ms, max_ms)
    duration = 20 * int(rng.uniform(low, high) / 20 + 0.5)
    if duration < low:
        duration += 20
    if duration > high:
        duration -= 20
    duration = max(duration, 1000)

    voices = voices_for(language)
    voice = f"{voices[int(rng.integers(len(voices)))]}+{VARIANTS[int(rng.integers(len(VARIANTS)))]}"
    speed, pitch = int(rng.uniform(140, 205)), int(rng.uniform(25, 75))
    r = rng.random()
    p_word = 0.0 if r < 0.4 or not spoken else 0.3 if r < 0.8 else 0.7 if r < 0.95 else 1.0
    level = rng.uniform(-12, -3)
    gaps = tuple(200 + int(2800 * rng.random() ** 1.8) for _ in range(80))

    def word():
        return Chunk("word", level + rng.uniform(-3, 2), path=spoken[int(rng.integers(len(spoken)))],
                     factor=round(rng.uniform(0.9, 1.12), 3))

    chunks, last = [], -1
    for _ in range(60):
        if rng.random() < p_word:
            chunks.append(word())
        else:
            s = int(rng.integers(len(lines)))
            while s == last and len(lines) > 1:
                s = int(rng.integers(len(lines)))
            last = s
            chunks.append(Chunk("tts", level + rng.uniform(-3, 2), voice=voice,
                                speed=speed + int(rng.uniform(-12, 12)), pitch=pitch + int(rng.uniform(-6, 6)),
                                text=lines[s]))
    fillers = tuple(word() for _ in range(12)) if spoken else ()
    return Plan(item, language, format_of(item), duration, voice, gaps, tuple(chunks), fillers)


# ---------------------------------------------------------------- rendering

def run_tool(arguments: list[str], stdin: bytes = b"", what: str = "") -> bytes:
    """Runs a tool, returning its stdout; a failure is a CorpusError with its stderr."""
    try:
        done = subprocess.run(arguments, input=stdin, capture_output=True, check=False)
    except OSError as error:
        raise CorpusError(f"cannot run {arguments[0]}: {error}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CorpusError(f"{arguments[0]} failed{' on ' + what if what else ''}: "
                          f"{detail[-1] if detail else f'exit status {done.returncode}'}")
    return done.stdout


def parse_wav(data: bytes, what: str) -> tuple[np.ndarray, int]:
    """16-bit mono PCM from a RIFF stream, as espeak-ng writes to stdout (its
    sizes are placeholders, so the data runs to the end)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise CorpusError(f"{what}: not a WAV stream")
    at, rate, bits, channels = 12, 0, 0, 0
    while at + 8 <= len(data):
        tag, size = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
        body = at + 8
        if tag == b"fmt " and body + 16 <= len(data):
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[body:body + 16])
        elif tag == b"data":
            if bits != 16 or channels != 1 or rate <= 0:
                raise CorpusError(f"{what}: expected 16-bit mono PCM, got {bits}-bit, {channels} channels")
            pcm = data[body:]
            pcm = pcm[:len(pcm) - len(pcm) % 2]
            return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0, rate
        at = body + size + (size & 1)
    raise CorpusError(f"{what}: WAV stream without data")


def resample(x: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited resampling through the FFT (truncating or zero-padding the
    spectrum); the signal should start and end quietly, as speech chunks do."""
    if from_rate == to_rate or x.size == 0:
        return x
    m = int(round(x.size * to_rate / from_rate))
    spectrum = np.fft.rfft(x)
    bins = m // 2 + 1
    if bins <= spectrum.size:
        spectrum = spectrum[:bins].copy()
    else:
        spectrum = np.concatenate([spectrum, np.zeros(bins - spectrum.size, dtype=complex)])
    return np.fft.irfft(spectrum, m) * (m / x.size)


def espeak(voice: str, speed: int, pitch: int, text: str, rate: int = RATE) -> np.ndarray:
    """espeak-ng saying `text` (given on stdin, so no text is read as an option), at `rate`."""
    what = f"voice {voice}"
    data = run_tool(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout"],
                    stdin=text.encode("utf-8"), what=what)
    x, native = parse_wav(data, f"espeak-ng ({what})")
    return resample(x, native, rate)


def trim(x: np.ndarray, threshold_db: float) -> np.ndarray:
    """`x` without its leading and trailing silence: from the first sample whose
    following 20 ms has an RMS at or above `threshold_db` dBFS to the last
    sample whose preceding 20 ms has. Empty if nothing reaches it."""
    window = TRIM_WINDOW_MS * SAMPLES_PER_MS
    if x.size < window:
        return x[:0]
    energy = np.concatenate([[0.0], np.cumsum(x * x)])
    rms = np.sqrt(np.maximum(energy[window:] - energy[:-window], 0.0) / window)   # rms[i]: x[i:i+window]
    loud = np.flatnonzero(rms >= dsp.db(threshold_db))
    if loud.size == 0:
        return x[:0]
    return x[loud[0]:loud[-1] + window]


def whole_ms(x: np.ndarray) -> np.ndarray:
    return x[:x.size - x.size % SAMPLES_PER_MS]


def render_chunk(chunk: Chunk) -> np.ndarray:
    """A chunk at 16 kHz, trimmed, levelled to a peak of `gain_db` and cut to
    whole milliseconds."""
    if chunk.kind == "tts":
        x = trim(dsp.db(-6) * espeak(chunk.voice, chunk.speed, chunk.pitch, chunk.text), TTS_TRIM_DB)
    else:
        raw = run_tool(["sox", "-R", "-D", chunk.path, "-t", "f32", "-r", str(RATE), "-c", "1", "-",
                        "remix", "-", "gain", "-6", "speed", f"{chunk.factor:.3f}", "rate", str(RATE)],
                       what=chunk.path)
        x = np.frombuffer(raw[:len(raw) - len(raw) % 4], dtype="<f4").astype(np.float64)
        x = trim(dsp.peak_normalise(x), WORD_TRIM_DB)
    return whole_ms(dsp.peak_normalise(x, dsp.db(chunk.gain_db)))


@dataclasses.dataclass
class Utterance:
    plan: Plan
    samples: np.ndarray                 # 16 kHz
    regions_ms: list[tuple[int, int]]   # [start, end) of every chunk, in ms
    words: int                          # chunks that are recorded words

    @property
    def speech_ms(self) -> int:
        return sum(end - start for start, end in self.regions_ms)


def spread_starts(duration: int, first_gap: int, lengths: list[int], gaps: list[int]) -> list[int]:
    """Chunk starts (ms): gap, chunk, gap, chunk, ...; a trailing silence beyond
    3 s is spread over the gaps (each at most 3 s), so long leftovers do not
    pile up at the end."""
    n = len(lengths)
    gap = [first_gap] + list(gaps[:max(n - 1, 0)])
    trail = duration - sum(gap) - sum(lengths)
    if n > 0 and trail > 3000:
        excess = trail - 1000
        for _ in range(4):
            if excess <= 0:
                break
            room = sum(1 for g in gap if g < 3000)
            if room == 0:
                break
            each = excess // room
            if each < 1:
                break
            for i in range(n):
                if gap[i] < 3000:
                    add = min(each, 3000 - gap[i])
                    gap[i] += add
                    excess -= add
    starts, at = [], 0
    for i in range(n):
        at += gap[i]
        starts.append(at)
        at += lengths[i]
    return starts


def render(plan: Plan) -> Utterance:
    """Places chunks: gap, chunk, gap, chunk, ... while a chunk and a 0.2 s
    trailing gap still fit. Once a chunk does not fit, only short recorded
    words are tried to fill the rest."""
    duration, gaps = plan.duration_ms, plan.gaps_ms
    placed: list[np.ndarray] = []
    kinds: list[str] = []
    pos, g, misses, ci, wi = gaps[0], 1, 0, 0, 0
    while duration - pos >= 500 and misses < 4:
        if misses == 0 and ci < len(plan.chunks):
            chunk = plan.chunks[ci]
            ci += 1
        elif wi < len(plan.fillers):
            chunk = plan.fillers[wi]
            wi += 1
        else:
            break
        audio = render_chunk(chunk)
        length = audio.size // SAMPLES_PER_MS
        if length < MIN_CHUNK_MS:
            continue
        if pos + length + 200 > duration:
            misses += 1
            continue
        placed.append(audio)
        kinds.append(chunk.kind)
        pos += length
        if pos + gaps[g] + 500 > duration:
            break
        pos += gaps[g]
        g += 1

    lengths = [a.size // SAMPLES_PER_MS for a in placed]
    starts = spread_starts(duration, gaps[0], lengths, list(gaps[1:]))
    track = np.zeros(duration * SAMPLES_PER_MS)
    regions = []
    for audio, start, length in zip(placed, starts, lengths):
        track[start * SAMPLES_PER_MS:(start + length) * SAMPLES_PER_MS] = audio
        regions.append((start, start + length))
    return Utterance(plan, track, regions, kinds.count("word"))


# ---------------------------------------------------------------- babble talkers

def talker(rng: np.random.Generator, seconds: float, rate: int, languages=DEFAULT_LANGUAGES) -> np.ndarray:
    """One talker for babble: a random voice of `languages` reading a run of
    its sentences, starting 0-3 s in, `seconds` long, peak 1."""
    language = languages[int(rng.integers(len(languages)))]
    lines = sentences(language)
    voices = voices_for(language)
    voice = f"{voices[int(rng.integers(len(voices)))]}+{VARIANTS[int(rng.integers(len(VARIANTS)))]}"
    speed, pitch = int(rng.uniform(140, 205)), int(rng.uniform(25, 75))
    skip = dsp.samples(rng.uniform(0, 3), rate)
    n = dsp.samples(seconds, rate)
    pieces, have = [], 0
    while have < skip + n:
        count = int((skip + n - have) / rate / 1.5) + 3
        picks = rng.integers(len(lines), size=count)
        piece = espeak(voice, speed, pitch, " ".join(lines[int(i)] for i in picks), rate)
        if piece.size == 0:
            raise CorpusError(f"espeak-ng (voice {voice}) said nothing")
        pieces.append(piece)
        have += piece.size
    return dsp.peak_normalise(np.concatenate(pieces)[skip:skip + n])
