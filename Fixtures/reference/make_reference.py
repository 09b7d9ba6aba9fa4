"""Reference MFCCs for vadprep's tests, computed by kaldi-native-fbank.

    python make_reference.py CORPUS_DIR OUT_DIR

For each recording: read with soundfile as float32 in [-1, 1), average the
channels in float32, resample to 16 kHz with python-soxr ('HQ', float32) when
the rate differs, multiply by 32768 (Kaldi's int16 scale), and compute MFCCs
with KNF's OnlineMfcc under two option sets, every option set explicitly:

  <stem>.vadprep.txt  Kaldi's compute-mfcc-feats defaults but num_ceps 20,
                      dither 0, snip_edges false (vadprep's defaults)
  <stem>.kaldi.txt    Kaldi's compute-mfcc-feats defaults, dither 0

For input at 8 kHz or less, whose upsampled signal has no energy above 4 kHz,
also

  <stem>.narrowband.txt   the vadprep option set with high_freq 3800, so that
                          every mel bin lies where the signal has energy

and for every recording <stem>.exact.txt, the vadprep option set computed in float64 with numpy
(Kaldi's formulas, numpy's FFT): the "true" values against which both float32
implementations are measured in Fixtures/README.md.

One frame per line, values printed with %.8g (exact: %.10g). manifest.txt
records, for each reference file, the recording, its number of 16 kHz
samples, the SHA-256 of that signal (float32 x 32768, little-endian), the
preset, frames, columns, stem and file name; then every KNF option of each
preset, and the library versions. The frame counts are checked against
Kaldi's formulas: snip_edges true, 1 + (n - 400) // 160 (0 when n < 400);
false, (n + 80) // 160.
"""
import hashlib
import sys
from pathlib import Path

import kaldi_native_fbank as knf
import numpy as np
import soundfile
import soxr

RECORDINGS = ["speech-16k.wav", "speech-8k.wav", "stereo-44k.flac", "float-48k.wav"]


def options(preset):
    o = knf.MfccOptions()
    narrowband = preset == "narrowband"
    preset = "vadprep" if narrowband else preset
    f = o.frame_opts
    f.samp_freq = 16000
    f.frame_shift_ms = 10
    f.frame_length_ms = 25
    f.dither = 0.0
    f.preemph_coeff = 0.97
    f.remove_dc_offset = True
    f.window_type = "povey"
    f.round_to_power_of_two = True
    f.blackman_coeff = 0.42
    f.snip_edges = preset == "kaldi"
    m = o.mel_opts
    m.num_bins = 23
    m.low_freq = 20
    m.high_freq = 3800 if narrowband else 0
    m.is_librosa = False
    m.htk_mode = False
    m.use_slaney_mel_scale = False
    o.num_ceps = 13 if preset == "kaldi" else 20
    o.use_energy = True
    o.energy_floor = 0.0
    o.raw_energy = True
    o.cepstral_lifter = 22
    o.htk_compat = False
    check(o, preset, narrowband)
    return o


def check(o, preset, narrowband):
    """Every option as intended, read back from KNF (a misspelt field name
    already fails when set: KNF's option objects take no new attributes)."""
    expected = {
        "frame_opts": {"samp_freq": 16000, "frame_shift_ms": 10, "frame_length_ms": 25, "dither": 0,
                       "preemph_coeff": 0.97, "remove_dc_offset": True, "window_type": "povey",
                       "round_to_power_of_two": True, "blackman_coeff": 0.42, "snip_edges": preset == "kaldi"},
        "mel_opts": {"num_bins": 23, "low_freq": 20, "high_freq": 3800 if narrowband else 0, "vtln_low": 100,
                     "vtln_high": -500, "debug_mel": False, "htk_mode": False, "is_librosa": False},
        "num_ceps": 13 if preset == "kaldi" else 20, "use_energy": True, "energy_floor": 0, "raw_energy": True,
        "cepstral_lifter": 22, "htk_compat": False,
    }
    actual = o.as_dict()
    for key, value in expected.items():
        for name, want in (value.items() if isinstance(value, dict) else [(key, value)]):
            got = actual[key][name] if isinstance(value, dict) else actual[key]
            same = got == want if isinstance(want, (bool, str)) else np.float32(got) == np.float32(want)
            assert same, f"{key}.{name}: {got!r}, expected {want!r}"


def kaldi_frames(n, snip_edges):
    """Kaldi's NumFrames for a 25 ms window and 10 ms shift at 16 kHz."""
    if snip_edges:
        return 1 + (n - 400) // 160 if n >= 400 else 0
    return (n + 80) // 160


