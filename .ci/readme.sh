#!/usr/bin/env bash
# Every ```c block of README.md is a complete program: extracted, built with
# warnings as errors against an installed tree with nothing but pkg-config
# (shmap-win32 if it includes <windows.h>, else shmap), and run in a private
# namespace.  The ```python blocks run too, over the installed binding.
# SHMAP_PREFIX: an installed prefix (default: cmake --install build into a
# temporary one).
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/prefix.sh

# Split the fenced blocks into $tmp/snippet-N.c / .py.
awk -v dir="$tmp" '
    /^```(c|python)$/ { n++; ext = ($0 == "```c") ? "c" : "py"; f = dir "/snippet-" n "." ext; next }
    /^```/ && f { close(f); f = ""; next }
    f { print > f }
' README.md
count=0
for f in "$tmp"/snippet-*.c; do
    [ -e "$f" ] || continue
    pc=shmap
    grep -q '^#include <windows.h>' "$f" && pc=shmap-win32
    cc -Wall -Wextra -Werror -o "${f%.c}" "$f" $(pkg-config --cflags --libs "$pc") ||
        { echo "readme.sh: README.md's block $(basename "$f") does not build:" >&2; cat -n "$f" >&2; exit 1; }
    SHMAP_ROOT=$root "${f%.c}" || { echo "readme.sh: $(basename "$f") failed" >&2; exit 1; }
    echo "readme.sh: $(basename "$f") ($pc) builds and runs"
    count=$((count + 1))
done
[ "$count" -ge 2 ] || { echo "readme.sh: expected the native and the Win32 snippets" >&2; exit 1; }
if ls "$tmp"/snippet-*.py >/dev/null 2>&1; then
    "$PYTHON" -m pip install -q --root-user-action=ignore --no-build-isolation --no-deps --no-index --target "$tmp/site" ./python 2>/dev/null
    for f in "$tmp"/snippet-*.py; do
        PYTHONPATH="$tmp/site" SHMAP_LIBRARY="$libdir/libshmap.so.0" SHMAP_ROOT=$root "$PYTHON" "$f"
        echo "readme.sh: $(basename "$f") (python) runs"
    done
fi
