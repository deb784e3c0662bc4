#!/usr/bin/env python3
"""Mutation fuzzing of every file format ppgscope reads, through the command line.

For each format listed in formats.txt (a seed file and the ppgscope command that reads it), the
harness writes mutated copies of the seed (random bytes overwritten, runs zeroed or set to 0xFF,
huge integers written over 4- or 8-byte fields, truncations; several at once), runs the command on
each with a time limit, and counts as findings:

  crash      a signal, or an exit status other than 0 (success) and 1 (bad input)
  hang       the time limit passed (the process group is killed)
  nonfinite  exit 0, but stdout or a text output holds nan/inf
  leftover   exit 1, but the output directory is not empty (outputs must be all-or-nothing)

Exit 1 with the HDF5 watchdog's message ("the HDF5 library did not finish reading …") is handled
input, counted apart as `guarded`. Cases are reproducible: case k of a format with --seed s always
makes the same file. Each finding's file is kept in --findings with a note of the command and the
result; minimised, it becomes a regression fixture under tools/fuzz/regressions.

    tools/fuzz/fuzz.py --binary .build/release/ppgscope --cases 10000 --jobs 2
    tools/fuzz/fuzz.py --cases 50 --seed 2026                 # the short pass CI runs
    tools/fuzz/fuzz.py --format csv --replay 1234 --keep      # one case again

Exit status: 0 when no finding, 1 when any, 2 on a harness error (e.g. a missing seed).
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NONFINITE = re.compile(rb"(?<![A-Za-z_])(nan|-?inf|-?infinity)(?![A-Za-z_])", re.IGNORECASE)
WATCHDOG = b"the HDF5 library did not finish reading"
TEXT_OUTPUTS = (".csv", ".json", ".txt", ".html", ".svg")


def read_formats(path):
    """formats.txt: `name | seed file | command`, FILE the mutated copy, OUT a fresh directory."""
    formats = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, seed, command = (part.strip() for part in line.split("|", 2))
            formats.append({"name": name, "seed": seed, "command": command.split()})
    return formats


def mutate(data, rng):
    """One to three mutations of `data` (bytes): the kinds of damage files meet in the wild."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        if not data:
            break
        kind = rng.random()
        at = rng.randrange(len(data))
        if kind < 0.35:  # a few random bytes
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind < 0.55:  # a zeroed run
            n = rng.choice((1, 2, 4, 8, 16, 64, 256))
            data[at:at + n] = bytes(min(n, len(data) - at))
        elif kind < 0.65:  # a run of 0xFF
            n = rng.choice((1, 2, 4, 8, 16))
            data[at:at + n] = b"\xff" * min(n, len(data) - at)
        elif kind < 0.80:  # a huge or boundary integer over a size or offset field
            width = rng.choice((2, 4, 8))
            value = rng.choice((0, 1, 2**(8 * width - 1), 2**(8 * width) - 1, 2**40 % 2**(8 * width), rng.randrange(2**(8 * width))))
            data[at:at + width] = value.to_bytes(width, "little")[:len(data) - at]
        elif kind < 0.90:  # a bit flip
            data[at] ^= 1 << rng.randrange(8)
        else:  # truncation
            del data[rng.randrange(len(data)):]
    return bytes(data)


