#!/usr/bin/env bash
# Fuzzes every parser that takes outside bytes (fuzz/, cargo-fuzz, nightly toolchain).
#   usage: scripts/fuzz.sh RUNS|SECONDs [TARGET...]
#     scripts/fuzz.sh 10000000          10 million executions per target (FUZZING.md)
#     scripts/fuzz.sh 20s               20 seconds per target
#   FUZZ_BUILD=--dev scripts/fuzz.sh 20s  unoptimised build (minutes faster to build, slower to
#                                     run): what .ci/run's 20-second smoke uses
# Seed corpora come from testcerts/ and tests/data/ (built under target/fuzz-corpus, not
# committed); each run's last lines are printed. A crash stops the run: its input is in
# fuzz/artifacts/<target>/ — copy it into tests/fuzz-regressions/<target>/ (the regression test
# replays that folder) and fix the cause.
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:?usage: scripts/fuzz.sh RUNS|SECONDSs [TARGET...]}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(certificate pem crl ocsp http_head trace targets cli_values client_hello proxy_list)
corpus=target/fuzz-corpus
seed() {
  local target=$1; shift
  mkdir -p "$corpus/$target"
  for file in "$@"; do cp -f "$file" "$corpus/$target/$(echo "$file" | tr '/' '_')"; done
}
pem_files=$(find testcerts tests/data -name '*.pem')
for pem in $(find testcerts -name '*.pem'); do
  openssl x509 -in "$pem" -outform DER -out "$corpus.tmp.der" 2>/dev/null || continue
  mkdir -p "$corpus/certificate"; cp "$corpus.tmp.der" "$corpus/certificate/$(echo "$pem" | tr '/' '_').der"
done
rm -f "$corpus.tmp.der"
seed pem $pem_files
seed crl $(find testcerts -name '*.crl.der')
seed ocsp $(find testcerts -name 'ocsp-*.der')
seed trace tests/data/logs/*.log
seed targets tests/data/logs/article-trace.log
seed client_hello tests/data/client-hello/*.bin
# NIST PKITS's certificates and CRLs: unique identifiers, pre-1970 times, name constraints,
# indirect and delta CRLs, reason partitions.
python3 - "$corpus" <<'PY'
import base64, gzip, json, os, sys
suite = json.load(gzip.open("tests/data/nist-pkits/pkits.json.gz"))
for kind, target in (("certs", "certificate"), ("crls", "crl")):
    os.makedirs(f"{sys.argv[1]}/{target}", exist_ok=True)
    for name, data in suite[kind].items():
        with open(f"{sys.argv[1]}/{target}/pkits_{name}.der", "wb") as out:
            out.write(base64.b64decode(data))
PY
printf 'https://www.googleapis.com/calendar/\nhttp://crl.pki.goog # crl\n[::1]:4433\n' > "$corpus/targets/seed.txt"
mkdir -p "$corpus/http_head" "$corpus/cli_values"
printf 'HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\n\r\n' > "$corpus/http_head/ok"
printf 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n\r\n' > "$corpus/http_head/407"
for value in 'www.google.com:443:127.0.0.1:4433' 'http://u%40x:p@proxy:3128' 'hr = 0x80190197' 'https://oauth2.googleapis.com/token'; do
  printf '%s' "$value" > "$corpus/cli_values/$(printf '%s' "$value" | md5sum | cut -c1-8)"
done
mkdir -p "$corpus/proxy_list"
printf '<local>;*.corp.example;10.*\nhttps=proxy.corp:8443;http=proxy.corp:3128' > "$corpus/proxy_list/split"
printf '*.google.com, http://[::1]\nhttp://[fd00::1]:8080 socks=s:1080 direct.example' > "$corpus/proxy_list/mixed"
case "$budget" in
  *s) limit=(-max_total_time="${budget%s}") ;;
  *) limit=(-runs="$budget") ;;
esac
for target in "${targets[@]}"; do
  echo "== fuzz $target (${budget})"
  start=$(date +%s)
  # shellcheck disable=SC2086 # FUZZ_BUILD is a list of cargo-fuzz options, split on purpose.
  cargo +nightly fuzz run ${FUZZ_BUILD:-} --fuzz-dir fuzz "$target" "$corpus/$target" -- \
    "${limit[@]}" -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>&1 \
    | grep -E "^(stat::|Done|#[0-9]+ +DONE|==[0-9]+== ERROR|SUMMARY|artifact_prefix)" || true
  status=${PIPESTATUS[0]}
  echo "== $target: exit $status after $(( $(date +%s) - start )) s"
  [ "$status" -eq 0 ] || exit "$status"
done
