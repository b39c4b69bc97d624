#!/usr/bin/env bash
# Install into a temporary prefix and build the Win32 sample programs with
# nothing but `pkg-config --cflags --libs shmap-win32`, then run them.
set -euxo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d /tmp/shmap-install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install build --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig"
for prog in test/prog-win32-creator.c test/prog-win32-reader.c; do
    [ -f "$prog" ] || continue
    cc -Wall -Wextra -Werror -o "$prefix/$(basename "$prog" .c)" "$prog" $(pkg-config --cflags --libs shmap-win32)
done
cc -Wall -Wextra -Werror -o "$prefix/native" -x c - $(pkg-config --cflags --libs shmap) <<'C'
#include <shmap.h>
#include <stdio.h>
int main(void)
{
    shmap_handle_t h;
    int r = shmap_mapping_create(SHMAP_NULL_HANDLE, "install-check", SHMAP_PAGE_READWRITE, 4096, 0, &h);
    printf("shmap %s: create -> %d (%s)\n", shmap_version(), r, shmap_strerror(r));
    return r == 0 && shmap_close(h) == 0 ? 0 : 1;
}
C
root=$(mktemp -d /dev/shm/shmap-ci.XXXXXX)
SHMAP_ROOT=$root "$prefix/native"
rm -rf "$root"
# What an administrator gets once (docs/security.md): the root and global/
# made by root at boot, and the group that may create in Global\.
grep -Eq '^d /dev/shm/shmap +1777 root root' "$prefix/lib/tmpfiles.d/shmap.conf"
grep -Eq '^d /dev/shm/shmap/global +2775 root shmap-global' "$prefix/lib/tmpfiles.d/shmap.conf"
grep -Eq '^g shmap-global' "$prefix/lib/sysusers.d/shmap.conf"
if [ -x "$prefix/prog-win32-creator" ] && [ -x "$prefix/prog-win32-reader" ]; then
    root=$(mktemp -d /dev/shm/shmap-ci.XXXXXX)
    fifo="$root.fifo"
    mkfifo "$fifo"
    (SHMAP_ROOT=$root "$prefix/prog-win32-creator" <"$fifo" >/dev/null) &
    exec 3>"$fifo"
    for _ in $(seq 50); do [ -n "$(ls -A "$root/global" 2>/dev/null)" ] && break; sleep 0.1; done
    out=$(SHMAP_ROOT=$root "$prefix/prog-win32-reader")
    printf x >&3
    exec 3>&-
    wait
    rm -rf "$root" "$fifo"
    echo "$out" | grep -q "Message from first process."
fi
