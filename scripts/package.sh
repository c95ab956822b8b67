#!/usr/bin/env bash
# Writes the packages of this checkout into target/dist/, with what an admin needs beside them:
# tlsinspect_VERSION_ARCH.deb (the binary; the man page in man1; bash, zsh and fish completions
# where each shell looks for them; README, the licences, the third-party licences of the crates
# in the binary, docs/); the Windows zip (tlsinspect.exe, README, licences, PowerShell
# completion) and MSI (the same files under Program Files, the folder on PATH); a CycloneDX SBOM
# beside each (…cdx.json, validated when TLSINSPECT_CDX_PYTHON names a python with
# cyclonedx-python-lib), SHA256SUMS and the licence files. Built from the commit's time and with
# paths remapped and a fixed target folder, so that two builds of one commit give the same bytes,
# in any checkout (SOURCE_DATE_EPOCH; --remap-path-prefix for every rustc; /tmp/tlsinspect-package). Then, with --install-test (CI, as root): dpkg -i, `tlsinspect demo`,
# `man -w tlsinspect`, the bash completion loads, dpkg -r leaves nothing; the zip's exe runs
# under Wine; the MSI installs, runs and uninstalls cleanly under Wine
# (scripts/msi-install-test.sh).
# Needs: dpkg-deb, the x86_64-pc-windows-gnu target with mingw-w64, wixl, msibuild (msitools),
# faketime; wine64 for --install-test.
#   usage: scripts/package.sh [--install-test]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
export TLSINSPECT_COMMIT=${TLSINSPECT_COMMIT:-$(git rev-parse HEAD)}
# Paths of this machine must not end up in the binaries (panic locations, debug names): every
# rustc cargo runs gets the remapping through scripts/rustc-remap.sh — the host's too (build
# scripts, proc-macros), which RUSTFLAGS does not reach when --target is given: rustversion, a
# proc-macro of tls-parser's, includes a file from its OUT_DIR, and its path changed the crates
# that use it.
export TLSINSPECT_REMAP="--remap-path-prefix=$repo=/build/tlsinspect --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo --remap-path-prefix=${RUSTUP_HOME:-$HOME/.rustup}=/rustup"
export RUSTC_WRAPPER=$repo/scripts/rustc-remap.sh
# A target folder of its own, at a fixed path outside the checkout: for windows-sys's raw-dylib
# imports rustc has dlltool write import objects whose symbols name the folder they are
# written in, and a folder below the checkout made the Windows exe differ between checkouts
# (measured: /work/main and /tmp/ra, same commit, fresh folders). One build at a time uses it.
target=${TLSINSPECT_PACKAGE_TARGET:-/tmp/tlsinspect-package}
mkdir -p "$target"
exec 9> "$target/.lock"
flock 9
cargo build --release --locked --quiet --bin tlsinspect --target-dir "$target"
bin=$target/release/tlsinspect
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
arch=$(dpkg --print-architecture)
dist=target/dist
rm -rf "$dist"
mkdir -p "$dist"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/tlsinspect_${version}_${arch}
doc=$root/usr/share/doc/tlsinspect
install -D -m 0755 "$bin" "$root/usr/bin/tlsinspect"
mkdir -p "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" "$doc/docs"
"$bin" man | gzip -9n > "$root/usr/share/man/man1/tlsinspect.1.gz"
"$bin" completions bash > "$root/usr/share/bash-completion/completions/tlsinspect"
"$bin" completions zsh > "$root/usr/share/zsh/vendor-completions/_tlsinspect"
"$bin" completions fish > "$root/usr/share/fish/vendor_completions.d/tlsinspect.fish"
install -m 0644 README.md ARCHITECTURE.md LICENSE-MIT LICENSE-APACHE "$doc/"
install -m 0644 docs/*.md "$doc/docs/"
python3 scripts/dependencies.py licenses > "$doc/THIRD-PARTY-LICENSES.txt"
cat > "$doc/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: tlsinspect

Files: *
Copyright: 2026 the tlsinspect developers
License: MIT or Apache-2.0
 The full texts are LICENSE-MIT and LICENSE-APACHE in this folder; the licences of the crates
 compiled into the binary are in THIRD-PARTY-LICENSES.txt.gz.
COPYRIGHT
# Debian policy: documentation over 4 kB is compressed (the copyright file never).
find "$doc" -type f ! -name copyright -size +4k -exec gzip -9n {} +
mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: tlsinspect
Version: $version
Architecture: $arch
Maintainer: the tlsinspect developers <tlsinspect@invalid>
Installed-Size: $size
Depends: libc6 (>= 2.34)
Section: net
Priority: optional
Description: TLS interception and certificate inspector
 Tells whether the TLS path from this machine to a set of services is clean,
 and if not, exactly why: a firewall, an authenticated proxy, an HTTPS-inspecting
 proxy, a wrong clock, a revoked or expired certificate, an unreachable CRL or
 OCSP server. Checks Google Workspace Sync's endpoints by default; reads the
 client's trace logs, audits trust stores and grades SSL-inspection proxies.
CONTROL
(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum > DEBIAN/md5sums)
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
deb=$dist/tlsinspect_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" > /dev/null
install -m 0644 LICENSE-MIT LICENSE-APACHE "$dist/"
python3 scripts/dependencies.py licenses > "$dist/THIRD-PARTY-LICENSES.txt"
python3 scripts/dependencies.py sbom > "$dist/tlsinspect_${version}_${arch}.cdx.json"

# Windows: the exe, cross-built with Debian's mingw-w64, in a zip with the README, the licences,
# the third-party licences of the crates compiled in for Windows and the PowerShell completion;
# its own SBOM beside it.
win=x86_64-pc-windows-gnu
# GNU ld stamps a PE file with the link's time unless told not to.
RUSTFLAGS="-C link-arg=-Wl,--no-insert-timestamp" \
  cargo build --release --locked --quiet --bin tlsinspect --target "$win" --target-dir "$target"
windows=$stage/windows
mkdir -p "$windows"
"$bin" completions powershell > "$windows/tlsinspect.ps1"
python3 scripts/dependencies.py licenses "$win" > "$windows/THIRD-PARTY-LICENSES.txt"
zip=$dist/tlsinspect_${version}_windows_x86_64.zip
python3 scripts/zip.py "$zip" "tlsinspect.exe=$target/$win/release/tlsinspect.exe" \
  README.md=README.md LICENSE-MIT=LICENSE-MIT LICENSE-APACHE=LICENSE-APACHE \
  "THIRD-PARTY-LICENSES.txt=$windows/THIRD-PARTY-LICENSES.txt" \
  "completions/tlsinspect.ps1=$windows/tlsinspect.ps1"
python3 scripts/dependencies.py sbom "$win" > "${zip%.zip}.cdx.json"

# The MSI (packaging/tlsinspect.wxs), built by Debian's wixl in a folder holding the zip's files:
# a per-machine install under Program Files that puts the folder on the system PATH. wixl 0.101
# stamps the build's clock and a random package code: it runs under faketime at the commit's
# time, and msibuild sets the package code (derived from the commit, as the product code from
# the version: a new version is a major upgrade) and adds the PATH entry (packaging/
# Environment.idt), an element wixl 0.101 does not know.
uuid() { python3 -c 'import sys, uuid; print(str(uuid.uuid5(uuid.NAMESPACE_URL, sys.argv[1])).upper())' "$1"; }
product_code=$(uuid "tlsinspect/product/$version")
package_code=$(uuid "tlsinspect/package/$TLSINSPECT_COMMIT")
msi_files=$stage/msi
mkdir -p "$msi_files/completions"
cp "$target/$win/release/tlsinspect.exe" README.md LICENSE-MIT LICENSE-APACHE \
  "$windows/THIRD-PARTY-LICENSES.txt" "$msi_files/"
cp "$windows/tlsinspect.ps1" "$msi_files/completions/"
find "$msi_files" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
msi=$repo/$dist/tlsinspect_${version}_windows_x86_64.msi
(cd "$msi_files" && faketime "@$SOURCE_DATE_EPOCH" wixl --arch x64 --output "$msi" \
  --define "Version=$version" --define "Commit=$TLSINSPECT_COMMIT" \
  --define "ProductCode=$product_code" --define "PackageCode=$package_code" \
  "$repo/packaging/tlsinspect.wxs")
(cd packaging && msibuild "$msi" -i Environment.idt \
  -s "tlsinspect $version: TLS interception and certificate inspector" \
  "the tlsinspect developers" "x64;1033" "{$package_code}")
python3 scripts/dependencies.py sbom "$win" > "${msi%.msi}.msi.cdx.json"

# The SBOMs are checked against CycloneDX's schema by its project's library (a venv .ci/run
# makes).
if [ -n "${TLSINSPECT_CDX_PYTHON:-}" ]; then
  for sbom in "$dist"/*.cdx.json; do "$TLSINSPECT_CDX_PYTHON" scripts/validate-sbom.py "$sbom"; done
elif [ "${CI:-}" = true ]; then
  echo "TLSINSPECT_CDX_PYTHON is not set: the SBOM cannot be validated" >&2
  exit 1
else
  echo "SBOM written, not validated (set TLSINSPECT_CDX_PYTHON to a python with cyclonedx-python-lib)"
fi
(cd "$dist" && sha256sum -- * > SHA256SUMS)
echo "wrote $dist:"
cat "$dist/SHA256SUMS"

if [ "${1:-}" = "--install-test" ]; then
  dpkg -i "$deb" > /dev/null
  files=$(dpkg -L tlsinspect)
  /usr/bin/tlsinspect --version | grep -q "(commit $TLSINSPECT_COMMIT)"
  /usr/bin/tlsinspect demo -q > /dev/null
  man -w tlsinspect | grep -q /usr/share/man/man1/tlsinspect.1.gz
  bash -c 'source /usr/share/bash-completion/completions/tlsinspect && complete -p tlsinspect' > /dev/null
  dpkg -r tlsinspect > /dev/null
  left=0
  while read -r file; do
    if [ -f "$file" ]; then echo "left after dpkg -r: $file" >&2; left=1; fi
  done <<< "$files"
  [ "$left" = 0 ] || exit 1
  echo "installed, ran demo, found the man page and the bash completion, removed cleanly"
  # The zip's exe and the MSI under Wine (the prefix scripts/wine-test.sh prepares).
  export WINEPREFIX=${WINEPREFIX:-$repo/target/wineprefix}
  unzipped=$stage/unzipped
  mkdir -p "$unzipped"
  (cd "$unzipped" && python3 -m zipfile -e "$repo/$zip" .)
  WINEDEBUG=-all /usr/lib/wine/wine64 "$unzipped/tlsinspect.exe" --version | tr -d '\r' | grep -q "(commit $TLSINSPECT_COMMIT)"
  echo "the zip's tlsinspect.exe runs under Wine and names the commit"
  scripts/msi-install-test.sh "$msi" "$product_code" "$TLSINSPECT_COMMIT"
fi
