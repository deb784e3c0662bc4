#!/usr/bin/env python3
"""Reference (oracle) for ppgscope's `hr` command: the KID-PPG heart-rate pipeline with the EXACT
least-squares motion-artefact filter, in NumPy (float64) + Keras.

Pipeline, per recording of W windows X [W, 4, 256] (PPG, ACC x, y, z; 8 s at 32 Hz):
  1. z-score every window and channel (population std, ddof 0; a channel with std 0 is only
     centred), keeping the means and stds;
  2. adaptive linear filter, collapsed to one non-causal linear map over the z-scored ACC rows:
         pred[t] = b + sum_{r=0..2} sum_{j=0..20} W[r, j] * acc_z[r, t + j - 10]
     (zero outside the window), fitted jointly over ALL windows by linear least squares of
     sum_windows sum_t (ppg_z[t] - pred[t])^2 (float64 lstsq; normal equations as a cross-check).
     Loss in the KID-PPG package's units: mean over windows of sum_k |FFT(ppg_z - pred)|^2
     = 256 * mean over windows of sum_t e^2 (Parseval);
  3. filtered = ppg_z - pred, de-normalised with the PPG row's own mean and std;
  4. KID-PPG on pairs [filtered(n-1), filtered(n)], n = 1..W-1, label y(n):
     mean = out[0], std = 1 + softplus(out[1]), p(|err| < 10) = erf(10 / (std * sqrt(2)));
     the S5 model on every filtered window n = 0..W-1;
  5. for comparison, KID-PPG on raw (unfiltered) PPG pairs.

Also checks that the collapsed map is the package's Conv2D(1, (3, 21), 'same') ->
Conv2D(1, (3, 1), 'valid') model over an input (3, 256, 1): a float64 Keras model of that
structure with random weights is collapsed and compared against both index conventions
(t + j - 10 and t - j + 10).

Writes Tests/PPGAnalysisTests/Fixtures/kidppg_s6_exact_filter.h5 (see README.md next to this file).
Model building and recording loading are reused from tools/golden/make_golden.py.
"""

import argparse
import math
import os
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden"))
import make_golden as mg  # noqa: E402

REPO = mg.REPO
FIXTURE = os.path.join(REPO, "Tests", "PPGAnalysisTests", "Fixtures", "kidppg_s6_exact_filter.h5")
DEFAULT_PICKLE = "/tmp/wheel/x/kid_ppg/demo/demo_data/PPGDalia_S6_stairs.pkl"

TAPS = 21
HALF = TAPS // 2  # 10
ACC_ROWS = 3

# Figures measured with Keras 2.13 and the published KID-PPG pipeline (checked, printed).
NOTES = {"filter_loss": 45308.57, "mae_kidppg_exact": 2.911, "mae_kidppg_raw": 6.424, "mae_s5_sgd": 1.420}


# --------------------------------------------------------------------------------------------
# 1. z-score
# --------------------------------------------------------------------------------------------

def zscore(X):
    """X [W, C, T] -> (Xz, means [W, C], stds [W, C]); population std; std 0 -> centred only."""
    import numpy as np
    X = np.asarray(X, dtype=np.float64)
    means = X.mean(axis=-1)
    stds = X.std(axis=-1)  # ddof 0
    div = np.where(stds == 0, 1.0, stds)
    return (X - means[..., None]) / div[..., None], means, stds


def denormalise(x, mean, std):
    """x [W, T] with per-window mean/std [W]; std 0 -> only the mean is added back."""
    import numpy as np
    s = np.where(std == 0, 1.0, std)
    return x * s[:, None] + mean[:, None]


# --------------------------------------------------------------------------------------------
# 2. exact least-squares filter
# --------------------------------------------------------------------------------------------

def design(acc_z):
    """acc_z [W, 3, T] -> A [W, T, 3*21]: A[w, t, r*21 + j] = acc_z[w, r, t + j - 10] (0 outside)."""
    import numpy as np
    Wn, R, T = acc_z.shape
    pad = np.zeros((Wn, R, T + 2 * HALF))
    pad[:, :, HALF:HALF + T] = acc_z
    A = np.empty((Wn, T, R, TAPS))
    for j in range(TAPS):
        A[:, :, :, j] = pad[:, :, j:j + T].transpose(0, 2, 1)
    return A.reshape(Wn, T, R * TAPS)


def apply_filter(acc_z, weights, bias):
    """pred [W, T] = bias + sum_r sum_j weights[r, j] * acc_z[r, t + j - 10]."""
    return design(acc_z) @ weights.reshape(-1) + bias


