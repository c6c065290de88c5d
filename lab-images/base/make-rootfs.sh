#!/usr/bin/env bash
# Writes the root file system of autolabs/base:bookworm as a tar: Debian bookworm by debootstrap (minbase)
# from the given mirror, set up as a container base (no services started by package scripts, no
# recommends, no apt caches). Runs as root: debootstrap needs chroot and device nodes.
# Usage: make-rootfs.sh <out.tar> <mirror> <security-mirror>
set -euo pipefail
out="$1" mirror="$2" security="$3"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(mktemp -d)"
# --one-file-system: never descend into a /proc or /sys that a failed debootstrap left mounted.
trap 'rm -rf --one-file-system "$root"' EXIT

debootstrap --variant=minbase bookworm "$root" "$mirror" >&2

rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
# Package scripts must not start services while an image is built (there is no init to stop them).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cat >"$root/etc/apt/apt.conf.d/90autolabs" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
APT
# An image build that dies is thrown away, so dpkg need not fsync; man-db need not index each install.
echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/90autolabs-unsafe-io"
echo 'man-db man-db/auto-update boolean false' | chroot "$root" debconf-set-selections
install -m 755 "$here/apt-install" "$root/usr/local/bin/apt-install"

chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log "$root"/var/log/apt/* \
  "$root"/tmp/* "$root"/etc/hostname "$root"/etc/resolv.conf
tar --numeric-owner --xattrs --xattrs-include='*' --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
  -C "$root" -cf "$out" .
