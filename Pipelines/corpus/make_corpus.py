#!/usr/bin/env python3
"""Synthesises what a voice-activity corpus is made of, with labels known by
construction; vadprep mixes them (`vadprep extract CLEAN --noise NOISE ...`).

  make_corpus.py speech OUT [--count N] [--seed S] [--min-seconds A]
      [--max-seconds B] [--languages LIST] [--jobs J] [--quiet]
  make_corpus.py noise OUT [--kinds LIST] [--per-kind N] [--seconds S]
      [--seed S] [--noise-shaping P] [--jobs J] [--quiet]

`speech` writes clean speech: OUT/<language>/utt-NNNN.{wav,flac}, an Audacity
label track OUT/<language>/utt-NNNN.txt beside each (start<TAB>end<TAB>speech)
and OUT/corpus.tsv. `noise` writes a library of noise recordings:
OUT/<kind>/NNNN.wav (16 kHz) and OUT/noise.tsv. Keep the two directories apart
(say CORPUS/clean and CORPUS/noise): vadprep reads every audio file under the
directory it extracts. The same arguments give byte-identical files; utterance
or noise file k depends only on (seed, k), never on --count, --per-kind or
--jobs. Needs Python 3.11 with numpy, espeak-ng, sox and ktuberling-data.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import noises   # noqa: E402
import speech   # noqa: E402
from speech import CorpusError   # noqa: E402

PROG = "make_corpus.py"
OUTPUT_PEAK = 0.89   # -1 dBFS: resampling to another output rate can overshoot a little


# ---------------------------------------------------------------- options

def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{speech,noise}")

    def common(sub):
        sub.add_argument("out", metavar="OUT", help="output directory")
        sub.add_argument("--seed", default="1", help="random seed, a non-negative integer (default 1)")
        sub.add_argument("--jobs", default=str(os.cpu_count() or 2),
                         help="parallel workers (default: the number of CPUs)")
        sub.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")

    s = commands.add_parser("speech", help="clean speech with exact labels")
    common(s)
    s.add_argument("--count", default="60", help="utterances to generate (default 60)")
    s.add_argument("--min-seconds", default="4", help="shortest utterance, seconds (default 4)")
    s.add_argument("--max-seconds", default="20",
                   help="longest utterance, seconds (default 20); about 1 in 10 utterances is 30-45 s regardless")
    s.add_argument("--languages", default=",".join(speech.DEFAULT_LANGUAGES),
                   help="comma-separated languages with sentence lists in corpus-text/ (default %(default)s; "
                        "also sv,fi,ca,ro,da,ru,el,uk,lt,sl,ga,sr)")

    n = commands.add_parser("noise", help="a library of noise recordings, one folder per kind")
    common(n)
    n.add_argument("--kinds", default=",".join(noises.KINDS),
                   help="comma-separated noise kinds (default: all of %(default)s)")
    n.add_argument("--per-kind", default="2", help="recordings per kind (default 2)")
    n.add_argument("--seconds", default="30", help="length of each recording, seconds (default 30)")
    n.add_argument("--noise-shaping", default="0",
                   help="with probability P (default 0), pass a recording through a random band-pass, "
                        "a peak or dip of up to 12 dB and a slow level drift")

    args = parser.parse_args(argv)
    sub = s if args.command == "speech" else n
    try:
        check(args)
    except ValueError as error:
        sub.error(str(error))   # usage, the message, exit status 2
    return args


UINT = re.compile(r"[0-9]+")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
LIST = re.compile(r"[a-z][a-z0-9_-]*(,[a-z][a-z0-9_-]*)*")


def whole(name: str, text: str, low: int, high: int, what: str) -> int:
    if not UINT.fullmatch(text) or not low <= int(text) <= high:
        raise ValueError(f"{name} must be {what}, not '{text}'")
    return int(text)


def number(name: str, text: str) -> float:
    if not NUMBER.fullmatch(text):
        raise ValueError(f"{name} must be a number, not '{text}'")
    return float(text)


def check(args: argparse.Namespace) -> None:
    """Turns the option strings into checked values, or raises ValueError with the words to print."""
    args.seed = whole("--seed", args.seed, 0, 2 ** 63 - 1, "a non-negative integer below 2^63")
    args.jobs = whole("--jobs", args.jobs, 1, 1024, "a positive integer up to 1024")
    if args.command == "speech":
        args.count = whole("--count", args.count, 1, 99999, "a positive integer up to 99999")
        low, high = number("--min-seconds", args.min_seconds), number("--max-seconds", args.max_seconds)
        if not 1 <= low <= high <= 600:
            raise ValueError(f"need 1 <= --min-seconds <= --max-seconds <= 600 (got {args.min_seconds}, "
                             f"{args.max_seconds})")
        args.min_ms, args.max_ms = int(low * 1000 + 0.5), int(high * 1000 + 0.5)
        if not LIST.fullmatch(args.languages):
            raise ValueError(f"bad --languages list: '{args.languages}'")
        args.languages = args.languages.split(",")
        for language in args.languages:
            path = speech.TEXT_DIR / f"{language}.txt"
            if not path.is_file() or path.stat().st_size == 0:
                raise ValueError(f"no sentence list for language '{language}' (expected {path})")
    else:
        if not LIST.fullmatch(args.kinds):
            raise ValueError(f"bad --kinds list: '{args.kinds}'")
        args.kinds = args.kinds.split(",")
        for kind in args.kinds:
            if kind not in noises.KINDS:
                raise ValueError(f"unknown noise kind '{kind}' ({', '.join(noises.KINDS)})")
        args.per_kind = whole("--per-kind", args.per_kind, 1, 9999, "a positive integer up to 9999")
        seconds = number("--seconds", args.seconds)
        if not 0.1 <= seconds <= 600:
            raise ValueError(f"--seconds must be from 0.1 to 600, not '{args.seconds}'")
        args.seconds = seconds
        shaping = number("--noise-shaping", args.noise_shaping) if NUMBER.fullmatch(args.noise_shaping) else -1
        if not 0 <= shaping <= 1:
            raise ValueError(f"--noise-shaping must be a probability from 0 to 1, not '{args.noise_shaping}'")
        args.noise_shaping = shaping


def check_tools(args: argparse.Namespace) -> None:
    """espeak-ng, sox and the voices and words the run will use, with the package that provides each."""
    if shutil.which("espeak-ng") is None:
        raise CorpusError("espeak-ng not found; install it with: apt-get install espeak-ng")
    if args.command == "noise" and "babble" not in args.kinds:
        return
    languages = args.languages if args.command == "speech" else speech.DEFAULT_LANGUAGES
    for language in languages:
        for voice in speech.voices_for(language):
            done = subprocess.run(["espeak-ng", "-v", voice, "-q", "a"], capture_output=True, check=False)
            if done.returncode != 0:
                raise CorpusError(f"espeak-ng has no voice '{voice}' for language '{language}' "
                                  "(apt-get install espeak-ng-data)")
    if args.command == "speech":
        if shutil.which("sox") is None:
            raise CorpusError("sox not found; install it with: apt-get install sox libsox-fmt-base")
        root = speech.words_root()
        if not any(root.glob("*/*.ogg")):
            raise CorpusError(f"KTuberling's recorded words not found in {root}; "
                              "install them with: apt-get install ktuberling-data")


# ---------------------------------------------------------------- writing

def pcm16(x: np.ndarray) -> bytes:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2").tobytes()


def write_wav(path: Path, x: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm16(x))


def write_audio(path: Path, x: np.ndarray, fmt: str) -> None:
    """16 kHz samples as `fmt` (wav-16000, wav-44100 or flac-22050); sox
    resamples and encodes the other rates."""
    kind, rate = fmt.split("-")
    if rate == "16000" and kind == "wav":
        write_wav(path, x, 16000)
        return
    encoding = ["-e", "signed-integer"] if kind == "wav" else []
    speech.run_tool(["sox", "-R", "-D", "-t", "f32", "-r", str(speech.RATE), "-c", "1", "-",
                     "-t", kind, "-b", "16", *encoding, "-r", rate, "-c", "1", str(path)],
                    stdin=x.astype("<f4").tobytes(), what=str(path))


def ms_text(ms: int) -> str:
    return f"{ms // 1000}.{ms % 1000:03d}"


def replace(part: Path, final: Path) -> None:
    os.replace(part, final)


# ---------------------------------------------------------------- speech

CONTEXT: dict = {}


def speech_item(k: int) -> tuple[str, str]:
    """Renders and writes utterance k; returns its corpus.tsv row and a progress line."""
    c = CONTEXT
    p = speech.plan(c["seed"], k, c["languages"], c["min_ms"], c["max_ms"], c["texts"], c["words"])
    u = speech.render(p)
    peak = float(np.max(np.abs(u.samples))) if u.samples.size else 0.0
    x = u.samples * (OUTPUT_PEAK / peak) if peak > OUTPUT_PEAK else u.samples
    uid = f"utt-{k:04d}"
    ext = "flac" if p.format.startswith("flac") else "wav"
    folder = c["out"] / p.language
    folder.mkdir(parents=True, exist_ok=True)
    audio_part, labels_part = folder / f".{uid}.{ext}.part", folder / f".{uid}.txt.part"
    write_audio(audio_part, x, p.format)
    labels_part.write_text("".join(f"{ms_text(a)}\t{ms_text(b)}\tspeech\n" for a, b in u.regions_ms), encoding="utf-8")
    replace(labels_part, folder / f"{uid}.txt")
    replace(audio_part, folder / f"{uid}.{ext}")

    chunks = len(u.regions_ms)
    voice = p.voice
    if u.words > 0:
        voice += f",ktuberling-{p.language}"
    if chunks > 0 and u.words == chunks:
        voice = f"ktuberling-{p.language}"
    path = f"{p.language}/{uid}.{ext}"
    row = "\t".join([uid, path, p.language, voice, ms_text(p.duration_ms), ms_text(u.speech_ms), "none", "inf",
                     p.format])
    return row, f"[{k}/{c['count']}] {path}  {ms_text(p.duration_ms)} s, {chunks} chunks"


def make_speech(args: argparse.Namespace) -> str:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    CONTEXT.update(seed=args.seed, languages=args.languages, min_ms=args.min_ms, max_ms=args.max_ms,
                   texts={lang: speech.sentences(lang) for lang in args.languages},
                   words={lang: speech.words(lang) for lang in args.languages}, out=out, count=args.count)
    rows = run_items(speech_item, range(1, args.count + 1), args.jobs, args.quiet)
    header = "id\tpath\tlanguage\tvoice\tduration_s\tspeech_s\tnoise\tsnr_db\tformat\n"
    (out / ".corpus.tsv.part").write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    replace(out / ".corpus.tsv.part", out / "corpus.tsv")

    ours = set()
    for row in rows:
        path = row.split("\t")[1]
        ours.update([path, path.rsplit(".", 1)[0] + ".txt"])
    stale = sorted(str(p.relative_to(out)) for p in out.glob("*/utt-*")
                   if p.suffix in (".wav", ".flac", ".txt") and str(p.relative_to(out)) not in ours)
    remove_stale(out, stale, args.quiet)

    duration = sum(float(r.split("\t")[4]) for r in rows)
    spoken = sum(float(r.split("\t")[5]) for r in rows)
    size = sum((out / r.split("\t")[1]).stat().st_size for r in rows)
    return (f"{len(rows)} files, {duration / 60:.1f} min, {size / 1e6:.1f} MB, "
            f"speech {100 * spoken / duration:.1f}%")


# ---------------------------------------------------------------- noise

def noise_item(task: tuple[str, int]) -> tuple[str, str]:
    kind, item = task
    c = CONTEXT
    x, shaping = noises.render(kind, c["seed"], item, c["seconds"], speech.RATE, c["shaping"])
    folder = c["out"] / kind
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{item:04d}.wav"
    write_wav(folder / f".{name}.part", x, speech.RATE)
    replace(folder / f".{name}.part", folder / name)
    row = "\t".join([f"{kind}/{name}", kind, str(item), f"{x.size / speech.RATE:.3f}", shaping or "none"])
    return row, f"{kind}/{name}{'  shaped: ' + shaping if shaping else ''}"


def make_noise(args: argparse.Namespace) -> str:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    CONTEXT.update(seed=args.seed, seconds=args.seconds, shaping=args.noise_shaping, out=out)
    tasks = [(kind, item) for kind in args.kinds for item in range(1, args.per_kind + 1)]
    CONTEXT["count"] = len(tasks)
    rows = run_items(noise_item, tasks, args.jobs, args.quiet)
    header = "path\tkind\titem\tseconds\tshaping\n"
    (out / ".noise.tsv.part").write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    replace(out / ".noise.tsv.part", out / "noise.tsv")
    ours = {r.split("\t")[0] for r in rows}
    stale = sorted(str(p.relative_to(out)) for kind in args.kinds for p in (out / kind).glob("[0-9][0-9][0-9][0-9].wav")
                   if str(p.relative_to(out)) not in ours)
    remove_stale(out, stale, args.quiet)
    size = sum((out / r.split("\t")[0]).stat().st_size for r in rows)
    shaped = sum(1 for r in rows if not r.endswith("\tnone"))
    return (f"{len(rows)} files, {len(args.kinds)} kinds, {len(rows) * args.seconds / 60:.1f} min, "
            f"{size / 1e6:.1f} MB, {shaped} shaped")


# ---------------------------------------------------------------- running

def run_items(work, items, jobs: int, quiet: bool) -> list[str]:
    """`work` over `items` on `jobs` processes; rows in the order of `items`."""
    items = list(items)
    rows: list[str] = [""] * len(items)
    if jobs == 1 or len(items) == 1:
        for i, item in enumerate(items):
            rows[i], line = work(item)
            if not quiet:
                print(f"{PROG}: {line}", file=sys.stderr)
        return rows
    with concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(items))) as pool:
        futures = {pool.submit(work, item): i for i, item in enumerate(items)}
        try:
            for future in concurrent.futures.as_completed(futures):
                rows[futures[future]], line = future.result()
                if not quiet:
                    print(f"{PROG}: {line}", file=sys.stderr)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return rows


def remove_stale(out: Path, stale: list[str], quiet: bool) -> None:
    """Removes files an earlier run left behind that this run did not write."""
    for name in stale:
        (out / name).unlink(missing_ok=True)
    if stale and not quiet:
        print(f"{PROG}: removed {len(stale)} stale files of an earlier run", file=sys.stderr)


def remove_parts(out: Path) -> None:
    for part in out.glob("*/.*.part"):
        part.unlink(missing_ok=True)
    for part in out.glob(".*.part"):
        part.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    args = parse(argv)
    started = time.monotonic()
    out = Path(args.out)
    try:
        check_tools(args)
        if not args.quiet:
            print(f"{PROG}: {args.command} into {out} ({args.jobs} jobs)", file=sys.stderr)
        summary = make_speech(args) if args.command == "speech" else make_noise(args)
    except CorpusError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        remove_parts(out)
        return 1
    except OSError as error:
        print(f"{PROG}: error: {error.filename or out}: {error.strerror or error}", file=sys.stderr)
        remove_parts(out)
        return 1
    except KeyboardInterrupt:
        remove_parts(out)
        return 130
    print(f"{PROG}: {summary}, in {time.monotonic() - started:.0f} s -> {out.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
