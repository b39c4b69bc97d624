#!/usr/bin/env bash
# Build shmap for i386 and run the 64-bit interop test against the 32-bit
# program, then the whole core suite as i386.  Fails if the 32-bit build
# fails.  Needs gcc-multilib; .ci/enable-i386.sh makes i386 binaries run here.
set -euxo pipefail
cd "$(dirname "$0")/.."
.ci/enable-i386.sh
cmake -S . -B build-m32 -DCMAKE_C_FLAGS=-m32 -DSHMAP_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-m32 -j2 >/dev/null
[ -x build-m32/test/prog-interop32 ]
[ "$(od -An -tx1 -j4 -N1 build-m32/test/prog-interop32 | tr -d ' ')" = 01 ] # ELFCLASS32
(cd build && SHMAP_TEST_HELPER32="$PWD/../build-m32/test/prog-interop32" ctest --output-on-failure -R interop32)
# The suite itself, as i386 processes (the kill -9 storms are long under emulation, and
# the fork storm tests qemu-user's fork of a multi-threaded process more than shmap).
# SHMAP_TEST_EMULATED: where the binfmt runner is qemu-user, /proc/self/pagemap is the
# emulator's, so the one test that reads it skips.
emulated=$([ -e /proc/sys/fs/binfmt_misc/qemu-i386 ] && echo 1 || true)
(cd build-m32 && SHMAP_TEST_EMULATED=$emulated ctest --output-on-failure -j2 -E 'killstorm|forkstorm')
