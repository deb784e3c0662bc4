#!/usr/bin/env python3
"""Keras oracle for ppgscope: writes the golden fixtures the Swift forward pass is tested against.

Every model is rebuilt from the root `model_config` JSON of its .h5 file (layers Keras cannot rebuild
without extra packages, i.e. TFP's DistributionLambda, are stripped and applied by formula), its
weights are loaded by layer order with `model.load_weights`, and an interpreter walks the config
graph (`inbound_nodes`) calling the rebuilt layer objects one by one, recording every layer's
output ("taps"), recursing into nested Functional sub-models, and recording each Conv1D's and
Dense's pre-activation. The interpreter's result is checked against `model(x)` / `model.predict(x)`.

Tap naming (contract with the Swift tests):
  * top-level layer:                         <layer>                 e.g. dense_27
  * layer of a sub-model called once:        <sub>/<layer>           e.g. model_20/conv1d_45
  * layer of a sub-model called k-th time:   <sub>@<k>/<layer>       e.g. model_52@1/conv1d_117
    (k is 1-based, in the order of the sub-model's `inbound_nodes`; any layer called more than
    once gets the @k suffix)
  * Conv1D and Dense pre-activation (+ bias): <path>.preact
  * InputLayers get no tap; a sub-model's own output is not a separate tap (it equals the
    tap of its last inner layer).
  * DistributionLambda (KID-PPG): tap [N, 2] = (mean, 1 + softplus(raw std)).

Run `python make_golden.py --help` for the arguments; see README.md next to this file.
"""

import argparse
import hashlib
import json
import os
import pickle
import sys
from collections import OrderedDict

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FIXTURES = os.path.join(REPO, "Tests", "PPGNetworkTests", "Fixtures")

# Spot values measured with Keras 2.13 on the KID-PPG weights. The synthetic ones are exact
# checks; the S6 ones were measured on SGD-filtered PPG (the demo's adaptive filter),
# so on the raw PPG used here they are printed for information only.
SPOT = {
    "kidppg": {"synthetic": (87.8754, 2.2917), "S6 pair n=57 (reference: SGD-filtered)": (156.3776, 3.4940)},
    "s5": {"synthetic": (90.6412,), "S6 window n=57 (reference: SGD-filtered)": (154.0119,)},
}
SPOT_TOL = 1e-3

SKIPPED_CLASSES = {"DistributionLambda"}  # no weights; applied by formula
FUNCTIONAL_CLASSES = {"Functional", "Model"}


# --------------------------------------------------------------------------------------------
# environment
# --------------------------------------------------------------------------------------------

def setup_tf(threads):
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import tf_keras as keras
    return tf, keras


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def versions():
    import tensorflow as tf
    import tf_keras
    import numpy as np
    import h5py
    return {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__,
            "numpy": np.__version__, "h5py": h5py.__version__}


def softplus(x):
    import numpy as np
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------

def load_recording(path):
    """Returns X [W, 4, 256] float64 (PPG, ACC x, y, z) and y [W] (BPM)."""
    import numpy as np
    if path.endswith((".h5", ".hdf5")):
        import h5py
        with h5py.File(path, "r") as f:
            return np.asarray(f["X"], dtype=np.float64), np.asarray(f["y"], dtype=np.float64).reshape(-1)
    with open(path, "rb") as f:
        d = pickle.load(f)
    return np.asarray(d["X"], dtype=np.float64), np.asarray(d["y"], dtype=np.float64).reshape(-1)


REAL_N = [1, 57, 120, 200]  # --real-n overrides


def synthetic_signal():
    import numpy as np
    t = np.arange(256) / 32.0
    return np.cos(2 * np.pi * 1.5 * t) + 0.5 * np.cos(2 * np.pi * 3.0 * t)


def golden_inputs(X, channels, seed=1234, real_n=None):
    """N = 6 cases: four real S6 windows/pairs, the synthetic signal, seeded noise (std 30)."""
    import numpy as np
    real_n = REAL_N if real_n is None else real_n
    ppg = X[:, 0, :]
    cases, labels = [], []
    for n in real_n:
        if channels == 2:
            cases.append(np.stack([ppg[n - 1], ppg[n]], axis=-1))
            labels.append(f"S6 pair [X({n - 1}), X({n})] raw PPG")
        else:
            cases.append(ppg[n][:, None])
            labels.append(f"S6 window X({n}) raw PPG")
    s = synthetic_signal()
    cases.append(np.stack([s] * channels, axis=-1))
    labels.append("synthetic cos(2pi*1.5t)+0.5cos(2pi*3t), t=arange(256)/32" +
                  (" in both slots" if channels == 2 else ""))
    rng = np.random.default_rng(seed)
    cases.append(rng.normal(0.0, 30.0, size=(256, channels)))
    labels.append(f"Gaussian noise std 30, numpy default_rng({seed})" +
                  (", independent per slot" if channels == 2 else ""))
    return np.asarray(cases, dtype=np.float32), labels


