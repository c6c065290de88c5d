#!/usr/bin/env bash
# Starts the test cluster's real node beside KWOK's fake one; cluster-up.sh runs it once the control plane
# is up (and holds the start lock). The node is a network namespace of this machine ($NODE_NETNS, see
# node-env.sh) holding containerd (runc, CNI bridge), kubelet, kube-proxy and the pods they run; the
# mount namespace stays the host's, so kubelet's volume mounts are what containerd sees. Beside it:
#   - a registry (Debian's docker-registry) on $NODE_HOST_IP, serving the node's own images and lab images;
#   - CoreDNS as a pod (test/cluster/node-addons, installed with helm);
#   - kube-router's NetworkPolicy firewall (iptables + ipset) in the node's namespace, as kube-router's
#     DaemonSet would run it with hostNetwork;
#   - local-path-provisioner as a host process: it needs only the API, and its helper pods do the disk work.
# The node is tainted $NODE_TAINT_KEY:NoSchedule so that the existing tests' pods stay on KWOK's node.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=node-env.sh
. "$here/node-env.sh"
log() { printf '[node-up] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
# shellcheck source=harness-lib.sh
. "$here/harness-lib.sh"
started_at=$SECONDS

NODE_DIR="$STATE_DIR/data/node"
# shellcheck disable=SC1091
. "$STATE_DIR/ports"

# --- what this machine must have -------------------------------------------------------------------------
missing=()
command -v containerd >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
command -v ip >/dev/null || missing+=(iproute2)
command -v nft >/dev/null || missing+=(nftables)
command -v iptables >/dev/null || missing+=(iptables)
command -v ipset >/dev/null || missing+=(ipset)
command -v nsenter >/dev/null || missing+=(util-linux)
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v skopeo >/dev/null || missing+=(skopeo)
[ ${#missing[@]} -eq 0 ] || die "the real node needs: apt-get install ${missing[*]}"
for b in kubelet-$K8S_VERSION kube-proxy-$K8S_VERSION kube-router-$KUBE_ROUTER_VERSION \
  local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION helm-$HELM_VERSION; do
  [ -x "$BIN_DIR/$b" ] || die "$BIN_DIR/$b missing (run test/cluster/build-tools.sh)"
done

mkdir -p "$NODE_DIR"/{containerd,kubelet,pod-logs,cni/net.d,cni/ipam,local-path,registry}
in_node() { nsenter --net="/run/netns/$NODE_NETNS" "$@"; }

# --- network: the node's namespace, its veth, and the host's side of it -----------------------------------
ip netns add "$NODE_NETNS"
ip link add "$NODE_VETH_HOST" type veth peer name eth0 netns "$NODE_NETNS"
ip addr add "$NODE_HOST_IP/30" dev "$NODE_VETH_HOST"
ip link set "$NODE_VETH_HOST" up
in_node ip link set lo up
in_node ip addr add "$NODE_IP/30" dev eth0
in_node ip link set eth0 up
# Service addresses must be routable before kube-proxy's DNAT sees them; everything goes to this machine.
in_node ip route add default via "$NODE_HOST_IP"
ip route add "$NODE_POD_CIDR" via "$NODE_IP"
in_node sysctl -qw net.ipv4.ip_forward=1
# Bridged pod-to-pod traffic must pass netfilter, or neither kube-proxy nor the enforcer sees it.
in_node sysctl -qw net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1 \
  || die "net.bridge.bridge-nf-call-iptables unavailable in the node's namespace (modprobe br_netfilter)"
# The apiserver listens on 127.0.0.1 only; the node reaches it at $NODE_HOST_IP:$API_PORT, translated here.
sysctl -qw "net.ipv4.conf.$NODE_VETH_HOST.route_localnet=1"
nft -f - <<NFT
table ip $NODE_NFT_TABLE {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    iifname "$NODE_VETH_HOST" ip daddr $NODE_HOST_IP tcp dport $API_PORT dnat to 127.0.0.1:$API_PORT
  }
}
NFT

# --- registry and the node's images ---------------------------------------------------------------------
read -r REGISTRY_PORT <<<"$(free_ports 1 "$NODE_HOST_IP")"
REGISTRY="$NODE_HOST_IP:$REGISTRY_PORT"
echo "REGISTRY=$REGISTRY" >>"$STATE_DIR/ports"
cat >"$NODE_DIR/registry.yml" <<YML
version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: $NODE_DIR/registry }, delete: { enabled: true } }
http: { addr: "$REGISTRY" }
YML
start registry /usr/bin/docker-registry serve "$NODE_DIR/registry.yml"
wait_for registry 30 curl -sf "http://$REGISTRY/v2/"

