#!/usr/bin/env bash
# Mass-scan benchmark (issue 12): Debian's nginx serves one test chain on N TLS ports of
# 127.0.0.1 (its own config in a temp dir); the same targets are scanned by a bare
# tokio-rustls + webpki handshake loop (examples/bare_handshake.rs) and by `tlsinspect check`
# with revocation off and on (`openssl ocsp` answers one request for the shared leaf, then
# exits: every endpoint good by OCSP means one request served them all), then by `check` on
# the list repeated to 100,000 targets. Prints each row (wall, endpoints/s, CPU, peak RSS) and
# the ratios. Nothing leaves 127.0.0.1.
#   usage: scripts/bench-scan.sh [N=1000] [REPEAT=100] [CONCURRENCY=64]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
repeat=${2:-100}
concurrency=${3:-64}
command -v nginx >/dev/null || { echo "nginx is needed: apt-get install nginx-light" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release --quiet --bin tlsinspect --example bare_handshake
bin=target/release/tlsinspect
bare=target/release/examples/bare_handshake
work=$(mktemp -d)
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -n "${ocsp_pid:-}" ] && kill "$ocsp_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# The revoked-by-ocsp chain: its leaf names http://ocsp.tlsinspect.test, answered "good" here.
certs=testcerts/revoked-by-ocsp
base=$(( 20000 + RANDOM % 20000 ))
{
  echo "worker_processes 1; pid $work/nginx.pid; error_log $work/error.log; daemon on;"
  [ "$(id -u)" = 0 ] && echo "user root;"
  echo "worker_rlimit_nofile 65536; events { worker_connections 16384; }"
  echo "http { access_log off; client_body_temp_path $work; proxy_temp_path $work;"
  echo "  fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;"
  echo "  server {"
  for ((i = 0; i < n; i++)); do echo "    listen 127.0.0.1:$((base + i)) ssl;"; done
  echo "    ssl_protocols TLSv1.2 TLSv1.3;"
  echo "    ssl_certificate $PWD/$certs/served.pem; ssl_certificate_key $PWD/$certs/leaf.key;"
  echo "    location / { return 200 'ok'; } } }"
} > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -p "$work"
for ((i = 0; i < n; i++)); do echo "https://127.0.0.1:$((base + i))/"; done > "$work/targets.txt"
for ((r = 0; r < repeat; r++)); do cat "$work/targets.txt"; done > "$work/targets-repeated.txt"
serial=$(openssl x509 -in "$certs/leaf.pem" -noout -serial | cut -d= -f2)
printf 'V\t400101000000Z\t\t%s\tunknown\t/CN=bench\n' "$serial" > "$work/index.txt"
ocsp_port=$(( base - 1 ))
openssl ocsp -index "$work/index.txt" -CA "$certs/inter.pem" \
  -rsigner testcerts/valid/ocsp-signer.pem -rkey testcerts/valid/ocsp-signer.key \
  -port "$ocsp_port" -ndays 7 -nrequest 1 2> "$work/ocsp.err" > /dev/null &
ocsp_pid=$!
sleep 1
common=(--ca-file testcerts/ca.pem --no-pins --no-proxy --format jsonl -q --concurrency "$concurrency")
# measure NAME COMMAND…: wall, user+sys CPU, peak RSS; the command's stdin is $input.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" < "$input" > "$work/out" 2> "$work/err" || true
  read -r wall user sys rss < "$work/time"
  local count=$targets
  printf '%-58s %8.2f s %9.0f/s  cpu %6.2f s  rss %6.1f MB\n' "$name" "$wall" \
    "$(echo "$count / $wall" | bc -l)" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  echo "$wall" > "$work/wall-$name"
  rate=$(echo "$count / $wall" | bc -l)
}
echo "nginx: $n TLS ports on 127.0.0.1 ($base-$((base + n - 1))), one chain; concurrency $concurrency"
input=$work/targets.txt targets=$n
measure bare "$bare" --ca testcerts/ca.pem --concurrency "$concurrency"; bare_rate=$rate
grep -h "handshakes" "$work/err" | sed 's/^/  /'
measure check-revocation-off "$bin" check --targets-file - --revocation off "${common[@]}"; off_rate=$rate
echo "  $(grep -c '"type":"endpoint"' "$work/out") endpoint lines, $(grep -c '"status":"ok"' "$work/out") ok"
measure check-revocation-on "$bin" check --targets-file - "${common[@]}" \
  --connect-to "ocsp.tlsinspect.test:80:127.0.0.1:$ocsp_port"; on_rate=$rate
echo "  $(grep -c '"status":"ok"' "$work/out") ok, $(grep -c '"source":"ocsp","status":"good"' "$work/out") good by OCSP (the responder answers one request, then exits)"
input=$work/targets-repeated.txt targets=$((n * repeat))
measure "check-revocation-off-x$repeat" "$bin" check --targets-file - --revocation off "${common[@]}"
echo "  $(grep -c '"type":"endpoint"' "$work/out") endpoint lines"
printf 'check (revocation off) / bare: %.2f   revocation on / off (wall): %.2f\n' \
  "$(echo "$off_rate / $bare_rate" | bc -l)" "$(echo "$off_rate / $on_rate" | bc -l)"
