#!/usr/bin/env bash
# Benchmark for applying a CRL: makes a CRL of N entries (default 1,000,000) with `openssl ca
# -gencrl` from testcerts/valid (the leaf itself is not listed, so the whole list is searched),
# then measures wall time and peak RSS of `tlsinspect inspect --crl-file` (parse + signature +
# lookup) beside `openssl crl -noout` on the same file, in one run.
#   usage: scripts/bench-crl.sh [ENTRIES] [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-1000000}
dir=${2:-/tmp/tlsinspect-bench-crl}
mkdir -p "$dir"
python3 - "$entries" "$dir/index.txt" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as out:
    for i in range(n):
        out.write(f"R\t391231235959Z\t291101000000Z,keyCompromise\t{0x10000000 + i:X}\tunknown\t/CN=revoked-{i}\n")
PY
cat > "$dir/ca.cnf" <<CNF
[ ca ]
default_ca = bench
[ bench ]
database = $dir/index.txt
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 365
CNF
echo 01 > "$dir/crlnumber"
: > "$dir/index.txt.attr"
start=$(date +%s)
openssl ca -gencrl -config "$dir/ca.cnf" -keyfile testcerts/valid/inter.key -cert testcerts/valid/inter.pem \
  -crl_lastupdate 20291201000000Z -crl_nextupdate 20301201000000Z -out "$dir/big.crl.pem" 2>/dev/null
openssl crl -in "$dir/big.crl.pem" -outform DER -out "$dir/big.crl.der"
echo "generated $entries entries in $(( $(date +%s) - start )) s: $(stat -c %s "$dir/big.crl.der") bytes DER"

cargo build --release --quiet
measure() {
  local label=$1 out=$2; shift 2
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$dir/rss" "$@" > "$out" || true
  end=$(date +%s.%N)
  python3 -c "import sys; s,e,r=float(sys.argv[1]),float(sys.argv[2]),int(open(sys.argv[3]).read().split()[-1]); print(f'{sys.argv[4]:<40} {e-s:7.2f} s  peak RSS {r/1024:7.1f} MB')" "$start" "$end" "$dir/rss" "$label"
}
measure "tlsinspect inspect --crl-file (DER)" "$dir/tlsinspect.json" target/release/tlsinspect inspect testcerts/valid/leaf.pem testcerts/valid/inter.pem \
  --ca-file testcerts/ca.pem --crl-file "$dir/big.crl.der" --at 2030-01-01T00:00:00Z --format json
measure "openssl crl -noout (DER)" "$dir/openssl.out" openssl crl -inform DER -noout -in "$dir/big.crl.der"
python3 - "$dir/tlsinspect.json" <<'PY'
import json, sys
endpoint = json.load(open(sys.argv[1]))["endpoints"][0]
source = endpoint["revocation"]["sources"][0]
print(f"tlsinspect: revocation {source['status']} ({source['bytes']} bytes, signature "
      f"{source['signature_algorithm']}), findings {[f['code'] for f in endpoint['findings']]}")
PY