"$here/node-images.sh"
declare -A tag
while read -r name archive key; do
  skopeo copy -q --dest-tls-verify=false "oci-archive:$archive" "docker://$REGISTRY/autolabs/$name:$key" \
    || die "could not push $archive to $REGISTRY"
  tag[$name]="$key"
done < <("$here/node-images.sh" --list)
log "node images pushed to $REGISTRY at +$((SECONDS - started_at))s"

# --- keys: kubelet's serving certificate, the node's and kube-proxy's kubeconfigs --------------------------
openssl req -newkey rsa:2048 -nodes -subj "/CN=$NODE_NAME" \
  -keyout "$PKI/kubelet.key" -out "$PKI/kubelet.csr" 2>/dev/null
printf 'subjectAltName=IP:%s,DNS:%s\nextendedKeyUsage=serverAuth\n' "$NODE_IP" "$NODE_NAME" >"$PKI/kubelet.ext"
openssl x509 -req -in "$PKI/kubelet.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 30 \
  -extfile "$PKI/kubelet.ext" -out "$PKI/kubelet.crt" 2>/dev/null
chmod 600 "$PKI/kubelet.key"

# node_kubeconfig <file> <token>: the apiserver as the node sees it.
node_kubeconfig() {
  cat >"$1" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: autolabs-test
  cluster:
    server: https://$NODE_HOST_IP:$API_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: node
  user:
    token: $2
contexts:
- name: node
  context: { cluster: autolabs-test, user: node }
current-context: node
KCFG
  chmod 600 "$1"
}
node_kubeconfig "$NODE_DIR/kubelet.kubeconfig" "$(cat "$PKI/kubelet-token")"
node_kubeconfig "$NODE_DIR/kube-proxy.kubeconfig" "$(cat "$PKI/kube-proxy-token")"
# kube-router reads pods, namespaces, nodes and NetworkPolicies cluster-wide; the admin identity will do here.
node_kubeconfig "$NODE_DIR/kube-router.kubeconfig" "$(cat "$STATE_DIR/admin-token")"

# Pods reach the apiserver through the `kubernetes` Service; with --endpoint-reconciler-type=none its
# endpoints are ours to write, at the address the node reaches it by.
api -X POST -H 'Content-Type: application/json' \
  "https://127.0.0.1:$API_PORT/apis/discovery.k8s.io/v1/namespaces/default/endpointslices" -d '{
  "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
  "metadata": {"name": "kubernetes", "labels": {"kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "autolabs-node-up"}},
  "addressType": "IPv4",
  "endpoints": [{"addresses": ["'"$NODE_HOST_IP"'"], "conditions": {"ready": true}}],
  "ports": [{"name": "https", "port": '"$API_PORT"', "protocol": "TCP"}]
}' >/dev/null || die "could not write the kubernetes Service's EndpointSlice"

# --- containerd ------------------------------------------------------------------------------------------
# restrict_oom_score_adj: this machine's root lacks CAP_SYS_RESOURCE, and runc cannot lower a pod's
# oom_score_adj below its own without it ("can't get final child's PID from pipe").
cat >"$NODE_DIR/containerd/config.toml" <<TOML
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$NODE_DIR/containerd/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$REGISTRY/autolabs/pause:${tag[pause]}"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_DIR/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$NODE_DIR/containerd/certs.d"
TOML
# The local registry speaks plain HTTP.
mkdir -p "$NODE_DIR/containerd/certs.d/$REGISTRY"
cat >"$NODE_DIR/containerd/certs.d/$REGISTRY/hosts.toml" <<TOML
server = "http://$REGISTRY"
[host."http://$REGISTRY"]
  capabilities = ["pull", "resolve"]
TOML
cat >"$NODE_DIR/cni/net.d/10-autolabs.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "autolabs-node",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$NODE_DIR/cni/ipam",
        "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]], "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "loopback" }
  ]
}
JSON
start containerd nsenter --net="/run/netns/$NODE_NETNS" containerd --config "$NODE_DIR/containerd/config.toml"
wait_for containerd 30 test -S "$NODE_DIR/containerd/containerd.sock"

