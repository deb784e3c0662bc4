#!/usr/bin/env python3
"""Beat detectors to compare ppgscope's against: NeuroKit2's Elgendi 2013 detector and HeartPy's.

  python tools/beats/validate_beats.py PPGSCOPE OUT.json

Makes three synthetic recordings with the ppgscope binary PPGSCOPE (`synth ... --out x.h5`) and
reads the PPG-DaLiA S6 recording (data/ppg_dalia_S6_stairs.h5, fetched by scripts/fetch-kid-ppg).
For each: SciPy's Butterworth band-pass (order 2, 0.5-8 Hz, `sosfiltfilt`) with its sections and a
few filtered samples, NeuroKit2's `ppg_findpeaks(method="elgendi")` on that band-passed signal, and
HeartPy's `process` (accepted peaks) on it. Writes JSON (the fixture
Tests/PPGAnalysisTests/Fixtures/beat_detectors.json); BeatDetectorTests compares ppgscope beat by beat.
Needs: pip install neurokit2 heartpy h5py (the fixture was made with neurokit2 0.3.0, heartpy 1.2.7, scipy 1.17.1).
"""
import importlib.metadata, json, os, subprocess, sys, tempfile
import h5py, numpy as np, scipy, scipy.signal
import neurokit2 as nk, heartpy as hp

SYNTH = {
    "synth_72bpm_100hz": ["--hr", "72", "--duration", "60", "--rate", "100", "--seed", "1", "--noise", "0.05"],
    "synth_ramp_60_150bpm_64hz": ["--hr-from", "60", "--hr-to", "150", "--duration", "60", "--rate", "64", "--seed", "2"],
    "synth_95bpm_250hz_armswing": ["--hr", "95", "--duration", "30", "--rate", "250", "--seed", "3", "--motion", "arm-swing"],
}

def analyse(x, fs):
    sos = scipy.signal.butter(2, [0.5, 8], btype="bandpass", output="sos", fs=fs)
    filtered = scipy.signal.sosfiltfilt(sos, x)
    nk_peaks = nk.ppg_findpeaks(filtered, sampling_rate=fs, method="elgendi")["PPG_Peaks"]
    wd, _ = hp.process(hp.scale_data(filtered), sample_rate=fs)
    hp_peaks = [int(p) for p, ok in zip(wd["peaklist"], wd["binary_peaklist"]) if ok]
    picks = np.linspace(0, len(x) - 1, 12).astype(int)
    return {"rate_hz": fs, "samples": len(x), "sos": sos.tolist(),
            "filtered": {str(int(i)): float(filtered[i]) for i in picks},
            "neurokit2_peaks": [int(p) for p in nk_peaks], "heartpy_peaks": hp_peaks}

def main():
    ppgscope, out = sys.argv[1], sys.argv[2]
    result = {"scipy": scipy.__version__, "neurokit2": nk.__version__, "heartpy": importlib.metadata.version("heartpy"), "signals": {}}
    work = tempfile.mkdtemp()
    for name, args in SYNTH.items():
        path = os.path.join(work, name + ".h5")
        subprocess.run([ppgscope, "synth", *args, "--out", path], check=True, capture_output=True)
        with h5py.File(path, "r") as f:
            x = np.asarray(f["channels/ppg"][:], dtype=np.float64)
            fs = float(f["channels/ppg"].attrs["sampling_rate_hz"])
        entry = analyse(x, fs)
        entry["synth"] = args
        result["signals"][name] = entry
    with h5py.File("data/ppg_dalia_S6_stairs.h5", "r") as f:
        x = np.asarray(f["channels/ppg"][:], dtype=np.float64)
        fs = float(f["channels/ppg"].attrs["sampling_rate_hz"])
    entry = analyse(x, fs)
    entry["source"] = "data/ppg_dalia_S6_stairs.h5, channel ppg"
    result["signals"]["ppg_dalia_s6_stairs"] = entry
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    for name, e in result["signals"].items():
        print(f"{name}: {len(e['neurokit2_peaks'])} NeuroKit2 peaks, {len(e['heartpy_peaks'])} HeartPy peaks")

main()
