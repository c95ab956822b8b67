#!/usr/bin/env bash
# Latency benchmark (issue 26 §4): the workspace audit (the 15 endpoints of the built-in
# profile: 9 HTTPS, 6 plain HTTP) with every endpoint 50 ms away in each direction. The lab's
# `good` server answers every HTTPS endpoint and its AIA/CRL server every HTTP one, each behind
# scripts/delay-relay.py; revocation goes to the lab's servers directly. Prints the wall time
# of one endpoint, of the profile with the default concurrency (a short list runs all at once)
# and with --concurrency 8 (two waves). Nothing leaves 127.0.0.1.
#   usage: [TLSINSPECT_BIN=path] scripts/bench-latency.sh [DELAY_MS=50]
set -euo pipefail
cd "$(dirname "$0")/.."
delay=${1:-50}
# TLSINSPECT_BIN names a binary already built; else the release build.
bin=${TLSINSPECT_BIN:-target/release/tlsinspect}
[ -n "${TLSINSPECT_BIN:-}" ] || cargo build --release --quiet --bin tlsinspect
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
"$bin" lab --duration 600 > "$work/lab.txt" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "^good on" "$work/lab.txt" 2>/dev/null && break; sleep 0.1; done
good=$(sed -n 's/^good on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/lab.txt")
plain=$(sed -n 's/^AIA and CRL server on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/lab.txt")
ocsp=$(sed -n 's/^OCSP responder on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/lab.txt")
anchors=$(sed -n 's/.*anchors in \(.*\)$/\1/p' "$work/lab.txt")
relay() { # relay LISTEN TARGET
  python3 scripts/delay-relay.py "$1" "$2" "$delay" > "$work/relay-$1.txt" &
  pids+=($!)
  for _ in $(seq 50); do grep -q ready "$work/relay-$1.txt" 2>/dev/null && break; sleep 0.1; done
}
base=$(( 30000 + RANDOM % 20000 ))
relay "$base" "$good"
relay "$((base + 1))" "$plain"
rules=(--connect-to "aia.tlsinspect.test:80:127.0.0.1:$plain"
  --connect-to "crl.tlsinspect.test:80:127.0.0.1:$plain"
  --connect-to "ocsp.tlsinspect.test:80:127.0.0.1:$ocsp")
for host in oauth2.googleapis.com www.googleapis.com www.google.com mail.google.com; do
  rules+=(--connect-to "$host:443:127.0.0.1:$base")
done
for host in crl.pki.goog crls.pki.goog ocsp.pki.goog c.pki.goog o.pki.goog i.pki.goog; do
  rules+=(--connect-to "$host:80:127.0.0.1:$((base + 1))")
done
common=(--ca-file "$anchors/lab-root.pem" --no-pins --no-proxy --format jsonl -q "${rules[@]}")
run() { # run NAME ARGS…
  local name=$1; shift
  local start=$EPOCHREALTIME
  "$bin" check "$@" "${common[@]}" > "$work/out.jsonl" || true
  local end=$EPOCHREALTIME
  printf '%-52s %6.2f s  (%s endpoints)\n' "$name" "$(awk "BEGIN { print $end - $start }")" \
    "$(grep -c '"type":"endpoint"' "$work/out.jsonl" || true)"
}
echo "every endpoint ${delay} ms away in each direction"
run "one endpoint (www.googleapis.com/calendar/)" https://www.googleapis.com/calendar/
run "workspace profile, default concurrency (all at once)"
run "workspace profile, --concurrency 8 (two waves)" --concurrency 8
run "workspace profile, --concurrency 1 (one at a time)" --concurrency 1