# --------------------------------------------------------------------------------------------
# model building from the file's model_config
# --------------------------------------------------------------------------------------------

def read_model_config(path):
    import h5py
    with h5py.File(path, "r") as f:
        raw = f.attrs["model_config"]
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return json.loads(raw)


def strip_layers(cfg):
    """Removes layers of SKIPPED_CLASSES from a top-level Functional config.
    Returns (stripped config, {name: (class_name, inbound_nodes)})."""
    cfg = json.loads(json.dumps(cfg))
    conf = cfg["config"]
    skipped = OrderedDict()
    keep = []
    for layer in conf["layers"]:
        if layer["class_name"] in SKIPPED_CLASSES:
            skipped[layer["name"]] = layer
        else:
            keep.append(layer)
    conf["layers"] = keep

    def replace(ref):
        while ref[0] in skipped:
            nodes = skipped[ref[0]]["inbound_nodes"]
            assert len(nodes) == 1 and len(nodes[0]) == 1, "skipped layer must have one input"
            ref = nodes[0][0][:3]
        return ref

    conf["output_layers"] = [replace(r) for r in conf["output_layers"]]
    return cfg, skipped


def build_model(path, keras):
    """Rebuilds the Keras model from the file's model_config (minus skipped layers) and loads
    its weights by layer order."""
    cfg = read_model_config(path)
    stripped, skipped = strip_layers(cfg)
    keras.backend.clear_session()
    model = keras.models.model_from_json(json.dumps(stripped))
    model.load_weights(path)
    return model, cfg, skipped


# --------------------------------------------------------------------------------------------
# config-graph interpreter with taps
# --------------------------------------------------------------------------------------------

def _is_ref(x, names):
    return (isinstance(x, list) and len(x) == 3 and isinstance(x[0], str) and x[0] in names
            and isinstance(x[1], int) and isinstance(x[2], int))


def _decode(x, values, names):
    """Replaces tensor references [layer, node, tensor] by values; JSON slice/ellipsis to Python."""
    if _is_ref(x, names):
        return values[tuple(x)]
    if isinstance(x, dict):
        if x.get("class_name") == "__ellipsis__" and len(x) == 1:
            return Ellipsis
        if set(x) == {"start", "stop", "step"}:
            return slice(x["start"], x["stop"], x["step"])
        return {k: _decode(v, values, names) for k, v in x.items()}
    if isinstance(x, list):
        return [_decode(v, values, names) for v in x]
    return x


def _refs_in(x, names):
    if _is_ref(x, names):
        yield tuple(x)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _refs_in(v, names)
    elif isinstance(x, list):
        for v in x:
            yield from _refs_in(v, names)


