#!/usr/bin/env bash
# Submits a partitioned extraction to Slurm: a job array of N tasks, one
# part each (extract-array.sbatch), and a merge job that starts when every
# task has succeeded (merge.sbatch). Prints the two job ids.
#
#   Pipelines/slurm/submit.sh CORPUS OUT N [extract options...]
#
# CORPUS, OUT and the vadprep binary (VADPREP, default: vadprep on the PATH)
# must be on a filesystem every compute node mounts at the same path.
# Cluster settings come from sbatch's own environment variables
# (SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT, SBATCH_QOS …) and
# from CPUS_PER_TASK (default 1; extract --jobs follows it) and MEM_PER_TASK
# (default 2G). Task logs go to OUT/logs/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage="usage: submit.sh CORPUS OUT N [extract options...]"
corpus="${1:?$usage}" out="${2:?$usage}" parts="${3:?$usage}"
shift 3
[[ "$parts" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: N must be a positive number, not '$parts'" >&2; exit 2; }
vadprep="$(command -v "${VADPREP:-vadprep}")" || { echo "submit.sh: no vadprep binary (set VADPREP)" >&2; exit 2; }
[[ "$vadprep" = /* ]] || vadprep="$PWD/$vadprep"   # the tasks may start elsewhere
corpus="$(cd "$corpus" && pwd)"
mkdir -p "$out/logs"
out="$(cd "$out" && pwd)"
: > "$out/extract-options"
[ $# -eq 0 ] || printf '%s\n' "$@" > "$out/extract-options"

common=(--parsable --export="ALL,VADPREP=$vadprep,CORPUS=$corpus,OUT=$out,PARTS=$parts")
array="$(sbatch "${common[@]}" --array="0-$((parts - 1))" --cpus-per-task="${CPUS_PER_TASK:-1}" \
    --mem="${MEM_PER_TASK:-2G}" --output="$out/logs/extract-%a.log" "$here/extract-array.sbatch")"
array="${array%%;*}"
merge="$(sbatch "${common[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes --cpus-per-task=1 \
    --mem="${MEM_PER_TASK:-2G}" --output="$out/logs/merge.log" "$here/merge.sbatch")"
merge="${merge%%;*}"
echo "extract array job $array (tasks 0-$((parts - 1))), merge job $merge -> $out/merged"