def signal(path):
    x, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    x = x.mean(axis=1, dtype=np.float32)
    if rate != 16000:
        x = soxr.resample(x, rate, 16000, quality="HQ")
    return x.astype(np.float32) * np.float32(32768)


def mfcc(samples, preset):
    computer = knf.OnlineMfcc(options(preset))
    computer.accept_waveform(16000, samples.tolist())
    computer.input_finished()
    return np.array([computer.get_frame(i) for i in range(computer.num_frames_ready)], dtype=np.float32)


def exact_mfcc(samples):
    """Kaldi's MFCC (vadprep option set) in float64, numpy FFT."""
    x = samples.astype(np.float64)
    n, length, shift, padded, bins, ceps = len(x), 400, 160, 512, 23, 20
    mel = lambda f: 1127 * np.log(1 + f / 700)
    low, high = mel(20.0), mel(8000.0)
    delta = (high - low) / (bins + 1)
    fft_mel = mel(np.arange(padded // 2) * 16000 / padded)
    weights = np.zeros((bins, padded // 2 + 1))
    for b in range(bins):
        left, centre, right = low + b * delta, low + (b + 1) * delta, low + (b + 2) * delta
        inside = (fft_mel > left) & (fft_mel < right)
        rising = np.where(fft_mel <= centre, (fft_mel - left) / (centre - left), (right - fft_mel) / (right - centre))
        weights[b, : padded // 2][inside] = rising[inside]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / (length - 1))) ** 0.85
    k, j = np.arange(ceps)[:, None], np.arange(bins)[None, :]
    dct = np.sqrt(np.where(k == 0, 1.0, 2.0) / bins) * np.cos(np.pi / bins * (j + 0.5) * k)
    lifter = 1 + 11 * np.sin(np.pi * np.arange(ceps) / 22)
    rows = []
    for t in range((n + shift // 2) // shift):
        index = np.arange(length) + t * shift + shift // 2 - length // 2
        while (index < 0).any() or (index >= n).any():
            index = np.where(index < 0, -index - 1, np.where(index >= n, 2 * n - 1 - index, index))
        w = x[index] - x[index].mean()
        energy = np.log(max((w * w).sum(), np.finfo(np.float32).eps))
        w = np.concatenate(([w[0] * 0.03], w[1:] - 0.97 * w[:-1])) * window
        power = np.abs(np.fft.rfft(w, padded)) ** 2
        c = dct @ np.log(np.maximum(weights @ power, np.finfo(np.float32).eps)) * lifter
        c[0] = energy
        rows.append(c)
    return np.array(rows)


def main(corpus, out):
    corpus, out = Path(corpus), Path(out)
    lines = [f"kaldi-native-fbank {knf.__version__}, numpy {np.__version__}, soundfile {soundfile.__version__} "
             f"(libsndfile {soundfile.__libsndfile_version__}), soxr {soxr.__version__} (libsoxr {soxr.__libsoxr_version__})",
             "recording samples_16k signal_sha256 preset frames columns stem file"]
    for name in RECORDINGS:
        samples = signal(corpus / name)
        stem = Path(name).stem
        digest = hashlib.sha256(samples.astype("<f4").tobytes()).hexdigest()
        narrow = soundfile.info(str(corpus / name)).samplerate <= 8000
        presets = ["vadprep", "kaldi"] + (["narrowband"] if narrow else [])
        for preset in presets:
            features = mfcc(samples, preset)
            frames = kaldi_frames(len(samples), snip_edges=preset == "kaldi")
            assert features.shape == (frames, options(preset).num_ceps), (name, preset, features.shape, frames)
            np.savetxt(out / f"{stem}.{preset}.txt", features, fmt="%.8g")
            lines.append(f"{name} {len(samples)} {digest} {preset} {features.shape[0]} {features.shape[1]} "
                         f"{stem} {stem}.{preset}.txt")
        exact = exact_mfcc(samples)
        assert exact.shape == (kaldi_frames(len(samples), snip_edges=False), 20)
        np.savetxt(out / f"{stem}.exact.txt", exact, fmt="%.10g")
        lines.append(f"{name} {len(samples)} {digest} exact {exact.shape[0]} {exact.shape[1]} {stem} {stem}.exact.txt")
        knf_error = np.abs(mfcc(samples, "vadprep") - exact).max()
        lines.append(f"# {name}: kaldi-native-fbank (float32) vs exact float64: max |diff| {knf_error:.3g}")
    for preset in ["vadprep", "kaldi", "narrowband"]:
        lines.append(f"# options {preset}: {options(preset).as_dict()}")
    (out / "manifest.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
