#!/usr/bin/env python3
"""What the tlsinspect binary is made of: the crates compiled into it (normal dependencies for
this machine's target, from `cargo metadata`; checksums from Cargo.lock).
  dependencies.py licenses [TARGET]   per crate its name, version and licence expression, then the
                             licence texts its package ships (LICENSE*, LICENCE*, COPYING*, NOTICE*)
  dependencies.py sbom [TARGET]       a CycloneDX 1.5 JSON SBOM: the application, each crate with its
                             purl, licence and SHA-256, and who depends on whom; dated from
                             SOURCE_DATE_EPOCH and named from TLSINSPECT_COMMIT, so it is
                             reproducible
TARGET is a Rust target triple (default: this machine's). Printed on stdout; scripts/package.sh
puts both beside each package."""
import datetime
import json
import os
import re
import subprocess
import sys
import uuid

HOST = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
TARGET = sys.argv[2] if len(sys.argv) > 2 else HOST.split("host: ")[1].split()[0]
META = json.loads(subprocess.run(
    ["cargo", "metadata", "--format-version", "1", "--locked", "--filter-platform", TARGET],
    capture_output=True, text=True, check=True).stdout)
PACKAGES = {p["id"]: p for p in META["packages"]}
NODES = {n["id"]: n for n in META["resolve"]["nodes"]}
ROOT = META["resolve"]["root"]


def normal_deps(node_id):
    """The ids of the crates `node_id` depends on for its own code (not build or dev)."""
    return [dep["pkg"] for dep in NODES[node_id]["deps"]
            if any(kind["kind"] is None for kind in dep["dep_kinds"])]


def compiled_in():
    """Every crate reachable from the root through normal dependencies."""
    seen, stack = set(), [ROOT]
    while stack:
        for dep in normal_deps(stack.pop()):
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return sorted(seen, key=lambda i: (PACKAGES[i]["name"], PACKAGES[i]["version"]))


def purl(package_id):
    package = PACKAGES[package_id]
    return f"pkg:cargo/{package['name']}@{package['version']}"


def licenses(out):
    out.write(f"Third-party licences of the crates compiled into tlsinspect for {TARGET}\n\n")
    for package_id in compiled_in():
        package = PACKAGES[package_id]
        out.write(f"== {package['name']} {package['version']}: "
                  f"{package.get('license') or 'see the texts below'}\n")
        folder = os.path.dirname(package["manifest_path"])
        texts = sorted(f for f in os.listdir(folder)
                       if f.upper().startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE"))
                       and os.path.isfile(os.path.join(folder, f)))
        if not texts:
            out.write("(the crate ships no licence file; its expression is above)\n")
        for name in texts:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as text:
                out.write(f"-- {name}\n{text.read().rstrip()}\n")
        out.write("\n")


def checksums():
    """(name, version) -> the SHA-256 Cargo.lock records for crates from crates.io."""
    lock = open(os.path.join(META["workspace_root"], "Cargo.lock"), encoding="utf-8").read()
    found = {}
    for block in lock.split("[[package]]"):
        name = re.search(r'^name = "(.*)"$', block, re.M)
        version = re.search(r'^version = "(.*)"$', block, re.M)
        checksum = re.search(r'^checksum = "(.*)"$', block, re.M)
        if name and version and checksum:
            found[(name.group(1), version.group(1))] = checksum.group(1)
    return found


def component(package_id, kind, sums):
    package = PACKAGES[package_id]
    entry = {"type": kind, "bom-ref": purl(package_id), "name": package["name"],
             "version": package["version"], "purl": purl(package_id)}
    if package.get("license"):
        entry["licenses"] = [{"expression": package["license"]}]
    checksum = sums.get((package["name"], package["version"]))
    if checksum:
        entry["hashes"] = [{"alg": "SHA-256", "content": checksum}]
    return entry


def sbom(out):
    commit = os.environ.get("TLSINSPECT_COMMIT", "unknown")
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    stamp = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    sums = checksums()
    crates = compiled_in()
    included = set(crates) | {ROOT}
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'tlsinspect/{commit}/{TARGET}')}",
        "version": 1,
        "metadata": {
            "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "component": component(ROOT, "application", sums)
            | {"properties": [{"name": "tlsinspect:commit", "value": commit},
                              {"name": "tlsinspect:target", "value": TARGET}]},
        },
        "components": [component(i, "library", sums) for i in crates],
        "dependencies": [
            {"ref": purl(i), "dependsOn": sorted({purl(d) for d in normal_deps(i)})}
            for i in [ROOT] + crates if i in included
        ],
    }
    json.dump(document, out, indent=1, sort_keys=True)
    out.write("\n")


if __name__ == "__main__":
    {"licenses": licenses, "sbom": sbom}[sys.argv[1]](sys.stdout)
