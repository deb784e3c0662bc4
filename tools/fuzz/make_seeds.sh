#!/usr/bin/env bash
# Writes the fuzzing seeds in tools/fuzz/seeds: one small, valid recording (12 s at 32 Hz: PPG,
# three accelerometer axes, reference HR) written by ppgscope in each format it writes, and the
# same recording cut into the PPG-DaLiA windowed layout by h5py (datasets X [N, 4, 256], y [N]).
# The Keras seeds are the committed test models (Tests/PPGNetworkTests/Fixtures/variant_*.h5).
# Usage: tools/fuzz/make_seeds.sh [path/to/ppgscope]
set -euo pipefail
cd "$(dirname "$0")/../.."
ppgscope=${1:-.build/debug/ppgscope}
seeds=tools/fuzz/seeds
"$ppgscope" synth --duration 12 --hr-from 70 --hr-to 95 --motion arm-swing --seed 7 --out "$seeds/recording.h5"
for ext in csv wav flac; do "$ppgscope" convert "$seeds/recording.h5" "$seeds/recording.$ext"; done
python3 - "$seeds" <<'PY'
import sys, h5py, numpy as np
seeds = sys.argv[1]
with h5py.File(f"{seeds}/recording.h5", "r") as f:
    names = ["ppg", "acc_x", "acc_y", "acc_z"]
    signals = np.stack([f["channels"][n][:] for n in names])             # [4, T] at 32 Hz
    t, bpm = f["reference_hr/time_s"][:], f["reference_hr/bpm"][:]
starts = range(0, signals.shape[1] - 256 + 1, 64)
x = np.stack([signals[:, s:s + 256] for s in starts]).astype(np.float32)  # [N, 4, 256]
y = np.interp([(s + 256) / 32 for s in starts], t, bpm)                    # HR at each window's end
with h5py.File(f"{seeds}/dalia_windows.h5", "w") as f:
    f["X"], f["y"] = x, y
PY
ls -l "$seeds"
