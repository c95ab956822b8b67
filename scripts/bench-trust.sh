#!/usr/bin/env bash
# Benchmark for `tlsinspect trust`: the machine's own store (about 150 roots on a usual Linux),
# 20 stores of 150 roots through `trust --discover`,
# and a bundle of N certificates (default 10,000) made with openssl: one key, N distinct roots.
# Prints wall time and peak RSS of each run (release build, warm cache, best of 3).
#   usage: scripts/bench-trust.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-10000}
dir=${TMPDIR:-/tmp}/tlsinspect-bench-trust
bundle=$dir/bundle-$count.pem
mkdir -p "$dir"
if [ ! -s "$bundle" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/key.pem" 2>/dev/null
  python3 - "$count" "$dir" "$bundle" <<'PY'
import subprocess, sys
count, directory, bundle = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(bundle, "wb") as out:
    for i in range(count):
        out.write(subprocess.run(
            ["openssl", "req", "-x509", "-key", f"{directory}/key.pem", "-days", "3650",
             "-subj", f"/O=tlsinspect bench/CN=Bench Root {i}", "-set_serial", str(i + 1)],
            capture_output=True, check=True).stdout)
print(f"made {count} roots in {bundle}")
PY
fi
cargo build --release --quiet
best() {
  local label=$1; shift
  local best_time=999 rss=0
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$dir/time" "$@" > /dev/null || true
    # /usr/bin/time writes a first line when the exit status is not 0 (findings give 1).
    read -r secs kb < <(tail -n 1 "$dir/time")
    if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$secs" "$best_time"; then
      best_time=$secs; rss=$kb
    fi
  done
  python3 -c "import sys; print(f'{sys.argv[1]:<44} {float(sys.argv[2]):6.3f} s  peak RSS {int(sys.argv[3])/1024:6.1f} MB')" "$label" "$best_time" "$rss"
}
roots=$( (target/release/tlsinspect trust --format json || true) | python3 -c "import json,sys; print(json.load(sys.stdin)['summary']['roots'])")
best "trust (system store, $roots roots)" target/release/tlsinspect trust
best "trust --store bundle ($count certificates)" target/release/tlsinspect trust --store "$bundle"
# `trust --discover` over 20 stores of 150 roots each (the issue's figure): under --root, a
# system bundle and 19 certifi bundles, each 150 roots of the bundle above, overlapping so that
# every root is outside the baseline and missing from some stores (the worst case for the
# matrix and the findings across stores).
machine=$dir/machine-20x150
if [ ! -d "$machine" ]; then
  python3 - "$bundle" "$machine" <<'PY'
import os, sys
blocks = open(sys.argv[1]).read().split("-----END CERTIFICATE-----\n")[:-1]
blocks = [block + "-----END CERTIFICATE-----\n" for block in blocks]
assert len(blocks) >= 20 * 50 + 150, "needs N >= 1150"
root = sys.argv[2]
def store(path, index):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write("".join(blocks[index * 50:index * 50 + 150]))
store(f"{root}/etc/ssl/certs/ca-certificates.crt", 0)
for i in range(1, 20):
    store(f"{root}/usr/lib/python3.{i}/site-packages/certifi/cacert.pem", i)
PY
fi
stores=$( (target/release/tlsinspect trust --discover --root "$machine" --format json || true) | python3 -c "import json,sys; s=json.load(sys.stdin)['summary']; print(s['read'], 'stores,', s['roots'], 'roots that matter')")
best "trust --discover ($stores)" target/release/tlsinspect trust --discover --root "$machine"
