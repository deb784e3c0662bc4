#!/usr/bin/env python3
"""Combines `ppgscope bench --json`, tools/bench/peers.py's JSON and (optionally) the summary.json of
`ppgscope paper dc-training` into one JSON file and prints a Markdown table of ratios
(peer median / ppgscope median: > 1 means ppgscope is faster). Standard library only.

Used by scripts/bench-peers; see tools/bench/README.md.
"""

import argparse
import json
import statistics
import sys

# (ppgscope bench figure name, peer figure id, row label). Names are those of
# Sources/ppgscope/BenchCommand.swift; a missing name is matched by its prefix before " (".
# "shared rows": consecutive windows' shared conv rows computed once (exact; see OverlapReuse.swift);
# "every row": each window computed in full, as the peers do.
ROWS = [
    ("KID-PPG batched, shared branches and rows (ms per pair)", "litert.kidppg.batched.t2",
     "KID-PPG batched, ms per pair — vs LiteRT batched, 2 threads"),
    ("KID-PPG batched, shared branches, every row (ms per pair)", "litert.kidppg.batched.t2",
     "KID-PPG batched, every conv row computed, ms per pair — vs LiteRT batched, 2 threads"),
    ("KID-PPG streaming: one new window, previous window cached (ms)", "litert.kidppg.one.t2",
     "KID-PPG streaming, one new window (ms) — vs LiteRT one pair per invoke, 2 threads"),
    ("KID-PPG streaming, every row: previous features cached (ms)", "litert.kidppg.one.t2",
     "KID-PPG streaming, every conv row computed (ms) — vs LiteRT one pair per invoke, 2 threads"),
    ("KID-PPG one pair per call (ms)", "litert.kidppg.one.t2",
     "KID-PPG one pair per call (ms) — vs LiteRT one pair per invoke, 2 threads"),
    ("S5 batched, shared rows (ms per window)", "litert.s5.batched.t2",
     "S5 batched, ms per window — vs LiteRT batched, 2 threads"),
    ("S5 batched, every row (ms per window)", "litert.s5.batched.t2",
     "S5 batched, every conv row computed, ms per window — vs LiteRT batched, 2 threads"),
    ("S5 one window per call (ms)", "litert.s5.one.t2",
     "S5 one window per call (ms) — vs LiteRT one window per invoke, 2 threads"),
    ("KID-PPG batched, shared branches and rows (ms per pair)", "keras.kidppg.predict",
     "KID-PPG batched, ms per pair — vs Keras model.predict"),
    ("S5 batched, shared rows (ms per window)", "keras.s5.predict",
     "S5 batched, ms per window — vs Keras model.predict"),
    ("KID-PPG batched, shared branches and rows (ms per pair)", "ort.kidppg.batched.t2",
     "KID-PPG batched, ms per pair — vs ONNX Runtime batched, 2 threads"),
    ("S5 batched, shared rows (ms per window)", "ort.s5.batched.t2",
     "S5 batched, ms per window — vs ONNX Runtime batched, 2 threads"),
    # Whole processes (both sides timed by peers.py with --ppgscope, alternating).
    ("peer:ppgscope.kidppg.process", "litert.kidppg.process.t2",
     "KID-PPG on S6, whole process per pair: `ppgscope hr --filter none` — vs LiteRT in a Python process"),
    ("peer:ppgscope.kidppg.process", "litert.kidppg.batched.t2",
     "KID-PPG on S6, whole process per pair: `ppgscope hr --filter none` — vs LiteRT batched invoke alone (in-process)"),
]


def find_ppgscope(figs, name):
    for f in figs:
        if f["name"] == name:
            return f
    prefix = name.split(" (")[0].lower()
    for f in figs:
        if f["name"].lower().startswith(prefix):
            return f
    return None


