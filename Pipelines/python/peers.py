"""20 MFCCs + deltas for every file of a list, by one of vadprep's peers, for
Pipelines/bench.sh. Prints one JSON line: the peer, its version, the audio
seconds and the in-process seconds (imports and the first call excluded).

    python peers.py PEER FILE_LIST [--row]   PEER: knf, librosa, psf, torchaudio

With --row it prints a row of Pipelines/bench.sh's table instead.
"""
import json
import sys
import time

import numpy as np
import soundfile


def deltas(x, window=2):
    """Kaldi-style regression deltas along time, edges replicated ([frames, dims])."""
    padded = np.pad(x, ((window, window), (0, 0)), mode="edge")
    n = len(x)
    scale = sum(j * j for j in range(-window, window + 1))
    return sum(j * padded[window + j:window + j + n] for j in range(-window, window + 1)) / scale


def make(peer):
    if peer == "knf":
        import kaldi_native_fbank as knf
        opts = knf.MfccOptions()
        opts.frame_opts.dither = 0.0
        opts.frame_opts.snip_edges = False
        opts.mel_opts.num_bins = 23
        opts.num_ceps = 20

        def run(samples):
            computer = knf.OnlineMfcc(opts)
            computer.accept_waveform(16000, samples)
            computer.input_finished()
            m = np.array([computer.get_frame(i) for i in range(computer.num_frames_ready)], dtype=np.float32)
            return np.hstack([m, deltas(m)])
        return knf.__version__, run
    if peer == "librosa":
        import librosa

        def run(samples):
            m = librosa.feature.mfcc(y=samples, sr=16000, n_mfcc=20, n_fft=512, win_length=400, hop_length=160, n_mels=23)
            return np.vstack([m, librosa.feature.delta(m, width=5)]).T
        return librosa.__version__, run
    if peer == "psf":
        import python_speech_features as psf

        def run(samples):
            m = psf.mfcc(samples, 16000, winlen=0.025, winstep=0.01, numcep=20, nfilt=23, nfft=512)
            return np.hstack([m, psf.delta(m, 2)])
        return "0.6", run
    if peer == "torchaudio":
        import torch
        import torchaudio
        torch.set_num_threads(1)

        def run(samples):
            wave = torch.from_numpy(samples * 32768).unsqueeze(0)
            m = torchaudio.compliance.kaldi.mfcc(wave, num_ceps=20, num_mel_bins=23, dither=0.0, snip_edges=False)
            return torch.cat([m, torchaudio.functional.compute_deltas(m.T).T], dim=1)
        return torchaudio.__version__, run
    raise SystemExit(f"unknown peer {peer}")


def main(peer, file_list, row=False):
    files = [line.strip() for line in open(file_list) if line.strip()]
    version, run = make(peer)
    signals = []
    for path in files:
        x, rate = soundfile.read(path, dtype="float32")
        assert rate == 16000 and x.ndim == 1, path
        # KNF takes a list on Kaldi's int16 scale; the others a float array.
        signals.append((x * 32768).tolist() if peer == "knf" else x)
    run(signals[0][:16000])  # warm up (lazy initialisation, JIT)
    start = time.perf_counter()
    frames = 0
    for x in signals:
        frames += len(run(x))  # [frames, 40]
    seconds = time.perf_counter() - start
    audio = sum(len(x) for x in signals) / 16000
    if row:
        print(f"{peer} {version} (in-process)\t{seconds:.3f}\t{seconds:.3f}\t-")
    else:
        print(json.dumps({"peer": peer, "version": version, "audio_seconds": audio, "seconds": seconds, "frames": frames}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], row="--row" in sys.argv[3:])
