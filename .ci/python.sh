#!/usr/bin/env bash
# The Python binding (python/): pip-installs it into a scratch directory (no
# network, no change to the system's Python) and runs python/tests with
# pytest against the built library ($BUILD/libshmap.so.0, BUILD default
# ./build) in a private namespace.  apt-get only under CI=true or when a
# module is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 )}
if [ "${CI:-}" = true ] || ! "$PYTHON" -c 'import pytest, setuptools, pip' 2>/dev/null; then
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        python3-pytest python3-setuptools python3-pip >/dev/null
fi
[ -e "$BUILD/libshmap.so.0" ] || { cmake -S . -B "$BUILD" >/dev/null && cmake --build "$BUILD" -j2 >/dev/null; }

tmp=$(mktemp -d)
root=$(mktemp -d /dev/shm/shmap-py.XXXXXX)
trap 'rm -rf "$tmp" "$root"' EXIT
# What a user runs, minus the system-wide part (README.md: the Python binding).
"$PYTHON" -m pip install -q --root-user-action=ignore --no-build-isolation --no-deps --no-index --target "$tmp/site" ./python
export PYTHONPATH="$tmp/site" SHMAP_LIBRARY="$PWD/$BUILD/libshmap.so.0" SHMAP_ROOT="$root"
where=$(cd "$tmp" && "$PYTHON" -c 'import shmap; print(shmap.__file__, shmap.__version__)')
echo "python.sh: testing $where"
case "$where" in "$tmp/site/"*) ;; *) echo "python.sh: not the installed copy" >&2; exit 1 ;; esac
cd "$tmp" && "$PYTHON" -m pytest -q -p no:cacheprovider "$OLDPWD/python/tests"