class Interpreter:
    def __init__(self, tf, keras):
        self.tf, self.keras = tf, keras
        self.taps = OrderedDict()
        self.checks = []

    def tap(self, name, value):
        import numpy as np
        assert name not in self.taps, f"duplicate tap {name}"
        self.taps[name] = np.asarray(value, dtype=np.float32)

    def run(self, conf, owner, inputs, prefix="", skipped=None):
        """conf: a Functional's `config` dict; owner: the rebuilt keras Model holding its layers;
        inputs: list of tensors for conf['input_layers']. Returns list of output tensors."""
        tf = self.tf
        skipped = skipped or {}
        all_layers = list(conf["layers"]) + list(skipped.values())
        by_name = {l["name"]: l for l in all_layers}
        names = set(by_name)
        values = {}
        for ref, x in zip(conf["input_layers"], inputs):
            values[tuple(ref)] = x
        pending = []
        for layer in all_layers:
            if layer["class_name"] == "InputLayer":
                continue
            offset = 1 if layer["class_name"] in FUNCTIONAL_CLASSES else 0
            n_calls = len(layer["inbound_nodes"])
            for i, node in enumerate(layer["inbound_nodes"]):
                pending.append((layer, i, offset, n_calls, node))
        while pending:
            progressed = False
            rest = []
            for item in pending:
                layer, i, offset, n_calls, node = item
                if not all(r in values for r in _refs_in(node, names)):
                    rest.append(item)
                    continue
                progressed = True
                path = prefix + layer["name"] + (f"@{i + 1}" if n_calls > 1 else "")
                outs = self.call(layer, owner, node, values, names, path, skipped)
                for t, out in enumerate(outs):
                    values[(layer["name"], i + offset, t)] = out
            if not progressed:
                raise RuntimeError(f"unresolvable nodes: {[p[0]['name'] for p in rest]}")
            pending = rest
        return [values[tuple(r)] for r in conf["output_layers"]]

    def call(self, layer, owner, node, values, names, path, skipped):
        import numpy as np
        tf, keras = self.tf, self.keras
        if node and isinstance(node[0], str):  # single-input node serialized without a wrapper list
            node = [node]
        args, kwargs = [], {}
        for entry in node:
            if entry[0] == "_CONSTANT_VALUE":
                args.append(entry[2])
            else:
                args.append(values[tuple(entry[:3])])
            if len(entry) == 4:
                kwargs.update(_decode(entry[3], values, names))
        cls = layer["class_name"]

        if layer["name"] in skipped:
            if cls == "DistributionLambda":
                raw = np.asarray(args[0], dtype=np.float64)
                dist = np.stack([raw[:, 0], 1.0 + softplus(raw[:, 1])], axis=-1)
                self.tap(path, dist)
                return [tf.constant(dist, dtype=tf.float32)]
            raise NotImplementedError(cls)

        obj = owner.get_layer(layer["name"])
        if cls in FUNCTIONAL_CLASSES:
            outs = self.run(layer["config"], obj, args, prefix=path + "/")
            return outs

        if cls in ("Conv1D", "Dense"):
            act = obj.activation
            obj.activation = keras.activations.linear
            try:
                pre = obj(*args, **kwargs)
            finally:
                obj.activation = act
            out = obj(*args, **kwargs)
            ref = act(pre)
            diff = float(tf.reduce_max(tf.abs(out - ref)))
            self.checks.append((path, diff))
            self.tap(path + ".preact", pre)
            self.tap(path, out)
            return [out]

        if len(args) > 1 and cls not in ("TFOpLambda", "SlicingOpLambda"):
            out = obj(args, **kwargs)  # merge layers take a list
        else:
            out = obj(*args, **kwargs)
        outs = out if isinstance(out, (list, tuple)) else [out]
        if len(outs) == 1:
            self.tap(path, outs[0])
        else:
            for t, o in enumerate(outs):
                self.tap(f"{path}:{t}", o)
        return list(outs)


def forward_with_taps(tf, keras, model, cfg, skipped, x):
    """Runs the interpreter, checks it against the Keras model itself, returns (taps, outputs)."""
    import numpy as np
    interp = Interpreter(tf, keras)
    conf = strip_layers(cfg)[0]["config"]
    xt = tf.constant(x)
    # skipped layers are interpreted too (so they get taps); outputs come from the stripped config
    outs = interp.run(conf, model, [xt], skipped=skipped)
    out = np.asarray(outs[0], dtype=np.float32)
    # checks
    worst_act = max((d for _, d in interp.checks), default=0.0)
    ref_call = np.asarray(model(xt, training=False))
    ref_pred = model.predict(x, batch_size=len(x), verbose=0)
    scale = max(1.0, float(np.max(np.abs(ref_call))))
    d_call = float(np.max(np.abs(out - ref_call)))
    d_pred = float(np.max(np.abs(out - ref_pred)))
    print(f"    conv/dense post == act(preact): max |diff| {worst_act:.3g}")
    print(f"    interpreter vs model(x): max |diff| {d_call:.3g};  vs model.predict: {d_pred:.3g}"
          f"  (output scale {scale:.4g})")
    assert worst_act == 0.0 or worst_act < 1e-6 * max(1.0, max(float(np.max(np.abs(v))) for v in interp.taps.values())), \
        "activation(preact) mismatch"
    assert d_call <= 1e-5 * scale and d_pred <= 1e-4 * scale, "interpreter disagrees with Keras"
    return interp.taps, out


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------

