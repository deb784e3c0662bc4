#!/usr/bin/env python3
"""Keras reference for the paper's Section V-C experiment ("DC components simplify feature extraction").

Three small CNNs classify pure cosines by frequency:
  relu       Conv1D(32, 3, causal, no bias, ReLU)   x2 -> GAP -> Dense(32, relu) -> Dense(3) logits
  linear     Conv1D(32, 3, causal, no bias, linear) x2 -> GAP -> Dense(32, relu) -> Dense(3) logits
  linear_dc  same as linear, inputs get a class-dependent DC offset a*sqrt(2)/4, a = 1, 5, 19
Loss SparseCategoricalCrossentropy(from_logits=True); Adam(1e-3, 0.9, 0.999, 1e-7); batch 64,
shuffled each epoch; Glorot-uniform kernels, zero Dense biases (Keras defaults).

Data (per repetition, numpy default_rng(seed)): 1024 cosines per class, x(t) = cos(2 pi f t),
t = arange(256)/32, f ~ N(3, 0.1), N(5, 0.1), N(10, 0.1) Hz (labels 0, 1, 2), no random phase
(the paper's text does not mention one). The three models of a repetition see the same samples
(linear_dc with its DC added) and start from identical weights (keras.utils.set_random_seed(seed)
before each build; the architectures have the same shapes).

Recorded per repetition, model and epoch: the training loss as Keras' history reports it (mean
over the epoch's 48 batches) and the Euclidean (Frobenius) distance of each conv kernel from its
initial value, taken at the end of the epoch. Wall time per fit: time.perf_counter around
model.fit (including the callback's two small numpy reads per epoch).
"""

import argparse
import csv
import json
import os
import sys
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ("relu", "linear", "linear_dc")
FREQS = (3.0, 5.0, 10.0)
FREQ_STD = 0.1
DC_A = (1.0, 5.0, 19.0)
PER_CLASS = 1024
FS = 32.0
LENGTH = 256


def make_data(seed):
    """Returns x [3072, 256, 1] float32, x_dc (DC added), labels [3072] int32."""
    import numpy as np
    rng = np.random.default_rng(seed)
    t = np.arange(LENGTH) / FS
    xs, xdc, ys = [], [], []
    for label, (f0, a) in enumerate(zip(FREQS, DC_A)):
        f = rng.normal(f0, FREQ_STD, size=PER_CLASS)
        x = np.cos(2.0 * np.pi * f[:, None] * t[None, :])
        xs.append(x)
        xdc.append(x + a * np.sqrt(2.0) / 4.0)
        ys.append(np.full(PER_CLASS, label, dtype=np.int32))
    x = np.concatenate(xs)[:, :, None].astype(np.float32)
    x_dc = np.concatenate(xdc)[:, :, None].astype(np.float32)
    return x, x_dc, np.concatenate(ys)


def build(keras, kind):
    L = keras.layers
    act = "relu" if kind == "relu" else "linear"
    inp = keras.Input(shape=(LENGTH, 1))
    m = L.Conv1D(32, 3, padding="causal", use_bias=False, activation=act, name="conv1")(inp)
    m = L.Conv1D(32, 3, padding="causal", use_bias=False, activation=act, name="conv2")(m)
    m = L.GlobalAveragePooling1D()(m)
    m = L.Dense(32, activation="relu")(m)
    m = L.Dense(3)(m)
    model = keras.Model(inp, m, name=kind)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999,
                                                  epsilon=1e-7),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def distance_callback(keras, model, store):
    import numpy as np
    convs = [model.get_layer("conv1"), model.get_layer("conv2")]
    init = [np.array(c.kernel.numpy(), dtype=np.float64) for c in convs]

    class Distances(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            store.append([float(np.linalg.norm(np.asarray(c.kernel.numpy(), dtype=np.float64) - w0))
                          for c, w0 in zip(convs, init)])

    return Distances()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0, help="repetition r uses seed + r")
    ap.add_argument("--threads", type=int, default=2, help="TF intra-op threads")
    ap.add_argument("--out", default=os.path.join(HERE, "keras_dc_training.csv"))
    ap.add_argument("--times", default=None,
                    help="JSON with wall times and summary (default: --out with .json)")
    args = ap.parse_args()
    times_path = args.times or os.path.splitext(args.out)[0] + ".json"

    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import tf_keras as keras

    rows, times = [], []
    for rep in range(args.repetitions):
        seed = args.seed + rep
        x, x_dc, y = make_data(seed)
        for kind in MODELS:
            keras.backend.clear_session()
            keras.utils.set_random_seed(seed)
            model = build(keras, kind)
            dists = []
            cb = distance_callback(keras, model, dists)
            t0 = time.perf_counter()
            hist = model.fit(x_dc if kind == "linear_dc" else x, y, batch_size=64, epochs=args.epochs,
                             shuffle=True, verbose=0, callbacks=[cb])
            dt = time.perf_counter() - t0
            losses = hist.history["loss"]
            for e, (loss, (d1, d2)) in enumerate(zip(losses, dists), start=1):
                rows.append((rep, kind, e, loss, d1, d2))
            times.append({"repetition": rep, "seed": seed, "model": kind, "seconds": dt})
            print(f"rep {rep} (seed {seed}) {kind:9s}: final loss {losses[-1]:.5f}, "
                  f"conv distances {dists[-1][0]:.4f} / {dists[-1][1]:.4f}, fit {dt:.1f} s", flush=True)

    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["repetition", "model", "epoch", "loss", "conv1_distance", "conv2_distance"])
        for r in rows:
            w.writerow([r[0], r[1], r[2], f"{r[3]:.7g}", f"{r[4]:.7g}", f"{r[5]:.7g}"])

    summary = {}
    for kind in MODELS:
        final = [r for r in rows if r[1] == kind and r[2] == args.epochs]
        secs = [t["seconds"] for t in times if t["model"] == kind]
        fl = np.array([r[3] for r in final])
        summary[kind] = {
            "final_loss_mean": float(fl.mean()), "final_loss_std": float(fl.std(ddof=1)) if len(fl) > 1 else 0.0,
            "final_conv1_distance_mean": float(np.mean([r[4] for r in final])),
            "final_conv2_distance_mean": float(np.mean([r[5] for r in final])),
            "seconds_mean": float(np.mean(secs)), "seconds_min": float(np.min(secs)),
            "seconds_max": float(np.max(secs)),
        }
        print(f"{kind:9s}: final loss {fl.mean():.5f} +- {summary[kind]['final_loss_std']:.5f} "
              f"(std over {len(fl)} repetitions, ddof 1); fit {np.mean(secs):.1f} s "
              f"[{np.min(secs):.1f}, {np.max(secs):.1f}]")
    meta = {
        "command": " ".join(sys.argv),
        "tensorflow": tf.__version__, "tf_keras": keras.__version__, "numpy": np.__version__,
        "threads": args.threads, "epochs": args.epochs, "repetitions": args.repetitions,
        "seed_base": args.seed,
        "note": "seconds = time.perf_counter() around model.fit (verbose=0, distance callback included)",
        "times": times, "summary": summary,
    }
    with open(times_path, "w") as f:
        json.dump(meta, f, indent=1)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} B), {times_path} ({os.path.getsize(times_path)} B)")


if __name__ == "__main__":
    main()
