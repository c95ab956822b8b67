#!/usr/bin/env python3
"""The licences of the crates compiled into the tlsinspect binary (normal dependencies for this
machine's target, from `cargo metadata`): per crate its name, version and licence expression,
then the licence texts its package ships (LICENSE*, LICENCE*, COPYING*, NOTICE*). Printed on
stdout; scripts/package.sh puts it in the packages."""
import json
import os
import subprocess
import sys

meta = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked",
     "--filter-platform", subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True)
     .stdout.split("host: ")[1].split()[0]],
    capture_output=True, text=True, check=True).stdout)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root = meta["resolve"]["root"]
seen, stack = set(), [root]
while stack:
    node = nodes[stack.pop()]
    for dep in node["deps"]:
        if any(kind["kind"] is None for kind in dep["dep_kinds"]) and dep["pkg"] not in seen:
            seen.add(dep["pkg"])
            stack.append(dep["pkg"])
out = sys.stdout
out.write("Third-party licences of the crates compiled into tlsinspect\n\n")
for pkg in sorted((packages[i] for i in seen), key=lambda p: (p["name"], p["version"])):
    out.write(f"== {pkg['name']} {pkg['version']}: {pkg.get('license') or 'see the texts below'}\n")
    folder = os.path.dirname(pkg["manifest_path"])
    texts = sorted(f for f in os.listdir(folder)
                   if f.upper().startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE"))
                   and os.path.isfile(os.path.join(folder, f)))
    if not texts:
        out.write("(the crate ships no licence file; its expression is above)\n")
    for name in texts:
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as text:
            out.write(f"-- {name}\n{text.read().rstrip()}\n")
    out.write("\n")
