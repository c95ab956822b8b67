#!/usr/bin/env python3
"""Runs every `tlsinspect check` command that `tlsinspect lab` printed and compares each headline
with the scenario's expected one.

    target/debug/tlsinspect lab --dir /tmp/tl-lab --duration 120 > /tmp/lab.txt &
    sleep 3; python3 scripts/run-lab-commands.py /tmp/lab.txt
"""
import json
import shlex
import subprocess
import sys

binary = sys.argv[2] if len(sys.argv) > 2 else "target/debug/tlsinspect"
failed = 0
for line in open(sys.argv[1]).read().splitlines():
    if " (expected: " in line and not line.startswith(" "):
        name = line.split()[0]
        expected = line.split("(expected: ")[1].rstrip(")")
    elif line.startswith("  tlsinspect check"):
        args = shlex.split(line.strip())[1:] + ["--format", "json"]
        out = subprocess.run([binary] + args, capture_output=True, text=True, timeout=120)
        try:
            got = json.loads(out.stdout)["endpoints"][0]["headline"] or "no finding"
        except (ValueError, KeyError, IndexError):
            got = "error: " + out.stderr.strip()[:200]
        ok = got == expected
        failed += not ok
        print(f"{name:24} expected {expected:24} got {got:24} {'ok' if ok else 'MISMATCH'}")
sys.exit(1 if failed else 0)
