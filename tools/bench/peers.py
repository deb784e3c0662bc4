#!/usr/bin/env python3
"""Peer benchmark for ppgscope: LiteRT (TFLite + XNNPACK), Keras model.predict, optionally ONNX
Runtime, and the Keras Section V-C training, on the same real windows ppgscope's `bench` uses.

Inputs: the S6 recording in ppgscope's HDF5 layout (dataset channels/ppg, float32 [T] at 32 Hz);
window n = ppg[64n : 64n + 256], n = 0..W-1 (W = 215 for S6). KID-PPG gets the pairs
[X(n-1), X(n)], n = 1..W-1, as float32 [W-1, 256, 2]; the S5 model gets every window [W, 256, 1].

Models are rebuilt from the files' model_config and loaded by tools/golden/make_golden.py
(KID-PPG up to its Dense(2): the weightless DistributionLambda is stripped), and converted with
TFLiteConverter to float32 models with a STATIC batch (one of W-1 resp. W, and one of 1): a dynamic
batch splits the graph and runs 1.1-2.4x slower. Timings:
  * batched: ms per pair/window = time of one invoke on the whole batch / batch size; median,
    min and max over --repeats (>= 7) invokes after two warm-up invokes;
  * one pair/window per invoke: each pass invokes the batch-1 model once per pair/window and takes
    the median invoke time; the figure is the median (min, max) of the per-pass medians over
    --repeats passes after one warm-up pass;
  * Keras model.predict on all windows (batch_size = all), ms per pair/window, median of --repeats
    (>= 5) after a warm-up call;
  * ONNX Runtime (tf2onnx, opset 17, same static batches) when onnxruntime and tf2onnx import;
  * Keras Section V-C training (tools/reference/keras_dc_training.py): seconds per model for one
    repetition (seed 0) of --training-epochs epochs (60 = the paper's setting; nothing is scaled);
  * whole processes, start-up and file loading included (with --ppgscope BINARY): `ppgscope hr
    --filter none --estimator model` on the recording, and a Python process that imports LiteRT,
    h5py and NumPy, reads the same windows, loads the converted KID-PPG .tflite (batch W-1),
    invokes it once with 2 threads and writes the outputs as CSV; the two alternate,
    --process-repeats runs each, ms per pair.
Each runtime's outputs are compared with Keras' (max abs diff, and relative to max |Keras|).

JSON goes to stdout (or --out), a readable table to stderr.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "golden"))
sys.path.insert(0, os.path.join(REPO, "tools", "reference"))
import make_golden as mg  # noqa: E402  (model building)
import keras_dc_training as kdt  # noqa: E402  (Section V-C data and models)

WINDOW = 256
SHIFT = 64


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------

def load_windows(path):
    """Returns (windows [W, 256, 1], pairs [W-1, 256, 2]) float32 from channels/ppg."""
    import h5py
    import numpy as np
    with h5py.File(path, "r") as f:
        ppg = np.asarray(f["channels/ppg"], dtype=np.float32)
    count = (len(ppg) - WINDOW) // SHIFT + 1
    if count < 2:
        raise SystemExit(f"{path}: channels/ppg has {len(ppg)} samples, fewer than two windows")
    w = np.stack([ppg[SHIFT * n: SHIFT * n + WINDOW] for n in range(count)])
    windows = np.ascontiguousarray(w[:, :, None])
    pairs = np.ascontiguousarray(np.stack([w[:-1], w[1:]], axis=-1))  # slot 0 = X(n-1), slot 1 = X(n)
    return windows, pairs


# --------------------------------------------------------------------------------------------
# statistics and records
# --------------------------------------------------------------------------------------------

def figure(fid, name, times_ms, per_item, runtime, model, threads, **extra):
    vals = sorted(t / per_item for t in times_ms)
    rec = {"id": fid, "name": name, "runtime": runtime, "model": model, "threads": threads,
           "medianMs": statistics.median(vals), "minMs": vals[0], "maxMs": vals[-1], "runs": len(vals)}
    rec.update(extra)
    return rec


def agreement(got, want):
    import numpy as np
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    diff = float(np.max(np.abs(got - want)))
    scale = float(np.max(np.abs(want)))
    return {"maxAbsDiff": diff, "maxAbsKeras": scale, "maxRelDiff": diff / scale if scale else diff}


def time_batched(run, repeats, warmup=2):
    for _ in range(warmup):
        run()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def time_single(run_one, count, passes):
    """run_one(i) runs item i; returns (per-pass medians ms, all invoke times ms)."""
    for i in range(count):  # warm-up pass
        run_one(i)
    medians, every = [], []
    for _ in range(passes):
        times = []
        for i in range(count):
            t0 = time.perf_counter()
            run_one(i)
            times.append((time.perf_counter() - t0) * 1e3)
        medians.append(statistics.median(times))
        every += times
    return medians, every


def quantile(vals, q):
    s = sorted(vals)
    return s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))]


# --------------------------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------------------------

def static_function(tf, model, batch, channels):
    spec = tf.TensorSpec([batch, WINDOW, channels], tf.float32, name="x")

    @tf.function(input_signature=[spec])
    def f(x):
        return model(x, training=False)

    return f


def to_tflite(tf, model, batch, channels):
    f = static_function(tf, model, batch, channels)
    conv = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], model)
    return conv.convert()  # float32, no optimizations


def litert_interpreter_class():
    try:
        from ai_edge_litert.interpreter import Interpreter
        import importlib.metadata as md
        return Interpreter, "ai_edge_litert", md.version("ai-edge-litert"), None
    except Exception as e:  # noqa: BLE001
        import tensorflow as tf
        return (tf.lite.Interpreter, "tf.lite", tf.__version__,
                f"ai-edge-litert not importable ({type(e).__name__}: {e}); fell back to tf.lite.Interpreter")


class LiteRTRunner:
    def __init__(self, cls, content, threads):
        self.it = cls(model_content=content, num_threads=threads)
        self.it.allocate_tensors()
        self.inp = self.it.get_input_details()[0]["index"]
        self.out = self.it.get_output_details()[0]["index"]

    def __call__(self, x):
        self.it.set_tensor(self.inp, x)
        self.it.invoke()
        return self.it.get_tensor(self.out)


def to_onnx(tf, model, batch, channels):
    import tf2onnx
    f = static_function(tf, model, batch, channels)
    proto, _ = tf2onnx.convert.from_function(
        f, input_signature=[tf.TensorSpec([batch, WINDOW, channels], tf.float32, name="x")], opset=17)
    return proto.SerializeToString()


class ORTRunner:
    def __init__(self, content, threads):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(content, so, providers=["CPUExecutionProvider"])
        self.inp = self.sess.get_inputs()[0].name

    def __call__(self, x):
        return self.sess.run(None, {self.inp: x})[0]


# --------------------------------------------------------------------------------------------
# benchmarks
# --------------------------------------------------------------------------------------------

def bench_runtime(runtime, make_runner, convert, tf, models, thread_list, repeats, figures, checks):
    """models: list of (key, label, keras model, inputs, keras outputs, unit)."""
    for key, label, model, x, ref, unit in models:
        n, _, ch = x.shape
        t0 = time.perf_counter()
        big = convert(tf, model, n, ch)
        one = convert(tf, model, 1, ch)
        log(f"{runtime}: converted {label} (batch {n} and 1) in {time.perf_counter() - t0:.1f} s")
        for th in thread_list:
            r = make_runner(big, th)
            checks[f"{runtime}.{key}.batched.t{th}"] = agreement(r(x), ref)
            times = time_batched(lambda: r(x), max(7, repeats))
            figures.append(figure(f"{runtime.lower()}.{key}.batched.t{th}",
                                  f"{runtime} {label} batched {n}, {th} thread{'s' * (th > 1)} (ms per {unit})",
                                  times, n, runtime, key, th, batch=n))
            del r
            r1 = make_runner(one, th)
            outs = [r1(x[i:i + 1]) for i in range(n)]
            import numpy as np
            checks[f"{runtime}.{key}.one.t{th}"] = agreement(np.concatenate(outs), ref)
            medians, every = time_single(lambda i: r1(x[i:i + 1]), n, max(3, repeats))
            figures.append(figure(f"{runtime.lower()}.{key}.one.t{th}",
                                  f"{runtime} {label} one {unit} per invoke, {th} thread{'s' * (th > 1)} (ms)",
                                  medians, 1, runtime, key, th, batch=1, invokes=len(every),
                                  invokeMedianMs=statistics.median(every),
                                  invokeP10Ms=quantile(every, 0.1), invokeP90Ms=quantile(every, 0.9)))
            del r1


# The peer's whole process: what a user of LiteRT runs to get KID-PPG's outputs for a recording.
LITERT_PROCESS = r"""
import sys
import h5py, numpy as np
from ai_edge_litert.interpreter import Interpreter
tflite, recording, out = sys.argv[1:4]
with h5py.File(recording, "r") as f:
    ppg = np.asarray(f["channels/ppg"], dtype=np.float32)
