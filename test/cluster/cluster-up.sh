#!/usr/bin/env bash
# Starts a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler),
# one KWOK node and MinIO on loopback ports, then a real node (node-up.sh). Idempotent: when everything
# recorded in the state directory is still alive and healthy it only reprints the connection lines. The last lines of output are
# KUBECONFIG=..., S3_ENDPOINT=..., S3_ACCESS_KEY=..., S3_SECRET_KEY=..., LAB_IMAGE_REGISTRY=... (also saved in
# $STATE_DIR/env).
# With --check it starts nothing and exits 3 when no healthy cluster is running.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=node-env.sh
. "$here/node-env.sh"

log() { printf '[cluster-up] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
# shellcheck source=harness-lib.sh
. "$here/harness-lib.sh"

ENV_FILE="$STATE_DIR/env"
started_at=$SECONDS

components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok minio
  registry containerd kubelet kube-proxy kube-router local-path-provisioner)

already_up() {
  [ -f "$ENV_FILE" ] || return 1
  local c
  for c in "${components[@]}"; do alive "$c" || return 1; done
  # shellcheck disable=SC1090
  (. "$STATE_DIR/ports" && curl -sf --max-time 3 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(cat "$STATE_DIR/admin-token")" \
    "https://127.0.0.1:$API_PORT/readyz" >/dev/null)
}

# One start at a time per machine: two test runs starting together would share one state directory.
mkdir -p "$STATE_DIR"
exec 9>"$STATE_DIR/.lock"
flock -w 1800 9 || die "another cluster-up/cluster-down held $STATE_DIR/.lock for 30 minutes"

if already_up; then
  log "cluster already running (state in $STATE_DIR)"
  cat "$ENV_FILE"
  exit 0
fi
# --check: report whether a healthy cluster is running (exit 0 with its lines above) without starting one.
if [ "${1:-}" = "--check" ]; then exit 3; fi

# Something is half up (a crash, a reboot): start clean rather than guess.
AUTOLABS_CLUSTER_LOCKED=1 "$here/cluster-down.sh" >/dev/null 2>&1 || true

"$here/build-tools.sh"

# A start that fails half way stops what it started (logs stay in $LOGS for the post-mortem).
trap 'status=$?; if [ $status -ne 0 ]; then AUTOLABS_CLUSTER_LOCKED=1 "$here/cluster-down.sh" >/dev/null 2>&1; fi' EXIT

mkdir -p "$PKI" "$PIDS" "$LOGS" "$STATE_DIR/data"

# --- ports -------------------------------------------------------------------------------------------------
read -r ETCD_PORT ETCD_PEER_PORT API_PORT KWOK_PORT MINIO_PORT MINIO_CONSOLE_PORT <<<"$(free_ports 6)"
cat >"$STATE_DIR/ports" <<PORTS
ETCD_PORT=$ETCD_PORT
API_PORT=$API_PORT
KWOK_PORT=$KWOK_PORT
MINIO_PORT=$MINIO_PORT
PORTS

# --- keys and certificates (fresh per cluster) -------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=autolabs-test-ca" \
  -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
  -keyout "$PKI/server.key" -out "$PKI/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,IP:%s,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' "$NODE_HOST_IP" >"$PKI/server.ext"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 30 \
  -extfile "$PKI/server.ext" -out "$PKI/server.crt" 2>/dev/null
# The apiserver's client certificate towards kubelets (exec, logs, port-forward on the real node).
openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" \
  -keyout "$PKI/kubelet-client.key" -out "$PKI/kubelet-client.csr" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >"$PKI/kubelet-client.ext"
openssl x509 -req -in "$PKI/kubelet-client.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 30 \
  -extfile "$PKI/kubelet-client.ext" -out "$PKI/kubelet-client.crt" 2>/dev/null
openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
chmod 600 "$PKI"/*.key

admin_token="$(openssl rand -hex 24)"
printf '%s' "$admin_token" >"$STATE_DIR/admin-token"
# Static token auth keeps the admin identity simple; system:masters bypasses RBAC for the control plane.
# The real node's kubelet and kube-proxy get the identities the Node authorizer and the built-in
# system:node-proxier binding expect.
openssl rand -hex 24 | tr -d '\n' >"$PKI/kubelet-token"
openssl rand -hex 24 | tr -d '\n' >"$PKI/kube-proxy-token"
{
  printf '%s,autolabs-admin,autolabs-admin,system:masters\n' "$admin_token"
  printf '%s,system:node:%s,%s,system:nodes\n' "$(cat "$PKI/kubelet-token")" "$NODE_NAME" "$NODE_NAME"
  printf '%s,system:kube-proxy,kube-proxy\n' "$(cat "$PKI/kube-proxy-token")"
} >"$PKI/tokens.csv"
chmod 600 "$STATE_DIR/admin-token" "$PKI/tokens.csv" "$PKI/kubelet-token" "$PKI/kube-proxy-token"

KUBECONFIG_PATH="$STATE_DIR/kubeconfig"
cat >"$KUBECONFIG_PATH" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: autolabs-test
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: autolabs-admin
  user:
    token: $admin_token
contexts:
- name: autolabs-test
  context:
    cluster: autolabs-test
    user: autolabs-admin
current-context: autolabs-test
KCFG
chmod 600 "$KUBECONFIG_PATH"

# --- processes ---------------------------------------------------------------------------------------------
start etcd "$BIN_DIR/etcd-$ETCD_VERSION" --name autolabs --data-dir "$STATE_DIR/data/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "autolabs=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn

MINIO_ACCESS_KEY="autolabs$(openssl rand -hex 4)"
MINIO_SECRET_KEY="$(openssl rand -hex 20)"
MINIO_ROOT_USER="$MINIO_ACCESS_KEY" MINIO_ROOT_PASSWORD="$MINIO_SECRET_KEY" MINIO_BROWSER=off \
  start minio "$BIN_DIR/minio-$MINIO_VERSION" server "$STATE_DIR/data/minio" \
  --address "127.0.0.1:$MINIO_PORT" --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" --quiet

wait_for etcd 60 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

# --advertise-address: without a default route the apiserver cannot pick one itself.
# --endpoint-reconciler-type=none: Endpoints may not hold a loopback address, so the `kubernetes` Service
# is left without endpoints instead of logging a rejected write every few seconds.
start kube-apiserver "$BIN_DIR/kube-apiserver-$K8S_VERSION" \
  --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
  --tls-cert-file "$PKI/server.crt" --tls-private-key-file "$PKI/server.key" \
  --client-ca-file "$PKI/ca.crt" --token-auth-file "$PKI/tokens.csv" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --service-cluster-ip-range 10.96.0.0/16 --allow-privileged \
  --kubelet-preferred-address-types InternalIP --kubelet-certificate-authority "$PKI/ca.crt" \
  --kubelet-client-certificate "$PKI/kubelet-client.crt" --kubelet-client-key "$PKI/kubelet-client.key" \
  --endpoint-reconciler-type none --enable-priority-and-fairness=false --profiling=false

wait_for kube-apiserver 120 api "https://127.0.0.1:$API_PORT/readyz"

# Without the controller manager namespaces never finish deleting and no default ServiceAccount appears.
start kube-controller-manager "$BIN_DIR/kube-controller-manager-$K8S_VERSION" \
  --kubeconfig "$KUBECONFIG_PATH" --leader-elect=false --secure-port 0 \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --service-cluster-ip-range 10.96.0.0/16 --profiling=false

start kube-scheduler "$BIN_DIR/kube-scheduler-$K8S_VERSION" \
  --kubeconfig "$KUBECONFIG_PATH" --leader-elect=false --secure-port 0 --profiling=false

# KWOK plays the kubelet: the default "fast" node and pod stages from the module it was built from, plus a
# ClusterExec that runs exec/attach commands on this machine so Exec over WebSocket is real end to end.
kwok_src="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK_VERSION/kustomize/stage"
{
  cat <<KWOKCFG
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  enableDebuggingHandlers: true
  nodeLeaseDurationSeconds: 40
  nodeLeaseParallelism: 4
  nodePlayStageParallelism: 4
  podPlayStageParallelism: 4
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata:
  name: run-on-host
spec:
  execs:
  - local:
      workDir: /tmp
KWOKCFG
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [ -f "$kwok_src/$f" ] || die "KWOK stage $kwok_src/$f missing (run build-tools.sh)"
    echo "---"
    # node-initialize (v0.8.0) runs again whenever the node is not Ready (after an apiserver restart, once the
    # node controller marked it Unknown). For a node with an InternalIP and no Hostname (KWOK's NodeName is
    # empty without --node-name) it then writes an empty 'addresses:', null in the status patch, which
    # deletes the addresses: exec into KWOK's pods fails with 500 from then on. Write 'addresses:' only when
    # an address follows.
    sed 's/{{ if or (not $hasInternalIP) (not $hasHostname) }}/{{ if or (not $hasInternalIP) (and (not $hasHostname) NodeName) }}/' "$kwok_src/$f"
  done
} >"$STATE_DIR/kwok.yaml"
grep -q 'and (not $hasHostname) NodeName' "$STATE_DIR/kwok.yaml" || die "KWOK $KWOK_VERSION's node-initialize stage changed: review the address fix above"

start kwok "$BIN_DIR/kwok-$KWOK_VERSION" --kubeconfig "$KUBECONFIG_PATH" --config "$STATE_DIR/kwok.yaml" \
  --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
  --node-ip 127.0.0.1 --node-port "$KWOK_PORT" --server-address "127.0.0.1:$KWOK_PORT" \
  --tls-cert-file "$PKI/server.crt" --tls-private-key-file "$PKI/server.key" \
  --cidr 10.244.0.1/16

api -X POST -H 'Content-Type: application/json' "https://127.0.0.1:$API_PORT/api/v1/nodes" -d '{
  "apiVersion": "v1", "kind": "Node",
  "metadata": {
    "name": "kwok-node-0",
    "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
    "labels": {"kubernetes.io/hostname": "kwok-node-0", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "type": "kwok"}
  }
}' >/dev/null || die "could not create the KWOK node"

wait_for "KWOK node" 60 node_condition kwok-node-0 Ready
wait_for "default ServiceAccount" 60 api "https://127.0.0.1:$API_PORT/api/v1/namespaces/default/serviceaccounts/default"
wait_for minio 60 curl -sf "http://127.0.0.1:$MINIO_PORT/minio/health/live"

node_lines="$("$here/node-up.sh" 9>&-)" || die "the real node did not start (logs in $LOGS)"

cat >"$ENV_FILE" <<ENVLINES
KUBECONFIG=$KUBECONFIG_PATH
S3_ENDPOINT=http://127.0.0.1:$MINIO_PORT
S3_ACCESS_KEY=$MINIO_ACCESS_KEY
S3_SECRET_KEY=$MINIO_SECRET_KEY
$node_lines
ENVLINES
chmod 600 "$ENV_FILE"
log "cluster up in $((SECONDS - started_at))s"
cat "$ENV_FILE"
