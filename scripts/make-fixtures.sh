#!/usr/bin/env bash
# Regenerate the signed test fixtures in test/fixtures/signed/.
#
#   scripts/make-fixtures.sh            # reuse the keys already in test/fixtures/signed/
#   scripts/make-fixtures.sh --new-keys # throw the keys away and make new ones
#
# Inputs (deterministic, all inside the repo):
#   test/fixtures/root-zone/root.zone.2026082200   real root zone (DNSSEC data stripped here)
#   scripts/small.zone.in                          tiny hand-written root zone
# Outputs:
#   test/fixtures/signed/root.zone.signed          root-sized zone, RSASHA256, NSEC, ZONEMD SHA-384/SIMPLE
#   test/fixtures/signed/small.zone.signed         small zone, same keys, same options
#   test/fixtures/signed/small.zone                the unsigned input of the above (copy of small.zone.in, comments stripped)
#   test/fixtures/signed/K.+008+*.{key,private,ds} the throw-away KSK (257) and ZSK (256)
#   test/fixtures/signed/trust-anchor.ds           DS (SHA-256) of the KSK
#   test/fixtures/signed/trust-anchor.key          DNSKEY of the KSK (for ldns-verify-zone -k / tools wanting a key)
#   test/fixtures/signed/VERIFY.txt                ldns-verify-zone output for both zones
#
# With the same keys the output is byte-identical (RSASHA256 = PKCS#1 v1.5
# signatures are deterministic, inception/expiration are fixed). --new-keys
# changes keys, signatures, ZONEMD digests and the trust anchor: update
# test/fixtures/README.md then.
# Needs ldnsutils (ldns-keygen, ldns-signzone, ldns-key2ds, ldns-read-zone, ldns-verify-zone).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/test/fixtures/signed"
SRC_BIG="$ROOT/test/fixtures/root-zone/root.zone.2026082200"
SRC_SMALL="$ROOT/scripts/small.zone.in"
INCEPTION=20260101000000
EXPIRATION=20360101000000
DNSKEY_TTL=172800   # as in the real root zone

NEW_KEYS=0
[[ "${1:-}" == "--new-keys" ]] && NEW_KEYS=1

for t in ldns-keygen ldns-signzone ldns-key2ds ldns-read-zone ldns-verify-zone; do
  command -v "$t" >/dev/null || { echo "missing $t (apt-get install ldnsutils)" >&2; exit 1; }
done

mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# --- keys -------------------------------------------------------------------
if (( NEW_KEYS )); then
  rm -f "$OUT"/K.+008+*.key "$OUT"/K.+008+*.private "$OUT"/K.+008+*.ds
fi
find_key() { # $1 = 257|256 -> base name of the key file with that flag
  local f
  for f in "$OUT"/K.+008+*.key; do
    [[ -e "$f" ]] || continue
    if grep -v '^;' "$f" | awk '{for(i=1;i<=NF;i++) if($i=="DNSKEY"){print $(i+1); exit}}' | grep -qx "$1"; then
      echo "${f%.key}"; return 0
    fi
  done
  return 1
}
if ! KSK=$(find_key 257) || ! ZSK=$(find_key 256); then
  rm -f "$OUT"/K.+008+*.key "$OUT"/K.+008+*.private "$OUT"/K.+008+*.ds
  ( cd "$OUT"
    # /dev/urandom: /dev/random can block in containers for no benefit here.
    ldns-keygen -r /dev/urandom -a RSASHA256 -b 2048 -k . >/dev/null
    ldns-keygen -r /dev/urandom -a RSASHA256 -b 2048 . >/dev/null
    chmod 644 K.+008+*.private )  # test keys: readable by any test user
  # ldns-keygen writes the DNSKEY with a default TTL; use the root's 172800.
  for f in "$OUT"/K.+008+*.key; do
    sed -E "s/^\.[[:space:]]+IN[[:space:]]+DNSKEY[[:space:]]+/.\t${DNSKEY_TTL}\tIN\tDNSKEY\t/" "$f" > "$TMP/k" && cat "$TMP/k" > "$f"
  done
  KSK=$(find_key 257); ZSK=$(find_key 256)
fi
echo "KSK: $(basename "$KSK")  ZSK: $(basename "$ZSK")"

# trust anchor: DS (SHA-256) and DNSKEY of the KSK
( cd "$TMP" && ldns-key2ds -n -2 "$KSK.key" ) > "$OUT/trust-anchor.ds"
grep -v '^;' "$KSK.key" > "$OUT/trust-anchor.key"

# --- big zone -----------------------------------------------------------------
# Drop every DNSSEC record except DS (the delegations' DS are data of the parent).
ldns-read-zone -e RRSIG -e NSEC -e NSEC3 -e NSEC3PARAM -e DNSKEY -e ZONEMD "$SRC_BIG" \
  > "$TMP/root.zone.unsigned" 2>/dev/null
ldns-signzone -o . -i "$INCEPTION" -e "$EXPIRATION" -z 1:1 \
  -f "$OUT/root.zone.signed" "$TMP/root.zone.unsigned" "$ZSK" "$KSK"

# --- small zone ---------------------------------------------------------------
ldns-read-zone "$SRC_SMALL" > "$OUT/small.zone" 2>/dev/null
ldns-signzone -o . -i "$INCEPTION" -e "$EXPIRATION" -z 1:1 \
  -f "$OUT/small.zone.signed" "$OUT/small.zone" "$ZSK" "$KSK"
# the demo serves the same small zone with the same trust anchor
cp "$OUT/small.zone.signed" "$ROOT/demo/sample-root.zone"
cp "$OUT/trust-anchor.ds" "$ROOT/demo/sample-root.ds"

# --- verify -------------------------------------------------------------------
{
  for z in root.zone.signed small.zone.signed; do
    echo "== ldns-verify-zone -ZZ -k trust-anchor.ds $z"
    rc=0; ldns-verify-zone -ZZ -k "$OUT/trust-anchor.ds" "$OUT/$z" 2>&1 || rc=$?
    echo "exit status: $rc"
  done
} > "$OUT/VERIFY.txt"
cat "$OUT/VERIFY.txt"
ls -l "$OUT"