# --- kubelet and kube-proxy ------------------------------------------------------------------------------
printf 'nameserver %s\n' "$NODE_HOST_IP" >"$NODE_DIR/resolv.conf"
cat >"$NODE_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$NODE_DIR/containerd/containerd.sock
# What this machine is: cgroup v1 without systemd, swap allowed.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
# Only the apiserver (a client certificate from the cluster's CA) may use kubelet's API.
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: AlwaysAllow }
clusterDNS: [$NODE_DNS_IP]
clusterDomain: cluster.local
resolvConf: $NODE_DIR/resolv.conf
podLogsDir: $NODE_DIR/pod-logs
registerWithTaints:
  - { key: $NODE_TAINT_KEY, value: "true", effect: NoSchedule }
# The disk and memory are shared with other builds: never evict or garbage-collect images over them.
evictionHard: { memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
YAML
start kubelet nsenter --net="/run/netns/$NODE_NETNS" "$BIN_DIR/kubelet-$K8S_VERSION" \
  --config "$NODE_DIR/kubelet.yaml" --kubeconfig "$NODE_DIR/kubelet.kubeconfig" \
  --root-dir "$NODE_DIR/kubelet" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
  --node-labels "autolabs.io/node=real"

cat >"$NODE_DIR/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $NODE_DIR/kube-proxy.kubeconfig }
mode: iptables
hostnameOverride: $NODE_NAME
clusterCIDR: $NODE_POD_CIDR
nodePortAddresses: ["$NODE_IP/32"]
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Leave the conntrack table's size and timeouts alone.
conntrack: { maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
YAML
start kube-proxy nsenter --net="/run/netns/$NODE_NETNS" "$BIN_DIR/kube-proxy-$K8S_VERSION" \
  --config "$NODE_DIR/kube-proxy.yaml"

wait_for "node $NODE_NAME" 120 node_condition "$NODE_NAME" Ready

# The NetworkPolicy enforcer: only kube-router's firewall (kube-proxy serves Services, the CNI bridge routes).
start kube-router nsenter --net="/run/netns/$NODE_NETNS" "$BIN_DIR/kube-router-$KUBE_ROUTER_VERSION" \
  --kubeconfig "$NODE_DIR/kube-router.kubeconfig" --hostname-override "$NODE_NAME" \
  --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
  --enable-pod-egress=false --service-cluster-ip-range 10.96.0.0/16 --health-port 0
wait_for kube-router 60 grep -q "Starting network policy controller full sync" "$LOGS/kube-router.log"

# --- add-ons ---------------------------------------------------------------------------------------------
"$BIN_DIR/helm-$HELM_VERSION" upgrade --install autolabs-node-addons "$here/node-addons" \
  --kubeconfig "$STATE_DIR/kubeconfig" --namespace kube-system --wait --timeout 180s \
  --set "registry=$REGISTRY,nodeName=$NODE_NAME,localPathDir=$NODE_DIR/local-path" \
  --set "images.busybox=${tag[busybox]},images.coredns=${tag[coredns]}" \
  >"$LOGS/node-addons.log" 2>&1 || { tail -n 5 "$LOGS/node-addons.log" >&2; die "node add-ons did not become ready"; }
# It reads its ConfigMap at start, so it comes after the chart.
start local-path-provisioner "$BIN_DIR/local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION" start \
  --kubeconfig "$STATE_DIR/kubeconfig" --namespace kube-system --configmap-name local-path-config \
  --provisioner-name rancher.io/local-path --service-account-name local-path-provisioner
wait_for local-path-provisioner 30 grep -q "Started provisioner controller" "$LOGS/local-path-provisioner.log"
check_started_alive
log "real node $NODE_NAME ready at +$((SECONDS - started_at))s"
echo "LAB_IMAGE_REGISTRY=$REGISTRY"