def _dataset(f, name, data):
    import numpy as np
    data = np.ascontiguousarray(data, dtype=np.float32)
    if data.size >= 4096:
        f.create_dataset(name, data=data, compression="gzip", compression_opts=6, shuffle=True)
    else:
        f.create_dataset(name, data=data)


def _str_attr(f, key, value):
    import h5py
    if isinstance(value, (list, tuple)):
        f.attrs.create(key, list(value), dtype=h5py.string_dtype("utf-8"))
    else:
        f.attrs.create(key, value, dtype=h5py.string_dtype("utf-8"))


def source_attrs(f, weights_path, extra=""):
    v = versions()
    digest = sha256(weights_path)
    base = os.path.basename(weights_path)
    _str_attr(f, "source",
              f"weights {base} sha256 {digest}; tensorflow {v['tensorflow']}, tf_keras {v['tf_keras']}, "
              f"numpy {v['numpy']}; written by tools/golden/make_golden.py{extra}")
    _str_attr(f, "weights_file", base)
    _str_attr(f, "weights_sha256", digest)
    _str_attr(f, "tensorflow_version", v["tensorflow"])
    _str_attr(f, "keras_version", v["tf_keras"])


def write_golden(path, weights_path, inputs, labels, taps, outputs, hr=False):
    import h5py
    import numpy as np
    with h5py.File(path, "w") as f:
        source_attrs(f, weights_path)
        _str_attr(f, "case_labels", labels)
        _str_attr(f, "tap_names", list(taps))
        _dataset(f, "inputs", inputs)
        for name, value in taps.items():
            _dataset(f, "taps/" + name, value)
        _dataset(f, "outputs", outputs)
        if hr:
            _dataset(f, "hr_mean", outputs[:, 0])
            _dataset(f, "hr_std", (1.0 + softplus(outputs[:, 1])).astype(np.float32))


def golden_for(tf, keras, weights_path, X, out_path, hr=False):
    import numpy as np
    model, cfg, skipped = build_model(weights_path, keras)
    channels = model.input_shape[-1]
    x, labels = golden_inputs(X, channels)
    taps, out = forward_with_taps(tf, keras, model, cfg, skipped, x)
    write_golden(out_path, weights_path, x, labels, taps, out, hr=hr)
    print(f"    wrote {os.path.relpath(out_path, REPO)}: {len(taps)} taps, "
          f"{os.path.getsize(out_path) / 1e6:.3f} MB")
    return model, x, labels, taps, out


# --------------------------------------------------------------------------------------------
# variant models (seeded random weights, saved as full Keras 2 h5 models)
# --------------------------------------------------------------------------------------------

VARIANT_CONV_SCALE = 3.0  # He-uniform-like fan-in scaling x1.5: keeps signal alive through ReLU + pooling
VARIANT_MHA_SCALE = 3.0  # attention logits O(1..10): a mix of soft and peaked rows


def _init(keras, seed, kind, scale=None):
    if kind == "kernel":
        return keras.initializers.VarianceScaling(scale=scale or 1.0, mode="fan_in",
                                                  distribution="uniform", seed=seed)
    if kind == "bias":
        return keras.initializers.RandomNormal(stddev=0.1, seed=seed)
    if kind == "gamma":
        return keras.initializers.RandomNormal(mean=1.0, stddev=0.2, seed=seed)
    if kind == "beta":
        return keras.initializers.RandomNormal(stddev=0.2, seed=seed)
    raise ValueError(kind)


def _conv(keras, seed, filters, kernel_size, **kw):
    use_bias = kw.pop("use_bias", True)
    kw.setdefault("activation", "relu")
    return keras.layers.Conv1D(filters, kernel_size, use_bias=use_bias,
                               kernel_initializer=_init(keras, seed, "kernel", VARIANT_CONV_SCALE),
                               bias_initializer=_init(keras, seed + 1000, "bias"), **kw)


def _dense(keras, seed, units, **kw):
    return keras.layers.Dense(units, kernel_initializer=_init(keras, seed, "kernel", 2.0),
                              bias_initializer=_init(keras, seed + 1000, "bias"), **kw)


def build_variant_pair(keras):
    """KID-PPG-like pair model with hyper-parameters that differ from KID-PPG everywhere."""
    keras.backend.clear_session()
    L = keras.layers

    def block(shape, convs, pool, dropout_training_kwarg, seed):
        i = keras.Input(shape=shape)
        m = i
        for j, (filters, k, d, padding) in enumerate(convs):
            m = _conv(keras, seed + j, filters, k, dilation_rate=d, padding=padding)(m)
        m = L.AveragePooling1D(**pool)(m)
        if dropout_training_kwarg:
            m = L.Dropout(0.5)(m, training=False)
        else:
            m = L.Dropout(0.3)(m)
        return keras.Model(i, m)

    inp = keras.Input(shape=(256, 2))
    prev = inp[..., :1]
    cur = inp[..., 1:]
    # block 1: 'same' convs (odd dilated kernel; even kernel -> asymmetric padding), pool 2 -> 128
    b1 = block((256, 1), [(8, 3, 3, "same"), (8, 4, 1, "same"), (8, 3, 3, "same")],
               dict(pool_size=2), True, 10)
    # block 2: causal, pool 3 with padding 'same' (128 -> 43, partial last window)
    b2 = block((128, 8), [(12, 3, 3, "causal"), (12, 5, 2, "causal")],
               dict(pool_size=3, padding="same"), False, 20)
    # block 3: causal, pool 2 valid on odd length (43 -> 21, last step dropped)
    b3 = block((43, 12), [(16, 3, 3, "causal"), (16, 2, 1, "causal"), (16, 3, 1, "causal")],
               dict(pool_size=2), True, 30)
    p = b3(b2(b1(prev)))
    c = b3(b2(b1(cur)))
    mha = L.MultiHeadAttention(num_heads=2, key_dim=8,
                               kernel_initializer=_init(keras, 40, "kernel", VARIANT_MHA_SCALE),
                               bias_initializer=_init(keras, 41, "bias"))
    m = mha(query=c, value=p)
    m = m + c
    m = L.LayerNormalization(epsilon=1e-5, gamma_initializer=_init(keras, 42, "gamma"),
                             beta_initializer=_init(keras, 43, "beta"))(m)
    m = L.Flatten()(m)
    m = _dense(keras, 44, 24, activation="relu")(m)
    m = L.Dropout(0.125)(m)
    m = _dense(keras, 45, 2)(m)
    model = keras.Model(inp, m)
    # Scale the first conv so block outputs stay O(1..10) on std-30 input: keeps the attention
    # softmax soft (a saturated one-hot softmax would hide softmax errors).
    first = b1.layers[1]
    first.kernel.assign(first.kernel / 30.0)
    return model


def build_variant_single(keras):
    """Single-input model: valid/strided/bias-free/linear convs, MHA with value_dim != key_dim and
    no biases, self-attention, LayerNormalization without beta; third block at top level."""
    keras.backend.clear_session()
    L = keras.layers

    inp = keras.Input(shape=(256, 1))
    # sub-model 1: valid conv, strided valid conv, pool 2 (256 -> 252 -> 125 -> 62)
    i1 = keras.Input(shape=(256, 1))
    m = _conv(keras, 100, 6, 5, padding="valid")(i1)
    m = _conv(keras, 101, 6, 3, strides=2, padding="valid")(m)
    m = L.AveragePooling1D(pool_size=2)(m)
    m = L.Dropout(0.2)(m)
    b1 = keras.Model(i1, m)
    # sub-model 2: causal dilated conv without bias, linear 'same' conv, pool 3 stride 2 (62 -> 30)
    i2 = keras.Input(shape=(62, 6))
    m = _conv(keras, 110, 10, 3, dilation_rate=2, padding="causal", use_bias=False)(i2)
    m = _conv(keras, 111, 10, 3, padding="same", activation="linear")(m)
    m = L.AveragePooling1D(pool_size=3, strides=2)(m)
    m = L.Dropout(0.2)(m)
    b2 = keras.Model(i2, m)

    m = b2(b1(inp))
    # top-level block: strided 'same' conv with even kernel (30 -> 15), pool 2 'same' (15 -> 8)
    m = _conv(keras, 120, 12, 4, strides=2, padding="same")(m)
    m = L.AveragePooling1D(pool_size=2, padding="same")(m)
    m = L.Dropout(0.2)(m)
    mha = L.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=5, use_bias=False,
                               kernel_initializer=_init(keras, 130, "kernel", VARIANT_MHA_SCALE))
    m = mha(m, m)
    m = L.LayerNormalization(epsilon=0.01, center=False,
                             gamma_initializer=_init(keras, 131, "gamma"))(m)
    m = L.Flatten()(m)
    m = _dense(keras, 132, 16, activation="relu")(m)
    m = _dense(keras, 133, 1)(m)
    model = keras.Model(inp, m)
    first = b1.layers[1]
    first.kernel.assign(first.kernel / 30.0)
    return model


