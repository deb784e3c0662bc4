#!/usr/bin/env python3
"""Rebuilds the hand-made regression fixtures in this directory (the others are fuzzer findings,
kept as found). Needs h5py and numpy, and a ppgscope binary to write the small recording.

    tools/fuzz/regressions/make_fixtures.py .build/debug/ppgscope

- hang_global_heap.h5: a 2 s recording written by `ppgscope synth` whose first global-heap object
  header (the vlen strings of the root attributes) is zeroed: index 0, size 0. HDF5 1.10.8's
  H5HG__cache_heap_deserialize then steps by 0 bytes for ever inside H5Aread.
- segv_global_heap_size.h5: the same recording with that object's size set to 2^40: H5HG_read
  copies far past the heap (SIGSEGV inside H5Aread).
- huge_dataset_claim.h5: a recording whose one channel claims 2^40 samples in a few kB.
- nan_conv_kernel.h5: the committed test model variant_single.h5 with one NaN in the kernel of
  conv1d_4 (the ReLU after it would hide the NaN in the outputs).
"""
import os, shutil, struct, subprocess, sys, tempfile
import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
ppgscope = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build/debug/ppgscope")

with tempfile.TemporaryDirectory() as work:
    recording = os.path.join(work, "tiny.h5")
    subprocess.run([ppgscope, "synth", "--duration", "2", "--hr", "70", "--out", recording], check=True, stdout=subprocess.DEVNULL)
    data = open(recording, "rb").read()
    heap = data.find(b"GCOL")            # global heap collection: signature, version, 3 reserved, size (8)
    first_object = heap + 16             # object header: index (2), refs (2), reserved (4), size (8)
    assert heap > 0 and struct.unpack_from("<H", data, first_object)[0] == 1
    hang = bytearray(data); hang[first_object:first_object + 16] = bytes(16)
    open(os.path.join(here, "hang_global_heap.h5"), "wb").write(hang)
    segv = bytearray(data); struct.pack_into("<Q", segv, first_object + 8, 2**40)
    open(os.path.join(here, "segv_global_heap_size.h5"), "wb").write(segv)

model = os.path.join(here, "nan_conv_kernel.h5")
shutil.copyfile(os.path.join(root, "Tests/PPGNetworkTests/Fixtures/variant_single.h5"), model)
with h5py.File(model, "r+") as f:
    kernel = f["model_weights/conv1d_4/conv1d_4/kernel:0"]
    values = kernel[...]; values.flat[0] = np.nan; kernel[...] = values

# huge_dataset_claim.h5: a recording whose channel `ppg` claims 2^40 float32 samples (4.4 TB),
# stored contiguously but never written, so the file stays a few kB.
with h5py.File(os.path.join(here, "huge_dataset_claim.h5"), "w") as f:
    f.attrs["format"] = "ppgscope-recording"
    f.attrs["format_version"] = 1.0
    f.attrs["channel_names"] = ["ppg"]
    ppg = f.create_dataset("channels/ppg", shape=(2**40,), dtype="<f4")
    ppg.attrs["sampling_rate_hz"] = 32.0
    ppg.attrs["unit"] = "a.u."
