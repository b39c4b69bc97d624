#!/usr/bin/env bash
# The CMake package: install ./build into a temporary prefix, build
# test/cmake-consumer against it with find_package(shmap) (shmap::shmap,
# shmap::win32 and the static targets), run what it built, and check that
# asking for a version the install does not satisfy fails to configure.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SHMAP_BUILD_DIR:-build}
tmp=$(mktemp -d /tmp/shmap-consumer.XXXXXX)
root=$(mktemp -d /dev/shm/shmap-consumer.XXXXXX)
trap 'rm -rf "$tmp" "$root"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
# relocatable: the install is moved before it is used
mv "$tmp/prefix" "$tmp/moved"
version=$(sed -n 's/^project(shmap VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
major=${version%%.*}
minor=$(echo "$version" | cut -d. -f2)

configure() { # configure [SHMAP_WANT] into $tmp/b
    rm -rf "$tmp/b"
    cmake -S test/cmake-consumer -B "$tmp/b" -DCMAKE_PREFIX_PATH="$tmp/moved" -DSHMAP_WANT="${1:-}" >"$tmp/log" 2>&1
}

configure "$major.$minor" || {
    cat "$tmp/log" >&2
    exit 1
}
cmake --build "$tmp/b" -j2 >/dev/null
for p in consumer-native consumer-static consumer-win32; do
    out=$(SHMAP_ROOT=$root "$tmp/b/$p")
    echo "cmake-consumer: $p: $out"
done
configure "" || { # no version asked
    cat "$tmp/log" >&2
    exit 1
}
# too new: the next minor (0.x: may add what this lacks), the next major
for want in "$major.$((minor + 1))" "$((major + 1)).0"; do
    if configure "$want"; then
        echo "cmake-consumer: find_package(shmap $want) accepted version $version" >&2
        exit 1
    fi
    grep -q 'considered but not accepted' "$tmp/log"
done
echo "cmake-consumer: shmap $version: find_package, the four targets, the version check: ok"
