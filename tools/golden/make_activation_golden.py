#!/usr/bin/env python3
"""Keras oracle for ppgscope's element-wise activations.

Evaluates every activation ppgscope supports, with Keras 3 (`keras`) and with tf-keras 2.x
(`tf_keras`), on a fixed float32 grid (-12..12 in steps of 1/16, the breakpoints of the piecewise
functions, large magnitudes, +-0, +-inf and NaN) and writes
`Tests/PPGNetworkTests/Fixtures/golden_activations.json`:

    {"keras_version": ..., "tf_keras_version": ...,
     "x": [float32 bit patterns],
     "cases": [{"library": "keras3"|"tf_keras", "name": <config name>,
                "options": {...}, "y": [float32 bit patterns]}, ...]}

Values are stored as uint32 bit patterns so that NaN, infinities and the last bit survive JSON.

Run from the repository root: .venv-tf/bin/python tools/golden/make_activation_golden.py
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
import keras
import tf_keras

OUT = "Tests/PPGNetworkTests/Fixtures/golden_activations.json"


def grid():
    x = list(np.arange(-12.0, 12.0 + 1e-9, 1.0 / 16.0))
    x += [-3.0, -2.5, 2.5, 3.0, 1e-3, -1e-3, 1e-7, -1e-7, 20.0, -20.0, 50.0, -50.0, 90.0, -90.0, 1e4, -1e4,
          0.0, -0.0, float("inf"), float("-inf"), float("nan")]
    return np.array(x, dtype=np.float32)


def bits(a):
    return [int(b) for b in np.asarray(a, dtype=np.float32).view(np.uint32)]


def main():
    x = grid()
    xt = tf.constant(x)
    cases = []

    def add(library, name, options, y):
        cases.append({"library": library, "name": name, "options": options, "y": bits(np.asarray(y))})

    # Keras 3: the config names, then the parameterised forms.
    for name in ["linear", "relu", "leaky_relu", "elu", "selu", "gelu", "tanh", "sigmoid", "hard_sigmoid",
                 "silu", "swish", "softplus", "softsign"]:
        add("keras3", name, {}, keras.activations.get(name)(xt))
    add("keras3", "gelu", {"approximate": True}, keras.activations.gelu(xt, approximate=True))
    add("keras3", "elu", {"alpha": 0.5}, keras.activations.elu(xt, alpha=0.5))
    add("keras3", "leaky_relu", {"negative_slope": 0.1}, keras.activations.leaky_relu(xt, negative_slope=0.1))
    add("keras3", "LeakyReLU", {}, keras.layers.LeakyReLU()(xt))
    add("keras3", "ELU", {"alpha": 0.7}, keras.layers.ELU(alpha=0.7)(xt))

    # tf-keras 2.x.
    for name in ["linear", "relu", "leaky_relu", "elu", "selu", "gelu", "tanh", "sigmoid", "hard_sigmoid",
                 "silu", "swish", "softplus", "softsign"]:
        add("tf_keras", name, {}, tf_keras.activations.get(name)(xt))
    add("tf_keras", "gelu", {"approximate": True}, tf_keras.activations.gelu(xt, approximate=True))
    add("tf_keras", "elu", {"alpha": 0.5}, tf_keras.activations.elu(xt, alpha=0.5))
    add("tf_keras", "LeakyReLU", {}, tf_keras.layers.LeakyReLU()(xt))

    out = {"keras_version": keras.__version__, "tf_keras_version": tf_keras.__version__,
           "tensorflow_version": tf.__version__, "x": bits(x), "cases": cases}
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases x {len(x)} points")


if __name__ == "__main__":
    main()
