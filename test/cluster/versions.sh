# Pinned tool versions for the test cluster; sourced by build-tools.sh, cluster-up.sh and cluster-down.sh.
# Each binary is cached as ~/.cache/autolabs/bin/<name>-<version>, so bumping a version here rebuilds only it.
K8S_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.19.5
# MinIO publishes no semver tags on the module proxy; this is its newest pseudo-version there.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# The real node's add-ons (kubelet and kube-proxy come with K8S_VERSION). kube-router runs only its
# NetworkPolicy firewall (iptables + ipset): kube-network-policies needs the nftables `queue` expression,
# which this machine's kernel lacks (CONFIG_NFT_QUEUE unset).
KUBE_ROUTER_VERSION=v2.1.0
COREDNS_VERSION=v1.14.1
LOCAL_PATH_PROVISIONER_VERSION=v0.0.30
# The infrastructure checks (test/integration/terraform.test.ts): OpenTofu, and the Proxmox provider terraform/
# uses (bpg/proxmox, `~> 0.66`; the module proxy serves v0.66.0 of it) so that `tofu validate` runs offline.
TOFU_VERSION=v1.10.10
PROXMOX_PROVIDER_VERSION=v0.66.0

AUTOLABS_CACHE="${AUTOLABS_CACHE:-$HOME/.cache/autolabs}"
BIN_DIR="$AUTOLABS_CACHE/bin"
BUILD_DIR="$AUTOLABS_CACHE/build"
STATE_DIR="$AUTOLABS_CACHE/cluster"
export PATH="/usr/local/go/bin:$PATH"