n = (len(ppg) - 256) // 64 + 1
w = np.stack([ppg[64 * k: 64 * k + 256] for k in range(n)])
pairs = np.ascontiguousarray(np.stack([w[:-1], w[1:]], axis=-1))
it = Interpreter(model_path=tflite, num_threads=2)
it.allocate_tensors()
it.set_tensor(it.get_input_details()[0]["index"], pairs)
it.invoke()
np.savetxt(out, it.get_tensor(it.get_output_details()[0]["index"]), delimiter=",", fmt="%.4f")
"""


def bench_processes(ppgscope, tf, kid, kid_path, pairs, recording, repeats, figures):
    """Whole-process times of `ppgscope hr` and of LiteRT in Python, alternating."""
    import subprocess
    import tempfile
    n = len(pairs)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "kidppg.tflite")
        with open(model_path, "wb") as f:
            f.write(to_tflite(tf, kid, n, 2))
        ours = [ppgscope, "hr", "--model", kid_path, "--recording", recording, "--filter", "none",
                "--estimator", "model", "--out", os.path.join(tmp, "ppgscope.csv")]
        theirs = [sys.executable, "-c", LITERT_PROCESS, model_path, recording, os.path.join(tmp, "litert.csv")]
        env = dict(os.environ)
        times = {"ppgscope": [], "litert": []}
        for i in range(repeats + 1):  # the first round warms the page cache and is not counted
            for key, cmd in (("ppgscope", ours), ("litert", theirs)):
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                if i:
                    times[key].append((time.perf_counter() - t0) * 1e3)
    log(f"whole processes: ppgscope hr {statistics.median(times['ppgscope']):.1f} ms, "
        f"LiteRT in Python {statistics.median(times['litert']):.1f} ms for {n} pairs")
    figures.append(figure("ppgscope.kidppg.process", f"ppgscope hr --filter none, whole process (ms per pair)",
                          times["ppgscope"], n, "ppgscope", "kidppg", 2, command=" ".join(ours)))
    figures.append(figure("litert.kidppg.process.t2", f"LiteRT KID-PPG in a Python process, whole process (ms per pair)",
                          times["litert"], n, "LiteRT", "kidppg", 2, script="LITERT_PROCESS in tools/bench/peers.py"))


def bench_keras_predict(models, repeats, threads, figures):
    for key, label, model, x, _ref, unit in models:
        n = x.shape[0]
        times = time_batched(lambda: model.predict(x, batch_size=n, verbose=0), max(5, repeats), warmup=1)
        figures.append(figure(f"keras.{key}.predict", f"Keras {label} model.predict on {n}, "
                              f"batch_size {n}, {threads} threads (ms per {unit})",
                              times, n, "Keras", key, threads, batch=n))


def bench_training(keras, epochs, seed):
    """One repetition of Section V-C, exactly as keras_dc_training.main() runs each fit."""
    x, x_dc, y = kdt.make_data(seed)
    fits = []
    for kind in kdt.MODELS:
        keras.backend.clear_session()
        keras.utils.set_random_seed(seed)
        model = kdt.build(keras, kind)
        dists = []
        cb = kdt.distance_callback(keras, model, dists)
        t0 = time.perf_counter()
        hist = model.fit(x_dc if kind == "linear_dc" else x, y, batch_size=64, epochs=epochs,
                         shuffle=True, verbose=0, callbacks=[cb])
        dt = time.perf_counter() - t0
        fits.append({"model": kind, "seconds": dt, "finalLoss": float(hist.history["loss"][-1])})
        log(f"Keras training {kind:9s}: {epochs} epochs in {dt:.2f} s, final loss {fits[-1]['finalLoss']:.5f}")
    return {"epochs": epochs, "seed": seed, "repetitions": 1, "fits": fits,
            "secondsPerRepetition": sum(f["seconds"] for f in fits),
            "secondsPerModelMedian": statistics.median(f["seconds"] for f in fits),
            "note": "time.perf_counter() around model.fit (verbose=0, distance callback included), "
                    "as tools/reference/keras_dc_training.py; secondsPerRepetition = sum of the three fits"}


# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recording", default=os.path.join(REPO, "data", "ppg_dalia_S6_stairs.h5"))
    ap.add_argument("--kidppg", default=os.path.join(REPO, "models", "kid_ppg_weights.h5"))
    ap.add_argument("--s5", default=os.path.join(REPO, "models", "relu_dc_model_S5.h5"))
    ap.add_argument("--repeats", type=int, default=9,
                    help="timed runs per figure (at least 7 for LiteRT/ONNX batched, 5 for Keras, 3 passes one-per-invoke)")
    ap.add_argument("--threads", default="2,1",
                    help="comma list of LiteRT / ONNX Runtime thread counts (default 2,1)")
    ap.add_argument("--keras-threads", type=int, default=2, help="TF intra-op threads for Keras")
    ap.add_argument("--skip-training", action="store_true")
    ap.add_argument("--ppgscope", default=None,
                    help="ppgscope binary: also time whole processes (ppgscope hr vs LiteRT in Python)")
    ap.add_argument("--process-repeats", type=int, default=15, help="whole-process runs of each side")
    ap.add_argument("--training-epochs", type=int, default=60,
                    help="epochs of the one timed Section V-C repetition (60 = paper; nothing is scaled)")
    ap.add_argument("--training-seed", type=int, default=0)
    ap.add_argument("--skip-onnx", action="store_true")
    ap.add_argument("--skip-litert", action="store_true")
    ap.add_argument("--out", default="-", help="JSON output file (default stdout)")
    args = ap.parse_args()
    thread_list = [int(t) for t in args.threads.split(",") if t.strip()]

    started = time.time()
    load_before = os.getloadavg()
    tf, keras = mg.setup_tf(args.keras_threads)
    import numpy as np

    notes = []
    windows, pairs = load_windows(args.recording)
    log(f"inputs: {args.recording}: {len(windows)} windows, {len(pairs)} KID-PPG pairs")

    kid, _, _ = mg.build_model(args.kidppg, keras)
    kid_ref = kid.predict(pairs, batch_size=len(pairs), verbose=0)
    s5, _, _ = mg.build_model(args.s5, keras)  # build_model clears the session; kid stays usable
    s5_ref = s5.predict(windows, batch_size=len(windows), verbose=0)
    kid_ref = kid.predict(pairs, batch_size=len(pairs), verbose=0)
    log(f"Keras outputs: KID-PPG {kid_ref.shape} (Dense(2)), S5 {s5_ref.shape}")
    models = [("kidppg", "KID-PPG", kid, pairs, kid_ref, "pair"),
              ("s5", "S5", s5, windows, s5_ref, "window")]

    figures, checks = [], {}
    meta = {
        "command": " ".join([os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:]),
        "python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
        "versions": mg.versions(), "recording": args.recording, "windows": len(windows), "pairs": len(pairs),
        "kidppg": args.kidppg, "s5": args.s5, "repeats": args.repeats, "threads": thread_list,
        "kerasThreads": args.keras_threads,
    }

    if not args.skip_litert:
        cls, module, version, fallback = litert_interpreter_class()
        meta["litert"] = {"module": module, "version": version}
        if fallback:
            notes.append(fallback)
            log("NOTE:", fallback)
        log(f"LiteRT: {module} {version}")
        bench_runtime("LiteRT", lambda c, th: LiteRTRunner(cls, c, th), to_tflite, tf, models,
                      thread_list, args.repeats, figures, checks)

    if not args.skip_onnx:
        try:
            import onnxruntime
            import tf2onnx
            meta["onnxruntime"] = {"version": onnxruntime.__version__, "tf2onnx": tf2onnx.__version__, "opset": 17}
            bench_runtime("ORT", ORTRunner, to_onnx, tf, models, thread_list, args.repeats, figures, checks)
        except ImportError as e:
            notes.append(f"ONNX Runtime skipped: {e} (pip install onnxruntime tf2onnx)")
            log("NOTE:", notes[-1])
        except Exception as e:  # noqa: BLE001
            notes.append(f"ONNX Runtime failed and was skipped: {type(e).__name__}: {e}")
            log("NOTE:", notes[-1])

    bench_keras_predict(models, args.repeats, args.keras_threads, figures)

    if args.ppgscope and not args.skip_litert:
        bench_processes(args.ppgscope, tf, kid, args.kidppg, pairs, args.recording, args.process_repeats, figures)

    training = None
    if not args.skip_training:
        training = bench_training(keras, args.training_epochs, args.training_seed)
        if args.training_epochs != 60:
            notes.append(f"Keras training timed with {args.training_epochs} epochs, not the paper's 60 "
                         "(times are not scaled)")

    meta["loadAverageBefore"] = load_before
    meta["loadAverageAfter"] = os.getloadavg()
    meta["seconds"] = time.time() - started
    result = {"meta": meta, "figures": figures, "agreement": checks, "training": training, "notes": notes}

    # readable table
    log("")
    log(f"{'figure':<72} {'median':>9} {'min':>9} {'max':>9}")
    for f in figures:
        log(f"{f['name']:<72} {f['medianMs']:9.4f} {f['minMs']:9.4f} {f['maxMs']:9.4f}")
    log("")
    for k, c in checks.items():
        log(f"agreement {k:<28} max |diff| {c['maxAbsDiff']:.3g}  (max |Keras| {c['maxAbsKeras']:.4g}, "
            f"relative {c['maxRelDiff']:.2g})")
    if training:
        log(f"Keras training: {training['epochs']} epochs, "
            + ", ".join(f"{f['model']} {f['seconds']:.2f} s" for f in training["fits"])
            + f"; {training['secondsPerRepetition']:.2f} s per repetition (three fits)")
    for n in notes:
        log("NOTE:", n)

    text = json.dumps(result, indent=1)
    if args.out == "-":
        print(text)
    else:
        with open(args.out, "w") as f:
            f.write(text + "\n")
        log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
