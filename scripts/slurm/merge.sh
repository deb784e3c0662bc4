#!/usr/bin/env bash
# The merge step after a job array of scripts/slurm/batch-array.sh: joins OUT/shard-* into
# OUT/cohort (cohort.json, spectra.h5, index.html, recordings/), exactly what one unsharded
# `ppgscope batch` writes. Submitted by scripts/slurm/submit with --dependency=afterok on the array.
#SBATCH --job-name=ppgscope-merge
#SBATCH --cpus-per-task=1
set -euo pipefail
out="$1"
shopt -s nullglob
shards=("$out"/shard-*)
[ ${#shards[@]} -gt 0 ] || { echo "merge.sh: no shard directories in $out" >&2; exit 1; }
exec "${PPGSCOPE:-ppgscope}" merge --out "$out/cohort" "${shards[@]}"
