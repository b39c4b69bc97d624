#!/usr/bin/env bash
# shmap's two set-up commands:   ./run.sh demo    ./run.sh test
# Installs the build tools if they are missing (Debian/Ubuntu), builds into
# ./build, then runs the demo or the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v cmake >/dev/null || ! command -v cc >/dev/null || ! command -v make >/dev/null; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "run.sh: installing build-essential and cmake with apt-get" >&2
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq build-essential cmake >/dev/null
fi

build=${SHMAP_BUILD_DIR:-build}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$jobs" >/dev/null

case "${1:-}" in
demo) exec "$build/tools/shmap" demo ;;
test) cd "$build" && exec ctest --output-on-failure -j"$jobs" ;;
*)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac
