"""Writes the Keras 3 file-format fixtures: small seeded KID-PPG-style models saved in every format
Keras writes, their Keras taps and outputs (the goldens), hand-broken `.keras` files for the
loader's error tests, and a small zip archive for the zip reader's tests.

Run from the repository root with the oracle venv (tools/golden/README.md):
    .venv-tf/bin/python tools/golden/make_keras3_fixtures.py

Models (layer names chosen so that the config names differ from the names Keras 3 gives the
weight groups in `model.weights.h5`: those are the snake-case class name plus a per-class
counter in layer-list order, never the config name):
  k3_pair   pair input [64, 2] split by `x[..., :1]`/`x[..., 1:]` into a sub-model (two causal
            dilated Conv1D + ReLU, AveragePooling1D, Dropout) called twice, MultiHeadAttention of
            the current window on the previous one, a residual `+`, LayerNormalization, Flatten,
            Dense + ReLU, Dropout, Dense(2)
  k3_seq    Sequential: InputLayer [64, 1], causal Conv1D + ReLU, AveragePooling1D, dilated
            Conv1D without bias, Flatten, Dense(1)
  k3_edge   Keras 3 only, compiled and trained one epoch (so model.weights.h5 also holds the
            optimizer's variables): a nested Sequential sub-model (Conv1D + ReLU,
            AveragePooling1D), MultiHeadAttention called positionally (self-attention), Flatten,
            Dense(1); saved as .keras, as a copy of that archive with every entry deflated, and as
            Keras 3 .h5; golden_k3_edge.h5 holds its inputs and outputs (no taps)
  k3_layouts  Keras 3 only, for the variable order of layer classes (weights not run): grouped
            Conv1D, BatchNormalization (with and without centre), SeparableConv1D, DepthwiseConv1D,
            PReLU, LSTM, GRU, Dense; its model.weights.h5 holds every variable once
k3_pair's tf-keras twin is also saved as weights only (k3_pair_tfkeras_weights.h5, `save_weights`)
with its config (k3_pair_tfkeras.json, `to_json()`).
Each of k3_pair and k3_seq is saved three ways: Keras 3 `.keras` (zip), Keras 3 legacy `.h5`, and tf-keras 2 `.h5` (the
same weights copied into the same architecture built with tf-keras). Goldens:
  golden_k3_pair.h5, golden_k3_seq.h5                       Keras 3 taps (both Keras 3 files)
  golden_k3_pair_tfkeras.h5, golden_k3_seq_tfkeras.h5       tf-keras taps
with `/inputs` [N, T, C], `/taps/<tap>`, `/outputs`, root attribute `tap_names` (as in
make_golden.py: `<sub>@<k>/<layer>` for the k-th call of a sub-model, `<layer>.preact` for the
pre-activation of every Conv1D, SeparableConv1D, DepthwiseConv1D and Dense).

Bad files (from k3_seq.keras, each broken in one way):
  bad_k3_truncated.keras        the first 60 % of the bytes
  bad_k3_no_weights.keras       an archive without model.weights.h5
  bad_k3_weight_shape.keras     conv1d_3's kernel stored as [4, 4, 4] instead of [3, 4, 4]
  bad_k3_nan_weight.keras       one NaN in conv1d_3's kernel
  bad_k3_unsupported_layer.keras  the Flatten layer's class renamed to Lambda
  bad_k3_channels_first.keras   conv1d_18 with data_format "channels_first"
Zip reader fixture (Tests/PPGFormatsTests/Fixtures/zip_mixed.zip): `stored.txt` (stored),
`deflated/numbers.txt` (deflated, 1000 lines "0".."999"), a directory entry `empty/`.
"""
import io
import json
import os
import shutil
import sys
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_NUM_THREADS", "1")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
FIX = os.path.join(REPO, "Tests", "PPGNetworkTests", "Fixtures")
FORMATS_FIX = os.path.join(REPO, "Tests", "PPGFormatsTests", "Fixtures")
sys.path.insert(0, HERE)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

T = 64


def inputs(channels):
    """N = 4 windows: the synthetic cos(2π·1.5t) + 0.5cos(2π·3t) at 32 Hz in every channel, then
    seeded Gaussian noise (std 1, numpy default_rng(1234))."""
    t = np.arange(T) / 32.0
    s = np.cos(2 * np.pi * 1.5 * t) + 0.5 * np.cos(2 * np.pi * 3.0 * t)
    rng = np.random.default_rng(1234)
    cases = [np.stack([s] * channels, axis=-1)] + [rng.normal(0, 1, size=(T, channels)) for _ in range(3)]
    return np.asarray(cases, dtype=np.float32)


# --------------------------------------------------------------------------------------------
# the models, in Keras 3 (`keras`) or tf-keras (`tf_keras`) with the same names
# --------------------------------------------------------------------------------------------

def build_pair(keras):
    L = keras.layers

    def conv(name, filters, k, d):
        return L.Conv1D(filters, k, dilation_rate=d, padding="causal", activation="relu", name=name)

    i = keras.Input(shape=(T, 1), name="block_input")
    m = conv("conv1d_118", 6, 3, 2)(i)
    m = conv("conv1d_117", 6, 3, 4)(m)
    m = L.AveragePooling1D(4, name="average_pooling1d_40")(m)
    m = L.Dropout(0.5, name="dropout_12")(m)
    block = keras.Model(i, m, name="model_52")
    inp = keras.Input(shape=(T, 2), name="pair_input")
    prev = inp[..., :1]
    cur = inp[..., 1:]
    p = block(prev)
    c = block(cur)
    m = L.MultiHeadAttention(num_heads=2, key_dim=4, name="multi_head_attention_13")(query=c, value=p)
    m = m + c
    m = L.LayerNormalization(epsilon=1e-5, name="layer_normalization_9")(m)
    m = L.Flatten(name="flatten_3")(m)
    m = L.Dense(8, activation="relu", name="dense_28")(m)
    m = L.Dropout(0.125, name="dropout_13")(m)
    m = L.Dense(2, name="dense_27")(m)
    return keras.Model(inp, m, name="k3_pair")


def build_seq(keras):
    L = keras.layers
    return keras.Sequential([
        keras.Input(shape=(T, 1), name="seq_input"),
        L.Conv1D(4, 5, padding="causal", activation="relu", name="conv1d_18"),
        L.AveragePooling1D(2, name="average_pooling1d_2"),
        L.Conv1D(4, 3, dilation_rate=2, padding="causal", use_bias=False, name="conv1d_3"),
        L.Flatten(name="flatten_1"),
        L.Dense(1, name="dense_5"),
    ], name="k3_seq")


def build_edge(keras):
    L = keras.layers
    inner = keras.Sequential([keras.Input((32, 1)), L.Conv1D(3, 3, padding="causal", activation="relu"),
                              L.AveragePooling1D(2)], name="inner_seq")
    i = keras.Input((32, 1))
    m = inner(i)
    m = L.MultiHeadAttention(num_heads=1, key_dim=2)(m, m)
    m = L.Flatten()(m)
    return keras.Model(i, L.Dense(1)(m), name="k3_edge")


def make_edge(keras, source):
    print("k3_edge")
    keras.utils.set_random_seed(3)
    model = build_edge(keras)
    x = np.random.default_rng(0).normal(size=(8, 32, 1)).astype(np.float32)
    model.compile("adam", "mse")
    model.fit(x, np.zeros((8, 1)), epochs=1, verbose=0)
    path = os.path.join(FIX, "k3_edge.keras")
    model.save(path)
    model.save(os.path.join(FIX, "k3_edge.h5"))
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(os.path.join(FIX, "k3_edge_deflated.keras"), "w") as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename), compress_type=zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5"))) as h:
        assert "optimizer" in h, "the trained model's weights file should hold the optimizer state"
    out = np.asarray(model(x, training=False), dtype=np.float32)
    write_golden(os.path.join(FIX, "golden_k3_edge.h5"), x, {}, out, source)


def make_layouts(keras):
    print("k3_layouts")
    keras.utils.set_random_seed(5)
    L = keras.layers
    i = keras.Input((16, 2))
    m = L.Conv1D(4, 3, groups=2)(i)
    m = L.BatchNormalization()(m)
    m = L.SeparableConv1D(4, 3)(m)
    m = L.DepthwiseConv1D(3)(m)
    m = L.PReLU()(m)
    m = L.BatchNormalization(center=False)(m)
    m = L.LSTM(3, return_sequences=True)(m)
    m = L.GRU(2)(m)
    m = L.Dense(1)(m)
    keras.Model(i, m, name="k3_layouts").save(os.path.join(FIX, "k3_layouts.keras"))


def randomize(model, seed):
    """Seeded weights of O(1) scale (He-like kernels ×1.5, biases and LayerNorm γ/β away from
    their 0/1 defaults) so that every tap carries signal and biases matter."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for sub in ([layer] if not hasattr(layer, "layers") else layer.layers):
            weights = sub.get_weights()
            if not weights:
                continue
            new = []
            for w in weights:
                if w.ndim == 1 and type(sub).__name__ == "LayerNormalization":
                    new.append(rng.normal(1.0 if not new else 0.0, 0.3, w.shape))
                elif w.ndim >= 2:
                    fan_in = int(np.prod(w.shape[:-1]))
                    limit = np.sqrt(9.0 / max(fan_in, 1))
                    new.append(rng.uniform(-limit, limit, w.shape))
                else:
                    new.append(rng.normal(0.0, 0.2, w.shape))
            sub.set_weights([np.asarray(w, dtype=np.float32) for w in new])


def copy_weights(source, target):
    """Copies weights layer by layer, matched by name (nested models by their layers' names)."""
    def flat(model):
        out = {}
        for layer in model.layers:
            if hasattr(layer, "layers"):
                out.update(flat(layer))
            else:
                out[layer.name] = layer
        return out
    src, dst = flat(source), flat(target)
    for name, layer in src.items():
        if layer.get_weights():
            dst[name].set_weights(layer.get_weights())


# --------------------------------------------------------------------------------------------
# taps
# --------------------------------------------------------------------------------------------

# The classes ppgscope gives a `<layer>.preact` tap (make_golden.py and make_layer_fixtures.py too).
PREACT_CLASSES = {"Conv1D", "SeparableConv1D", "DepthwiseConv1D", "Dense"}


def call_with_preact(keras, layer, args, kwargs, taps, path):
    """Calls a layer; for a Conv1D, SeparableConv1D, DepthwiseConv1D or Dense, also taps its
    pre-activation (activation swapped for linear) and checks post == activation(pre) exactly."""
    if type(layer).__name__ in PREACT_CLASSES:
        act = layer.activation
        layer.activation = keras.activations.linear
        try:
            pre = layer(*args, **kwargs)
        finally:
            layer.activation = act
        out = layer(*args, **kwargs)
        assert float(np.max(np.abs(np.asarray(out) - np.asarray(act(pre))))) == 0.0, path
        taps[path + ".preact"] = np.asarray(pre, dtype=np.float32)
    else:
        out = layer(*args, **kwargs)
    taps[path] = np.asarray(out, dtype=np.float32)
    return out


def keras3_taps(keras, model, x):
    """Walks a Keras 3 Functional config (args/kwargs nodes with __keras_tensor__ references,
    node k = the k-th call, also for nested models) and taps every layer call."""
    import keras.ops as ops  # noqa: F401
    taps = {}

    def decode(v, values):
        if isinstance(v, dict):
            if v.get("class_name") == "__keras_tensor__":
                return values[tuple(v["config"]["keras_history"])]
            if v.get("class_name") == "__ellipsis__":
                return Ellipsis
            if v.get("class_name") == "__slice__":
                c = v["config"]
                return slice(c["start"], c["stop"], c["step"])
            return {k: decode(w, values) for k, w in v.items()}
        if isinstance(v, list):
            return [decode(w, values) for w in v]
        return v

    def refs(v):
        if isinstance(v, dict):
            if v.get("class_name") == "__keras_tensor__":
                yield tuple(v["config"]["keras_history"])
            else:
                for w in v.values():
                    yield from refs(w)
        elif isinstance(v, list):
            for w in v:
                yield from refs(w)

    def triples(v):
        return [v] if isinstance(v[0], str) else v

    def run(conf, owner, xs, prefix):
        ops_by_name = {op.name: op for op in owner.operations}
        values = {tuple(r): t for r, t in zip(triples(conf["input_layers"]), xs)}
        pending = [(layer, k, node) for layer in conf["layers"] if layer["class_name"] != "InputLayer"
                   for k, node in enumerate(layer["inbound_nodes"])]
        while pending:
            rest = []
            for layer, k, node in pending:
                if not all(r in values for r in refs(node)):
                    rest.append((layer, k, node))
                    continue
                name = layer["name"]
                path = prefix + name + (f"@{k + 1}" if len(layer["inbound_nodes"]) > 1 else "")
                obj = ops_by_name[name]
                args = decode(node["args"], values)
                kwargs = decode(node["kwargs"], values)
                if layer["class_name"] == "Functional":
                    out = run(layer["config"], obj, args, path + "/")
                elif layer["class_name"] == "GetItem":
                    out = obj(args[0], tuple(args[1]))
                    taps[path] = np.asarray(out, dtype=np.float32)
                else:
                    out = call_with_preact(keras, obj, args, kwargs, taps, path)
                values[(name, k, 0)] = out
            assert len(rest) < len(pending), "unresolvable nodes"
            pending = rest
        return values[tuple(triples(conf["output_layers"])[0])]

    config = json.loads(model.to_json())["config"]
    out = run(config, model, [keras.ops.convert_to_tensor(x)], "")
    return taps, np.asarray(out, dtype=np.float32)


def sequential_taps(keras, model, x):
    taps = {}
    m = x
    for layer in model.layers:
        m = call_with_preact(keras, layer, [m], {}, taps, layer.name)
    return taps, np.asarray(m, dtype=np.float32)


def tfkeras_pair_taps(tf, tfk, path, x):
    """make_golden.py's interpreter for Keras 2 configs (Conv1D and Dense pre-activations
    included), on the saved tf-keras file."""
    import make_golden
    model, cfg, skipped = make_golden.build_model(path, tfk)
    return make_golden.forward_with_taps(tf, tfk, model, cfg, skipped, x)


def write_golden(path, x, taps, outputs, source):
    with h5py.File(path, "w") as f:
        f.attrs.create("source", source, dtype=h5py.string_dtype("utf-8"))
        f.attrs.create("tap_names", list(taps), dtype=h5py.string_dtype("utf-8"))
        f.create_dataset("inputs", data=x)
        for name, value in taps.items():
            f.create_dataset("taps/" + name, data=np.asarray(value, dtype=np.float32))
        f.create_dataset("outputs", data=outputs)
    print(f"  {os.path.relpath(path, REPO)}: {len(taps)} taps, {os.path.getsize(path) / 1e3:.1f} kB")


def check_close(label, a, b, tol=1e-5):
    scale = max(1.0, float(np.max(np.abs(b))))
    d = float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
    print(f"  {label}: max |diff| {d:.3g} (scale {scale:.3g})")
    assert d <= tol * scale, label


# --------------------------------------------------------------------------------------------
# bad files
# --------------------------------------------------------------------------------------------

def rewrite_keras(src, dst, config=None, weights=None, drop=()):
    """Copies the .keras archive `src` to `dst`, replacing config.json (a function of the parsed
    config) and/or model.weights.h5 (a function of an h5py.File opened on a copy), dropping `drop`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            if item.filename in drop:
                continue
            data = zin.read(item.filename)
            if item.filename == "config.json" and config:
                cfg = json.loads(data)
                config(cfg)
                data = json.dumps(cfg).encode()
            if item.filename == "model.weights.h5" and weights:
                tmp = dst + ".weights.tmp.h5"
                with open(tmp, "wb") as f:
                    f.write(data)
                with h5py.File(tmp, "r+") as h:
                    weights(h)
                with open(tmp, "rb") as f:
                    data = f.read()
                os.remove(tmp)
            zout.writestr(item, data)


def layer_config(cfg, name):
    for layer in cfg["config"]["layers"]:
        if layer["config"].get("name") == name:
            return layer
    raise KeyError(name)


def make_bad_files(seq_keras):
    def fix(name):
        return os.path.join(FIX, name)

    data = open(seq_keras, "rb").read()
    with open(fix("bad_k3_truncated.keras"), "wb") as f:
        f.write(data[: int(len(data) * 0.6)])
    rewrite_keras(seq_keras, fix("bad_k3_no_weights.keras"), drop=("model.weights.h5",))

    def wrong_shape(h):
        kernel = h["layers/conv1d_1/vars/0"]
        assert kernel.shape == (3, 4, 4), kernel.shape
        del h["layers/conv1d_1/vars/0"]
        h["layers/conv1d_1/vars/0"] = np.zeros((4, 4, 4), dtype=np.float32)
    rewrite_keras(seq_keras, fix("bad_k3_weight_shape.keras"), weights=wrong_shape)

    def nan(h):
        kernel = h["layers/conv1d_1/vars/0"]
        values = kernel[...]
        values[1, 2, 3] = np.nan
        kernel[...] = values
    rewrite_keras(seq_keras, fix("bad_k3_nan_weight.keras"), weights=nan)

    def unsupported(cfg):
        layer = layer_config(cfg, "flatten_1")
        layer["class_name"] = "Lambda"
    rewrite_keras(seq_keras, fix("bad_k3_unsupported_layer.keras"), config=unsupported)

    def channels_first(cfg):
        layer_config(cfg, "conv1d_18")["config"]["data_format"] = "channels_first"
    rewrite_keras(seq_keras, fix("bad_k3_channels_first.keras"), config=channels_first)
    print("  bad_k3_*.keras written")


def make_zip_fixture():
    os.makedirs(FORMATS_FIX, exist_ok=True)
    path = os.path.join(FORMATS_FIX, "zip_mixed.zip")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("stored.txt"), b"stored, not compressed\n", compress_type=zipfile.ZIP_STORED)
        z.writestr(zipfile.ZipInfo("empty/"), b"")
        numbers = "".join(f"{i}\n" for i in range(1000)).encode()
        z.writestr(zipfile.ZipInfo("deflated/numbers.txt"), numbers, compress_type=zipfile.ZIP_DEFLATED)
    print(f"  {os.path.relpath(path, REPO)}: {os.path.getsize(path)} bytes")


# --------------------------------------------------------------------------------------------

def main():
    import keras
    import tensorflow as tf
    import tf_keras as tfk
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    source = (f"written by tools/golden/make_keras3_fixtures.py with keras {keras.__version__}, "
              f"tf_keras {tfk.__version__}, tensorflow {tf.__version__}")
    print(source)

    for name, builder, seed, channels in (("k3_pair", build_pair, 52, 2), ("k3_seq", build_seq, 18, 1)):
        print(name)
        x = inputs(channels)
        keras.utils.set_random_seed(seed)
        model = builder(keras)
        randomize(model, seed)
        k3_path = os.path.join(FIX, name + ".keras")
        model.save(k3_path)
        model.save(os.path.join(FIX, name + ".h5"))
        reference = np.asarray(model(x, training=False))
        loaded = keras.models.load_model(k3_path)
        check_close("load_model(.keras) vs model", loaded(x, training=False), reference, 0)
        if name == "k3_seq":
            taps, out = sequential_taps(keras, model, x)
        else:
            taps, out = keras3_taps(keras, model, x)
        check_close("Keras 3 interpreter vs model(x)", out, reference)
        write_golden(os.path.join(FIX, f"golden_{name}.h5"), x, taps, out, source)

        tfk.backend.clear_session()
        twin = builder(tfk)
        copy_weights(model, twin)
        tf_path = os.path.join(FIX, name + "_tfkeras.h5")
        twin.save(tf_path, save_format="h5")
        check_close("tf-keras twin vs Keras 3 model", twin(x, training=False), reference)
        if name == "k3_pair":
            # Keras 2 weights only (`save_weights`), with the config beside it as `to_json()` writes it.
            twin.save_weights(os.path.join(FIX, name + "_tfkeras_weights.h5"))
            with open(os.path.join(FIX, name + "_tfkeras.json"), "w") as f:
                f.write(twin.to_json())
        if name == "k3_seq":
            taps, out = sequential_taps(tfk, twin, x)
        else:
            taps, out = tfkeras_pair_taps(tf, tfk, tf_path, x)
        write_golden(os.path.join(FIX, f"golden_{name}_tfkeras.h5"), x, taps, out, source)
        if name == "k3_seq":
            make_bad_files(k3_path)
    make_edge(keras, source)
    make_layouts(keras)
    make_zip_fixture()
    for name in sorted(os.listdir(FIX)):
        if "k3" in name:
            print(f"  {name}: {os.path.getsize(os.path.join(FIX, name)) / 1e3:.1f} kB")
    print("ALL CHECKS OK")


if __name__ == "__main__":
    main()
