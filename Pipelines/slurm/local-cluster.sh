#!/usr/bin/env bash
# A one-machine Slurm cluster for testing the job-array scripts: installs
# Debian's slurm-wlm and munge if missing, writes a configuration for this
# host alone (loopback, no cgroups, no accounting) into STATE_DIR, and starts
# or stops munged, slurmctld and slurmd with everything (configuration,
# sockets, state, logs, pid files) inside STATE_DIR; nothing in /etc changes.
# Run as root. `start` on a running cluster does nothing; `stop` cancels its
# jobs, then ends exactly the daemons `start` started (their pid files).
#
#   Pipelines/slurm/local-cluster.sh start STATE_DIR   # then: export SLURM_CONF=STATE_DIR/slurm.conf
#   Pipelines/slurm/local-cluster.sh stop STATE_DIR
source "$(dirname "$0")/../common.sh"

usage="usage: local-cluster.sh start|stop STATE_DIR"
action="${1:?$usage}"
state="${2:?$usage}"
case "$action" in start|stop) ;; *) echo "local-cluster.sh: unknown action '$action'; $usage" >&2; exit 2 ;; esac
[ "$action" = start ] || [ -d "$state" ] || exit 0
mkdir -p "$state"
state="$(cd "$state" && pwd)"
export SLURM_CONF="$state/slurm.conf"

alive() { [ "$(cat "/proc/$(cat "$state/$1.pid" 2>/dev/null)/comm" 2>/dev/null)" = "$1" ]; }
# Whether a job is still queued or one of its steps still running (each
# slurmstepd has a socket in the spool directory).
busy() {
    local f
    [ -n "$(squeue -h -o %A 2>/dev/null)" ] && return 0
    for f in "$state"/spool/*; do [ -S "$f" ] && return 0; done
    return 1
}

stop() {
    # Jobs first: their slurmstepd processes are not children of slurmd and
    # would outlive it.
    if alive slurmctld && [ -f "$SLURM_CONF" ]; then
        scancel --full --quiet $(squeue -h -o %A 2>/dev/null) 2>/dev/null || true
        for _ in $(seq 100); do busy || break; sleep 0.1; done
    fi
    end slurmd slurmctld
    end munged
}

# Sends SIGTERM to the named daemons (pid files in STATE_DIR, checked against
# the process name, so a stale pid file never kills another process) and
# waits up to 5 s for them to exit, then SIGKILL.
end() {
    local name pid pids=() left
    for name in "$@"; do
        alive "$name" && pid="$(cat "$state/$name.pid")" && kill "$pid" 2>/dev/null && pids+=("$pid")
    done
    for _ in $(seq 50); do
        left=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
        [ "$left" = 1 ] || break
        sleep 0.1
    done
    [ "${left:-0}" = 0 ] || kill -9 "${pids[@]}" 2>/dev/null || true
    for name in "$@"; do rm -f "$state/$name.pid"; done
}

if [ "$action" = stop ]; then
    stop
    say "local Slurm cluster in $state stopped"
    exit 0
fi

if alive munged && alive slurmctld && alive slurmd && sinfo -h >/dev/null 2>&1; then
    say "local Slurm cluster in $state already running (export SLURM_CONF=$SLURM_CONF)"
    exit 0
fi
SYSTEM_PACKAGES=(slurm-wlm munge)
ensure_system_packages
stop  # what is left of an earlier start, if anything

# The node is this host under its own short name (slurmd finds itself by it),
# reached at 127.0.0.1: the name need not resolve, /etc/hosts is left alone.
host="$(hostname -s)"
# Unix socket paths hold at most 107 bytes; the longest here are slurmd's
# step sockets, STATE_DIR/spool/HOST_JOBID.STEPID.
if [ $((${#state} + ${#host} + 29)) -gt 107 ]; then
    echo "local-cluster.sh: STATE_DIR $state is too long for the daemons' sockets; use a shorter path" >&2
    exit 2
fi
# The node as slurmd sees it (CPUs, sockets, memory), so the two agree.
node="$(slurmd -C | head -n 1 | sed -E 's/ UpTime=.*//')"
cpus="$(grep -oE 'CPUs=[0-9]+' <<<"$node" | cut -d= -f2)"
memory="$(grep -oE 'RealMemory=[0-9]+' <<<"$node" | cut -d= -f2)"
user="$(id -un)"

mkdir -p "$state/munge" "$state/ctld" "$state/spool" "$state/log"
chmod 755 "$state/munge"   # clients need to reach the socket; the key itself is 0400
[ -f "$state/munge/munge.key" ] || {
    (umask 277 && dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none)
}
cat > "$SLURM_CONF" <<CONF
# Written by Pipelines/slurm/local-cluster.sh: one node, this host, loopback.
ClusterName=vadprep-local
SlurmctldHost=$host(127.0.0.1)
# Not the default ports (6817, 6818), so a system Slurm on this machine is not disturbed.
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default, a job that asks for no memory gets the whole node's.
DefMemPerCPU=$((memory / cpus))
SchedulerType=sched/backfill
# Start batch jobs as soon as they can run (the default waits up to 3 s): a faster test.
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
$node NodeAddr=127.0.0.1 NodeHostname=$host State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
# slurmd 22.05 loads a cgroup plugin whatever ProctrackType and TaskPlugin say;
# cgroup/v1 with IgnoreSystemd initialises without systemd or a cgroup mount.
printf 'CgroupPlugin=cgroup/v1\nIgnoreSystemd=yes\nCgroupMountpoint=/sys/fs/cgroup\n' > "$state/cgroup.conf"

# --origin: the host name need not resolve (munged warns, and slurmctld then
# logs failed lookups of 0.0.0.0, without it).
munged --key-file="$state/munge/munge.key" --socket="$state/munge/munge.socket" --origin=127.0.0.1 \
    --pid-file="$state/munged.pid" --log-file="$state/log/munged.log" --seed-file="$state/munge/munged.seed" --force
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"

for _ in $(seq 60); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
        say "local Slurm cluster up: $(sinfo -h -o '%P %D %T %C') (export SLURM_CONF=$SLURM_CONF)"
        exit 0
    fi
    sleep 1
done
echo "local-cluster.sh: the node did not become idle; logs in $state/log:" >&2
tail -n 20 "$state"/log/*.log >&2
stop
exit 1
