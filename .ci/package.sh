#!/usr/bin/env bash
# The Debian package: build libshmap0, libshmap-dev and shmap with
# dpkg-buildpackage from debian/ (a copy of the tree in a temporary
# directory, so nothing is written beside the repository), show what each
# .deb holds, install them, and check what an installed system gets: the
# group shmap-global and the namespace root, a Win32 and a native program
# built with pkg-config against /usr, the CMake package, the man pages
# (every exported function, rendered without a warning: .ci/man-check.sh),
# shmap --version.
# The packages are removed again at the end.  Runs as root (CI).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=()
# (gcc-mingw-w64-x86-64: the Wine bridge's Windows half, a Build-Depends on amd64)
mingw=$([ "$(dpkg --print-architecture)" = amd64 ] && echo gcc-mingw-w64-x86-64 || true)
for p in debhelper dpkg-dev scdoc fakeroot cmake pkg-config build-essential man-db $mingw; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get install -y -qq "${need[@]}" >/dev/null
fi

# One version: debian/changelog's is project(VERSION)'s.
version=$(sed -n 's/^project(shmap VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
debversion=$(dpkg-parsechangelog -S Version)
if [ "$version" != "$debversion" ]; then
    echo "package.sh: debian/changelog is at $debversion, CMakeLists.txt at $version" >&2
    exit 1
fi

# The man pages of the tree: one for every exported function, each rendered
# by man -l without a warning.
.ci/man-check.sh

tmp=$(mktemp -d /tmp/shmap-package.XXXXXX)
installed=0
cleanup() {
    if [ "$installed" = 1 ]; then
        apt-get purge -y -qq shmap libshmap-dev libshmap0 >/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/src"
# the files git knows, as they are in the work tree
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tmp/src" 2>/dev/null ||
    git ls-files -z | xargs -0 cp --parents -t "$tmp/src"
start=$(date +%s)
(cd "$tmp/src" && DEB_BUILD_OPTIONS="noautodbgsym nocheck" dpkg-buildpackage -us -uc -b -j"$(nproc)" >"$tmp/build.log" 2>&1) || {
    tail -50 "$tmp/build.log" >&2
    exit 1
}
echo "package.sh: dpkg-buildpackage took $(($(date +%s) - start)) s" >&2
for deb in "$tmp"/*.deb; do
    echo "== $(basename "$deb")"
    dpkg -c "$deb"
done
apt-get install -y -qq "$tmp"/*.deb >/dev/null
installed=1

# what issue 7 needs installed once
getent group shmap-global >/dev/null
[ "$(stat -c '%a %U' /dev/shm/shmap)" = "1777 root" ]
[ "$(stat -c '%a %U %G' /dev/shm/shmap/global)" = "2775 root shmap-global" ]

# the Wine bridge's Windows half, where it is built (amd64, mingw there),
# found by the installed shmap beside itself
if [ "$(dpkg --print-architecture)" = amd64 ] && command -v x86_64-w64-mingw32-gcc >/dev/null; then
    dpkg -L shmap | grep -q '/shmap/shmap-wine-bridge.exe$'
    SHMAP_WINE_BRIDGE='' WINE=/bin/true shmap wine --where | grep -q "^bridge: .*/lib/.*/shmap/shmap-wine-bridge.exe$"
fi

# the CLI and its version (shmap --version once the CLI has it: tools/)
shmap version | grep -qF "$version"
if grep -q '"--version"' tools/*.c; then
    v=$(shmap --version)
    echo "package.sh: shmap --version: $v"
    echo "$v" | grep -qF "$version"
else
    echo "package.sh: this CLI has no --version yet; shmap version: $(shmap version)" >&2
fi

# the Python binding, found by python3 without pip or PYTHONPATH
py=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 ) # Debian's, not a pyenv or venv one
pyv=$(cd / && "$py" -c 'import shmap; print(shmap.__version__, shmap.__file__)')
echo "package.sh: python3 -c 'import shmap': $pyv"
case $pyv in "$version /usr/lib/python3/dist-packages/shmap/"*) ;; *) exit 1 ;; esac

# programs built against /usr with pkg-config alone
root=$(mktemp -d /dev/shm/shmap-package.XXXXXX)
cat >"$tmp/win32.c" <<'C'
#include <windows.h>
#include <stdio.h>
int main(void)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, "package");
    if (h == NULL) {
        printf("error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    return CloseHandle(h) ? 0 : 1;
}
C
cat >"$tmp/native.c" <<'C'
#include <shmap.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    printf("shmap %s (header %s)\n", shmap_version(), SHMAP_VERSION_STRING);
    return strcmp(shmap_version(), SHMAP_VERSION_STRING) != 0;
}
C
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror -o "$tmp/win32" "$tmp/win32.c" $(pkg-config --cflags --libs shmap-win32)
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror -o "$tmp/native" "$tmp/native.c" $(pkg-config --cflags --libs shmap)
SHMAP_ROOT=$root "$tmp/win32"
"$tmp/native"
[ "$(pkg-config --modversion shmap)" = "$version" ]
rm -rf "$root"
# the CMake package from /usr
cmake -S test/cmake-consumer -B "$tmp/consumer" -DSHMAP_WANT="$version" >/dev/null
cmake --build "$tmp/consumer" >/dev/null

# man pages: one for each exported function of the installed headers
MANWIDTH=80 man --warnings shmap_mapping_create 2>&1 >/dev/null | (! grep .)
MANWIDTH=80 man shmap_mapping_open | grep -q 'shmap_mapping_create, shmap_mapping_open'
(cd /usr/include && perl -0ne 'while (/SHMAP_EXTERN\b([^;(]*)\(/g) { my $d = $1; print "$1\n" if $d =~ /(shmap_\w+)\s*$/ }' shmap.h shmap/*.h) |
    sort -u >"$tmp/fns"
missing=0
while read -r fn; do
    man -w "$fn" >/dev/null 2>&1 || {
        echo "package.sh: no man page for $fn" >&2
        missing=1
    }
done <"$tmp/fns"
[ "$missing" = 0 ]
if [ -f man/shmap.1.scd ]; then
    MANWIDTH=80 man --warnings 1 shmap 2>&1 >/dev/null | (! grep .)
fi
debs=("$tmp"/*.deb)
echo "package.sh: ${#debs[@]} packages built, installed and checked ($(wc -l <"$tmp/fns") functions with a man page)"
