#!/usr/bin/env bash
# Start every reference peer on the given zone, ask it `com. NS +norec`, stop it.
#
#   bench/peers/selftest.sh [ZONEFILE] [PEER...]
#
# default zone: test/fixtures/root-zone/root.zone.2026082200; default peers: all.
# Addresses 127.53.0.1..6, ports 5301..5306 (tinydns: 127.53.0.5 port 53).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ZONE=${1:-$ROOT/test/fixtures/root-zone/root.zone.2026082200}
shift || true
PEERS=("$@")
(( ${#PEERS[@]} )) || PEERS=(nsd knot bind unbound tinydns echo)

declare -A ADDR=([nsd]=127.53.0.1 [knot]=127.53.0.2 [bind]=127.53.0.3 [unbound]=127.53.0.4 [tinydns]=127.53.0.5 [echo]=127.53.0.6)
declare -A PORT=([nsd]=5301 [knot]=5302 [bind]=5303 [unbound]=5304 [tinydns]=53 [echo]=5306)

fail=0
for p in "${PEERS[@]}"; do
  a=${ADDR[$p]} port=${PORT[$p]}
  out=$(mktemp)
  t0=$(date +%s%N)
  PEER_LOG=/dev/null "$HERE/start-peer.sh" "$p" "$ZONE" "$a" "$port" >"$out" 2>&1 &
  sp=$!
  while ! grep -q '^READY' "$out" && kill -0 "$sp" 2>/dev/null; do sleep 0.05; done
  t1=$(date +%s%N)
  if ! grep -q '^READY' "$out"; then
    echo "$p: FAILED to start"; sed 's/^/    /' "$out"; fail=1; rm -f "$out"; continue
  fi
  r=$(dig @"$a" -p "$port" com. NS +norec +time=2 +tries=1)
  status=$(grep -o 'status: [A-Z]*' <<<"$r" | cut -d' ' -f2)
  flags=$(grep -o 'flags:[a-z ]*;' <<<"$r" | sed 's/flags: *//; s/;//')
  counts=$(grep -o 'ANSWER: [0-9]*, AUTHORITY: [0-9]*, ADDITIONAL: [0-9]*' <<<"$r")
  size=$(grep -o 'MSG SIZE  rcvd: [0-9]*' <<<"$r" | awk '{print $4}')
  printf '%-8s %s:%-5s ready %5d ms  status %-8s flags [%s]  %s  %s bytes\n' \
    "$p" "$a" "$port" $(( (t1 - t0) / 1000000 )) "$status" "$flags" "$counts" "$size"
  kill -TERM "$sp"; wait "$sp" || true
  rm -f "$out"
done
exit $fail