def cell(f, digits=4):
    fmt = f"{{:.{digits}f}}"
    return f"{fmt.format(f['medianMs'])} ({fmt.format(f['minMs'])}–{fmt.format(f['maxMs'])})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ppgscope", required=True, help="output of ppgscope bench --json")
    ap.add_argument("--peers", required=True, help="output of tools/bench/peers.py")
    ap.add_argument("--dc-training", default=None, help="summary.json of ppgscope paper dc-training")
    ap.add_argument("--meta", default=None, help="JSON object with the run's commands etc.")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    with open(args.ppgscope) as f:
        ours = json.load(f)
    with open(args.peers) as f:
        peers = json.load(f)
    dc = None
    if args.dc_training:
        with open(args.dc_training) as f:
            dc = json.load(f)
    meta = {}
    if args.meta:
        with open(args.meta) as f:
            meta = json.load(f)

    by_id = {f["id"]: f for f in peers["figures"]}
    rows, table = [], []
    for ours_name, peer_id, label in ROWS:
        o = by_id.get(ours_name[5:]) if ours_name.startswith("peer:") else find_ppgscope(ours, ours_name)
        p = by_id.get(peer_id)
        if p is None:
            continue  # peer not measured (e.g. ONNX Runtime skipped, other --threads)
        if o is None:
            if not ours_name.startswith("peer:"):
                print(f"bench-peers: ppgscope bench has no figure '{ours_name}'", file=sys.stderr)
            continue
        ratio = p["medianMs"] / o["medianMs"]
        rows.append({"figure": label, "ppgscope": o, "peer": p, "ratio": ratio})
        table.append(f"| {label} | {cell(o)} | {cell(p)} | {ratio:.2f}× |")

    training = peers.get("training")
    if training and dc:
        keras_rep = training["secondsPerRepetition"]
        reps = dc.get("repetitionSeconds") or []
        wall = dc.get("wallSeconds")
        cfg = dc.get("configuration", {})
        n = len(reps)
        ep = cfg.get("epochs")
        note = "" if ep == training["epochs"] else f" (ppgscope {ep} epochs, Keras {training['epochs']}: not comparable)"
        keras_fits = ", ".join(f"{f['model']} {f['seconds']:.2f}" for f in training["fits"])
        kcell = f"{keras_rep:.2f} (fits: {keras_fits})"
        if reps:
            one = {"medianMs": statistics.median(reps) * 1e3, "minMs": min(reps) * 1e3, "maxMs": max(reps) * 1e3}
            r = keras_rep / statistics.median(reps)
            label = (f"Section V-C training, s per repetition (3 models × {training['epochs']} epochs) — "
                     f"ppgscope one repetition per worker ({dc.get('workers')} workers, {n} repetitions) vs Keras{note}")
            rows.append({"figure": label, "ppgscopeSeconds": [x for x in reps], "kerasSeconds": keras_rep, "ratio": r})
            table.append(f"| {label} | {one['medianMs'] / 1e3:.2f} ({one['minMs'] / 1e3:.2f}–{one['maxMs'] / 1e3:.2f}) "
                         f"| {kcell} | {r:.2f}× |")
        if wall and n:
            thr = wall / n
            r = keras_rep / thr
            label = (f"Section V-C training, s per repetition — ppgscope throughput (wall / {n} repetitions, "
                     f"{dc.get('workers')} workers) vs Keras{note}")
            rows.append({"figure": label, "ppgscopeSeconds": thr, "kerasSeconds": keras_rep, "ratio": r})
            table.append(f"| {label} | {thr:.2f} | {kcell} | {r:.2f}× |")

    combined = {"meta": meta, "rows": rows, "ppgscope": ours, "peers": peers, "ppgscopeDCTraining": dc}
    with open(args.out, "w") as f:
        json.dump(combined, f, indent=1)
        f.write("\n")

    pm = peers["meta"]
    lit = pm.get("litert", {})
    print(f"Measured {meta.get('date', '')} in one run on {pm.get('cpus')} cores; "
          + (f"LiteRT {lit['module']} {lit['version']} (XNNPACK, float32, static batch), " if lit else "")
          + f"tensorflow {pm['versions'].get('tensorflow')}, tf-keras {pm['versions'].get('tf_keras')}"
          + (f", ONNX Runtime {pm['onnxruntime']['version']} (tf2onnx {pm['onnxruntime']['tf2onnx']})"
             if "onnxruntime" in pm else "") + ".")
    if meta:
        print(f"ppgscope commit {meta.get('commit', '?')}; load average (1, 5, 15 min) {meta.get('loadAverageBefore', '?')} "
              f"before, {meta.get('loadAverageAfter', '?')} after (other jobs on the machine skew both sides).")
    print("Times in ms unless marked s: median (min–max) of repeated runs. Ratio = peer median / ppgscope median.")
    print()
    print("| figure | ppgscope | peer | ratio peer/ppgscope |")
    print("|---|---|---|---|")
    for line in table:
        print(line)
    notes = list(peers.get("notes", []))
    if training and not dc:
        notes.append(f"Keras Section V-C training: {training['secondsPerRepetition']:.2f} s per repetition "
                     f"({training['epochs']} epochs); no ppgscope `paper dc-training` timing in this run")
    if notes:
        print()
        for n in notes:
            print(f"- {n}")
    if peers.get("agreement"):
        print()
        print(f"Agreement with Keras (max |diff| / max |Keras|): "
              + ", ".join(f"{k} {v['maxRelDiff']:.1e}" for k, v in peers["agreement"].items()))


if __name__ == "__main__":
    main()
