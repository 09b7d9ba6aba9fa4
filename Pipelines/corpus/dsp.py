"""Signal building blocks for the corpus generator: noise colours, filters,
envelopes and band-limited oscillators, all in numpy.

Every function is pure: randomness comes only from the `numpy.random.Generator`
passed in, so a caller that seeds the generator from (seed, item) gets the same
samples on every machine and in every process. Arrays are float64, one channel.

Filters work on the whole signal in the frequency domain (one real FFT, a
magnitude response, one inverse FFT). They are zero-phase and circular: the end
of a noise wraps into its start, which suits stationary noise and keeps a
filtered recording the same length as its input. Signals that must not ring
outside their extent (a keystroke, a chirp) are filtered before their envelope
is applied.
"""

from __future__ import annotations

import numpy as np

A4_HZ = 440.0


def samples(seconds: float, rate: int) -> int:
    """Whole samples in `seconds` at `rate`, rounded to the nearest."""
    return int(round(seconds * rate))


def white(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniform white noise in [-1, 1) (sox's `whitenoise`)."""
    return rng.uniform(-1.0, 1.0, n)


def coloured(rng: np.random.Generator, n: int, rate: int, slope_db_per_octave: float,
             floor_hz: float = 20.0) -> np.ndarray:
    """Gaussian noise whose power falls by `slope_db_per_octave` per octave
    above `floor_hz` (0: white, -3: pink, -6: brown) and is flat below it, so
    that there is no huge DC drift. Scaled to a peak of 1."""
    spectrum = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    f = np.fft.rfftfreq(n, 1.0 / rate)
    amplitude = (np.maximum(f, floor_hz) / floor_hz) ** (slope_db_per_octave / (20.0 * np.log10(2.0)))
    amplitude[0] = 0.0
    return peak_normalise(np.fft.irfft(spectrum * amplitude, n))


def pink(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Pink noise, -3 dB per octave (sox's `pinknoise`), peak 1."""
    return coloured(rng, n, rate, -3.0)


def brown(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """Brown noise, -6 dB per octave (sox's `brownnoise`), peak 1."""
    return coloured(rng, n, rate, -6.0)


def peak_normalise(x: np.ndarray, peak: float = 1.0) -> np.ndarray:
    """`x` scaled so that its largest magnitude is `peak` (unchanged if silent)."""
    top = float(np.max(np.abs(x))) if x.size else 0.0
    return x * (peak / top) if top > 0 else x


def db(gain_db: float) -> float:
    """The amplitude factor of a gain in dB."""
    return 10.0 ** (gain_db / 20.0)


# ---------------------------------------------------------------- filters
#
# Magnitude responses of the analog prototypes sox's effects are built on,
# evaluated at the FFT bins. f is in Hz.

def filtered(x: np.ndarray, rate: int, response) -> np.ndarray:
    """`x` through the zero-phase filter whose magnitude at f Hz is response(f)."""
    f = np.fft.rfftfreq(x.size, 1.0 / rate)
    return np.fft.irfft(np.fft.rfft(x) * response(f), x.size)


def lowpass(x: np.ndarray, rate: int, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Butterworth low-pass of `order` (sox's `lowpass` is order 2, 12 dB/octave)."""
    return filtered(x, rate, lambda f: 1.0 / np.sqrt(1.0 + (f / cutoff_hz) ** (2 * order)))


def highpass(x: np.ndarray, rate: int, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Butterworth high-pass of `order` (sox's `highpass` is order 2)."""
    def response(f):
        r = (f / cutoff_hz) ** order
        return r / np.sqrt(1.0 + r * r)
    return filtered(x, rate, response)


def bandpass(x: np.ndarray, rate: int, low_hz: float, high_hz: float) -> np.ndarray:
    """A steep band-pass (order 8 each side), like sox's `sinc LOW-HIGH`;
    `low_hz` 0 makes it a low-pass."""
    def response(f):
        h = 1.0 / np.sqrt(1.0 + (f / high_hz) ** 16)
        if low_hz > 0:
            r = (f / low_hz) ** 8
            h = h * r / np.sqrt(1.0 + r * r)
        return h
    return filtered(x, rate, response)


def peaking(x: np.ndarray, rate: int, centre_hz: float, q: float, gain_db: float) -> np.ndarray:
    """A peak (or dip, for negative `gain_db`) of `gain_db` at `centre_hz` with
    quality `q`, like sox's `equalizer`: the analog peaking section
    (s^2 + s*A*w0/Q + w0^2) / (s^2 + s*w0/(A*Q) + w0^2), A = 10^(gain/40)."""
    a = 10.0 ** (gain_db / 40.0)

    def response(f):
        w, w0 = f, centre_hz
        real = (w0 * w0 - w * w) ** 2
        return np.sqrt((real + (w * w0 * a / q) ** 2) / (real + (w * w0 / (a * q)) ** 2))
    return filtered(x, rate, response)


# ---------------------------------------------------------------- envelopes

def tremolo(rng: np.random.Generator, n: int, rate: int, hz: float, depth_percent: float) -> np.ndarray:
    """sox's `tremolo`: a gain swinging sinusoidally at `hz` between 1 and
    1 - depth, starting at a random phase."""
    depth = depth_percent / 100.0
    phase = rng.uniform(0.0, 2.0 * np.pi)
    t = np.arange(n) / rate
    return 1.0 - depth * (0.5 + 0.5 * np.sin(2.0 * np.pi * hz * t + phase))


def fade(n: int, fade_in: int, fade_out: int, shape: str = "t") -> np.ndarray:
    """sox's `fade` as a gain over n samples: rising over the first `fade_in`,
    falling over the last `fade_out`. Shapes: t linear, q quarter sine,
    h half sine, l logarithmic (a -100 dB to 0 dB ramp in dB)."""
    gain = np.ones(n)
    for length, at_end in ((min(fade_in, n), False), (min(fade_out, n), True)):
        if length <= 0:
            continue
        p = (np.arange(length) + 0.5) / length   # 0 -> 1 across the fade
        if shape == "q":
            ramp = np.sin(p * np.pi / 2)
        elif shape == "h":
            ramp = (1.0 - np.cos(p * np.pi)) / 2
        elif shape == "l":
            ramp = 10.0 ** (-5.0 * (1.0 - p))
        else:
            ramp = p
        if at_end:
            gain[n - length:] *= ramp[::-1]
        else:
            gain[:length] *= ramp
    return gain


# ---------------------------------------------------------------- oscillators

def semitones_hz(semitones: float) -> float:
    """The frequency `semitones` above A4 (440 Hz); sox writes it `%N`."""
    return A4_HZ * 2.0 ** (semitones / 12.0)


def sine(rng: np.random.Generator, n: int, rate: int, hz: float, to_hz: float | None = None) -> np.ndarray:
    """A sine at `hz`, or sweeping linearly to `to_hz` (sox's `sine F1:F2`),
    from a random phase."""
    t = np.arange(n) / rate
    end = hz if to_hz is None else to_hz
    duration = n / rate
    phase = 2.0 * np.pi * (hz * t + (end - hz) * t * t / (2.0 * duration))
    return np.sin(phase + rng.uniform(0.0, 2.0 * np.pi))


WAVEFORMS = ("square", "sawtooth", "triangle")


def oscillator(n: int, rate: int, hz: float, waveform: str) -> np.ndarray:
    """A band-limited square, sawtooth or triangle wave at `hz` (the harmonics
    below 90 % of Nyquist of its Fourier series), peak about 1."""
    top = max(1, int(0.45 * rate / hz))
    if waveform == "sawtooth":
        harmonics = np.arange(1, top + 1)
        weights = (2.0 / np.pi) * (-1.0) ** (harmonics + 1) / harmonics
    elif waveform == "square":
        harmonics = np.arange(1, top + 1, 2)
        weights = (4.0 / np.pi) / harmonics
    elif waveform == "triangle":
        harmonics = np.arange(1, top + 1, 2)
        weights = (8.0 / np.pi ** 2) * (-1.0) ** ((harmonics - 1) // 2) / harmonics ** 2
    else:
        raise ValueError(f"unknown waveform '{waveform}' ({', '.join(WAVEFORMS)})")
    t = np.arange(n) / rate
    return weights @ np.sin(2.0 * np.pi * hz * np.outer(harmonics, t))


def pluck(n: int, rate: int, hz: float) -> np.ndarray:
    """A plucked string (sox's `pluck`): harmonics 1/h in level, each decaying
    faster the higher it is, peak about 1."""
    top = max(1, min(12, int(0.45 * rate / hz)))
    harmonics = np.arange(1, top + 1)
    t = np.arange(n) / rate
    decay = np.exp(-np.outer(3.0 + 2.5 * harmonics, t))
    return (np.sin(2.0 * np.pi * hz * np.outer(harmonics, t)) * decay / harmonics[:, None]).sum(axis=0) / 1.6


def place(track: np.ndarray, at: int, piece: np.ndarray) -> None:
    """Adds `piece` into `track` from sample `at`, cutting what overruns."""
    if at >= track.size:
        return
    end = min(track.size, at + piece.size)
    track[at:end] += piece[:end - at]
