#!/usr/bin/env python3
"""Keras oracle for ppgscope's layer families: small seeded models, each saved three ways, and
every layer's output on a few windows.

For each model below it writes, in Tests/PPGNetworkTests/Fixtures/layers/:
  <model>.h5          tf-keras 2.21 (Keras 2) HDF5, `model.save(..., save_format="h5")`
  <model>.keras       Keras 3 native zip (config.json + model.weights.h5)
  <model>_keras3.h5   Keras 3 legacy HDF5
  golden_<model>.h5   /inputs [N, T, 1], /taps/<layer> for every layer, /outputs, root attribute
                      `tap_names` (forward order), `source`, versions
and bad_<option>.h5, copies of a tf-keras fixture with one option ppgscope refuses (BAD_OPTIONS).

The Keras 2 and Keras 3 models are built from the same code with explicit layer names and share
their weights (`set_weights` in layer order), and the script checks that both give the same
output, so one golden file serves the three formats. Taps follow make_golden.py's contract:
`<layer>` for every layer but the input, and `<layer>.preact` (the layer with its activation
swapped for linear) before every Conv1D, SeparableConv1D, DepthwiseConv1D and Dense.

Weights are drawn from numpy.random.default_rng(20261205): kernels N(0, 1/fan_in), biases
N(0, 0.1²), BatchNormalization gamma U(0.5, 1.5), beta N(0, 0.1²), moving mean N(0, 0.3²),
moving variance U(0.5, 2), PReLU alpha U(0, 0.5). Inputs (N = 3 windows of 64 samples at 32 Hz):
cos(2π·1.5t) + 0.5·cos(2π·3t); Gaussian noise (std 1, same rng); a pulse train at 2.2 Hz with
an offset of 0.5.

Run from the repository root (about a minute on one core):
    .venv-tf/bin/python tools/golden/make_layer_fixtures.py [--only name,name]
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import h5py
import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(REPO, "Tests", "PPGNetworkTests", "Fixtures", "layers")
SEED = 20261205
T = 64
PREACT_CLASSES = {"Conv1D", "SeparableConv1D", "DepthwiseConv1D", "Dense"}


def leaky(K, name, slope):
    """LeakyReLU: `alpha` in tf-keras, `negative_slope` in Keras 3."""
    if K.__name__.startswith("tf_keras"):
        return K.layers.LeakyReLU(alpha=slope, name=name)
    return K.layers.LeakyReLU(negative_slope=slope, name=name)


# Each builder takes the Keras module (tf_keras or keras) and returns a Functional model on [T, 1].

def conv(K):
    """Conv1D: strides, groups, valid/same/causal padding, dilation, no bias."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(4, 5, padding="same", activation="relu", name="conv_same")(x)
    y = L.Conv1D(8, 5, strides=2, padding="same", activation="relu", name="conv_stride2_same")(y)
    y = L.Conv1D(8, 3, groups=2, dilation_rate=2, padding="causal", activation="relu", name="conv_groups_causal")(y)
    y = L.Conv1D(6, 4, strides=3, padding="valid", use_bias=False, name="conv_stride3_valid_nobias")(y)
    y = L.Conv1D(6, 3, dilation_rate=3, padding="same", activation="relu", name="conv_dilated_same")(y)
    y = L.Conv1D(4, 2, strides=2, padding="causal", name="conv_stride2_causal")(y)
    y = L.Flatten(name="flatten")(y)
    y = L.Dense(1, name="hr")(y)
    return K.Model(x, y, name="conv")


def pooling(K):
    """MaxPooling1D (valid, same, strides), AveragePooling1D, two global poolings concatenated."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(8, 5, padding="same", activation="relu", name="conv_a")(x)
    y = L.MaxPooling1D(3, strides=2, padding="same", name="max_same")(y)
    y = L.Conv1D(8, 3, activation="relu", name="conv_b")(y)
    y = L.MaxPooling1D(2, name="max_valid")(y)
    y = L.AveragePooling1D(3, strides=1, padding="same", name="average_same")(y)
    a = L.GlobalAveragePooling1D(name="global_average")(y)
    m = L.GlobalMaxPooling1D(name="global_max")(y)
    y = L.Concatenate(name="concatenate")([a, m])
    y = L.Dense(4, activation="relu", name="dense_a")(y)
    y = L.Dense(2, name="hr")(y)
    return K.Model(x, y, name="pooling")


def batchnorm(K):
    """BatchNormalization after a linear conv (foldable), after a ReLU (not), after a conv read
    twice (not), and after a Dense (foldable)."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(8, 5, padding="causal", name="conv_a")(x)
    y = L.BatchNormalization(name="bn_a")(y)
    y = L.ReLU(name="relu_a")(y)
    y = L.Conv1D(8, 3, padding="same", activation="relu", name="conv_b")(y)
    y = L.BatchNormalization(epsilon=0.01, center=False, name="bn_b")(y)
    c = L.Conv1D(8, 3, padding="same", name="conv_c")(y)
    n = L.BatchNormalization(scale=False, name="bn_c")(c)
    y = L.Add(name="add")([c, n])
    y = L.GlobalAveragePooling1D(name="global_average")(y)
    y = L.Dense(4, name="dense_a")(y)
    y = L.BatchNormalization(name="bn_d")(y)
    y = L.Dense(1, name="hr")(y)
    return K.Model(x, y, name="batchnorm")


