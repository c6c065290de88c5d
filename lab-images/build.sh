#!/usr/bin/env bash
# Builds the lab images (lab-images/<name>/Dockerfile, each FROM autolabs/base:bookworm, which debootstrap
# makes from the Debian mirror) and makes them available as autolabs/<name>:latest:
#   LAB_IMAGE_REGISTRY set (host:port): pushed there (LAB_IMAGE_REGISTRY_INSECURE=1 for plain http);
#   unset: copied into the OCI layout the embedded runtime reads, $AUTOLABS_DATA_DIR/images/local.
# Every image is kept as an OCI archive, ~/.cache/autolabs/images/<name>-<key>.tar, where the key is a
# sha256 over its build files and its base's key: an image whose files did not change is never rebuilt.
# Usage: build.sh [name...]   (default: every image)
#        build.sh --base-archive   (only the base; prints its archive's path: platform-image/build.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib/engine.sh
. "$here/lib/engine.sh"
# shellcheck source=lib/debian-mirror.sh
. "$here/lib/debian-mirror.sh"

CACHE="${AUTOLABS_CACHE:-$HOME/.cache/autolabs}/images"
LAYOUT="${AUTOLABS_DATA_DIR:-$HOME/.autolabs}/images/local"
REGISTRY="${LAB_IMAGE_REGISTRY:-}"
MIRROR="${DEBIAN_MIRROR:-$(apt_uri bookworm)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SECURITY="${DEBIAN_SECURITY_MIRROR:-$(apt_uri bookworm-security)}"
SECURITY="${SECURITY:-http://deb.debian.org/debian-security}"
BASE=autolabs/base:bookworm
JOBS="${LAB_IMAGE_JOBS:-3}"

