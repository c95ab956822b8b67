#!/usr/bin/env bash
# Benchmark for `tlsinspect logs`: generates a trace log of SIZE_MB (default 2048) — mostly INFO
# lines of both formats with the article's two failure blocks mixed in — then measures wall time
# and peak RSS of `tlsinspect logs` beside `grep -c ERROR` on the same file, in one run.
#   usage: scripts/bench-logs.sh [SIZE_MB] [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-2048}
file=${2:-/tmp/tlsinspect-bench-trace.log}

python3 - "$size_mb" "$file" <<'PY'
import sys
size = int(sys.argv[1]) * 1024 * 1024
path = sys.argv[2]
auth = open("tests/data/logs/article-authorization.log").read()
trace = open("tests/data/logs/article-trace.log").read()
lines = []
for i in range(2000):
    s = i % 60
    lines.append(f"2017-09-21T04:10:{s:02d}.356-03:00 1a20 I:Sync ClientSync!Mailbox::Poll @ 120 ()> polled folder {i} with 0 changes, cursor 0x{i*7919:08x}\n")
    lines.append(f"[2022-09-21T03:59:{s:02d}:INFO:sync_engine.cc(88)] Synced item {i} of calendar; etag \"{i*31337:x}\"\n")
    if i % 500 == 0:
        lines.append(auth)
        lines.append(trace)
block = "".join(lines).encode()
with open(path, "wb") as out:
    written = 0
    while written < size:
        out.write(block)
        written += len(block)
print(f"generated {written / 1e6:.0f} MB in {path}")
PY

cargo build --release --quiet
bytes=$(stat -c %s "$file")
measure() {
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  # Output to a file, not /dev/null: GNU grep stops at the first match when it sees /dev/null.
  /usr/bin/time -f "%M" -o /tmp/tlsinspect-bench-rss "$@" > /tmp/tlsinspect-bench-out || true
  end=$(date +%s.%N)
  python3 -c "import sys; b,s,e,r=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]),int(open('/tmp/tlsinspect-bench-rss').read().split()[-1]); print(f'{sys.argv[4]:<28} {e-s:7.2f} s  {b/1e6/(e-s):8.0f} MB/s  peak RSS {r/1024:6.1f} MB')" "$bytes" "$start" "$end" "$label"
}
measure "tlsinspect logs --format json" target/release/tlsinspect logs --format json "$file"
measure "grep -c ERROR" grep -c ERROR "$file"
