# Sourced by build.sh. The image engine: the first of buildah, podman, docker found (or LAB_IMAGE_ENGINE).
# Only building differs between them; images leave and enter an engine's store through skopeo, so saving,
# loading, pushing and copying to the local layout are the same whatever builds.

engine_detect() {
  local e
  for e in ${LAB_IMAGE_ENGINE:-buildah podman docker}; do
    command -v "$e" >/dev/null && { ENGINE="$e"; return 0; }
  done
  echo "[images] no image builder found: install buildah (apt-get install buildah), podman or docker" >&2
  return 1
}

# engine_build <tag> <dockerfile> <context-dir>
engine_build() {
  case "$ENGINE" in
    buildah) buildah bud --isolation chroot --network host -t "$1" -f "$2" "$3" ;;
    podman) podman build --network host -t "$1" -f "$2" "$3" ;;
    docker) docker build --network host -t "$1" -f "$2" "$3" ;;
  esac
}

# engine_ref <name:tag>: skopeo's name for that image in the engine's store.
engine_ref() {
  case "$ENGINE" in
    buildah | podman) echo "containers-storage:localhost/$1" ;;
    docker) echo "docker-daemon:$1" ;;
  esac
}

# engine_rmi <name:tag>: drops an image from the engine's store once it is archived, so rebuilds leave no
# untagged images behind (the cache archives are what later runs use).
engine_rmi() {
  case "$ENGINE" in
    buildah) buildah rmi -f "localhost/$1" ;;
    podman) podman rmi -f "localhost/$1" ;;
    docker) docker rmi -f "$1" ;;
  esac
}