def attention_softness(tf, keras, model, x):
    """Max attention probability statistics of the model's (single) MHA layer, for the log."""
    import numpy as np
    mha = [l for l in model.layers if isinstance(l, keras.layers.MultiHeadAttention)][0]
    node = mha._inbound_nodes[0]
    q_t = node.call_args[0]
    v_t = node.call_kwargs.get("value", node.call_args[1] if len(node.call_args) > 1 else None)
    sub = keras.Model(model.inputs, [q_t, v_t])
    q, v = sub(tf.constant(x))
    _, scores = mha(q, v, return_attention_scores=True)
    pmax = np.asarray(scores).max(axis=-1)
    return float(pmax.min()), float(np.median(pmax)), float(pmax.max())


def ensure_variant(tf, keras, path, builder, rebuild, X):
    if os.path.exists(path) and not rebuild:
        print(f"  using existing {os.path.relpath(path, REPO)} (pass --rebuild-variants to rebuild)")
        return
    model = builder(keras)
    x, _ = golden_inputs(X, model.input_shape[-1])
    lo, med, hi = attention_softness(tf, keras, model, x)
    print(f"  built {model.name}: {model.count_params()} params; attention max-prob "
          f"min/median/max {lo:.3f}/{med:.3f}/{hi:.3f}")
    model.save(path, save_format="h5")
    print(f"  saved {os.path.relpath(path, REPO)} ({os.path.getsize(path) / 1e3:.1f} kB)")


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kidppg", default=os.path.join(REPO, "models", "kid_ppg_weights.h5"),
                    help="KID-PPG weights (kid-ppg 0.0.4 kid_ppg_weights.h5)")
    ap.add_argument("--s5", default=os.path.join(REPO, "models", "relu_dc_model_S5.h5"),
                    help="S5 attention model (relu_dc_model_S5.h5)")
    ap.add_argument("--pickle", default=os.path.join(REPO, "data", "PPGDalia_S6_stairs.pkl"),
                    help="S6 stairs recording: KID-PPG demo pickle (dict X [215,4,256], y [215,1]) "
                         "or an .h5 with datasets X and y")
    ap.add_argument("--out", default=FIXTURES, help="fixture folder")
    ap.add_argument("--threads", type=int, default=1, help="TF intra-op threads")
    ap.add_argument("--rebuild-variants", action="store_true",
                    help="rebuild variant_pair.h5 / variant_single.h5 even if present")
    ap.add_argument("--only", default="kidppg,s5,variants,s6",
                    help="comma list of: kidppg, s5, variants, s6")
    ap.add_argument("--real-n", default=",".join(map(str, REAL_N)),
                    help="S6 window indices n of the real golden cases (pairs [X(n-1), X(n)])")
    args = ap.parse_args()
    REAL_N[:] = list(int(v) for v in args.real_n.split(","))
    i57 = REAL_N.index(57) if 57 in REAL_N else None
    isyn = len(REAL_N)
    only = set(args.only.split(","))

    tf, keras = setup_tf(args.threads)
    import numpy as np
    print("versions:", versions())
    os.makedirs(args.out, exist_ok=True)
    X, y = load_recording(args.pickle)
    print(f"recording {args.pickle}: X {X.shape}, y {y.shape}")
    ok = True

    def spot(tag, label, got):
        nonlocal ok
        want = SPOT[tag][label]
        good = all(abs(g - w) <= SPOT_TOL for g, w in zip(got, want))
        info = "filtered" in label
        if not info:
            ok &= good
        print(f"    spot {tag} {label}: " + " / ".join(f"{g:.4f}" for g in got) +
              "   (reference: " + " / ".join(f"{w:.4f}" for w in want) + ")  " + ("OK" if good else ("differs, expected: raw input" if info else "MISMATCH")))

    if "kidppg" in only:
        print("KID-PPG golden")
        _, _, _, taps, out = golden_for(tf, keras, args.kidppg, X,
                                        os.path.join(args.out, "golden_kidppg.h5"), hr=True)
        std = 1.0 + softplus(out[:, 1])
        spot("kidppg", "synthetic", (out[isyn, 0], std[isyn]))
        if i57 is not None:
            spot("kidppg", "S6 pair n=57 (reference: SGD-filtered)", (out[i57, 0], std[i57]))
    if "s5" in only:
        print("S5 golden")
        _, _, _, taps, out = golden_for(tf, keras, args.s5, X, os.path.join(args.out, "golden_s5.h5"))
        spot("s5", "synthetic", (out[isyn, 0],))
        if i57 is not None:
            spot("s5", "S6 window n=57 (reference: SGD-filtered)", (out[i57, 0],))
    if "variants" in only:
        print("variants")
        for name, builder in (("variant_pair", build_variant_pair), ("variant_single", build_variant_single)):
            vpath = os.path.join(args.out, name + ".h5")
            ensure_variant(tf, keras, vpath, builder, args.rebuild_variants, X)
            # cross-check: Keras' own loader agrees with the config rebuild
            keras.backend.clear_session()
            loaded = keras.models.load_model(vpath, compile=False)
            model, _, _, _, out = golden_for(tf, keras, vpath, X, os.path.join(args.out, f"golden_{name}.h5"))
            xin, _ = golden_inputs(X, model.input_shape[-1])
            d = float(np.max(np.abs(loaded.predict(xin, batch_size=len(xin), verbose=0) - out)))
            print(f"    load_model vs config rebuild: max |diff| {d:.3g}; outputs[:, 0] = "
                  + ", ".join(f"{v:.4f}" for v in out[:, 0]))
    if "s6" in only:
        print("S6 all windows")
        model, _, _ = build_model(args.kidppg, keras)
        ppg = X[:, 0, :]
        pairs = np.stack([ppg[:-1], ppg[1:]], axis=-1).astype(np.float32)
        out = model.predict(pairs, batch_size=len(pairs), verbose=0).astype(np.float32)
        std = (1.0 + softplus(out[:, 1])).astype(np.float32)
        ref = y[1:]
        mae = float(np.mean(np.abs(out[:, 0] - ref)))
        p = os.path.join(args.out, "kidppg_s6_pairs.h5")
        import h5py
        with h5py.File(p, "w") as f:
            source_attrs(f, args.kidppg)
            _str_attr(f, "description",
                      "KID-PPG on all raw (unfiltered) S6 stairs PPG pairs [X(n-1)[0], X(n)[0]], "
                      "n = 1..214, stacked on the last axis; model.predict with batch_size 214")
            _str_attr(f, "recording", os.path.basename(args.pickle))
            f.attrs["mae_bpm"] = mae
            _dataset(f, "outputs", out)
            _dataset(f, "hr_mean", out[:, 0])
            _dataset(f, "hr_std", std)
            _dataset(f, "reference_bpm", ref.astype(np.float32))
        print(f"    KID-PPG raw pairs: MAE {mae:.4f} BPM (reference: 6.424); pair n=57 -> "
              f"{out[56, 0]:.4f} / {std[56]:.4f}; wrote {os.path.basename(p)} "
              f"{os.path.getsize(p) / 1e3:.1f} kB")
        ok &= abs(mae - 6.424) < 5e-3

        model, _, _ = build_model(args.s5, keras)
        win = ppg[:, :, None].astype(np.float32)
        out = model.predict(win, batch_size=len(win), verbose=0).astype(np.float32)
        mae = float(np.mean(np.abs(out[:, 0] - y)))
        p = os.path.join(args.out, "s5_s6_windows.h5")
        with h5py.File(p, "w") as f:
            source_attrs(f, args.s5)
            _str_attr(f, "description",
                      "S5 model on all raw (unfiltered) S6 stairs PPG windows X(n)[0], n = 0..214; "
                      "model.predict with batch_size 215")
            _str_attr(f, "recording", os.path.basename(args.pickle))
            f.attrs["mae_bpm"] = mae
            _dataset(f, "outputs", out)
            _dataset(f, "reference_bpm", y.astype(np.float32))
        print(f"    S5 raw windows: MAE {mae:.4f} BPM; window 57 -> {out[57, 0]:.4f}; wrote "
              f"{os.path.basename(p)} {os.path.getsize(p) / 1e3:.1f} kB")

    print("fixtures:")
    for name in sorted(os.listdir(args.out)):
        print(f"  {name:28s} {os.path.getsize(os.path.join(args.out, name)) / 1e6:8.3f} MB")
    print("ALL CHECKS OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
