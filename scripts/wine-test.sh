#!/usr/bin/env bash
# The Windows build under Wine: builds tlsinspect.exe for x86_64-pc-windows-gnu (Debian's
# mingw-w64), checks that it imports system DLLs only, then runs `demo` and `cargo test` with
# Wine as the runner (one test thread: Wine on two cores makes short timeouts flaky). Tests that
# need a Linux peer program say they are skipped (`skip_on_windows!` in tests/it/support.rs).
#
# Needs: the x86_64-pc-windows-gnu target, gcc-mingw-w64-x86-64 and wine64 (Debian 12: Wine 8.0).
set -euo pipefail
cd "$(dirname "$0")/.."

wine=/usr/lib/wine/wine64   # Debian's wine64 puts no `wine` on PATH
wineserver=/usr/lib/wine/wineserver
target=x86_64-pc-windows-gnu
export WINEPREFIX="${WINEPREFIX:-$PWD/target/wineprefix}"
export WINEDEBUG=-all
# Wine hands these to Windows processes, where they would change what is tested; the Linux peers
# .ci/run requires (mitmdump, chromium) are Linux programs the Windows tests skip.
unset SSL_CERT_FILE SSL_CERT_DIR http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY
unset TLSINSPECT_MITMDUMP TLSINSPECT_REQUIRE_MITMPROXY TLSINSPECT_CHROMIUM TLSINSPECT_REQUIRE_CHROMIUM

mkdir -p target
# Runs one Wine setup command quietly; when it fails, shows what it printed and the free space
# (a prefix takes about 700 MB), and returns its status.
wine_run() {
  local log=target/wine-setup.log status=0
  "$wine" "$@" >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    echo "wine $* failed (exit $status); it printed:" >&2
    tail -n 40 "$log" >&2
    df -h target >&2
  fi
  return "$status"
}

if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "== creating the Wine prefix $WINEPREFIX"
  if ! wine_run wineboot -i; then
    echo "== creating the Wine prefix again, from nothing" >&2
    "$wineserver" -k 2>/dev/null || true
    rm -rf "$WINEPREFIX"
    wine_run wineboot -i || exit 1
  fi
  # The registry files are written when the wineserver exits, a few seconds after wineboot.
  "$wineserver" -w
fi
# Wine 8.0 lacks bcryptprimitives!ProcessPrng, which Rust's std imports (exit 53 before main).
x86_64-w64-mingw32-gcc -O2 -shared -o target/bcryptprimitives.dll \
  scripts/wine/processprng.c scripts/wine/processprng.def -ladvapi32
cp target/bcryptprimitives.dll "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
# A machine with no proxy: "direct", auto-detection off. Wine's default (no settings) reads as
# "Automatically detect settings", which would send WPAD lookups off this machine; the proxy
# tests (tests/it/winhttp.rs) write their settings and put this one back.
wine_run reg add 'HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections' \
  /v DefaultConnectionSettings /t REG_BINARY /d 460000000000000001000000000000000000000000000000 /f ||
  exit 1
"$wine" reg delete 'HKLM\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections' \
  /v WinHttpSettings /f >/dev/null 2>&1 || true

echo "== cargo build --target $target"
cargo build --locked --target "$target"
exe="target/$target/debug/tlsinspect.exe"
# One file: every DLL it imports must come with Windows.
system='^(kernel32|ntdll|advapi32|bcrypt|bcryptprimitives|crypt32|ws2_32|userenv|msvcrt|ucrtbase|secur32|shell32|ole32|oleaut32|user32|winhttp|ncrypt|iphlpapi|dnsapi|api-ms-win-[a-z0-9-]+)\.dll$'
imports=$(x86_64-w64-mingw32-objdump -p "$exe" | awk '/DLL Name:/ {print tolower($3)}' | sort -u)
echo "imports: $(tr '\n' ' ' <<<"$imports")"
if grep -Ev "$system" <<<"$imports"; then
  echo "tlsinspect.exe imports a DLL that is not part of Windows (above)" >&2
  exit 1
fi

echo "== demo under Wine"
"$wine" "$exe" demo

echo "== cargo test under Wine"
log=target/wine-test.log
set +e
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine" \
  cargo test --locked --target "$target" -- --test-threads=1 --show-output >"$log" 2>&1
status=$?
set -e
grep -E '^(test |test result|error)' "$log" || true
echo "== tests that said they are skipped on Windows (what each needs)"
grep -E 'skipped on Windows' "$log" | sort | uniq -c || true
if [ "$status" -ne 0 ]; then
  sed -n '/^failures:/,$p' "$log" | head -200
  echo "cargo test under Wine failed (full log: $log)" >&2
fi
exit "$status"
