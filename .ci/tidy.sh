#!/usr/bin/env bash
# clang-tidy with the repo's .clang-tidy over the library's sources, warnings
# as errors: exits non-zero on any finding.  The sources are every C file
# below src/ in the build's compile database, in whatever subfolder, so that
# a file added or moved there is checked without this script being told.
# Needs cmake and clang-tidy (Debian: clang-tidy); runs one clang-tidy per
# core.  A false positive gets a NOLINT(check) with its reason where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${SHMAP_TIDY_BUILD_DIR:-build-tidy}
jobs=$(nproc 2>/dev/null || echo 2)
tidy=$(command -v clang-tidy || command -v clang-tidy-14 || true)
if [ -z "$tidy" ]; then
    echo "tidy.sh: clang-tidy not found (apt-get install clang-tidy)" >&2
    exit 1
fi

# Configuring writes compile_commands.json; nothing is generated that the
# sources include, so there is no need to build.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
db="$build/compile_commands.json"

# CMake writes one '"file": "/absolute/path",' line per entry (probe.c has
# two: the Win32 face compiles it too; each file is checked once).
files=$(sed -n 's/^ *"file": *"\(.*\)",\{0,1\} *$/\1/p' "$db" | grep "^$root/src/.*\.c\$" | sort -u || true)
if [ -z "$files" ]; then
    echo "tidy.sh: no sources below src/ in $db" >&2
    exit 1
fi
echo "tidy.sh: $("$tidy" --version | grep -m1 -i version | sed 's/^ *//'), $(echo "$files" | wc -l) files, $jobs jobs" >&2

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
printf '%s\n' "$files" |
    xargs -d '\n' -n1 -P"$jobs" "$tidy" -p "$build" --quiet --warnings-as-errors='*' >"$log" 2>&1 ||
    status=$?
# the count of warnings clang-tidy suppressed (system headers, other checks)
# is not a finding
grep -v -E '^[0-9]+ (warnings?|errors?)( and [0-9]+ errors?)? generated\.$' "$log" || true
if [ "$status" -ne 0 ]; then
    echo "tidy.sh: clang-tidy reported findings (exit $status)" >&2
fi
exit "$status"
