"""The eighteen noise kinds of the corpus generator, one function each.

Every kind is `kind(rng, seconds, rate) -> np.ndarray`: `seconds` of float64
samples at `rate` Hz (16 kHz or more), peak `PEAK` (-6 dBFS), drawn only from
`rng`. The recipes render the intent of the sox recipes of the shell generator
this one replaced (the same spectra, envelopes and event rates), with every
parameter the shell derived from a noise offset drawn from `rng` over the same
range instead.
`shape` is the optional random band-pass, peak or dip and level drift.

`render(kind, seed, item, ...)` is the one entry point: it seeds a generator
from (seed, item, kind index), so file `item` of a kind depends on nothing else.
"""

from __future__ import annotations

import numpy as np

import dsp

PEAK = 0.5


def _finish(x: np.ndarray) -> np.ndarray:
    return dsp.peak_normalise(x, PEAK)


def _n(seconds: float, rate: int) -> int:
    if rate < 16000:
        raise ValueError(f"noise is rendered at 16 kHz or more, not {rate} Hz")
    return dsp.samples(seconds, rate)


# ---------------------------------------------------------------- stationary colours

def white(rng, seconds, rate):
    """Uniform white noise: flat spectrum."""
    return _finish(dsp.white(rng, _n(seconds, rate)))


def pink(rng, seconds, rate):
    """Pink noise: -3 dB per octave."""
    return _finish(dsp.pink(rng, _n(seconds, rate), rate))


def brown(rng, seconds, rate):
    """Brown noise: -6 dB per octave."""
    return _finish(dsp.brown(rng, _n(seconds, rate), rate))


def babble(rng, seconds, rate):
    """One talker reading sentences (espeak-ng, a random voice of the default
    languages); vadprep's --babble sums several such recordings."""
    import speech   # espeak-ng lives with the speech side
    return _finish(speech.talker(rng, seconds, rate))


# ---------------------------------------------------------------- tonal

def hum(rng, seconds, rate):
    """Mains hum: 50 or 60 Hz with its 2nd and 3rd harmonics (0.5, 0.3, 0.2)
    over a faint pink hiss 30 dB down."""
    n = _n(seconds, rate)
    base = 60.0 if rng.random() < 0.5 else 50.0
    tone = sum(w * dsp.sine(rng, n, rate, base * h) for h, w in ((1, 0.5), (2, 0.3), (3, 0.2)))
    return _finish(tone + dsp.db(-30) * dsp.pink(rng, n, rate))


PENTATONIC = (-9, -7, -5, -2, 0, 3, 5, 7, 10, 12)   # C4 D4 E4 G4 A4 C5 D5 E5 G5 A5 from A4


def music(rng, seconds, rate):
    """Half-second chords of three plucked notes from the C pentatonic scale."""
    n = _n(seconds, rate)
    out = np.zeros(n)
    step = dsp.samples(0.5, rate)
    for at in range(0, n, step):
        notes = rng.choice(PENTATONIC, size=3, replace=False)
        chord = sum(dsp.pluck(step, rate, dsp.semitones_hz(s)) for s in notes) / 3.0
        dsp.place(out, at, chord)
    return _finish(out)


def tones(rng, seconds, rate):
    """Beeps and sweeps (alarms, phones, whistles) at 0.3-3 kHz, 0.1-0.8 s on
    and 0.05-0.95 s off; every other one a sweep."""
    n = _n(seconds, rate)
    out = np.zeros(n)
    at, b = 0, 0
    while at < n:
        on = dsp.samples(rng.uniform(0.1, 0.8), rate)
        off = dsp.samples(rng.uniform(0.05, 0.95), rate)
        f1 = rng.uniform(300, 3000)
        f2 = rng.uniform(300, 3000) if b % 2 == 0 else f1
        ramp = dsp.samples(0.01, rate)
        dsp.place(out, at, dsp.sine(rng, on, rate, f1, f2) * dsp.fade(on, ramp, ramp))
        at += on + off
        b += 1
    return _finish(out)


