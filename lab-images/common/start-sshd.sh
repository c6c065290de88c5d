#!/bin/sh
# Fresh host keys per container, then sshd in the foreground as the container's main process.
set -eu
ssh-keygen -A >/dev/null
mkdir -p /run/sshd
exec /usr/sbin/sshd -D -e
