#!/usr/bin/env bash
# One task of a Slurm job array running `ppgscope batch` over a cohort: task K of N processes
# shard K/N (chosen by a hash of each recording's name) into OUT/shard-K. Submit with
# scripts/slurm/submit, or by hand:
#   sbatch --array=0-3 scripts/slurm/batch-array.sh OUT --model M --manifest cohort.csv [batch options]
# `--resume` is always passed, so a requeued or resubmitted task continues where it stopped.
# PPGSCOPE names the binary (default: ppgscope on PATH).
#SBATCH --job-name=ppgscope-batch
#SBATCH --cpus-per-task=2
set -euo pipefail
out="$1"; shift
: "${SLURM_ARRAY_TASK_ID:?run as a Slurm job array (sbatch --array=0-N)}"
index=$(( SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0} ))
count="${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is not set}"
mkdir -p "$out"
exec "${PPGSCOPE:-ppgscope}" batch "$@" --shard "$index/$count" --out "$out/shard-$index" --resume