MAJOR = (0, 2, 4, 5, 7, 9, 11, 12, 14, 16)


def melody(rng, seconds, rate):
    """One square, sawtooth or triangle voice playing a tune on a major scale,
    notes of 0.12-0.6 s with a 10 ms attack and a 30 ms release."""
    n = _n(seconds, rate)
    out = np.zeros(n)
    waveform = dsp.WAVEFORMS[int(rng.integers(3))]
    key = 2 * int(rng.integers(5)) - 12
    degree = int(rng.integers(len(MAJOR)))
    at = 0
    while at < n:
        length = dsp.samples(rng.uniform(0.12, 0.6), rate)
        degree = int(np.clip(degree + rng.integers(-3, 4), 0, len(MAJOR) - 1))
        note = dsp.oscillator(length, rate, dsp.semitones_hz(MAJOR[degree] + key), waveform)
        dsp.place(out, at, note * dsp.fade(length, dsp.samples(0.01, rate), dsp.samples(0.03, rate)))
        at += length
    return _finish(out)


CHORD_ROOTS = (0, 5, 7, -3, 2, -5, 4, 9)


def chords(rng, seconds, rate):
    """An organ-like synthesizer holding chords (root, third, fifth, and an
    octave or a seventh) of 0.8-2.5 s through a progression, one timbre
    low-passed at 0.8-3 kHz, soft attacks of 20-200 ms, 150 ms releases."""
    n = _n(seconds, rate)
    out = np.zeros(n)
    waveform = dsp.WAVEFORMS[int(rng.integers(3))]
    cutoff = rng.uniform(800, 3000)
    transpose = int(rng.integers(7)) - 15
    at, h = 0, int(rng.integers(len(CHORD_ROOTS)))
    while at < n:
        length = dsp.samples(rng.uniform(0.8, 2.5), rate)
        root = CHORD_ROOTS[h % len(CHORD_ROOTS)] + transpose
        third = 4 if rng.random() < 2 / 3 else 3
        top = 12 if rng.random() < 0.5 else 10
        voices = [(0, 0.3), (third, 0.25), (7, 0.25), (top, 0.2)]
        chord = sum(w * dsp.oscillator(length, rate, dsp.semitones_hz(root + s), waveform) for s, w in voices)
        attack = dsp.samples(rng.uniform(0.02, 0.2), rate)
        dsp.place(out, at, chord * dsp.fade(length, attack, dsp.samples(0.15, rate), "q"))
        at += length
        h += int(rng.integers(1, 4))
    return _finish(dsp.lowpass(out, rate, cutoff))


# ---------------------------------------------------------------- machines and weather

def engine(rng, seconds, rate):
    """Brown noise throbbing at 4-30 Hz (a 60 % offset sine amplitude modulation)."""
    n = _n(seconds, rate)
    throb = 0.6 + 0.4 * dsp.sine(rng, n, rate, rng.uniform(4, 30))
    return _finish(dsp.brown(rng, n, rate) * throb)


def wind(rng, seconds, rate):
    """Gusts: pink noise low-passed at 0.4-1.8 kHz under two slow tremolos of
    unrelated rates (0.1-0.5 Hz, 85 %; 0.4-1.2 Hz, 60 %)."""
    n = _n(seconds, rate)
    air = dsp.lowpass(dsp.pink(rng, n, rate), rate, rng.uniform(400, 1800))
    gusts = dsp.tremolo(rng, n, rate, rng.uniform(0.1, 0.5), 85) * dsp.tremolo(rng, n, rate, rng.uniform(0.4, 1.2), 60)
    return _finish(air * gusts)


def traffic(rng, seconds, rate):
    """Vehicles passing one after another: pink noise low-passed at 0.5-2.5 kHz
    swelling and fading over 2-7 s (a third of them followed by a pause of up
    to 2 s), 0-9 dB apart in level, over a steady brown rumble below 250 Hz."""
    n = _n(seconds, rate)
    cars = np.zeros(n)
    at = 0
    while at < n:
        length = dsp.samples(rng.uniform(2.0, 7.0), rate)
        body = dsp.lowpass(dsp.pink(rng, length, rate), rate, rng.uniform(500, 2500))
        half = length // 2
        dsp.place(cars, at, body * dsp.fade(length, half, length - half, "q") * dsp.db(-rng.uniform(0, 9)))
        pause = dsp.samples(rng.uniform(0, 2.0), rate) if rng.random() < 1 / 3 else 0
        at += length + pause
    rumble = dsp.peak_normalise(dsp.lowpass(dsp.brown(rng, n, rate), rate, 250))
    return _finish(0.7 * cars + 0.3 * rumble)


def cafe(rng, seconds, rate):
    """A room of people far off: pink noise band-passed to 200-3000 Hz under a
    0.1-0.4 Hz, 40 % tremolo, and clinks of cups and cutlery (two inharmonic
    partials, f and 2.32 f with f 1.5-3.4 kHz, decaying over 60-250 ms) at
    irregular times, a quarter of them in quick pairs."""
    n = _n(seconds, rate)
    murmur = dsp.bandpass(dsp.pink(rng, n, rate), rate, 200, 3000)
    murmur = dsp.peak_normalise(murmur * dsp.tremolo(rng, n, rate, rng.uniform(0.1, 0.4), 40))
    clinks = np.zeros(n)
    at, b = 0, 0
    while at < n:
        hz = rng.uniform(1500, 3400)
        length = dsp.samples(rng.uniform(0.06, 0.25), rate)
        tone = 0.6 * dsp.sine(rng, length, rate, hz) + 0.4 * dsp.sine(rng, length, rate, hz * 2.32)
        gap = rng.uniform(0.04, 0.16) if b % 4 == 1 else rng.uniform(0.15, 1.75)
        dsp.place(clinks, at, tone * dsp.fade(length, 0, length, "l") * dsp.db(-rng.uniform(6, 18)))
        at += length + dsp.samples(gap, rate)
        b += 1
    return _finish(0.5 * murmur + 0.5 * clinks)


def rain(rng, seconds, rate):
    """Drops on a roof or window: white noise high-passed at 0.6-2 kHz, its
    level fluttering fast (17-40 Hz, 90 %) and again at 3-9 Hz (50 %), over a
    softer pink patter low-passed at 1-3 kHz whose level swells every 1-2 s
    or every 5-10 s."""
    n = _n(seconds, rate)
    drops = dsp.highpass(dsp.white(rng, n), rate, rng.uniform(600, 2000))
    drops = dsp.peak_normalise(drops * dsp.tremolo(rng, n, rate, rng.uniform(17, 40), 90)
                               * dsp.tremolo(rng, n, rate, rng.uniform(3, 9), 50))
    swell = rng.uniform(0.5, 1.0) if rng.random() < 0.5 else rng.uniform(0.1, 0.2)
    patter = dsp.lowpass(dsp.pink(rng, n, rate), rate, rng.uniform(1000, 3000))
    patter = dsp.peak_normalise(patter * dsp.tremolo(rng, n, rate, swell, 50))
    return _finish(0.6 * drops + 0.4 * patter)


