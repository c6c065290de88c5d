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

# go_build <wrapper-dir> <package> <binary-name> <version>
go_build() {
  local dir="$1" pkg="$2" name="$3" version="$4" out="$BIN_DIR/$3-$4"
  if [ -x "$out" ]; then log "cached $name $version"; return 0; fi
  log "building $name $version ($pkg)"
  local start=$SECONDS
  (cd "$dir" && go build -trimpath -ldflags='-s -w' -o "$out.tmp" "$pkg")
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

build_kubernetes() {
  local dir="$BUILD_DIR/kubernetes-$K8S_VERSION" staging="v0.${K8S_VERSION#v1.}"
  local bins=(kube-apiserver kube-controller-manager kube-scheduler) missing=0 b
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
  for b in "${bins[@]}"; do go_build "$dir" "k8s.io/kubernetes/cmd/$b" "$b" "$K8S_VERSION"; done
}

build_simple() {
  local name="$1" module="$2" version="$3" pkg="$4"
  need "$name" "$version" || { log "cached $name $version"; return 0; }
  local dir="$BUILD_DIR/$name-$version"
  new_wrapper "$dir" "$module $version"
  go_build "$dir" "$pkg" "$name" "$version"
}

total=$SECONDS
build_etcd
build_kubernetes
build_simple kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
build_simple helm helm.sh/helm/v3 "$HELM_VERSION" helm.sh/helm/v3/cmd/helm
build_simple minio github.com/minio/minio "$MINIO_VERSION" github.com/minio/minio
log "all tools ready in $((SECONDS - total))s"
