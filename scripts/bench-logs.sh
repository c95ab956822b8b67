#!/usr/bin/env bash
# Benchmark for `tlsinspect logs`: generates a trace log of SIZE_MB (default 2048) with
# scripts/gen-trace-log.py — two months of INFO traffic in both formats with failing attempts of
# five kinds spread over every day, and a sixth kind in the last lines — then measures wall time,
# throughput and peak RSS of `tlsinspect logs --format json` beside `grep -c ERROR` on the same
# file (warm page cache: the file is read once first), and prints the problems found.
#   usage: scripts/bench-logs.sh [SIZE_MB] [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-2048}
file=${2:-/tmp/tlsinspect-bench-trace.log}

if [ ! -s "$file" ] || [ "$(( $(stat -c %s "$file") / 1048576 ))" -lt "$(( size_mb * 9 / 10 ))" ]; then
  python3 scripts/gen-trace-log.py "$size_mb" "$file"
fi
cargo build --release --quiet
cat "$file" > /dev/null
bytes=$(stat -c %s "$file")
measure() {
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  # Output to a file, not /dev/null: GNU grep stops at the first match when it sees /dev/null.
  /usr/bin/time -f "%M" -o /tmp/tlsinspect-bench-rss "$@" > /tmp/tlsinspect-bench-out || true
  end=$(date +%s.%N)
  python3 -c "import sys; b,s,e,r=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]),int(open('/tmp/tlsinspect-bench-rss').read().split()[-1]); print(f'{sys.argv[4]:<30} {e-s:7.2f} s  {b/1e6/(e-s):8.0f} MB/s  peak RSS {r/1024:6.1f} MB')" "$bytes" "$start" "$end" "$label"
}
echo "file: $file, $((bytes / 1048576)) MiB, $(nproc) cores"
measure "tlsinspect logs --format json" target/release/tlsinspect logs --format json "$file"
cp /tmp/tlsinspect-bench-out /tmp/tlsinspect-bench-report.json
measure "grep -c ERROR" grep -c ERROR "$file"
python3 - <<'PY'
import json
r = json.load(open("/tmp/tlsinspect-bench-report.json"))
s = r["summary"]
print(f"lines {s['lines']:,}, failed attempts {s['attempts']:,}, incidents {s['incidents']:,}, problems {s['problems']}")
for p in r["problems"]:
    print(f"  {p['code']:<24} {p['attempts']:>7,} attempts {p['incidents']:>7,} incidents  last {p['last']}  ongoing {p['ongoing']}  ({p['cause'][:60]})")
PY