def fit_filter(ppg_z, acc_z):
    """Joint least squares over all windows. Returns (weights [3, 21], bias, info dict)."""
    import numpy as np
    A = design(acc_z)
    Wn, T, P = A.shape
    A1 = np.concatenate([A.reshape(Wn * T, P), np.ones((Wn * T, 1))], axis=1)
    target = ppg_z.reshape(-1)
    theta, _, rank, sv = np.linalg.lstsq(A1, target, rcond=None)
    # cross-check with the normal equations (what a Swift implementation will likely solve)
    G = A1.T @ A1
    theta_ne = np.linalg.solve(G, A1.T @ target)
    info = {"rank": int(rank), "cond": float(sv[0] / sv[-1]),
            "ne_max_abs_diff": float(np.max(np.abs(theta - theta_ne))),
            "max_abs_weight": float(np.max(np.abs(theta)))}
    return theta[:P].reshape(ACC_ROWS, TAPS), float(theta[P]), info


def package_loss(ppg_z, pred):
    """mean over windows of sum_k |FFT(ppg_z) - FFT(pred)|^2 (the package's adaptive loss)."""
    import numpy as np
    e = np.fft.fft(ppg_z, axis=-1) - np.fft.fft(pred, axis=-1)
    return float(np.mean(np.sum(np.abs(e) ** 2, axis=-1)))


# --------------------------------------------------------------------------------------------
# index-convention check against the package's 2-layer Conv2D structure
# --------------------------------------------------------------------------------------------

def build_two_layer(keras, seed):
    """Input (3, 256, 1) -> Conv2D(1, (3, 21), same) -> Conv2D(1, (3, 1), valid) -> [:, 0, :, 0],
    float64, random kernels AND biases (so the bias collapse is exercised)."""
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=0.3, seed=seed)
    binit = keras.initializers.RandomNormal(stddev=0.5, seed=seed + 1)
    inp = keras.Input(shape=(ACC_ROWS, 256, 1), dtype="float64")
    c1 = L.Conv2D(1, (3, TAPS), padding="same", activation="linear", dtype="float64",
                  kernel_initializer=init, bias_initializer=binit)
    c2 = L.Conv2D(1, (3, 1), padding="valid", dtype="float64",
                  kernel_initializer=keras.initializers.RandomNormal(stddev=0.8, seed=seed + 2),
                  bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=seed + 3))
    out = c2(c1(inp))[:, 0, :, 0]
    return keras.Model(inp, out), c1, c2


def collapse(c1, c2):
    """(K1 [3, 21, 1, 1], b1), (K2 [3, 1, 1, 1], b2) -> W [3, 21], b.
    conv1 (same, height pad 1): h1[h, t] = b1 + sum_i sum_j K1[i, j] x[h + i - 1, t + j - 10]
    conv2 (valid):              out[t]   = b2 + sum_h K2[h] h1[h, t]
    => W[r, j] = sum_h K2[h] K1[r - h + 1, j] (0 <= r - h + 1 <= 2), b = b2 + b1 * sum_h K2[h]."""
    import numpy as np
    K1, b1 = [np.asarray(v, dtype=np.float64) for v in c1.get_weights()]
    K2, b2 = [np.asarray(v, dtype=np.float64) for v in c2.get_weights()]
    K1 = K1[:, :, 0, 0]
    K2 = K2[:, 0, 0, 0]
    W = np.zeros((ACC_ROWS, TAPS))
    for r in range(ACC_ROWS):
        for h in range(3):
            i = r - h + 1
            if 0 <= i <= 2:
                W[r] += K2[h] * K1[i]
    return W, float(b2[0] + b1[0] * K2.sum())