def depthwise(K):
    """DepthwiseConv1D (depth_multiplier, strides) and SeparableConv1D (dilation, depth_multiplier)."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(4, 3, padding="same", name="conv")(x)
    y = L.DepthwiseConv1D(5, depth_multiplier=2, strides=2, padding="same", activation="relu", name="depthwise")(y)
    y = L.DepthwiseConv1D(3, padding="valid", use_bias=False, name="depthwise_nobias")(y)
    y = L.SeparableConv1D(6, 3, dilation_rate=2, depth_multiplier=2, padding="same", activation="relu", name="separable")(y)
    y = L.SeparableConv1D(4, 4, strides=2, padding="valid", use_bias=False, name="separable_stride_nobias")(y)
    y = L.GlobalAveragePooling1D(name="global_average")(y)
    y = L.Dense(1, name="hr")(y)
    return K.Model(x, y, name="depthwise")


def shapes(K):
    """ZeroPadding1D, Cropping1D, UpSampling1D, Permute, Reshape, GlobalMaxPooling1D(keepdims)."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(4, 3, activation="relu", name="conv_a")(x)
    y = L.ZeroPadding1D((2, 3), name="zero_padding")(y)
    y = L.Cropping1D((1, 4), name="cropping")(y)
    y = L.MaxPooling1D(4, name="pool")(y)
    y = L.UpSampling1D(2, name="upsampling")(y)
    k = L.GlobalMaxPooling1D(keepdims=True, name="global_max_keepdims")(y)
    y = L.Multiply(name="gate")([y, k])
    y = L.Permute((2, 1), name="permute")(y)
    y = L.Conv1D(5, 2, name="conv_b")(y)
    y = L.Reshape((-1,), name="reshape_flat")(y)
    y = L.Reshape((5, 3), name="reshape_back")(y)
    y = L.Flatten(name="flatten")(y)
    y = L.Dense(1, name="hr")(y)
    return K.Model(x, y, name="shapes")


def merge(K):
    """Add/Subtract/Multiply/Average (two and three inputs), Concatenate on channels and on time."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    a = L.Conv1D(4, 3, padding="same", activation="relu", name="conv_a")(x)
    b = L.Conv1D(4, 5, padding="same", name="conv_b")(x)
    c = L.Conv1D(4, 7, padding="same", name="conv_c")(x)
    s = L.Add(name="add3")([a, b, c])
    d = L.Subtract(name="subtract")([a, b])
    m = L.Multiply(name="multiply")([b, c])
    v = L.Average(name="average")([s, d, m])
    y = L.Concatenate(name="concat_channels")([v, a])
    z = L.Concatenate(axis=1, name="concat_time")([y, y])
    z = L.MaxPooling1D(8, name="pool")(z)
    z = L.Flatten(name="flatten")(z)
    z = L.Dense(1, name="hr")(z)
    return K.Model(x, z, name="merge")


def activation_layers(K):
    """Activation, ReLU (max_value, negative_slope, threshold), LeakyReLU, ELU, PReLU."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(6, 3, padding="same", name="conv_a")(x)
    y = L.Activation("relu", name="activation_relu")(y)
    y = L.Conv1D(6, 3, padding="same", name="conv_b")(y)
    y = L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2, name="relu_options")(y)
    y = L.Conv1D(6, 3, padding="same", name="conv_c")(y)
    y = leaky(K, "leaky", 0.2)(y)
    y = L.Conv1D(6, 3, padding="same", name="conv_d")(y)
    y = L.ELU(alpha=0.7, name="elu")(y)
    y = L.Conv1D(6, 3, padding="same", name="conv_e")(y)
    y = L.PReLU(name="prelu")(y)
    y = L.Conv1D(6, 3, padding="same", name="conv_f")(y)
    y = L.PReLU(shared_axes=[1], name="prelu_shared")(y)
    y = L.ReLU(max_value=6.0, name="relu6")(y)
    y = L.Flatten(name="flatten")(y)
    y = L.Dense(2, name="hr")(y)
    return K.Model(x, y, name="activation_layers")


