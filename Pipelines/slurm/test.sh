#!/usr/bin/env bash
# The multi-machine path on a real Slurm: starts a one-node cluster on this
# machine (local-cluster.sh), submits the default corpus (its clean speech
# with the noise mixed in, as Pipelines/prepare.sh extracts it: the mix of a
# recording must not depend on the part it falls in) as a 4-part job array
# plus the dependent merge (submit.sh), waits, checks that every task
# and the merge completed, verifies the merged dataset, compares it byte for
# byte with a single-machine `--jobs 2` run (compare_datasets.py), prints
# both wall times and stops the daemons it started. Run as root.
#
#   Pipelines/slurm/test.sh [WORK_DIR]     (default: a temporary directory, removed on success)
# Uses the vadprep binary in VADPREP if set, else builds the release one.
source "$(dirname "$0")/../common.sh"

if [ $# -gt 0 ]; then work="$1" keep=1; else work="$(mktemp -d)" keep=0; fi
mkdir -p "$work"
work="$(cd "$work" && pwd)"
state="$work/slurm"
out="$work/out"
parts=4

ensure_system_packages
[ -n "${VADPREP:-}" ] || build_vadprep release
python_venv "$ROOT/Pipelines/python/requirements.txt"

corpus="$work/corpus"
generate_default_corpus "$corpus" --quiet
mix=(--noise "$corpus/noise" "${DEFAULT_MIX[@]}")

finish() {
    local status=$?
    "$ROOT/Pipelines/slurm/local-cluster.sh" stop "$state" || status=1
    if [ "$status" -ne 0 ]; then
        echo "slurm test: FAILED; job logs in $out/logs, daemon logs in $state/log" >&2
    elif [ "$keep" = 0 ]; then
        rm -rf "$work"
    fi
    exit "$status"
}
trap finish EXIT
"$ROOT/Pipelines/slurm/local-cluster.sh" start "$state"
export SLURM_CONF="$state/slurm.conf"

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
# JobState of a job (the first line: for an array, one task's).
job_state() { scontrol show job "$1" 2>/dev/null | grep -oE 'JobState=[A-Z_]+' | head -n 1 | cut -d= -f2; }
fail() {
    echo "slurm test: $*" >&2
    { scontrol show job "$array"; scontrol show job "$merge"; } 2>/dev/null | grep -oE '\b(JobId|ArrayTaskId|JobState|Reason)=[^ ]+' | paste -sd' ' | sed 's/ JobId=/\nJobId=/g' >&2 || true
    for log in "$out"/logs/*.log; do [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
    exit 1
}

say "submitting $parts extraction tasks and the merge"
rm -rf "$out"
start=$EPOCHREALTIME
submitted="$("$ROOT/Pipelines/slurm/submit.sh" "$corpus/clean" "$out" "$parts" "${mix[@]}")"
echo "$submitted"
array="$(sed -nE 's/^extract array job ([0-9]+) .*/\1/p' <<<"$submitted")"
merge="$(sed -nE 's/.* merge job ([0-9]+) .*/\1/p' <<<"$submitted")"
[ -n "$array" ] && [ -n "$merge" ] || fail "submit.sh printed no job ids"

deadline=$((SECONDS + 600))
while :; do
    merge_state="$(job_state "$merge")"
    case "$merge_state" in
        COMPLETED) break ;;
        PENDING|CONFIGURING|RUNNING|COMPLETING) ;;
        *) fail "the merge job ended as ${merge_state:-unknown to scontrol}" ;;
    esac
    scontrol show job "$merge" | grep -q 'Reason=DependencyNeverSatisfied' && fail "an extraction task failed"
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after 600 s waiting for the merge job"
    sleep 0.2
done
slurm_seconds="$(elapsed "$start")"
# afterok already implies it; checked anyway, task by task.
completed="$(scontrol show job "$array" | grep -c 'JobState=COMPLETED')"
[ "$completed" -eq "$parts" ] || fail "$completed of $parts extraction tasks completed"
cat "$out/logs/merge.log"

say "single-machine run (--jobs 2)"
start=$EPOCHREALTIME
"$VADPREP" extract "$corpus/clean" "${mix[@]}" --out "$work/single" --jobs 2 --quiet --force
single_seconds="$(elapsed "$start")"

"$VADPREP" verify "$out/merged"
"$PYTHON" "$ROOT/Pipelines/python/compare_datasets.py" "$work/single" "$out/merged"
echo "slurm test: $parts-task job array + merge ${slurm_seconds} s (submission to merged and verified, mostly Slurm's scheduling); a single --jobs 2 run ${single_seconds} s"
