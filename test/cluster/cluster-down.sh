#!/usr/bin/env bash
# Stops what cluster-up.sh started (the real node through node-down.sh, then the rest by the pids it recorded,
# newest first) and removes the cluster's data, keys and kubeconfig. Built binaries stay cached.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"

PIDS="$STATE_DIR/pids"
if [ -z "${AUTOLABS_CLUSTER_LOCKED:-}" ] && [ -d "$STATE_DIR" ]; then
  exec 9>"$STATE_DIR/.lock"
  flock -w 300 9 || { echo "[cluster-down] $STATE_DIR/.lock is held by a running cluster-up" >&2; exit 1; }
fi
# The real node first: its pods and mounts live under $STATE_DIR/data, removed below.
"$here/node-down.sh"
for name in minio kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  f="$PIDS/$name.pid"
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    printf '[cluster-down] stopped %s (pid %s)\n' "$name" "$pid" >&2
  fi
  rm -f "$f"
done
rm -rf "$STATE_DIR/data" "$STATE_DIR/pki" "$STATE_DIR/env" "$STATE_DIR/kubeconfig" "$STATE_DIR/admin-token" "$STATE_DIR/ports" "$STATE_DIR/kwok.yaml" "$STATE_DIR/started-by-tests" "$STATE_DIR/users"
