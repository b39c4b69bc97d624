#!/usr/bin/env bash
# The ecosystem around the library (issue 16, parts 1, 3, 4), over one
# installed tree (cmake --install build into a temporary prefix): the
# README's snippets (readme.sh), the Python binding (python.sh), the
# examples (examples.sh), the installed bash completion, and the CLI's man
# page source.  apt-get only under CI=true or when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
need=()
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v scdoc >/dev/null || [ "${CI:-}" != true ] || need+=(scdoc)
py=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 )
if [ "${CI:-}" = true ] || ! "$py" -c 'import pytest, setuptools, pip' 2>/dev/null; then
    need+=(python3-pytest python3-setuptools python3-pip)
fi
if [ ${#need[@]} -gt 0 ]; then
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -e "$BUILD/libshmap.so.0" ] || { cmake -S . -B "$BUILD" >/dev/null && cmake --build "$BUILD" -j2 >/dev/null; }

prefix=$(mktemp -d /tmp/shmap-eco.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$BUILD" --prefix "$prefix" >/dev/null
export SHMAP_PREFIX=$prefix BUILD

.ci/readme.sh
.ci/python.sh
.ci/examples.sh

# The Python package as cmake --install puts it (no pip): imports from the
# prefix and speaks to the library.
(cd / && SHMAP_LIBRARY="$prefix/lib/libshmap.so.0" PYTHONPATH="$prefix/lib/python3/dist-packages" \
    SHMAP_ROOT=$(mktemp -d /dev/shm/shmap-pyi.XXXXXX) "$py" -c '
import os, shutil, sys, shmap
assert shmap.__file__.startswith(sys.argv[1]), shmap.__file__
with shmap.create_mapping("Local\\cmake-installed", 4096) as m:
    m.buf[0] = 7
    with shmap.open_mapping("Local\\cmake-installed", access="read") as r:
        assert r.buf[0] == 7
shutil.rmtree(os.environ["SHMAP_ROOT"])
print("ecosystem-py.sh: the cmake-installed Python package works:", shmap.__version__)
' "$prefix/lib/python3/dist-packages/shmap")

# Bash completion: installed, completes commands, workloads and live names.
comp=$prefix/share/bash-completion/completions/shmap
root=$(mktemp -d /dev/shm/shmap-comp.XXXXXX)
SHMAP_ROOT=$root PATH="$prefix/bin:$PATH" bash -c '
    source "$1"
    shmap create comp-test 4096 --hold forever </dev/null >/dev/null 2>&1 & holder=$!
    for _ in $(seq 100); do shmap info comp-test >/dev/null 2>&1 && break; sleep 0.05; done
    check() { local want=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _shmap
              [[ " ${COMPREPLY[*]} " == *" $want "* ]] || { echo "completion of [$*]: ${COMPREPLY[*]}, not $want" >&2; kill $holder; exit 1; }; }
    check bench shmap be
    check event_pingpong shmap bench ev
    check --json shmap ls ""
    check comp-test shmap info comp
    check forever shmap create x 4k --hold ""
    check wine shmap wi
    check --share shmap wine --sh
    check comp-test shmap wine --share comp
    kill $holder; wait $holder
' _ "$comp"
rm -rf "$root"
echo "ecosystem-py.sh: bash completion ok"

# The man page: scdoc accepts it, and it names every command and option of the CLI.
if command -v scdoc >/dev/null; then scdoc <man/shmap.1.scd >/dev/null; fi
for word in ls info create read write demo bench --version --json --hold --offset --length --raw \
    --runs --readonly --reserve 'EXIT STATUS'; do
    grep -q -- "$word" man/shmap.1.scd || { echo "man/shmap.1.scd lacks $word" >&2; exit 1; }
done
echo "ecosystem-py.sh: all passed"