def fan(rng, seconds, rate):
    """A fan or air conditioner: brown and pink noise (0.6, 0.4) with a broad
    +8 dB resonance at 300-1200 Hz, and the blades' hum at 70-190 Hz with two
    harmonics (2f+1, 3f), beating slowly (0.2-0.7 Hz, 30 %)."""
    n = _n(seconds, rate)
    air = 0.6 * dsp.brown(rng, n, rate) + 0.4 * dsp.pink(rng, n, rate)
    air = dsp.peak_normalise(dsp.peaking(air, rate, rng.uniform(300, 1200), 1.0, 8.0))
    blade = rng.uniform(70, 190)
    hum = (0.5 * dsp.sine(rng, n, rate, blade) + 0.3 * dsp.sine(rng, n, rate, 2 * blade + 1)
           + 0.2 * dsp.sine(rng, n, rate, 3 * blade))
    hum = hum * dsp.tremolo(rng, n, rate, rng.uniform(0.2, 0.7), 30)
    return _finish(0.7 * air + 0.3 * hum)


def vacuum(rng, seconds, rate):
    """A vacuum cleaner: white noise high-passed at 150 Hz through a broad
    +10 dB peak at 1-3 kHz (rushing air), and the motor's whine at 500-1100 Hz
    with harmonics 2f and 3f+7, wavering (0.3-1.2 Hz, 25 %)."""
    n = _n(seconds, rate)
    rush = dsp.highpass(dsp.white(rng, n), rate, 150)
    rush = dsp.peak_normalise(dsp.peaking(rush, rate, rng.uniform(1000, 3000), 0.7, 10.0))
    whine = rng.uniform(500, 1100)
    motor = (0.5 * dsp.sine(rng, n, rate, whine) + 0.3 * dsp.sine(rng, n, rate, 2 * whine)
             + 0.2 * dsp.sine(rng, n, rate, 3 * whine + 7))
    motor = motor * dsp.tremolo(rng, n, rate, rng.uniform(0.3, 1.2), 25)
    return _finish(0.8 * rush + 0.2 * motor)


# ---------------------------------------------------------------- events

# Keystrokes: 4-12 ms, then 80-250 ms to the next, or (2 in 11) a 0.3-1.8 s pause.
TYPING_KEYS_PER_SECOND = 1.0 / (0.008 + (9 / 11) * 0.165 + (2 / 11) * 1.05)   # about 3.0


def typing(rng, seconds, rate):
    """Someone typing: keystrokes 80-250 ms apart, 2 in 11 followed by a
    0.3-1.8 s pause instead (about TYPING_KEYS_PER_SECOND, 3 a second); a
    keystroke is a 4-12 ms click of white noise band-passed to a 3 kHz wide
    band from 1-3 kHz up, decaying, 0-8 dB apart in level. Silence between."""
    n = _n(seconds, rate)
    out = np.zeros(n)
    at = dsp.samples(rng.uniform(0.0, 0.3), rate)
    while at < n:
        length = dsp.samples(rng.uniform(0.004, 0.012), rate)
        low = rng.uniform(1000, 3000)
        click = dsp.bandpass(dsp.white(rng, length), rate, low, low + 3000)
        envelope = dsp.fade(length, dsp.samples(0.001, rate), length - dsp.samples(0.001, rate), "q")
        dsp.place(out, at, dsp.peak_normalise(click * envelope) * dsp.db(-rng.uniform(0, 8)))
        gap = rng.uniform(0.3, 1.8) if rng.random() < 2 / 11 else rng.uniform(0.08, 0.25)
        at += length + dsp.samples(gap, rate)
    return _finish(out)


# Trills of 6 chirps of 30-150 ms, 30-120 ms apart, then a 0.3-2 s pause.
CHIRPS_PER_TRILL = 6
BIRD_CHIRPS_PER_SECOND = CHIRPS_PER_TRILL / (6 * 0.09 + 5 * 0.075 + 1.15)   # about 2.9


