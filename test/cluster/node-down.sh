#!/usr/bin/env bash
# Stops the real node that node-up.sh started and removes what it left on this machine: its processes, its
# pods' processes, mounts and network namespaces, its own namespace and the host's DNAT table. Safe to run
# when the node is half up or already gone; cluster-down.sh runs it first (with the lock held).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=node-env.sh
. "$here/node-env.sh"

PIDS="$STATE_DIR/pids"
NODE_DIR="$STATE_DIR/data/node"
log() { printf '[node-down] %s\n' "$*" >&2; }

stop_pid() {
  local name="$1" f="$PIDS/$1.pid" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    log "stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

# Nothing restarts pods once kubelet is gone.
stop_pid local-path-provisioner
stop_pid kube-router
stop_pid kube-proxy
stop_pid kubelet

# Every process of every pod on the node sits in a cgroup under kubepods (kubelet's cgroupfs layout).
pod_pids() { cat /sys/fs/cgroup/*/kubepods/cgroup.procs /sys/fs/cgroup/*/kubepods/*/cgroup.procs \
  /sys/fs/cgroup/*/kubepods/*/*/cgroup.procs /sys/fs/cgroup/*/kubepods/*/*/*/cgroup.procs 2>/dev/null | sort -u; }
# The pods' network namespaces (containerd's cni-* under /run/netns) are the ones those processes are in.
pod_netns=()
declare -A seen_ns
for pid in $(pod_pids); do
  ns="$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null)" && seen_ns[$ns]=1
done
for f in /run/netns/cni-*; do
  [ -e "$f" ] || continue
  ns="$(stat -L -c %i "$f" 2>/dev/null)" || continue
  [ -n "${seen_ns[$ns]:-}" ] && pod_netns+=("$f")
done
for pid in $(pod_pids); do kill -KILL "$pid" 2>/dev/null; done

stop_pid containerd
# containerd's shims outlive it by design; ours are the ones started with our containerd's socket.
for cmdline in /proc/[0-9]*/cmdline; do
  if { tr '\0' ' ' <"$cmdline"; } 2>/dev/null | grep -q -- "-address $NODE_DIR/containerd/containerd.sock"; then
    pid="${cmdline#/proc/}" pid="${pid%/cmdline}"
    kill -KILL "$pid" 2>/dev/null && log "stopped containerd shim (pid $pid)"
  fi
done
stop_pid registry

# Mounts under the node's directory (container root filesystems, shm, kubelet's volumes), deepest first.
if [ -d "$NODE_DIR" ]; then
  findmnt -rn -o TARGET | grep -F "$NODE_DIR/" | sort -r | while read -r target; do
    umount -l "$target" 2>/dev/null || log "could not unmount $target"
  done
fi
for f in "${pod_netns[@]}"; do
  umount "$f" 2>/dev/null; rm -f "$f"
done
for d in /sys/fs/cgroup/*/kubepods; do
  [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
done

ip netns delete "$NODE_NETNS" 2>/dev/null && log "removed network namespace $NODE_NETNS"
ip link delete "$NODE_VETH_HOST" 2>/dev/null
ip route delete "$NODE_POD_CIDR" 2>/dev/null
nft delete table ip "$NODE_NFT_TABLE" 2>/dev/null
exit 0