def recurrent(K):
    """CorNET-style Conv + LSTM + GRU: return_sequences both ways, both reset_after forms."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(8, 5, padding="same", activation="relu", name="conv")(x)
    y = L.MaxPooling1D(4, name="pool")(y)
    y = L.LSTM(6, return_sequences=True, name="lstm_sequences")(y)
    y = L.GRU(5, return_sequences=True, name="gru_reset_after")(y)
    y = L.GRU(5, reset_after=False, return_sequences=True, name="gru_reset_before")(y)
    y = L.LSTM(4, name="lstm_last")(y)
    y = L.Dense(1, name="hr")(y)
    return K.Model(x, y, name="recurrent")


def recurrent_hard_sigmoid(K):
    """LSTM and GRU with the classic `hard_sigmoid` recurrent activation, and `go_backwards`.
    Keras 2 only: Keras 3 redefined hard_sigmoid (clip(x/6 + 1/2) instead of clip(0.2x + 1/2)),
    so the same config means another function there."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(4, 5, strides=4, activation="relu", name="conv")(x)
    y = L.LSTM(5, recurrent_activation="hard_sigmoid", return_sequences=True, name="lstm_hard")(y)
    y = L.GRU(4, recurrent_activation="hard_sigmoid", go_backwards=True, return_sequences=True, name="gru_backwards")(y)
    y = L.LSTM(3, activation="relu", go_backwards=True, name="lstm_relu_backwards")(y)
    y = L.Dense(1, name="hr")(y)
    return K.Model(x, y, name="recurrent_hard_sigmoid")


def separable_bn_gelu(K):
    """A TinyML-style net: SeparableConv1D → BatchNormalization → GELU, twice, then global pooling."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(8, 5, strides=2, padding="same", name="stem")(x)
    y = L.BatchNormalization(name="stem_bn")(y)
    y = L.Activation("gelu", name="stem_gelu")(y)
    y = L.SeparableConv1D(8, 5, padding="same", name="separable_a")(y)
    y = L.BatchNormalization(name="bn_a")(y)
    y = L.Activation("gelu", name="gelu_a")(y)
    y = L.SeparableConv1D(8, 3, padding="same", activation="gelu", name="separable_b")(y)
    y = L.MaxPooling1D(2, name="pool")(y)
    y = L.GlobalAveragePooling1D(name="global_average")(y)
    y = L.Dense(1, name="hr")(y)
    return K.Model(x, y, name="separable_bn_gelu")


def sequence_output(K):
    """A model whose output is a sequence, not a heart rate (e.g. a denoiser): `inspect` follows it, `hr` refuses it."""
    L = K.layers
    x = K.Input((T, 1), name="input")
    y = L.Conv1D(4, 5, padding="same", activation="relu", name="conv_a")(x)
    y = L.Conv1D(2, 3, padding="same", name="conv_b")(y)
    return K.Model(x, y, name="sequence_output")


MODELS = {f.__name__: f for f in [conv, pooling, batchnorm, depthwise, shapes, merge, activation_layers, recurrent,
                                   recurrent_hard_sigmoid, separable_bn_gelu, sequence_output]}
# Written as tf-keras .h5 only (see the builder's docstring).
KERAS2_ONLY = {"recurrent_hard_sigmoid"}


def random_weights(model, rng):
    """Seeded weights for every variable, by its role (see the module docstring)."""
    values = []
    for layer in model.layers:
        for w in layer.weights:
            name, shape = w.name.split("/")[-1].split(":")[0], tuple(w.shape)
            if "moving_variance" in name:
                v = rng.uniform(0.5, 2.0, shape)
            elif "moving_mean" in name:
                v = rng.normal(0, 0.3, shape)
            elif "gamma" in name:
                v = rng.uniform(0.5, 1.5, shape)
            elif "beta" in name or "bias" in name:
                v = rng.normal(0, 0.1, shape)
            elif "alpha" in name:
                v = rng.uniform(0.0, 0.5, shape)
            else:
                fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
                v = rng.normal(0, 1 / np.sqrt(max(fan_in, 1)), shape)
            values.append(v.astype(np.float32))
    return values


def inputs(rng):
    t = np.arange(T) / 32.0
    cosines = np.cos(2 * np.pi * 1.5 * t) + 0.5 * np.cos(2 * np.pi * 3 * t)
    noise = rng.normal(0, 1, T)
    pulses = 0.5 + np.maximum(np.cos(2 * np.pi * 2.2 * t), 0) ** 3
    return np.stack([cosines, noise, pulses])[:, :, None].astype(np.float32)


def taps(K, model, x):
    """Every layer's output, and the pre-activation of layers with an activation, in model order."""
    names, tensors = [], []
    for layer in model.layers:
        if layer.__class__.__name__ == "InputLayer":
            continue
        if layer.__class__.__name__ in PREACT_CLASSES:
            config = layer.get_config()
            config["activation"] = "linear"
            config["name"] = layer.name + "_preact"
            clone = layer.__class__.from_config(config)
            out = clone(layer.input)
            clone.set_weights(layer.get_weights())
            names.append(layer.name + ".preact")
            tensors.append(out)
        names.append(layer.name)
        tensors.append(layer.output)
    values = K.Model(model.inputs, tensors)(x)
    return names, [np.asarray(v, dtype=np.float32) for v in values]


def write_golden(path, x, names, values, output, versions):
    with h5py.File(path, "w") as f:
        f.create_dataset("inputs", data=x)
        for name, v in zip(names, values):
            f.create_dataset("taps/" + name, data=v)
        f.create_dataset("outputs", data=output)
        f.attrs["tap_names"] = np.array(names, dtype=h5py.string_dtype())
        f.attrs["source"] = "tools/golden/make_layer_fixtures.py (seeded; Keras is the oracle)"
        for k, v in versions.items():
            f.attrs[k] = v


# Keras options ppgscope refuses, each written into a copy of a fixture's tf-keras config:
# (file, source model, layer, option, value).
BAD_OPTIONS = [
    ("bad_channels_first.h5", "conv", "conv_same", "data_format", "channels_first"),
    ("bad_return_state.h5", "recurrent", "lstm_last", "return_state", True),
    ("bad_stateful.h5", "recurrent", "gru_reset_after", "stateful", True),
    ("bad_renorm.h5", "batchnorm", "bn_b", "renorm", True),
]


def write_bad_options():
    """Copies of fixture models with one refused option set in their model_config (h5py only)."""
    import json
    import shutil
    for file, source, layer, option, value in BAD_OPTIONS:
        path = os.path.join(OUT, file)
        shutil.copyfile(os.path.join(OUT, source + ".h5"), path)
        with h5py.File(path, "r+") as f:
            config = json.loads(f.attrs["model_config"])
            for entry in config["config"]["layers"]:
                if entry["config"]["name"] == layer:
                    entry["config"][option] = value
            f.attrs["model_config"] = json.dumps(config)
        print(f"{file}: {source}/{layer} with {option}={value!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="comma-separated model names (default: all)")
    args = parser.parse_args()
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    import tf_keras

    os.makedirs(OUT, exist_ok=True)
    versions = {"tensorflow_version": tf.__version__, "tf_keras_version": tf_keras.__version__,
                "keras_version": keras.__version__}
    chosen = [n for n in args.only.split(",") if n] or list(MODELS)
    ok = True
    for name in chosen:
        rng = np.random.default_rng(SEED)
        x = inputs(rng)
        k2 = MODELS[name](tf_keras)
        weights = random_weights(k2, rng)
        k2.set_weights(weights)
        tap_names, tap_values = taps(tf_keras, k2, x)
        out2 = np.asarray(k2(x), dtype=np.float32)
        k3 = None if name in KERAS2_ONLY else MODELS[name](keras)
        if k3 is not None:
            k3.set_weights(weights)
        out3 = out2 if k3 is None else np.asarray(k3(x), dtype=np.float32)
        scale = max(float(np.abs(out2).max()), 1e-30)
        agree = np.abs(out2 - out3).max() <= 1e-5 * scale
        last = tap_values[-1]
        exact = np.array_equal(last, out2)
        print(f"{name}: {len(tap_names)} taps, output {out2.shape}, Keras 2 vs 3 max |Δ| "
              f"{np.abs(out2 - out3).max():.2e} {'ok' if agree else 'DIFFER'}, tap == model(x): {exact}")
        ok &= agree and exact
        base = os.path.join(OUT, name)
        k2.save(base + ".h5", save_format="h5")
        if k3 is not None:
            k3.save(base + ".keras")
            k3.save(base + "_keras3.h5")
        write_golden(os.path.join(OUT, "golden_" + name + ".h5"), x, tap_names, tap_values, out2, versions)
    if not args.only:
        write_bad_options()
    print("ALL CHECKS OK" if ok else "SOME CHECKS FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
