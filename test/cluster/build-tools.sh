#!/usr/bin/env bash
# Builds the test cluster's binaries from the Go module proxy, once per version, into
# ~/.cache/autolabs/bin/<name>-<version>. Wrapper modules are generated under ~/.cache/autolabs/build and
# never committed: Kubernetes and etcd cannot be `go install`ed directly because their go.mod files use
# local `replace` paths, so each wrapper pins the same modules at their published versions instead.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"

export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local
command -v go >/dev/null || { echo "[build-tools] Go not found (expected /usr/local/go/bin/go)" >&2; exit 1; }
mkdir -p "$BIN_DIR" "$BUILD_DIR"

log() { printf '[build-tools] %s\n' "$*" >&2; }

# One build at a time: a second run (the cluster tests' setup while .ci/run or a person builds) waits, then
# finds what the first built, instead of both writing the same wrapper modules and binaries.
exec 9>"$BIN_DIR/.build-tools.lock"
flock -n 9 || { log "waiting for another build-tools run to finish"; flock 9; }

# go_build <wrapper-dir> <package> <binary-name> <version> [more ldflags]
go_build() {
  local dir="$1" pkg="$2" name="$3" version="$4" out="$BIN_DIR/$3-$4"
  if [ -x "$out" ]; then log "cached $name $version"; return 0; fi
  log "building $name $version ($pkg)"
  local start=$SECONDS
  (cd "$dir" && go build -trimpath -ldflags="-s -w ${5:-}" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  log "built $name $version in $((SECONDS - start))s"
}

# new_wrapper <dir> <module-line-requirements...>: a throwaway main module that only requires things.
new_wrapper() {
  local dir="$1"; shift
  mkdir -p "$dir"
  {
    echo "module autolabs.local/build/$(basename "$dir")"
    echo
    echo "go 1.24.0"
    echo
    for req in "$@"; do echo "require $req"; done
  } >"$dir/go.mod"
}

need() {
  local name="$1" version="$2"
  [ ! -x "$BIN_DIR/$name-$version" ]
}

build_etcd() {
  need etcd "$ETCD_VERSION" || { log "cached etcd $ETCD_VERSION"; return 0; }
  local dir="$BUILD_DIR/etcd-$ETCD_VERSION"
  new_wrapper "$dir" "go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  # The etcd binary's own main package lives in a module that is not published; etcdmain.Main is the
  # whole of it.
  mkdir -p "$dir/cmd/etcd"
  cat >"$dir/cmd/etcd/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go_build "$dir" ./cmd/etcd etcd "$ETCD_VERSION"
}

# go_build_many <wrapper-dir> <name>:<version>=<package>...: one `go build` for every binary not cached yet,
# so the packages they share are compiled once and linked into each.
go_build_many() {
  local dir="$1"; shift
  local spec target names=() pkgs=() out="$BUILD_DIR/out-$(basename "$dir")"
  for spec in "$@"; do
    target="${spec%%=*}"
    if [ -x "$BIN_DIR/${target/:/-}" ]; then log "cached ${target/:/ }"; continue; fi
    names+=("${target/:/-}") pkgs+=("${spec#*=}")
  done
  [ ${#pkgs[@]} -gt 0 ] || return 0
  log "building ${names[*]}"
  local start=$SECONDS i
  rm -rf "$out" && mkdir -p "$out"
  (cd "$dir" && go build -trimpath -ldflags='-s -w' -o "$out/" "${pkgs[@]}")
  # `go build -o dir/` names each binary after the last element of its package path.
  for i in "${!names[@]}"; do mv "$out/$(basename "${pkgs[$i]}")" "$BIN_DIR/${names[$i]}"; done
  rm -rf "$out"
  log "built ${names[*]} in $((SECONDS - start))s"
}

build_kubernetes() {
  local dir="$BUILD_DIR/kubernetes-$K8S_VERSION" staging="v0.${K8S_VERSION#v1.}"
  local bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy) missing=0 b
  for b in "${bins[@]}"; do need "$b" "$K8S_VERSION" && missing=1; done
  [ "$missing" = 1 ] || { log "cached kubernetes $K8S_VERSION"; return 0; }
  new_wrapper "$dir" "k8s.io/kubernetes $K8S_VERSION"
  # Every `k8s.io/x => ./staging/src/k8s.io/x` line of the published go.mod becomes `k8s.io/x => k8s.io/x v0.Y.Z`.
  local upstream
  upstream="$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*#\t\1 => \1 '"$staging"'#p' "$upstream"
    echo ")"
  } >>"$dir/go.mod"
  local specs=()
  for b in "${bins[@]}"; do specs+=("$b:$K8S_VERSION=k8s.io/kubernetes/cmd/$b"); done
  go_build_many "$dir" "${specs[@]}"
}

# The real node's add-ons: CoreDNS and the local-path provisioner share one wrapper module, with the
# Kubernetes client libraries lifted to the version the cluster runs, so the client packages compiled for
# kubelet are reused. (kube-router, the NetworkPolicy enforcer, keeps its own: its client-go is older.) CoreDNS gets a main of its own that links
# only the plugins the cluster's Corefile uses: its published main pulls in every cloud provider's SDK.
build_node_addons() {
  local staging="v0.${K8S_VERSION#v1.}" b missing=0
  for b in coredns:$COREDNS_VERSION local-path-provisioner:$LOCAL_PATH_PROVISIONER_VERSION; do
    need "${b%%:*}" "${b#*:}" && missing=1
  done
  [ "$missing" = 1 ] || { log "cached node add-ons"; return 0; }
  local dir="$BUILD_DIR/node-addons-$COREDNS_VERSION-$LOCAL_PATH_PROVISIONER_VERSION"
  new_wrapper "$dir" "github.com/coredns/coredns $COREDNS_VERSION" \
    "github.com/rancher/local-path-provisioner $LOCAL_PATH_PROVISIONER_VERSION" \
    "k8s.io/api $staging" "k8s.io/apimachinery $staging" "k8s.io/client-go $staging"
  mkdir -p "$dir/cmd/coredns"
  cat >"$dir/cmd/coredns/main.go" <<'GO'
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

// Same relative order as CoreDNS's plugin.cfg, restricted to the plugins linked above.
func init() {
	dnsserver.Directives = []string{"ready", "health", "errors", "log", "loadbalance", "cache", "kubernetes"}
}

func main() { coremain.Run() }
GO
  go_build_many "$dir" "coredns:$COREDNS_VERSION=./cmd/coredns"
  # A build of its own: it imports github.com/Sirupsen/logrus, which may not share a build with the
  # lower-case path CoreDNS imports ("case-insensitive import collision").
  go_build_many "$dir" "local-path-provisioner:$LOCAL_PATH_PROVISIONER_VERSION=github.com/rancher/local-path-provisioner"
}

build_simple() {
  local name="$1" module="$2" version="$3" pkg="$4"
  need "$name" "$version" || { log "cached $name $version"; return 0; }
  local dir="$BUILD_DIR/$name-$version"
  new_wrapper "$dir" "$module $version"
  go_build "$dir" "$pkg" "$name" "$version"
}

# OpenTofu and the Proxmox provider of terraform/ (bpg/proxmox), for `tofu fmt` and `tofu validate`. OpenTofu's
# go.mod replaces hcl/v2 with its own fork and sets a godebug; a replace or godebug holds only in the main
# module, so the wrapper repeats both from the published go.mod. version.dev=no: `tofu version` says the release.
build_tofu() {
  if need tofu "$TOFU_VERSION"; then
    local dir="$BUILD_DIR/tofu-$TOFU_VERSION" upstream
    new_wrapper "$dir" "github.com/opentofu/opentofu $TOFU_VERSION"
    upstream="$(cd "$dir" && go mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    { echo; grep -E '^(godebug|replace) ' "$upstream"; } >>"$dir/go.mod"
    go_build "$dir" github.com/opentofu/opentofu/cmd/tofu tofu "$TOFU_VERSION" '-X github.com/opentofu/opentofu/version.dev=no'
  else
    log "cached tofu $TOFU_VERSION"
  fi
  build_simple terraform-provider-proxmox github.com/bpg/terraform-provider-proxmox "$PROXMOX_PROVIDER_VERSION" \
    github.com/bpg/terraform-provider-proxmox
}

# With arguments, only the named groups are built (e.g. `build-tools.sh node-addons`).
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(etcd kubernetes kwok helm minio node-addons node-images tofu)
total=$SECONDS
for group in "${groups[@]}"; do
  case "$group" in
    etcd) build_etcd ;;
    kubernetes) build_kubernetes ;;
    kwok) build_simple kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok ;;
    helm) build_simple helm helm.sh/helm/v3 "$HELM_VERSION" helm.sh/helm/v3/cmd/helm ;;
    minio) build_simple minio github.com/minio/minio "$MINIO_VERSION" github.com/minio/minio ;;
    node-addons)
      build_node_addons
      build_simple kube-router github.com/cloudnativelabs/kube-router/v2 "$KUBE_ROUTER_VERSION" \
        github.com/cloudnativelabs/kube-router/v2/cmd/kube-router ;;
    node-images) "$here/node-images.sh" ;;
    tofu) build_tofu ;;
    *) log "unknown group $group (etcd kubernetes kwok helm minio node-addons node-images tofu)"; exit 2 ;;
  esac
done
log "all tools ready in $((SECONDS - total))s"