def run_case(fmt, seed_bytes, case, args):
    if args.deadline is not None and time.monotonic() > args.deadline:
        return None, 0.0  # past --max-seconds: not run, not counted
    rng = random.Random(f"{args.seed}:{fmt['name']}:{case}")
    mutated = mutate(seed_bytes, rng)
    work = tempfile.mkdtemp(prefix=f"ppgscope-fuzz-{fmt['name']}-")
    try:
        ext = os.path.splitext(fmt["seed"])[1]
        file = os.path.join(work, "input" + ext)
        out = os.path.join(work, "out")
        os.mkdir(out)
        with open(file, "wb") as f:
            f.write(mutated)
        argv = [args.binary] + [a.replace("FILE", file).replace("OUT", out) for a in fmt["command"]]
        started = time.monotonic()
        env = dict(os.environ, PPGSCOPE_HDF5_TIMEOUT_S=str(args.hdf5_timeout))
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=args.timeout)
            status = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            status = None
        seconds = time.monotonic() - started
        outputs = sorted(os.listdir(out))
        if status is None:
            verdict = "hang"
        elif status not in (0, 1):
            verdict = "crash"
        elif status == 1 and outputs:
            verdict = "leftover"
        elif status == 1:
            verdict = "guarded" if WATCHDOG in stderr else "refused"
        else:
            texts = [stdout]
            for name in outputs:
                p = os.path.join(out, name)
                if os.path.isfile(p) and name.endswith(TEXT_OUTPUTS):
                    with open(p, "rb") as f:
                        texts.append(f.read())
            verdict = "nonfinite" if any(NONFINITE.search(t) for t in texts) else "accepted"
        finding = verdict in ("hang", "crash", "leftover", "nonfinite")
        if finding or args.keep:
            os.makedirs(args.findings, exist_ok=True)
            stem = os.path.join(args.findings, f"{fmt['name']}-{args.seed}-{case}")
            shutil.copyfile(file, stem + ext)
            with open(stem + ".txt", "w") as f:
                f.write(f"verdict: {verdict}\nstatus: {status}\nseconds: {seconds:.2f}\n"
                        f"command: {' '.join(argv)}\noutputs: {outputs}\n"
                        f"stderr (head):\n{stderr[:3000].decode(errors='replace')}\n")
        return verdict, seconds
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="ppgscope binary (default: .build/release/ppgscope, else .build/debug/ppgscope)")
    parser.add_argument("--formats", default=os.path.join(HERE, "formats.txt"))
    parser.add_argument("--format", action="append", help="only this format (repeatable)")
    parser.add_argument("--cases", type=int, default=100, help="cases per format")
    parser.add_argument("--first", type=int, default=0, help="first case number")
    parser.add_argument("--replay", type=int, help="run this one case (with --format)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per case before it counts as a hang")
    parser.add_argument("--hdf5-timeout", type=float, default=3,
                        help="PPGSCOPE_HDF5_TIMEOUT_S for the runs: the HDF5 watchdog's bound (default 10 s) cut to keep guarded hangs cheap")
    parser.add_argument("--max-seconds", type=float, help="stop starting cases after this many seconds (the summary counts the cases run)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--findings", default=os.path.join(ROOT, "out", "fuzz-findings"))
    parser.add_argument("--keep", action="store_true", help="keep every case's file, not only findings")
    parser.add_argument("--json", help="write the summary here as JSON")
    args = parser.parse_args()
    if args.binary is None:
        release = os.path.join(ROOT, ".build/release/ppgscope")
        args.binary = release if os.path.exists(release) else os.path.join(ROOT, ".build/debug/ppgscope")
    args.binary = os.path.abspath(args.binary)
    args.deadline = time.monotonic() + args.max_seconds if args.max_seconds else None
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"fuzz: no ppgscope binary at {args.binary} (build it, or give --binary)")

    formats = [f for f in read_formats(args.formats) if not args.format or f["name"] in args.format]
    if not formats:
        sys.exit(f"fuzz: no format matches {args.format}")
    cases = [args.replay] if args.replay is not None else list(range(args.first, args.first + args.cases))
    summary = {}
    failed = False
    for fmt in formats:
        seed_path = os.path.join(ROOT, fmt["seed"])
        if not os.path.exists(seed_path):
            print(f"fuzz: seed {fmt['seed']} of format {fmt['name']} is missing", file=sys.stderr)
            sys.exit(2)
        with open(seed_path, "rb") as f:
            seed_bytes = f.read()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            results = list(pool.map(lambda k: run_case(fmt, seed_bytes, k, args), cases))
        counts = {v: 0 for v in ("accepted", "refused", "guarded", "crash", "hang", "nonfinite", "leftover")}
        results = [r for r in results if r[0] is not None]
        for verdict, _ in results:
            counts[verdict] += 1
        counts["cases"] = len(results)
        counts["slowest_s"] = round(max((s for _, s in results), default=0), 2)
        counts["wall_s"] = round(time.monotonic() - started, 1)
        summary[fmt["name"]] = counts
        bad = counts["crash"] + counts["hang"] + counts["nonfinite"] + counts["leftover"]
        failed |= bad > 0
        print(f"{fmt['name']:<16} {counts['cases']:>6} cases: {counts['accepted']} accepted, {counts['refused']} refused, "
              f"{counts['guarded']} guarded hangs | {counts['crash']} crashes, {counts['hang']} hangs, "
              f"{counts['nonfinite']} non-finite, {counts['leftover']} leftovers | slowest {counts['slowest_s']} s, "
              f"{counts['wall_s']} s", flush=True)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"seed": args.seed, "first": args.first, "binary": args.binary, "formats": summary}, f, indent=1)
    if failed:
        print(f"fuzz: findings kept in {args.findings}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
