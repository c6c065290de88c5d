#!/usr/bin/env bash
# Builds autolabs/platform, the image the Helm chart runs (API + web app, workers, gateway), the way
# lab-images/build.sh builds the lab images: FROM autolabs/base:bookworm with buildah (or podman, docker),
# kept as an OCI archive ~/.cache/autolabs/images/platform-<key>.tar, where the key is a sha256 over every
# input: the base's archive, the Node.js binary, this directory, and the files of the repository that the
# production build reads (sources, lock file, web app, lab configs; tests excluded). An unchanged checkout
# is never rebuilt.
#
# Building it: `npm run build -- --out <context>/app`, then `npm install --omit=dev --omit=peer` there from
# the npm registry (native addons compiled against this machine's Node headers, npm_config_nodedir=/usr,
# like `npm ci`; the base is the same Debian bookworm as this machine), then files no process reads are
# pruned (type declarations, source maps and docs of packages, Prisma's query compilers for databases other
# than Postgres, node-pty's prebuilt Windows and macOS binaries and its build tree).
#
# Usage: platform-image/build.sh   prints the image reference (autolabs/platform:<key12>) on stdout;
#   LAB_IMAGE_REGISTRY set (host:port): pushes it there and prints <registry>/autolabs/platform:<key12>
#   (LAB_IMAGE_REGISTRY_INSECURE=1 for plain http).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
# shellcheck source=../lab-images/lib/engine.sh
. "$repo/lab-images/lib/engine.sh"

CACHE="${AUTOLABS_CACHE:-$HOME/.cache/autolabs}/images"
REGISTRY="${LAB_IMAGE_REGISTRY:-}"
NODE_BIN="$(readlink -f "${PLATFORM_NODE:-$(command -v node)}")"
NAME=autolabs/platform

log() { printf '[platform-image] %s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

# logged <command...>: a build step with its output added to the build log, shown on failure.
logged() {
  "$@" >>"$CACHE/logs/platform.log" 2>&1 && return 0
  tail -n 40 "$CACHE/logs/platform.log" >&2
  fail "building the platform image failed; whole log: $CACHE/logs/platform.log"
}

# The files of the checkout (tracked or new, not ignored) that the production build reads.
inputs() {
  (cd "$repo" && git ls-files -co --exclude-standard -- common server gateway embedded web scripts/build lab-configs \
    package.json package-lock.json .npmrc tsconfig.base.json platform-image) |
    grep -Ev '\.test\.tsx?$' | while IFS= read -r f; do [ -f "$repo/$f" ] && printf '%s\n' "$f"; done
}

# prune <node_modules>: removes what no process of the image reads.
prune() {
  local nm="$1"
  find "$nm" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' \
    -o -name '*.markdown' -o -name '*.ts.map' \) -delete
  find "$nm/@prisma/client/runtime" -type f \( -name '*.sqlite.*' -o -name '*.mysql.*' -o -name '*.sqlserver.*' \
    -o -name '*.cockroachdb.*' \) -delete
  rm -rf "$nm/node-pty/prebuilds" "$nm/node-pty/deps" "$nm/node-pty/third_party" "$nm/node-pty/src"
  find "$nm/node-pty/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$nm/node-pty/build/Release" -mindepth 1 -maxdepth 1 ! -name '*.node' ! -name spawn-helper -exec rm -rf {} +
  find "$nm" -type d -empty -delete
}

build() {
  local ctx="$CACHE/platform-context"
  rm -rf "$ctx" && mkdir -p "$ctx"
  : >"$CACHE/logs/platform.log"
  local t=$SECONDS
  (cd "$repo" && logged npm run build -- --out "$ctx/app")
  log "npm run build: $((SECONDS - t))s"
  t=$SECONDS
  cp "$repo/.npmrc" "$ctx/app/.npmrc"
  (cd "$ctx/app" && logged env npm_config_nodedir="${npm_config_nodedir:-/usr}" npm install --omit=dev --omit=peer \
    --no-audit --no-fund --no-package-lock)
  rm -f "$ctx/app/.npmrc"
  prune "$ctx/app/node_modules"
  log "npm install --omit=dev and prune: $((SECONDS - t))s, node_modules $(du -sh "$ctx/app/node_modules" | cut -f1)"
  strip -o "$ctx/node" "$NODE_BIN"
  cp "$here/Dockerfile" "$ctx/Dockerfile"
  t=$SECONDS
  skopeo copy -q "oci-archive:$BASE_ARCHIVE" "$(engine_ref autolabs/base:bookworm)"
  logged engine_build "$REF" "$ctx/Dockerfile" "$ctx"
  local tmp="$ARCHIVE.tmp.$$"
  logged skopeo copy -q "$(engine_ref "$REF")" "oci-archive:$tmp:$REF"
  mv "$tmp" "$ARCHIVE"
  engine_rmi "$REF" >/dev/null 2>&1 || log "could not remove $REF from the $ENGINE store"
  engine_rmi autolabs/base:bookworm >/dev/null 2>&1 || true
  rm -rf "$ctx"
  log "image build: $((SECONDS - t))s"
  # Of the platform's archives the three used last are kept, as for the lab images.
  # shellcheck disable=SC2012 # names are platform-<hex>.tar
  ls -t "$CACHE"/platform-*.tar | tail -n +4 | xargs -r rm -f
}

for tool in skopeo strip git npm; do command -v "$tool" >/dev/null || fail "$tool not found"; done
[ -x "$NODE_BIN" ] || fail "no Node.js binary at $NODE_BIN (PLATFORM_NODE names another)"
"$NODE_BIN" -e 'process.exit(Number(process.versions.node.split(".")[0]) === 20 ? 0 : 1)' ||
  fail "$NODE_BIN is Node.js $("$NODE_BIN" --version), the platform runs on 20"
engine_detect
mkdir -p "$CACHE/logs"
start=$SECONDS
BASE_ARCHIVE="$(bash "$repo/lab-images/build.sh" --base-archive 2>/dev/null)" || fail "building the base failed: bash lab-images/build.sh --base-archive"

KEY="$({
  sha256sum "$BASE_ARCHIVE" "$NODE_BIN" | cut -d' ' -f1
  inputs | (cd "$repo" && xargs -d '\n' sha256sum) | LC_ALL=C sort -k2
} | sha256sum | cut -d' ' -f1)"
TAG="${KEY:0:12}"
REF="$NAME:$TAG"
ARCHIVE="$CACHE/platform-$KEY.tar"

exec 9>"$CACHE/.platform.lock"
flock -n 9 || { log "waiting for another platform image build to finish"; flock 9; }
state=cached
if [ -f "$ARCHIVE" ]; then touch "$ARCHIVE"; else build; state=built; fi
log "$REF $state in $((SECONDS - start))s, archive $(du -h "$ARCHIVE" | cut -f1)"

if [ -n "$REGISTRY" ]; then
  tls=()
  [ "${LAB_IMAGE_REGISTRY_INSECURE:-}" = 1 ] && tls=(--dest-tls-verify=false)
  skopeo copy -q "${tls[@]}" "oci-archive:$ARCHIVE" "docker://$REGISTRY/$REF"
  echo "$REGISTRY/$REF"
else
  echo "$REF"
fi