def check_convention(tf, keras, acc_z, ppg_z, weights, bias, seed=7):
    import numpy as np
    keras.backend.clear_session()
    model, c1, c2 = build_two_layer(keras, seed)
    x = acc_z[:, :, :, None]
    ref = np.asarray(model(tf.constant(x, dtype=tf.float64)), dtype=np.float64)
    W, b = collapse(c1, c2)
    scale = float(np.max(np.abs(ref)))
    d_fwd = float(np.max(np.abs(apply_filter(acc_z, W, b) - ref)))        # t + j - 10
    d_rev = float(np.max(np.abs(apply_filter(acc_z, W[:, ::-1], b) - ref)))  # t - j + 10
    # realise the exact LS filter in the 2-layer structure (K2 = [0, 1, 0], K1 = W, b1 = 0, b2 = b)
    # and evaluate the package's loss (complex128 tf.signal.fft) on the Keras output
    c1.set_weights([weights[:, :, None, None], np.zeros(1)])
    c2.set_weights([np.array([0.0, 1.0, 0.0])[:, None, None, None], np.array([bias])])
    kpred = np.asarray(model(tf.constant(x, dtype=tf.float64)), dtype=np.float64)
    d_exact = float(np.max(np.abs(kpred - apply_filter(acc_z, weights, bias))))
    y = tf.signal.fft(tf.cast(ppg_z, tf.complex128))
    p = tf.signal.fft(tf.cast(kpred, tf.complex128))
    tf_loss = float(tf.reduce_mean(tf.reduce_sum(tf.square(tf.abs(y - p)), axis=-1)))
    return {"scale": scale, "d_fwd": d_fwd, "d_rev": d_rev, "d_exact": d_exact, "tf_loss": tf_loss}


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pickle", default=DEFAULT_PICKLE,
                    help="KID-PPG demo pickle (dict X [W,4,256], y [W,1]) or .h5 with X and y")
    ap.add_argument("--kidppg", default=os.path.join(REPO, "models", "kid_ppg_weights.h5"))
    ap.add_argument("--s5", default=os.path.join(REPO, "models", "relu_dc_model_S5.h5"))
    ap.add_argument("--out", default=FIXTURE)
    ap.add_argument("--threads", type=int, default=1, help="TF intra-op threads")
    args = ap.parse_args()

    tf, keras = mg.setup_tf(args.threads)
    import numpy as np
    from scipy.special import erf
    import h5py
    v = mg.versions()
    print("versions:", v)

    X, y = mg.load_recording(args.pickle)
    Wn = X.shape[0]
    print(f"recording {args.pickle}: X {X.shape}, y {y.shape}, HR {y.min():.1f}-{y.max():.1f} BPM")

    # 1. z-score
    Xz, means, stds = zscore(X)
    ppg_z, acc_z = Xz[:, 0, :], Xz[:, 1:, :]
    print(f"zero-std channels: {int(np.sum(stds == 0))}")

    # 2. exact filter
    weights, bias, info = fit_filter(ppg_z, acc_z)
    pred = apply_filter(acc_z, weights, bias)
    e = ppg_z - pred
    loss = 256.0 * float(np.mean(np.sum(e ** 2, axis=-1)))
    loss_fft = package_loss(ppg_z, pred)
    loss_none = 256.0 * float(np.mean(np.sum(ppg_z ** 2, axis=-1)))
    print(f"exact filter: rank {info['rank']} of {ACC_ROWS * TAPS + 1}, cond {info['cond']:.3g}, "
          f"lstsq vs normal equations max |diff| {info['ne_max_abs_diff']:.2g}, bias {bias:.6g}, "
          f"max |W| {info['max_abs_weight']:.4g}")
    print(f"  loss (package units) {loss:.4f}  [FFT form {loss_fft:.4f}; reference {NOTES['filter_loss']}; "
          f"no filter {loss_none:.2f}]")

    conv = check_convention(tf, keras, acc_z, ppg_z, weights, bias)
    print(f"index convention vs Keras Conv2D(3,21 same)->Conv2D(3,1 valid), float64, random weights "
          f"(output scale {conv['scale']:.3g}): t+j-10 max |diff| {conv['d_fwd']:.3g}; "
          f"t-j+10 max |diff| {conv['d_rev']:.3g}")
    print(f"  exact filter realised in the 2-layer model: max |diff| {conv['d_exact']:.3g}; "
          f"package loss via tf.signal.fft {conv['tf_loss']:.4f}")
    ok = conv["d_fwd"] < 1e-10 * max(1.0, conv["scale"]) and conv["d_rev"] > 1e-3 * conv["scale"]
    ok &= abs(loss - loss_fft) < 1e-8 * loss and abs(conv["tf_loss"] - loss) < 1e-8 * loss
    ok &= abs(loss - NOTES["filter_loss"]) < 0.01

    # 3. filtered, de-normalised PPG
    filtered = denormalise(e, means[:, 0], stds[:, 0])

    # 4. KID-PPG on filtered pairs, S5 on filtered windows
    model, _, _ = mg.build_model(args.kidppg, keras)
    pairs = np.stack([filtered[:-1], filtered[1:]], axis=-1).astype(np.float32)
    out = model.predict(pairs, batch_size=len(pairs), verbose=0).astype(np.float64)
    hr_mean = out[:, 0]
    hr_std = 1.0 + mg.softplus(out[:, 1])
    p10 = erf(10.0 / (hr_std * math.sqrt(2.0)))
    ref = y[1:]
    mae_k = float(np.mean(np.abs(hr_mean - ref)))
    conf = p10 > 0.5
    mae_conf = float(np.mean(np.abs(hr_mean[conf] - ref[conf])))

    raw = X[:, 0, :]
    raw_pairs = np.stack([raw[:-1], raw[1:]], axis=-1).astype(np.float32)
    out_raw = model.predict(raw_pairs, batch_size=len(raw_pairs), verbose=0).astype(np.float64)
    mae_raw = float(np.mean(np.abs(out_raw[:, 0] - ref)))

    s5, _, _ = mg.build_model(args.s5, keras)
    s5_hr = s5.predict(filtered[:, :, None].astype(np.float32), batch_size=Wn, verbose=0)[:, 0].astype(np.float64)
    mae_s5_all = float(np.mean(np.abs(s5_hr - y)))
    mae_s5_1 = float(np.mean(np.abs(s5_hr[1:] - ref)))
    s5_raw = s5.predict(raw[:, :, None].astype(np.float32), batch_size=Wn, verbose=0)[:, 0].astype(np.float64)
    mae_s5_raw = float(np.mean(np.abs(s5_raw - y)))

    ok &= abs(mae_k - NOTES["mae_kidppg_exact"]) < 5e-3 and abs(mae_raw - NOTES["mae_kidppg_raw"]) < 5e-3

    print()
    print("| pipeline | windows | MAE (BPM) | reference |")
    print("|---|---|---|---|")
    print(f"| KID-PPG, exact LS filter | pairs n=1..{Wn - 1} | {mae_k:.4f} | {NOTES['mae_kidppg_exact']} |")
    print(f"| KID-PPG, exact LS filter, p(|err|<10) > 0.5 ({conf.sum()}/{len(conf)} = "
          f"{100 * conf.mean():.1f} %) | | {mae_conf:.4f} | (SGD filter: 93.0 %, 2.04) |")
    print(f"| KID-PPG, no filter | pairs n=1..{Wn - 1} | {mae_raw:.4f} | {NOTES['mae_kidppg_raw']} |")
    print(f"| S5, exact LS filter | n=1..{Wn - 1} | {mae_s5_1:.4f} | (SGD filter, all: {NOTES['mae_s5_sgd']}) |")
    print(f"| S5, exact LS filter | n=0..{Wn - 1} | {mae_s5_all:.4f} | |")
    print(f"| S5, no filter | n=0..{Wn - 1} | {mae_s5_raw:.4f} | |")
    print(f"spot: pair n=57 -> {hr_mean[56]:.4f} / {hr_std[56]:.4f}, p10 {p10[56]:.4f}; S5 window 57 -> {s5_hr[57]:.4f}")

    # fixture
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with h5py.File(args.out, "w") as f:
        mg._str_attr(f, "source",
                     f"recording {os.path.basename(args.pickle)} sha256 {mg.sha256(args.pickle)}; "
                     f"{os.path.basename(args.kidppg)} sha256 {mg.sha256(args.kidppg)}; "
                     f"{os.path.basename(args.s5)} sha256 {mg.sha256(args.s5)}; "
                     f"written by tools/reference/hr_pipeline.py")
        mg._str_attr(f, "description",
                     "KID-PPG HR pipeline with the exact least-squares adaptive filter: "
                     "pred[t] = filter_bias + sum_r sum_j filter_weights[r, j] * acc_z[r, t + j - 10] "
                     "(zero outside the window, r = ACC x, y, z z-scored per window), fitted jointly over "
                     "all windows; filter_loss = mean over windows of sum_k |FFT(ppg_z - pred)|^2; "
                     "filtered = (ppg_z - pred) * std + mean of the PPG row; KID-PPG on pairs "
                     "[filtered(n-1), filtered(n)], n = 1..W-1 (hr_std = 1 + softplus(out[1]), "
                     "p_within_10 = erf(10 / (hr_std * sqrt 2))); s5_hr = S5 model on filtered(n), n = 0..W-1; "
                     "model.predict on the whole batch, float32")
        f.attrs["tensorflow_version"] = v["tensorflow"]
        f.attrs["tf_keras_version"] = v["tf_keras"]
        f.attrs["numpy_version"] = v["numpy"]
        f.attrs["mae_kidppg_exact_filter"] = mae_k
        f.attrs["mae_kidppg_no_filter"] = mae_raw
        f.attrs["mae_s5_exact_filter_all"] = mae_s5_all
        f.attrs["mae_s5_exact_filter_1_to_end"] = mae_s5_1
        f.attrs["mae_s5_no_filter_all"] = mae_s5_raw
        f.attrs["filter_loss_no_filter"] = loss_none
        f.create_dataset("filter_weights", data=weights.astype(np.float64))
        f.create_dataset("filter_bias", data=np.array([bias], dtype=np.float64))
        f.create_dataset("filter_loss", data=np.float64(loss))
        f.create_dataset("hr_mean", data=hr_mean)
        f.create_dataset("hr_std", data=hr_std)
        f.create_dataset("p_within_10", data=p10)
        f.create_dataset("reference_bpm", data=ref.astype(np.float64))
        f.create_dataset("s5_hr", data=s5_hr)
        f.create_dataset("filtered_ppg_first_windows", data=filtered[:3].astype(np.float32))
    print(f"\nwrote {os.path.relpath(args.out, REPO)} ({os.path.getsize(args.out) / 1e3:.1f} kB)")
    print("ALL CHECKS OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
