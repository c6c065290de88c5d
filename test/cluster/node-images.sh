#!/usr/bin/env bash
# Builds the images the real node runs besides lab images, each an OCI archive cached by content in
# ~/.cache/autolabs/node-images/<name>-<key>.tar, where <key> hashes everything that goes into the image:
#   pause                  the sandbox image, compiled from Kubernetes' own build/pause/linux/pause.c (the
#                          published pause image cannot be pulled here)
#   busybox                Debian's static busybox with every applet linked; local-path-provisioner's
#                          helper pods run in it, and the node tests use it as "an image in the registry"
#   coredns                cluster DNS (the binary build-tools.sh built)
# `node-images.sh [name...]` builds the named ones only. `node-images.sh --list` builds nothing and prints `<name> <archive> <tag>` per image, for node-up.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"

IMAGE_DIR="$AUTOLABS_CACHE/node-images"
log() { printf '[node-images] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

pause_src() { echo "$(go env GOMODCACHE)/k8s.io/kubernetes@$K8S_VERSION/build/pause/linux/pause.c"; }

# inputs <name>: the files an image is made of; their hashes (and this recipe's revision) make its key.
inputs() {
  case "$1" in
    pause) pause_src; command -v gcc ;;
    busybox) echo /bin/busybox ;;
    coredns) echo "$BIN_DIR/coredns-$COREDNS_VERSION" ;;
  esac
}

key() {
  local f
  { echo "recipe 1 $1"; for f in $(inputs "$1"); do [ -f "$f" ] && sha256sum <"$f"; done; } | sha256sum | cut -c1-16
}

names=(pause busybox coredns)

if [ "${1:-}" = "--list" ]; then
  for n in "${names[@]}"; do k="$(key "$n")"; echo "$n $IMAGE_DIR/$n-$k.tar $k"; done
  exit 0
fi

# With arguments, only those images are built.
[ $# -eq 0 ] || names=("$@")

need_tool() { command -v "$1" >/dev/null || die "$1 not found: apt-get install $2"; }
need_tool buildah buildah
need_tool gcc "gcc libc6-dev"
[ -x /bin/busybox ] || die "/bin/busybox not found: apt-get install busybox-static"
mkdir -p "$IMAGE_DIR"

# rootfs <name> <dir>: lays out the image's files; prints its entrypoint as JSON.
rootfs() {
  local name="$1" dir="$2"
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc"
  case "$name" in
    pause)
      [ -f "$(pause_src)" ] || die "$(pause_src) missing (run build-tools.sh kubernetes first)"
      gcc -Os -Wall -Werror -static -DVERSION="$K8S_VERSION-autolabs" -o "$dir/pause" "$(pause_src)"
      echo '["/pause"]' ;;
    busybox)
      cp /bin/busybox "$dir/bin/busybox"
      local applet
      for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"; done
      echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
      echo 'root:x:0:' >"$dir/etc/group"
      echo '["/bin/sh"]' ;;
    coredns)
      local bin
      bin="$(inputs "$name")"
      [ -x "$bin" ] || die "$bin missing (run build-tools.sh node-addons first)"
      cp "$bin" "$dir/bin/$name"
      echo "[\"/bin/$name\"]" ;;
  esac
}

for n in "${names[@]}"; do
  k="$(key "$n")" out="$IMAGE_DIR/$n-$k.tar"
  if [ -f "$out" ]; then log "cached $n $k"; continue; fi
  start=$SECONDS
  work="$(mktemp -d)"
  entrypoint="$(rootfs "$n" "$work/rootfs")"
  c="$(buildah from scratch)"
  buildah copy -q "$c" "$work/rootfs" / >/dev/null
  buildah config --entrypoint "$entrypoint" --cmd '' --env PATH=/bin "$c"
  rm -f "$out.tmp"
  buildah commit -q "$c" "oci-archive:$out.tmp:autolabs/$n:$k" >/dev/null
  buildah rm "$c" >/dev/null
  rm -rf "$work"
  mv "$out.tmp" "$out"
  # Older archives of the same image are superseded.
  find "$IMAGE_DIR" -name "$n-*.tar" ! -name "$n-$k.tar" -delete
  log "built $n $k in $((SECONDS - start))s"
done
