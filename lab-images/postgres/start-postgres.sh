#!/bin/sh
# PostgreSQL in the foreground, configured as the public postgres image is: on first start (no cluster in
# $PGDATA) it creates the cluster with superuser $POSTGRES_USER (default postgres), password
# $POSTGRES_PASSWORD (password auth over TCP; without one, trust) and database $POSTGRES_DB (default: the
# user's name). Its socket is in /tmp, so any user may run it; Postgres itself refuses to run as root.
set -eu
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  auth=trust
  [ -n "${POSTGRES_PASSWORD:-}" ] && auth=scram-sha-256
  pwfile="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  set -- --auth-host="$auth" --auth-local=trust -E UTF8 --locale=C.UTF-8
  [ "$auth" = trust ] || set -- "$@" --pwfile="$pwfile"
  initdb -D "$PGDATA" -U "$user" "$@" >/dev/null
  rm -f "$pwfile"
  echo "host all all all $auth" >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    # Single-user mode: no server, socket or port needed yet.
    quoted="$(printf '%s' "$db" | sed 's/"/""/g')"
    echo "CREATE DATABASE \"$quoted\"" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp
