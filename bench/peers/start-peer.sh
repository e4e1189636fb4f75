#!/usr/bin/env bash
# start-peer.sh NAME ZONEFILE ADDR PORT
#
# Start one reference DNS server serving ZONEFILE as the root zone "." on
# ADDR:PORT, in a private temporary directory, and keep it in the foreground:
#
#   * prints exactly one line "READY <name> <addr> <port> <server-pid> <dir>" on
#     stdout once the server answers ". SOA" (or, for echo, any reply);
#   * then waits; SIGTERM/SIGINT (or the server dying) stops the server, removes
#     the temporary directory (unless PEER_KEEP_DIR=1) and exits;
#   * if the server does not come up within PEER_READY_TIMEOUT seconds, prints
#     the tail of its log on stderr and exits 1.
#
# NAME: nsd | knot | bind | unbound | tinydns | echo | rootmirror
# ZONEFILE: a master-file root zone (RFC 1035 text, e.g. the InterNIC file).
#   tinydns: either a tinydns "data" file (used as is, if its name ends in
#   ".tinydns" or "/data") or a zone file, converted with zone2tinydns.mjs.
#   echo: ignored (pass "-").
#   rootmirror: served with `serve --zone-file` (run `npm run build` first).
#
# Environment:
#   PEER_DIR            use this directory instead of a fresh mktemp -d one
#                       (it is still removed on exit unless PEER_KEEP_DIR=1)
#   PEER_KEEP_DIR=1     keep the directory (configs, logs) after exit
#   PEER_THREADS=N      worker threads/processes (default 1)
#   PEER_CPUS=LIST      run the server under `taskset -c LIST` (benchmarks)
#   PEER_READY_TIMEOUT  seconds to wait for the first answer (default 60)
#   PEER_LOG=FILE       server log file (default DIR/NAME.log; tinydns logs
#                       one line per query there, use /dev/null for benches)
#   PEER_PARENT_PID=PID stop (and clean up) as soon as process PID is gone;
#                       peers.mjs sets it to the Node process
#   PEER_DNSSEC         rootmirror --dnssec (default strip)
#   PEER_NODE_FLAGS     node flags for rootmirror (default: the deployed
#                       --max-semi-space-size=1, as in deploy/rootmirror.service)
#
# With PEER_CPUS, every thread of the server and of its child processes is
# pinned again once it answers: Knot sets its workers' affinity itself (one
# CPU each, round-robin), which would move them off the CPUs asked for.
#
# Notes per server:
#   bind:    named only listens on addresses configured on an interface. If ADDR
#            is not on one and we are root, it is added to lo
#            (`ip addr add ADDR/32 dev lo`) and removed on exit. 127.0.0.1
#            needs nothing. All other servers bind any 127/8 address directly.
#   tinydns: listens on port 53 only (hard-coded in djbdns): PORT must be 53;
#            it chroots to its directory and so must run as root.
#   unbound: serves the zone as an auth-zone; the builtin local zones
#            (localhost., test., invalid., onion., home.arpa., AS112 reverse
#            zones, ...) would shadow the root's data and are set to nodefault.
set -euo pipefail

usage() { echo "usage: $0 nsd|knot|bind|unbound|tinydns|echo|rootmirror ZONEFILE ADDR PORT" >&2; exit 2; }
[[ $# -eq 4 ]] || usage
NAME=$1 ZONE=$2 ADDR=$3 PORT=$4
HERE=$(cd "$(dirname "$0")" && pwd)
THREADS=${PEER_THREADS:-1}
READY_TIMEOUT=${PEER_READY_TIMEOUT:-60}

if [[ "$NAME" != echo ]]; then
  [[ -r "$ZONE" ]] || { echo "$0: cannot read zone file $ZONE" >&2; exit 2; }
  ZONE=$(cd "$(dirname "$ZONE")" && pwd)/$(basename "$ZONE")
fi

if [[ -n "${PEER_DIR:-}" ]]; then DIR=$PEER_DIR; mkdir -p "$DIR"; else DIR=$(mktemp -d "/tmp/peer-$NAME.XXXXXX"); fi
chmod 755 "$DIR"
LOG=${PEER_LOG:-$DIR/$NAME.log}
child=""
added_addr=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  if [[ -n "$added_addr" ]]; then ip addr del "$added_addr" dev lo 2>/dev/null || true; fi
  if [[ "${PEER_KEEP_DIR:-0}" != 1 ]]; then rm -rf "$DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 0' TERM   # stopped on request: not an error
trap 'exit 0' INT

TASKSET=()
if [[ -n "${PEER_CPUS:-}" ]]; then TASKSET=(taskset -c "$PEER_CPUS"); fi

need() { command -v "$1" >/dev/null || { echo "$0: $1 not installed" >&2; exit 3; }; }

case "$NAME" in
nsd)
  need nsd
  cat > "$DIR/nsd.conf" <<EOF
server:
    ip-address: $ADDR@$PORT
    do-ip4: yes
    do-ip6: yes
    server-count: $THREADS
    reuseport: $([[ $THREADS -gt 1 ]] && echo yes || echo no)
    username: ""
    chroot: ""
    zonesdir: "$DIR"
    database: ""
    zonelistfile: "$DIR/zone.list"
    xfrdfile: "$DIR/xfrd.state"
    xfrdir: "$DIR"
    pidfile: "$DIR/nsd.pid"
    logfile: "$LOG"
    verbosity: 1
    hide-version: yes
    zonefiles-check: no
    zonefiles-write: 0
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "."
    zonefile: "$ZONE"
EOF
  nsd-checkconf "$DIR/nsd.conf"
  CMD=(nsd -d -c "$DIR/nsd.conf")
  ;;
knot)
  need knotd
  mkdir -p "$DIR/storage"
  cat > "$DIR/knot.conf" <<EOF
server:
    rundir: "$DIR"
    pidfile: "$DIR/knot.pid"
    listen: $ADDR@$PORT
    udp-workers: $THREADS
    tcp-workers: $THREADS
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "$DIR/storage"
control:
    listen: "$DIR/knot.sock"
template:
  - id: default
    storage: "$DIR/storage"
    semantic-checks: off
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    dnssec-signing: off
zone:
  - domain: .
    file: "$ZONE"
EOF
  knotc -c "$DIR/knot.conf" conf-check >/dev/null
  CMD=(knotd -c "$DIR/knot.conf")
  ;;
bind)
  need named
  if [[ "$ADDR" != 127.0.0.1 ]] && ! ip -o addr show | awk '{print $4}' | cut -d/ -f1 | grep -qxF "$ADDR"; then
    if [[ $(id -u) -eq 0 ]]; then
      ip addr add "$ADDR/32" dev lo
      added_addr="$ADDR/32"
    else
      echo "$0: named needs $ADDR configured on an interface (as root: ip addr add $ADDR/32 dev lo)" >&2
      exit 3
    fi
  fi
  if [[ "$ADDR" == *:* ]]; then LISTEN="listen-on { none; }; listen-on-v6 port $PORT { $ADDR; };"
  else LISTEN="listen-on port $PORT { $ADDR; }; listen-on-v6 { none; };"; fi
  cat > "$DIR/named.conf" <<EOF
options {
    directory "$DIR";
    pid-file "$DIR/named.pid";
    session-keyfile "$DIR/session.key";
    managed-keys-directory "$DIR";
    $LISTEN
    recursion no;
    dnssec-validation no;
    notify no;
    allow-query { any; };
    allow-transfer { any; };
    version none;
    hostname none;
    server-id none;
};
controls { };
zone "." {
    type primary;
    file "$ZONE";
    notify no;
    check-names ignore;
};
EOF
  named-checkconf "$DIR/named.conf"
  # -g: foreground, log to stderr; -n: worker threads
  CMD=(named -g -n "$THREADS" -c "$DIR/named.conf")
  ;;
unbound)
  need unbound
  {
    cat <<EOF
server:
    interface: $ADDR@$PORT
    port: $PORT
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$DIR"
    pidfile: "$DIR/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: $THREADS
    so-reuseport: yes
    do-ip6: $([[ "$ADDR" == *:* ]] && echo yes || echo no)
    access-control: 0.0.0.0/0 allow
    access-control: ::/0 allow
    module-config: "iterator"
    hide-version: yes
    hide-identity: yes
    ratelimit: 0
    ip-ratelimit: 0
    minimal-responses: no
    # the builtin local zones would shadow the root zone's own data
EOF
    for z in localhost. 127.in-addr.arpa. 1.0.0.127.in-addr.arpa. \
             1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. \
             onion. test. invalid. home.arpa. resolver.arpa. service.arpa. local. \
             10.in-addr.arpa. 16.172.in-addr.arpa. 168.192.in-addr.arpa. \
             0.in-addr.arpa. 254.169.in-addr.arpa. 2.0.192.in-addr.arpa. \
             100.51.198.in-addr.arpa. 113.0.203.in-addr.arpa. 255.255.255.255.in-addr.arpa. \
             0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa. \
             d.f.ip6.arpa. 8.e.f.ip6.arpa. 9.e.f.ip6.arpa. a.e.f.ip6.arpa. b.e.f.ip6.arpa. \
             8.b.d.0.1.0.0.2.ip6.arpa. 64.100.in-addr.arpa.; do
      echo "    local-zone: \"$z\" nodefault"
    done
    for i in $(seq 65 127); do echo "    local-zone: \"$i.100.in-addr.arpa.\" nodefault"; done
    for i in $(seq 17 31); do echo "    local-zone: \"$i.172.in-addr.arpa.\" nodefault"; done
    cat <<EOF
auth-zone:
    name: "."
    zonefile: "$ZONE"
    for-downstream: yes
    for-upstream: no
    fallback-enabled: no
    zonemd-check: no
remote-control:
    control-enable: no
EOF
  } > "$DIR/unbound.conf"
  unbound-checkconf "$DIR/unbound.conf" >/dev/null
  CMD=(unbound -d -c "$DIR/unbound.conf")
  ;;
tinydns)
  need tinydns; need tinydns-data
  if [[ "$PORT" != 53 ]]; then echo "$0: tinydns can only listen on port 53 (asked for $PORT)" >&2; exit 2; fi
  if [[ "$ZONE" == *.tinydns || "$(basename "$ZONE")" == data ]]; then
    cp "$ZONE" "$DIR/data"
  else
    node "$HERE/zone2tinydns.mjs" "$ZONE" > "$DIR/data"
  fi
  ( cd "$DIR" && tinydns-data )
  CMD=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin IP="$ADDR" ROOT="$DIR" UID=0 GID=0 tinydns)
  ;;
echo)
  need node
  CMD=(node "$HERE/echo.mjs" "$ADDR" "$PORT")
  ;;
rootmirror)
  need node
  ROOT=$(cd "$HERE/../.." && pwd)
  [[ -f "$ROOT/dist/bundle/main.js" ]] || { echo "$0: $ROOT/dist/bundle is missing: run npm run build first" >&2; exit 3; }
  # As deployed (deploy/rootmirror.service): glibc maps big buffers on their own.
  export MALLOC_MMAP_THRESHOLD_=131072
  if [[ "$ADDR" == *:* ]]; then AP="[$ADDR]"; else AP=$ADDR; fi
  read -r -a NODE_FLAGS <<<"${PEER_NODE_FLAGS---max-semi-space-size=1}"
  # --http on port 0 (any free port) and no drift monitor: nothing but the
  # listeners, and nothing leaves the host.
  CMD=(node "${NODE_FLAGS[@]}" "$ROOT/bin/rootmirror" serve --zone-file "$ZONE" --listen "$AP:$PORT"
       --http "$AP:0" --monitor-interval 0 --workers "$THREADS" --dnssec "${PEER_DNSSEC:-strip}" --log-level info)
  ;;
*) usage ;;
esac

probe() {
  local out
  if [[ "$NAME" == echo ]]; then
    out=$(dig @"$ADDR" -p "$PORT" . SOA +norec +time=1 +tries=1 +noedns 2>/dev/null) || return 1
    grep -q 'status:' <<<"$out"
  else
    out=$(dig @"$ADDR" -p "$PORT" . SOA +norec +time=1 +tries=1 +short 2>/dev/null) || return 1
    [[ -n "$out" && "$out" != *";"* ]] || return 1
  fi
  # rootmirror --workers N: the first worker answers before the others have
  # loaded the zone; wait for all N "ready" lines (when the log is a file).
  if [[ "$NAME" == rootmirror && -f "$LOG" ]]; then
    (( $(grep -c '"msg":"ready"' "$LOG") >= THREADS )) || return 1
  fi
}

# Something already answering there (e.g. a leftover server) would make the
# readiness probe lie: refuse to start.
if dig @"$ADDR" -p "$PORT" . SOA +norec +time=1 +tries=1 >/dev/null 2>&1; then
  echo "$0: something already answers DNS on $ADDR port $PORT" >&2
  exit 1
fi

"${TASKSET[@]}" "${CMD[@]}" >>"$LOG" 2>&1 </dev/null &
child=$!

deadline=$(( $(date +%s) + READY_TIMEOUT ))
until probe; do
  if ! kill -0 "$child" 2>/dev/null; then
    echo "$0: $NAME exited before answering; log $LOG:" >&2
    tail -n 30 "$LOG" >&2 || true
    child=""
    exit 1
  fi
  if (( $(date +%s) >= deadline )); then
    echo "$0: $NAME did not answer on $ADDR:$PORT within ${READY_TIMEOUT}s; log $LOG:" >&2
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  sleep 0.1
done
# The server and all its processes, for re-pinning.
tree() {
  local p=$1 c
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
}
if [[ -n "${PEER_CPUS:-}" ]]; then
  for p in $(tree "$child"); do taskset -a -p -c "$PEER_CPUS" "$p" >/dev/null 2>&1 || true; done
fi
echo "READY $NAME $ADDR $PORT $child $DIR"

set +e
if [[ -n "${PEER_PARENT_PID:-}" ]]; then
  # watchdog: stop when the process that started us is gone (e.g. a test
  # runner killed with SIGKILL, which could not clean up)
  while kill -0 "$child" 2>/dev/null; do
    if ! kill -0 "$PEER_PARENT_PID" 2>/dev/null; then
      echo "$0: parent $PEER_PARENT_PID is gone, stopping $NAME" >&2
      exit 0
    fi
    sleep 1 & wait $!
  done
fi
wait "$child"
rc=$?
child=""
exit "$rc"
