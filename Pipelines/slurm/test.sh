#!/usr/bin/env bash
# The multi-machine path on a real Slurm: starts a one-node cluster on this
# machine (local-cluster.sh), submits the default corpus as a 4-part job
# array plus the dependent merge (submit.sh), waits, verifies the merged
# dataset, compares it byte for byte with a single-machine `--jobs 2` run,
# prints both wall times and stops the daemons it started.
#
#   Pipelines/slurm/test.sh [WORK_DIR]     (default: a temporary directory)
source "$(dirname "$0")/../common.sh"

work="${1:-$(mktemp -d)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
state="$work/slurm"

ensure_system_packages
[ -n "${VADPREP:-}" ] || build_vadprep release   # or the binary in VADPREP
python_venv "$ROOT/Pipelines/python/requirements.txt"

corpus="$work/corpus"
generate_corpus "$corpus" --count 60 --seed 1 --quiet

"$ROOT/Pipelines/slurm/local-cluster.sh" start "$state"
trap '"$ROOT/Pipelines/slurm/local-cluster.sh" stop "$state"' EXIT
export SLURM_CONF="$state/slurm.conf"

say "submitting 4 extraction tasks and the merge"
rm -rf "$work/out"
start=$(date +%s.%N)
submitted="$("$ROOT/Pipelines/slurm/submit.sh" "$corpus" "$work/out" 4)"
echo "$submitted"
merge="$(sed -E 's/.*merge job ([0-9]+).*/\1/' <<<"$submitted")"
array="$(sed -E 's/extract array job ([0-9]+).*/\1/' <<<"$submitted")"

state_of() { scontrol show job "$1" 2>/dev/null | grep -oE 'JobState=[A-Z_]+' | head -n 1 | cut -d= -f2; }
for _ in $(seq 600); do
    case "$(state_of "$merge")" in
        COMPLETED) break ;;
        FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|"")
            echo "slurm test: the merge job ended as '$(state_of "$merge")'; array tasks:" >&2
            scontrol show job "$array" | grep -E 'JobId|JobState' >&2 || true
            tail -n 20 "$work"/out/logs/*.log >&2
            exit 1 ;;
    esac
    sleep 0.5
done
[ "$(state_of "$merge")" = COMPLETED ] || { echo "slurm test: timed out waiting for the merge" >&2; exit 1; }
slurm_seconds=$(echo "$(date +%s.%N) - $start" | bc)
cat "$work/out/logs/merge.log"

say "single-machine run (--jobs 2)"
start=$(date +%s.%N)
"$VADPREP" extract "$corpus" --out "$work/single" --jobs 2 --quiet --force
single_seconds=$(echo "$(date +%s.%N) - $start" | bc)

"$VADPREP" verify "$work/out/merged"
"$PYTHON" "$ROOT/Pipelines/python/compare_datasets.py" "$work/single" "$work/out/merged"
printf 'slurm test: 4-part job array + merge took %.1f s (submission to merged and verified); a single --jobs 2 run %.2f s\n' \
    "$slurm_seconds" "$single_seconds"
