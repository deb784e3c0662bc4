#!/usr/bin/env python3
"""ppgscope against LiteRT on the layer-family models (Tests/PPGNetworkTests/Fixtures/layers/,
written by tools/golden/make_layer_fixtures.py), per window, in one run.

Inputs: the recording's `channels/ppg` (float32, 32 Hz) cut into windows of the model's length
(64 samples) every 64 samples, [W, 64, 1]. Each tf-keras model is converted, as peers.py does, with
TFLiteConverter from a concrete function with a STATIC batch (W, and 1), float32, no optimisations,
and run by LiteRT (ai_edge_litert, else tf.lite.Interpreter) with --threads threads:
  * batched: one invoke on all W windows, ms per window; median, min, max of --repeats invokes
    after two warm-ups;
  * one window per invoke: each pass invokes the batch-1 model once per window and takes the
    median; the figure is the median (min, max) of --repeats per-pass medians.
ppgscope's figures come from `ppgscope bench --model M --json` (same windows; its batched figure
uses both cores, its one-window figure one core), run right after LiteRT on the same model.
LiteRT's outputs are checked against Keras' (relative to max |Keras|).

    .venv-tf/bin/python tools/bench/layers_litert.py --ppgscope .build/release/ppgscope [--models conv,recurrent]

JSON to stdout (or --out), a table with the ratios (LiteRT / ppgscope, > 1: ppgscope faster) to stderr.
"""

import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
FIXTURES = os.path.join(REPO, "Tests", "PPGNetworkTests", "Fixtures", "layers")
SHIFT = 64
DEFAULT_MODELS = "conv,pooling,batchnorm,depthwise,merge,activation_layers,separable_bn_gelu,recurrent"


def windows_of(path, length):
    import h5py
    import numpy as np
    with h5py.File(path, "r") as f:
        ppg = np.asarray(f["channels/ppg"], dtype=np.float32)
    count = (len(ppg) - length) // SHIFT + 1
    return np.ascontiguousarray(np.stack([ppg[SHIFT * n: SHIFT * n + length] for n in range(count)])[:, :, None])


def to_tflite(tf, model, batch, length):
    spec = tf.TensorSpec([batch, length, 1], tf.float32, name="x")
    f = tf.function(lambda x: model(x, training=False), input_signature=[spec])
    return tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], model).convert()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=DEFAULT_MODELS)
    parser.add_argument("--recording", default=os.path.join(REPO, "data", "ppg_dalia_S6_stairs.h5"))
    parser.add_argument("--ppgscope", default=os.path.join(REPO, ".build", "release", "ppgscope"))
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out")
    args = parser.parse_args()

    import numpy as np
    import tensorflow as tf
    import tf_keras
    from peers import LiteRTRunner, litert_interpreter_class, time_batched, time_single, figure, agreement

    cls, module, version, note = litert_interpreter_class()
    results = {"meta": {"litert": {"module": module, "version": version}, "tensorflow": tf.__version__,
                        "threads": args.threads, "repeats": args.repeats, "notes": [note] if note else []},
               "rows": []}
    for name in args.models.split(","):
        path = os.path.join(FIXTURES, name + ".h5")
        model = tf_keras.models.load_model(path, compile=False)
        length = model.input_shape[1]
        x = windows_of(args.recording, length)
        keras_out = model.predict(x, batch_size=len(x), verbose=0)
        batched = LiteRTRunner(cls, to_tflite(tf, model, len(x), length), args.threads)
        single = LiteRTRunner(cls, to_tflite(tf, model, 1, length), args.threads)
        check = agreement(batched(x), keras_out)
        ones = [x[i:i + 1] for i in range(len(x))]
        lite_batched = figure(f"{name}-litert-batched", f"{name} LiteRT batched", time_batched(lambda: batched(x), args.repeats),
                              len(x), "LiteRT", name, args.threads, agreement=check)
        medians, _ = time_single(lambda i: single(ones[i]), len(x), args.repeats)
        lite_single = figure(f"{name}-litert-single", f"{name} LiteRT one window per invoke", medians, 1, "LiteRT", name, args.threads)
        run = subprocess.run([args.ppgscope, "bench", "--model", path, "--recording", args.recording, "--repeats", str(args.repeats),
                              "--json"], capture_output=True, text=True, check=True)
        mine = {f["name"]: f for f in json.loads(run.stdout)}
        pairs = [(mine[f"{name} batched (ms per window)"], lite_batched), (mine[f"{name} one window per call (ms)"], lite_single)]
        for ours, theirs in pairs:
            results["rows"].append({"model": name, "windows": len(x), "ppgscope": ours, "litert": theirs,
                                    "ratio": theirs["medianMs"] / ours["medianMs"]})
    text = json.dumps(results, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)
    print(f"{'figure':58s} {'ppgscope ms':>12s} {'LiteRT ms':>10s} {'ratio':>6s}", file=sys.stderr)
    for r in results["rows"]:
        print(f"{r['ppgscope']['name']:58s} {r['ppgscope']['medianMs']:12.4f} {r['litert']['medianMs']:10.4f} {r['ratio']:6.2f}",
              file=sys.stderr)
    for n in results["meta"]["notes"]:
        print("note:", n, file=sys.stderr)


if __name__ == "__main__":
    main()
