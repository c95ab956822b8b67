#!/usr/bin/env bash
# Installs the MSI under Wine as an administrator's deployment would (msiexec /i … /qn), checks
# what it left — the files under "C:\Program Files\tlsinspect", the folder on the system PATH,
# the entry in "Programs and Features" — runs the installed tlsinspect.exe through PATH
# (--version names the commit; demo passes), uninstalls it (msiexec /x … /qn) and checks that
# nothing of it is left. Uses $WINEPREFIX (scripts/wine-test.sh prepares one).
#   usage: scripts/msi-install-test.sh MSI PRODUCT-CODE COMMIT
set -euo pipefail
msi=$1 product="{$2}" commit=$3
wine=/usr/lib/wine/wine64
export WINEDEBUG=-all
: "${WINEPREFIX:?set WINEPREFIX to a Wine prefix}"
# Nothing of the machine's must reach the Windows process (see scripts/wine-test.sh).
unset SSL_CERT_FILE SSL_CERT_DIR http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY
folder="$WINEPREFIX/drive_c/Program Files/tlsinspect"
environment='HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
uninstall="HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\$product"
fail() { echo "MSI install test: $*" >&2; exit 1; }
windows_path() { printf 'Z:%s' "$(realpath "$1" | tr / '\\')"; }
system_path() { "$wine" reg query "$environment" /v PATH | tr -d '\r' | sed -n 's/.*REG_[A-Z_]*SZ *//p'; }

[ ! -e "$folder" ] || fail "$folder exists before the install"
# Wine's msiexec /x leaves the separator it added at the end of PATH (Windows removes it), and
# Wine's cmd stops searching PATH at an empty entry: in a prefix this test ran in before, that
# separator is taken off first.
before=$(system_path)
if [ "${before%;}" != "$before" ]; then
  "$wine" reg add "$environment" /v PATH /t REG_EXPAND_SZ /d "${before%;}" /f > /dev/null
fi
"$wine" msiexec /i "$(windows_path "$msi")" /qn || fail "msiexec /i failed ($?)"
for file in tlsinspect.exe README.md LICENSE-MIT LICENSE-APACHE THIRD-PARTY-LICENSES.txt \
  completions/tlsinspect.ps1; do
  [ -f "$folder/$file" ] || fail "not installed: $file"
done
system_path | grep -qiF 'C:\Program Files\tlsinspect' || fail "PATH lacks the folder: $(system_path)"
"$wine" reg query "$uninstall" /v DisplayVersion > /dev/null 2>&1 || fail "no entry $uninstall"
# Through PATH, as a user or a scheduled task calls it.
"$wine" cmd /c 'tlsinspect --version' | tr -d '\r' | grep -q "(commit $commit)" ||
  fail "tlsinspect on PATH does not name commit $commit"
"$wine" cmd /c 'tlsinspect demo -q' > /dev/null || fail "the installed tlsinspect demo failed"
echo "MSI installed under Program Files, on PATH, listed in Programs and Features; demo passed"

"$wine" msiexec /x "$(windows_path "$msi")" /qn || fail "msiexec /x failed ($?)"
[ ! -e "$folder" ] || fail "left after msiexec /x: $(find "$folder" | head -5)"
! system_path | grep -qiF tlsinspect || fail "PATH still names tlsinspect: $(system_path)"
! "$wine" reg query "$uninstall" > /dev/null 2>&1 || fail "$uninstall left after msiexec /x"
echo "MSI uninstalled: no file, no PATH entry, no Programs and Features entry left"
