#!/usr/bin/env bash
# shmap's two set-up commands:   ./run.sh demo    ./run.sh test
# Installs the build tools if they are missing (Debian/Ubuntu: build-essential,
# cmake, and pkg-config, which the README's build lines use), builds into
# ./build showing its progress, then runs the demo or the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v cmake >/dev/null || ! command -v cc >/dev/null || ! command -v make >/dev/null ||
    ! command -v pkg-config >/dev/null; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "run.sh: installing build-essential, cmake and pkg-config with apt-get" >&2
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq build-essential cmake pkg-config >/dev/null
fi

build=${SHMAP_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
echo "run.sh: configuring $build/" >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# The build's progress: on a terminal one line that cmake's percentage
# rewrites, elsewhere (CI, a log) cmake's own lines; anything else it says
# (warnings, errors) as it comes.
progress() {
    if [ -t 2 ]; then
        local cols line
        cols=$(tput cols 2>/dev/null || echo 80)
        while IFS= read -r line; do
            case "$line" in
            "["*"%]"*) printf '\r\033[K%s' "${line:0:cols-1}" >&2 ;;
            *) printf '\r\033[K%s\n' "$line" >&2 ;;
            esac
        done
        printf '\r\033[K' >&2
    else
        cat >&2
    fi
}
echo "run.sh: building ($jobs jobs)" >&2
cmake --build "$build" -j"$jobs" 2>&1 | progress
echo "run.sh: built; the command line is $build/tools/shmap (not installed: cmake --install $build puts it in /usr/local/bin)" >&2

case "${1:-}" in
demo) exec "$build/tools/shmap" demo ;;
test) cd "$build" && exec ctest --output-on-failure -j"$jobs" ;;
*)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
