"""Writes hand-broken Keras model files for the loader's error tests (h5py only, no Keras).

Each starts from Tests/PPGNetworkTests/Fixtures/variant_single.h5 (written by make_golden.py) and
breaks one thing:
  bad_unsupported_layer.h5  a Conv1D in model_config renamed to the class "ConvLSTM1D"
  bad_weight_shape.h5       one conv kernel stored with the wrong shape
  bad_missing_weight.h5     one bias dataset deleted (still listed in weight_names)
Run from the repository root:  python3 tools/golden/make_bad_models.py
"""
import json
import shutil

import h5py
import numpy as np

FIX = "Tests/PPGNetworkTests/Fixtures/"
SRC = FIX + "variant_single.h5"


def first_conv(config):
    for layer in config["config"]["layers"]:
        if layer["class_name"] in ("Functional", "Model"):
            for inner in layer["config"]["layers"]:
                if inner["class_name"] == "Conv1D":
                    return layer["config"]["name"], inner
    raise SystemExit("no Conv1D found")


def copy(name):
    shutil.copyfile(SRC, FIX + name)
    return h5py.File(FIX + name, "r+")


with copy("bad_unsupported_layer.h5") as f:
    config = json.loads(f.attrs["model_config"])
    _, conv = first_conv(config)
    conv["class_name"] = "ConvLSTM1D"
    f.attrs["model_config"] = json.dumps(config)

with copy("bad_weight_shape.h5") as f:
    config = json.loads(f.attrs["model_config"])
    sub, conv = first_conv(config)
    path = f"model_weights/{sub}/{conv['config']['name']}/kernel:0"
    shape = f[path].shape
    del f[path]
    f[path] = np.zeros((shape[0] + 1,) + shape[1:], dtype=np.float32)
    print("bad_weight_shape:", path, shape, "->", f[path].shape)

with copy("bad_missing_weight.h5") as f:
    config = json.loads(f.attrs["model_config"])
    sub, conv = first_conv(config)
    group = f[f"model_weights/{sub}/{conv['config']['name']}"]
    victim = [k for k in group.keys()][0]
    print("bad_missing_weight: deleting", group.name + "/" + victim)
    del group[victim]