log() { printf '[images] %s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

# content_key <salt> <dir>...: sha256 over the salt and the path, mode and content of every file in the dirs.
content_key() {
  local salt="$1"; shift
  { echo "$salt"; (cd "$here" && find "$@" -type f -printf '%m %p\n' -exec sha256sum {} + | LC_ALL=C sort); } |
    sha256sum | cut -d' ' -f1
}

# logged <name> <command...>: runs a build step with its output added to $CACHE/logs/<name>.log, shown on
# failure (the build of an image starts its log afresh).
logged() {
  local name="$1" out="$CACHE/logs/$1.log"; shift
  "$@" >>"$out" 2>&1 && return 0
  tail -n 40 "$out" >&2
  fail "building $name failed; whole log: $out"
}

# save <ref> <archive>: the engine's image as the cache archive. Of an image's archives the three used last
# are kept (checkouts of different branches share the cache), older ones are removed.
save() {
  local tmp="$2.tmp.$$"
  skopeo copy -q "$(engine_ref "$1")" "oci-archive:$tmp:$1"
  mv "$tmp" "$2"
  # shellcheck disable=SC2012 # names are <image>-<hex>.tar
  ls -t "${2%-*}"-*.tar | tail -n +4 | xargs -r rm -f
}

base_in_store=0
load_base() {
  [ "$base_in_store" = 1 ] && return 0
  skopeo copy -q "oci-archive:$BASE_ARCHIVE" "$(engine_ref "$BASE")"
  base_in_store=1
}

# build_base: sets BASE_KEY and BASE_ARCHIVE; STATE says whether it was built or cached.
build_base() {
  BASE_KEY="$(content_key "$MIRROR $SECURITY" base)"
  BASE_ARCHIVE="$CACHE/base-$BASE_KEY.tar"
  STATE=cached
  [ -f "$BASE_ARCHIVE" ] && touch "$BASE_ARCHIVE" && return 0
  [ "$(id -u)" = 0 ] || fail "the base image is made with debootstrap, which needs root"
  command -v debootstrap >/dev/null || fail "debootstrap not found (apt-get install debootstrap)"
  local ctx="$CACHE/base-context"
  rm -rf "$ctx" && mkdir -p "$ctx"
  : >"$CACHE/logs/base.log"
  logged base bash "$here/base/make-rootfs.sh" "$ctx/rootfs.tar" "$MIRROR" "$SECURITY"
  logged base engine_build "$BASE" "$here/base/Dockerfile" "$ctx"
  rm -rf "$ctx"
  logged base save "$BASE" "$BASE_ARCHIVE"
  base_in_store=1 STATE=built
}

# archive_of <name>: the cache archive of an image, named by its key.
archive_of() {
  local dirs=("$1")
  grep -q '^COPY common/' "$here/$1/Dockerfile" && dirs+=(common)
  echo "$CACHE/$1-$(content_key "$BASE_KEY" "${dirs[@]}").tar"
}

# build_image <name>: builds the image unless its archive is cached, then prints one line saying which.
build_image() {
  local name="$1" ref="autolabs/$1:latest" archive start=$SECONDS state=cached
  archive="$(archive_of "$name")"
  if [ -f "$archive" ]; then
    touch "$archive"
  else
    : >"$CACHE/logs/$name.log"
    logged "$name" engine_build "$ref" "$here/$name/Dockerfile" "$here"
    logged "$name" save "$ref" "$archive"
    engine_rmi "$ref" >/dev/null 2>&1 || log "could not remove $ref from the $ENGINE store"
    state=built
  fi
  printf '[images] %-14s %-6s %4ss  %5s\n' "$name" "$state" "$((SECONDS - start))" "$(du -h "$archive" | cut -f1)" >&2
}

# publish <ref> <archive>: to the registry, else to the local OCI layout.
publish() {
  if [ -n "$REGISTRY" ]; then
    local tls=()
    [ "${LAB_IMAGE_REGISTRY_INSECURE:-}" = 1 ] && tls=(--dest-tls-verify=false)
    skopeo copy -q "${tls[@]}" "oci-archive:$2" "docker://$REGISTRY/$1"
  else
    skopeo copy -q "oci-archive:$2" "oci:$LAYOUT:$1"
  fi
}

base_only=0
[ "${1:-}" = --base-archive ] && { base_only=1; shift; }
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$here"/*/Dockerfile; do
    n="$(basename "$(dirname "$f")")"
    [ "$n" = base ] || names+=("$n")
  done
fi
for n in "${names[@]}"; do
  [ -f "$here/$n/Dockerfile" ] && [ "$n" != base ] || fail "no image '$n' (expected lab-images/$n/Dockerfile)"
done
command -v skopeo >/dev/null || fail "skopeo not found (apt-get install skopeo)"
engine_detect
mkdir -p "$CACHE/logs"
[ -n "$REGISTRY" ] || mkdir -p "$LAYOUT"
exec 9>"$CACHE/.lock"
flock -n 9 || { log "waiting for another image build to finish"; flock 9; }

total=$SECONDS
log "engine $ENGINE, Debian mirror $MIRROR, $JOBS builds at a time"
start=$SECONDS
build_base
printf '[images] %-14s %-6s %4ss  %5s\n' base "$STATE" "$((SECONDS - start))" "$(du -h "$BASE_ARCHIVE" | cut -f1)" >&2
if [ "$base_only" = 1 ]; then
  [ "$base_in_store" = 0 ] || engine_rmi "$BASE" >/dev/null 2>&1 || log "could not remove $BASE from the $ENGINE store"
  echo "$BASE_ARCHIVE"
  exit 0
fi

# The images only share their base, so they build side by side (package scripts wait on I/O more than CPU).
pids=()
for n in "${names[@]}"; do
  [ -f "$(archive_of "$n")" ] || load_base
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
  build_image "$n" &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
[ "$base_in_store" = 0 ] || engine_rmi "$BASE" >/dev/null 2>&1 || log "could not remove $BASE from the $ENGINE store"
[ "$failed" = 0 ] || fail "$failed of ${#names[@]} images failed to build"
log "built in $((SECONDS - total))s"

# One at a time: copies into the same OCI layout must not overlap.
start=$SECONDS
publish "$BASE" "$BASE_ARCHIVE"
for n in "${names[@]}"; do publish "autolabs/$n:latest" "$(archive_of "$n")"; done
log "published to ${REGISTRY:-$LAYOUT} in $((SECONDS - start))s; all done in $((SECONDS - total))s"
