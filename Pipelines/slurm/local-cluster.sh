#!/usr/bin/env bash
# A one-machine Slurm cluster for testing the job-array scripts: installs
# Debian's slurm-wlm and munge if missing, writes a configuration for this
# host alone (loopback, no cgroups, no accounting) into STATE_DIR, and starts
# or stops munged, slurmctld and slurmd with everything (sockets, state,
# logs, pid files) inside STATE_DIR.
#
#   Pipelines/slurm/local-cluster.sh start STATE_DIR   # then: export SLURM_CONF=STATE_DIR/slurm.conf
#   Pipelines/slurm/local-cluster.sh stop STATE_DIR    # stops exactly the daemons started here
source "$(dirname "$0")/../common.sh"

action="${1:?usage: local-cluster.sh start|stop STATE_DIR}"
state="${2:?usage: local-cluster.sh start|stop STATE_DIR}"
mkdir -p "$state"
state="$(cd "$state" && pwd)"
export SLURM_CONF="$state/slurm.conf"

stop() {
    local name pid
    for name in slurmd slurmctld munged; do
        [ -f "$state/$name.pid" ] || continue
        pid="$(cat "$state/$name.pid")"
        if kill "$pid" 2>/dev/null; then
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$state/$name.pid"
    done
}

if [ "$action" = stop ]; then
    stop
    say "local Slurm cluster in $state stopped"
    exit 0
fi
[ "$action" = start ] || { echo "local-cluster.sh: unknown action $action (start or stop)" >&2; exit 2; }

SYSTEM_PACKAGES=(slurm-wlm munge)
ensure_system_packages
stop  # a previous run's daemons, if any

host="$(hostname -s)"
if ! getent hosts "$host" >/dev/null; then
    # slurmd looks itself up by name; give the name the loopback address.
    say "adding $host to /etc/hosts"
    echo "127.0.0.1 $host" >> /etc/hosts
fi
# The node as slurmd sees it (CPUs, sockets, memory), so the two agree.
node="$(slurmd -C | head -n 1 | sed -E 's/ UpTime=.*//')"
user="$(id -un)"

mkdir -p "$state/munge" "$state/ctld" "$state/d" "$state/log"
chmod 700 "$state/munge"
[ -f "$state/munge/munge.key" ] || { dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 status=none; chmod 400 "$state/munge/munge.key"; }
cat > "$state/slurm.conf" <<CONF
# Written by Pipelines/slurm/local-cluster.sh: one node, this host, loopback.
ClusterName=vadprep-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
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
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
# slurmd 22.05 always loads a cgroup plugin, even with proctrack/task plugins
# that do not use it; v1 is what machines without systemd mount.
printf 'CgroupPlugin=cgroup/v1\nIgnoreSystemd=yes\nCgroupMountpoint=/sys/fs/cgroup\n' > "$state/cgroup.conf"

munged --key-file="$state/munge/munge.key" --socket="$state/munge/munge.socket" \
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