def birds(rng, seconds, rate):
    """Songbirds: trills of six chirps (30-150 ms, sweeping up to 1.2 kHz up or
    down from 1.8-5.8 kHz, 30-120 ms apart), 0.3-2 s between trills (about
    BIRD_CHIRPS_PER_SECOND, 2.9 chirps a second), over a faint hiss of leaves
    (pink noise high-passed at 1 kHz, 30 dB down)."""
    n = _n(seconds, rate)
    out = np.zeros(n)
    top = 0.45 * rate
    at = dsp.samples(rng.uniform(0.0, 0.5), rate)
    while at < n:
        start_hz = rng.uniform(1800, 5800)
        for c in range(CHIRPS_PER_TRILL):
            length = dsp.samples(rng.uniform(0.03, 0.15), rate)
            end_hz = min(top, start_hz + rng.integers(-1, 2) * rng.uniform(300, 1200))
            chirp = dsp.sine(rng, length, rate, start_hz, end_hz)
            chirp = chirp * dsp.fade(length, dsp.samples(0.008, rate), dsp.samples(0.015, rate), "h")
            dsp.place(out, at, chirp * dsp.db(-rng.uniform(6, 16)))
            last = c == CHIRPS_PER_TRILL - 1
            at += length + dsp.samples(rng.uniform(0.3, 2.0) if last else rng.uniform(0.03, 0.12), rate)
    leaves = dsp.highpass(dsp.pink(rng, n, rate), rate, 1000)
    return _finish(out + dsp.db(-30) * dsp.peak_normalise(leaves))


# ---------------------------------------------------------------- registry

KINDS = {
    "white": white, "pink": pink, "brown": brown, "babble": babble, "hum": hum, "music": music,
    "tones": tones, "engine": engine, "melody": melody, "chords": chords, "wind": wind, "traffic": traffic,
    "cafe": cafe, "rain": rain, "fan": fan, "typing": typing, "birds": birds, "vacuum": vacuum,
}
"""Every noise kind, in the shell generator's order; a kind's index in this
order is part of its seed, so new kinds go at the end."""


def shape(rng, x, rate):
    """A noise reshaped so that a model meets spectra and envelopes beyond those
    of the kinds themselves: a random band-pass (low edge 0 or 50-600 Hz, high
    edge 1.2-7.6 kHz), a random peak or dip of up to 12 dB at 0.2-4 kHz
    (Q 0.5-2) and a slow random level drift (0.05-0.6 Hz, 5-60 %).
    Returns the shaped samples (peak PEAK) and a description of the draw."""
    low = 0.0 if rng.random() < 0.3 else rng.uniform(50, 600)
    high = min(rng.uniform(1200, 7600), 0.45 * rate)
    centre, q, gain = rng.uniform(200, 4000), rng.uniform(0.5, 2.0), rng.uniform(-12, 12)
    drift_hz, drift = rng.uniform(0.05, 0.6), rng.uniform(5, 60)
    y = dsp.peaking(dsp.bandpass(x, rate, low, high), rate, centre, q, gain)
    y = y * dsp.tremolo(rng, x.size, rate, drift_hz, drift)
    description = (f"band {low:.0f}-{high:.0f} Hz, {gain:+.1f} dB at {centre:.0f} Hz Q {q:.2f}, "
                   f"drift {drift:.0f}% at {drift_hz:.2f} Hz")
    return _finish(y), description


def generator(seed: int, item: int, stream: int) -> np.random.Generator:
    """The generator of (seed, item, stream): PCG64 from SeedSequence([seed, item, stream])."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, item, stream])))


def render(kind: str, seed: int, item: int, seconds: float, rate: int = 16000, shaping: float = 0.0):
    """Noise file `item` of `kind`: the kind's function fed from (seed, item,
    kind index), then, with probability `shaping`, `shape` fed from its own
    stream of the same seed, so shaping never changes what the kind draws.
    Returns (samples, shaping description or None)."""
    index = list(KINDS).index(kind)
    body, shaper = np.random.SeedSequence([seed, item, index]).spawn(2)
    x = KINDS[kind](np.random.Generator(np.random.PCG64(body)), seconds, rate)
    shape_rng = np.random.Generator(np.random.PCG64(shaper))
    if shape_rng.random() < shaping:
        return shape(shape_rng, x, rate)
    return x, None
