# Sourced by readme.sh and examples.sh: a temporary directory $tmp, a
# private namespace $root (both removed at exit), an installed prefix
# $SHMAP_PREFIX (given, or cmake --install of ${BUILD:-build} into $tmp),
# its library directory on PKG_CONFIG_PATH, and $PYTHON (Debian's python3
# when there is one, not a pyenv or venv one).
tmp=$(mktemp -d)
root=$(mktemp -d "/dev/shm/shmap-$(basename "$0" .sh).XXXXXX")
trap 'rm -rf "$tmp" "$root"' EXIT
if [ -z "${SHMAP_PREFIX:-}" ]; then
    SHMAP_PREFIX=$tmp/prefix
    cmake --install "${BUILD:-build}" --prefix "$SHMAP_PREFIX" >/dev/null
fi
libdir=$(dirname "$(find "$SHMAP_PREFIX" -name libshmap.so.0 | head -n1)")
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
PYTHON=${PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 )}
