"""Tests of the corpus generator: noise kinds, speech plans and labels, and the CLI.

  python Pipelines/corpus/test_make_corpus.py        (plain unittest; needs numpy,
                                                      espeak-ng, sox, ktuberling-data)
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import unittest
import wave
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dsp      # noqa: E402
import noises   # noqa: E402
import speech   # noqa: E402

RATE = 16000
SCRIPT = HERE / "make_corpus.py"


def octave_slope(x: np.ndarray, rate: int = RATE) -> float:
    """The least-squares slope, in dB per octave, of the power in octave bands from 125 Hz to 4 kHz."""
    power = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(x.size, 1.0 / rate)
    centres = 125.0 * 2.0 ** np.arange(6)
    levels = [10 * np.log10(power[(f >= c / np.sqrt(2)) & (f < c * np.sqrt(2))].sum()) for c in centres]
    return float(np.polyfit(np.arange(6), levels, 1)[0])


def frame_rms(x: np.ndarray, frame: int) -> np.ndarray:
    usable = x[:x.size - x.size % frame].reshape(-1, frame)
    return np.sqrt((usable ** 2).mean(axis=1))


def onsets(active: np.ndarray, min_off: int = 1) -> int:
    """Rising edges of a boolean sequence that follow at least `min_off` inactive steps."""
    count, off = 0, min_off
    for a in active:
        if a and off >= min_off:
            count += 1
        off = 0 if a else off + 1
    return count


def rng(*words: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(list(words))))


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        data = w.readframes(w.getnframes())
        return np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0, w.getframerate()


def run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *arguments], capture_output=True, text=True, check=False)


def tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


class NoiseKindTests(unittest.TestCase):
    def test_every_kind_renders_the_right_length_finite_audible_and_within_full_scale(self):
        self.assertEqual(len(noises.KINDS), 18)
        for kind in noises.KINDS:
            with self.subTest(kind=kind):
                x, shaping = noises.render(kind, 7, 1, 2.5)
                self.assertIsNone(shaping)
                self.assertEqual(x.shape, (40000,))
                self.assertTrue(np.all(np.isfinite(x)))
                self.assertAlmostEqual(float(np.max(np.abs(x))), noises.PEAK, places=9)
                self.assertGreater(float(np.sqrt(np.mean(x ** 2))), 0.005)

    def test_same_seed_same_samples_and_items_differ(self):
        for kind in ("pink", "music", "typing", "babble"):
            with self.subTest(kind=kind):
                a, _ = noises.render(kind, 3, 2, 1.5)
                b, _ = noises.render(kind, 3, 2, 1.5)
                c, _ = noises.render(kind, 3, 3, 1.5)
                d, _ = noises.render(kind, 4, 2, 1.5)
                self.assertEqual(a.tobytes(), b.tobytes())
                self.assertFalse(np.array_equal(a, c))
                self.assertFalse(np.array_equal(a, d))

    def test_kinds_draw_from_their_own_stream(self):
        # The same (seed, item) gives different kinds unrelated noise, not one noise filtered twice.
        w, _ = noises.render("white", 1, 1, 1.0)
        v, _ = noises.render("vacuum", 1, 1, 1.0)
        self.assertLess(abs(np.corrcoef(w, v)[0, 1]), 0.1)

    def test_colour_slopes(self):
        white = octave_slope(noises.white(rng(1), 8.0, RATE))
        pink = octave_slope(noises.pink(rng(2), 8.0, RATE))
        brown = octave_slope(noises.brown(rng(3), 8.0, RATE))
        # Power per octave band: white rises 3 dB an octave, pink is flat, brown falls 3 dB.
        self.assertAlmostEqual(white, 3.0, delta=0.6)
        self.assertAlmostEqual(pink, 0.0, delta=0.6)
        self.assertAlmostEqual(brown, -3.0, delta=0.6)
        self.assertTrue(white > pink > brown)

    def test_hum_is_mains_and_its_harmonics(self):
        for item in range(1, 5):
            x = noises.hum(rng(item), 4.0, RATE)
            power = np.abs(np.fft.rfft(x)) ** 2
            f = np.fft.rfftfreq(x.size, 1.0 / RATE)
            for base in (50, 60):
                lines = sum(power[np.abs(f - base * h) <= 1.0].sum() for h in (1, 2, 3))
                if lines > 0.5 * power.sum():
                    break
            self.assertGreater(lines / power.sum(), 0.97, f"item {item}: {base} Hz")
            first = power[np.abs(f - base) <= 1].sum()
            third = power[np.abs(f - 3 * base) <= 1].sum()
            self.assertAlmostEqual(10 * np.log10(first / third), 20 * np.log10(0.5 / 0.2), delta=0.5)

    def test_typing_keystroke_rate_and_lengths(self):
        x = noises.typing(rng(5), 240.0, RATE)
        active = x != 0
        edges = np.flatnonzero(np.diff(active.astype(np.int8)))
        runs = edges.reshape(-1, 2) if active[0] == 0 else None
        self.assertIsNotNone(runs)
        lengths_ms = (runs[:, 1] - runs[:, 0]) / 16.0
        self.assertTrue(np.all((lengths_ms >= 3) & (lengths_ms <= 12.1)), lengths_ms.min())
        rate = len(runs) / 240.0
        self.assertAlmostEqual(rate, noises.TYPING_KEYS_PER_SECOND, delta=0.15 * noises.TYPING_KEYS_PER_SECOND)
        gaps_ms = (runs[1:, 0] - runs[:-1, 1]) / 16.0
        self.assertGreaterEqual(gaps_ms.min(), 79)
        pauses = np.mean(gaps_ms >= 300)
        self.assertAlmostEqual(pauses, 2 / 11, delta=0.05)

    def test_birds_chirp_and_trill_rates(self):
        x = noises.birds(rng(6), 240.0, RATE)
        rms = frame_rms(x, 16 * 5)          # 5 ms frames
        active = rms > 8 * np.median(rms)   # the hiss of leaves is 30 dB down
        chirps = onsets(active)
        trills = onsets(active, min_off=40)  # > 200 ms quiet: a new trill
        rate = chirps / 240.0
        self.assertAlmostEqual(rate, noises.BIRD_CHIRPS_PER_SECOND, delta=0.2 * noises.BIRD_CHIRPS_PER_SECOND)
        self.assertAlmostEqual(chirps / trills, noises.CHIRPS_PER_TRILL, delta=0.6)

    def test_wind_gusts_swing_ten_db(self):
        for item in range(1, 4):
            rms = frame_rms(noises.wind(rng(item), 20.0, RATE), RATE // 2)
            self.assertGreater(20 * np.log10(rms.max() / rms.min()), 10.0, f"item {item}")

    def test_tones_stay_in_their_band(self):
        x = noises.tones(rng(8), 10.0, RATE)
        power = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(x.size, 1.0 / RATE)
        self.assertGreater(power[(f >= 250) & (f <= 3100)].sum() / power.sum(), 0.98)

    def test_shaping_is_drawn_apart_and_changes_only_shaped_files(self):
        plain, none = noises.render("pink", 9, 1, 2.0, shaping=0.0)
        shaped, description = noises.render("pink", 9, 1, 2.0, shaping=1.0)
        self.assertIsNone(none)
        self.assertRegex(description, r"^band \d+-\d+ Hz, [+-]\d+\.\d dB at \d+ Hz Q \d\.\d\d, drift \d+% at \d\.\d\d Hz$")
        self.assertFalse(np.array_equal(plain, shaped))
        self.assertAlmostEqual(float(np.max(np.abs(shaped))), noises.PEAK, places=9)
        # Shaping with probability 0.5 keeps every unshaped file's samples.
        for item in range(1, 9):
            a, shaping = noises.render("brown", 9, item, 1.0, shaping=0.5)
            if shaping is None:
                self.assertEqual(a.tobytes(), noises.render("brown", 9, item, 1.0)[0].tobytes())


class SpeechPlanTests(unittest.TestCase):
    texts = {"en": ["One.", "Two.", "Three."], "de": ["Eins.", "Zwei."]}
    recordings = {"en": ["/words/en/a.ogg", "/words/en/b.ogg"], "de": []}

    def plan(self, seed, item, low=4000, high=20000):
        return speech.plan(seed, item, ["en", "de"], low, high, self.texts, self.recordings)

    def test_plans_depend_only_on_seed_and_item(self):
        self.assertEqual(self.plan(1, 5), self.plan(1, 5))
        self.assertNotEqual(self.plan(1, 5), self.plan(2, 5))
        self.assertNotEqual(self.plan(1, 5), self.plan(1, 6))

    def test_durations_and_the_long_utterance_rule(self):
        plans = [self.plan(3, k) for k in range(1, 1001)]
        durations = np.array([p.duration_ms for p in plans])
        self.assertTrue(np.all(durations % 20 == 0))
        long = (durations >= 30000) & (durations <= 45000)
        self.assertTrue(np.all(long | ((durations >= 4000) & (durations <= 20000))))
        self.assertAlmostEqual(long.mean(), 0.1, delta=0.03)

    def test_formats_by_index(self):
        formats = [speech.format_of(k) for k in range(1, 49)]
        self.assertEqual(formats.count("flac-22050"), 8)
        self.assertEqual(formats.count("wav-44100"), 6)
        self.assertEqual(speech.format_of(2), "flac-22050")
        self.assertEqual(speech.format_of(5), "wav-44100")

    def test_a_language_without_words_speaks_only_sentences(self):
        for k in range(1, 200):
            p = self.plan(4, k)
            if p.language == "de":
                self.assertEqual(p.fillers, ())
                self.assertTrue(all(c.kind == "tts" for c in p.chunks))
                self.assertTrue(all(not c.voice.startswith("en") for c in p.chunks))

    def test_spread_starts(self):
        # 9 s of trailing silence is spread over the gaps, each at most 3 s.
        starts = speech.spread_starts(20000, 500, [1000, 2000], [400])
        self.assertEqual(starts, [3000, 7000])
        self.assertEqual(speech.spread_starts(5000, 300, [1000, 1000], [500]), [300, 1800])
        self.assertEqual(speech.spread_starts(5000, 300, [], []), [])

    def test_trim_keeps_what_is_above_the_threshold(self):
        x = np.zeros(16000)
        x[4000:8000] = 0.5 * np.sin(np.arange(4000) * 0.3)
        x[:4000] = 1e-4   # -80 dBFS: silence
        y = speech.trim(x, -45.0)
        self.assertGreaterEqual(y.size, 4000)
        self.assertLessEqual(y.size, 4000 + 2 * 320)
        self.assertEqual(speech.trim(np.full(1000, 1e-4), -45.0).size, 0)

    def test_parse_wav_refuses_what_is_not_wav(self):
        with self.assertRaisesRegex(speech.CorpusError, "^espeak-ng: not a WAV stream$"):
            speech.parse_wav(b"nothing at all", "espeak-ng")


class CommandTests(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.TemporaryDirectory()
        self.dir = Path(self.work.name)

    def tearDown(self):
        self.work.cleanup()

    def speech(self, name, *extra):
        done = run("speech", str(self.dir / name), "--seed", "12", "--min-seconds", "2", "--max-seconds", "4",
                   "--languages", "en,de", "--quiet", *extra)
        self.assertEqual(done.returncode, 0, done.stderr)
        return self.dir / name

    def test_speech_is_byte_identical_whatever_jobs_and_count(self):
        three = self.speech("three", "--count", "3", "--jobs", "2")
        again = self.speech("again", "--count", "3", "--jobs", "1")
        two = self.speech("two", "--count", "2", "--jobs", "1")
        self.assertEqual(tree(three), tree(again))
        files3, files2 = tree(three), tree(two)
        self.assertEqual(len(files3), 7)   # 3 audio + 3 labels + corpus.tsv
        for name, data in files2.items():
            if name != "corpus.tsv":
                self.assertEqual(files3[name], data, name)
        rows3 = files3["corpus.tsv"].decode().splitlines()
        self.assertEqual(files2["corpus.tsv"].decode().splitlines(), rows3[:3])

    def test_labels_are_exactly_where_the_speech_is(self):
        out = self.speech("c", "--count", "6", "--jobs", "2")
        rows = [r.split("\t") for r in (out / "corpus.tsv").read_text().splitlines()]
        self.assertEqual(rows[0], ["id", "path", "language", "voice", "duration_s", "speech_s", "noise", "snr_db",
                                   "format"])
        checked = 0
        for row in rows[1:]:
            audio = out / row[1]
            labels = audio.with_suffix(".txt").read_text()
            self.assertRegex(labels, r"^(\d+\.\d{3}\t\d+\.\d{3}\tspeech\n)*$")
            regions = [tuple(round(float(v) * 1000) for v in line.split("\t")[:2]) for line in labels.splitlines()]
            duration = round(float(row[4]) * 1000)
            self.assertEqual(sum(b - a for a, b in regions), round(float(row[5]) * 1000))
            self.assertEqual(row[6:8], ["none", "inf"])
            for (a, b), (c, _) in zip(regions, regions[1:] + [(duration, duration)]):
                self.assertTrue(0 <= a < b <= c <= duration, regions)
            if row[8] != "wav-16000":
                continue
            x, rate = read_wav(audio)
            self.assertEqual((rate, x.size), (16000, duration * 16))
            inside = np.zeros(x.size, dtype=bool)
            for a, b in regions:
                inside[a * 16:b * 16] = True
                region = x[a * 16:b * 16]
                # Trimmed at -45 dB: the 20 ms at each edge is speech, not silence.
                self.assertGreater(np.sqrt(np.mean(region[:320] ** 2)), 10 ** (-60 / 20), f"{audio} {a}")
                self.assertGreater(np.sqrt(np.mean(region[-320:] ** 2)), 10 ** (-60 / 20), f"{audio} {b}")
                self.assertGreater(np.sqrt(np.mean(region ** 2)), 0.01)
            self.assertEqual(np.count_nonzero(x[~inside]), 0, audio)
            checked += 1
        self.assertGreater(checked, 0)

    def test_noise_library_is_byte_identical_whatever_per_kind(self):
        common = ["--kinds", "pink,typing", "--seconds", "1.5", "--seed", "4", "--quiet", "--noise-shaping", "0.5"]
        one = run("noise", str(self.dir / "one"), "--per-kind", "1", "--jobs", "1", *common)
        two = run("noise", str(self.dir / "two"), "--per-kind", "2", "--jobs", "2", *common)
        self.assertEqual((one.returncode, two.returncode), (0, 0), one.stderr + two.stderr)
        a, b = tree(self.dir / "one"), tree(self.dir / "two")
        self.assertEqual(sorted(b), ["noise.tsv", "pink/0001.wav", "pink/0002.wav", "typing/0001.wav", "typing/0002.wav"])
        for name in ("pink/0001.wav", "typing/0001.wav"):
            self.assertEqual(a[name], b[name])
        x, rate = read_wav(self.dir / "two/pink/0002.wav")
        self.assertEqual((rate, x.size), (16000, 24000))
        rows = (self.dir / "two/noise.tsv").read_text().splitlines()
        self.assertEqual(rows[0], "path\tkind\titem\tseconds\tshaping")
        self.assertEqual([r.split("\t")[:4] for r in rows[1:]],
                         [["pink/0001.wav", "pink", "1", "1.500"], ["pink/0002.wav", "pink", "2", "1.500"],
                          ["typing/0001.wav", "typing", "1", "1.500"], ["typing/0002.wav", "typing", "2", "1.500"]])
        self.assertTrue(one.stdout.startswith("make_corpus.py: 2 files, 2 kinds, 0.1 min, "), one.stdout)

    def test_bad_options_are_refused_with_exit_status_2(self):
        out = str(self.dir / "c")
        cases = [
            (["speech", out, "--count", "0"], "speech", "--count must be a positive integer up to 99999, not '0'"),
            (["speech", out, "--seed", "-1"], "speech", "--seed must be a non-negative integer below 2^63, not '-1'"),
            (["speech", out, "--jobs", "two"], "speech", "--jobs must be a positive integer up to 1024, not 'two'"),
            (["speech", out, "--min-seconds", "nan"], "speech", "--min-seconds must be a number, not 'nan'"),
            (["speech", out, "--min-seconds", "9", "--max-seconds", "5"], "speech",
             "need 1 <= --min-seconds <= --max-seconds <= 600 (got 9, 5)"),
            (["speech", out, "--languages", "en,,de"], "speech", "bad --languages list: 'en,,de'"),
            (["speech", out, "--languages", "en,xx"], "speech",
             f"no sentence list for language 'xx' (expected {speech.TEXT_DIR}/xx.txt)"),
            (["noise", out, "--kinds", "pink,thunder"], "noise",
             "unknown noise kind 'thunder' (" + ", ".join(noises.KINDS) + ")"),
            (["noise", out, "--seconds", "inf"], "noise", "--seconds must be a number, not 'inf'"),
            (["noise", out, "--seconds", "0"], "noise", "--seconds must be from 0.1 to 600, not '0'"),
            (["noise", out, "--per-kind", "1e3"], "noise", "--per-kind must be a positive integer up to 9999, not '1e3'"),
            (["noise", out, "--noise-shaping", "1.5"], "noise",
             "--noise-shaping must be a probability from 0 to 1, not '1.5'"),
            (["noise", out, "--noise-shaping", "half"], "noise",
             "--noise-shaping must be a probability from 0 to 1, not 'half'"),
        ]
        for arguments, command, message in cases:
            with self.subTest(arguments=arguments):
                done = run(*arguments)
                self.assertEqual(done.returncode, 2)
                self.assertTrue(done.stderr.startswith("usage: make_corpus.py " + command), done.stderr)
                self.assertTrue(done.stderr.endswith(f"make_corpus.py {command}: error: {message}\n"), done.stderr)
                self.assertEqual(done.stdout, "")
        self.assertFalse((self.dir / "c").exists())

    def test_a_missing_words_folder_is_a_clear_error(self):
        done = subprocess.run([sys.executable, str(SCRIPT), "speech", str(self.dir / "c"), "--quiet"],
                              capture_output=True, text=True, check=False,
                              env={"PATH": "/usr/bin:/bin", "KTUBERLING_SOUNDS": str(self.dir / "none")})
        self.assertEqual(done.returncode, 1)
        self.assertEqual(done.stderr, f"make_corpus.py: error: KTuberling's recorded words not found in "
                                      f"{self.dir / 'none'}; install them with: apt-get install ktuberling-data\n")


if __name__ == "__main__":
    unittest.main()
