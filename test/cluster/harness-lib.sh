# Helpers shared by cluster-up.sh and node-up.sh; sourced after versions.sh, with `log` and `die` defined.
PKI="$STATE_DIR/pki"
PIDS="$STATE_DIR/pids"
LOGS="$STATE_DIR/logs"

alive() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

# start <name> <command...>: a long-lived process in a session of its own, logging to $LOGS/<name>.log.
start() {
  local name="$1"; shift
  # 9>&-: the long-lived processes must not inherit (and so keep holding) the start lock.
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS/$name.pid"
}

# A component that exits during start-up fails the start at once, with the end of its log.
check_started_alive() {
  local f name
  for f in "$PIDS"/*.pid; do
    name="$(basename "$f" .pid)"
    if ! kill -0 "$(cat "$f")" 2>/dev/null; then
      tail -n 5 "$LOGS/$name.log" >&2
      die "$name exited during start-up; full log in $LOGS/$name.log"
    fi
  done
}

# wait_for <what> <seconds> <command...>
wait_for() {
  local what="$1" limit="$2"; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || die "$what not ready after ${limit}s; see $LOGS"
    check_started_alive
    sleep 0.5
  done
  log "$what ready at +$((SECONDS - started_at))s"
}

# api <curl args...>: the apiserver as the admin.
api() {
  curl -sf --max-time 5 --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(cat "$STATE_DIR/admin-token")" "$@"
}

# free_ports <count> [address]: ports free on that address (default 127.0.0.1). Node is already a
# requirement of the repo, so it does the small jobs bash cannot.
free_ports() {
  node -e '
    const net = require("node:net");
    const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, process.argv[2], () => ok(s.address().port)))))
      .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });' "$1" "${2:-127.0.0.1}"
}

# node_condition <node> <type>: exits 0 when the Node's condition of that type is True.
node_condition() {
  . "$STATE_DIR/ports"
  api "https://127.0.0.1:$API_PORT/api/v1/nodes/$1" | node -e '
    let body = "";
    process.stdin.on("data", (c) => (body += c)).on("end", () => {
      const conds = JSON.parse(body).status?.conditions ?? [];
      process.exit(conds.some((c) => c.type === process.argv[1] && c.status === "True") ? 0 : 1);
    });' "$2"
}
