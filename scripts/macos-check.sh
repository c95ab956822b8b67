#!/usr/bin/env bash
# Type-checks and lints the macOS build (x86_64-apple-darwin) on Linux: the code behind
# cfg(target_os = "macos") — the keychain reading of `trust`, the system anchors — must compile
# and pass clippy. Nothing is linked or run (no macOS SDK or linker here): ring's build script
# compiles its C code with clang against four stand-in SDK headers (scripts/macos/include).
#
# Needs: `rustup target add x86_64-apple-darwin`, clang and llvm-ar (Debian's clang package).
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-apple-darwin
if ! command -v clang >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq clang >/dev/null
fi
ar=$(command -v llvm-ar || ls /usr/bin/llvm-ar-* 2>/dev/null | head -n1)
stub="$PWD/scripts/macos/include"
export SDKROOT="$stub"   # cc-rs asks xcrun for the SDK unless this is set
export CC_x86_64_apple_darwin=clang AR_x86_64_apple_darwin="$ar"
export CFLAGS_x86_64_apple_darwin="--target=$target -I$stub"
echo "== cargo clippy --target $target (type-check and lints; not linked)"
cargo clippy --locked --target "$target" --all-targets -- -D warnings
