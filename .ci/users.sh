#!/usr/bin/env bash
# The users of the multi-user tests (test/users.h, docs/security.md "Testing
# with real users"), made as root before the tests; idempotent.
#   shmapa  member of shmap-global
#   shmapb  in no group of ours
#   shmapc  member of shmap-c
# System users without a home or a login shell.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
    echo "users.sh: must run as root" >&2
    exit 1
fi
nologin=/usr/sbin/nologin
[ -x "$nologin" ] || nologin=/bin/false

group() {
    if getent group "$1" >/dev/null; then
        echo "users.sh: group $1 exists (gid $(getent group "$1" | cut -d: -f3))"
    else
        groupadd -f --system "$1"
        echo "users.sh: created group $1 (gid $(getent group "$1" | cut -d: -f3))"
    fi
}

# user NAME [GROUP]: NAME exists, and is a member of GROUP if given
user() {
    if id "$1" >/dev/null 2>&1; then
        echo "users.sh: user $1 exists (uid $(id -u "$1"))"
    else
        # its own primary group (an existing one of its name, else a new one)
        own=--user-group
        getent group "$1" >/dev/null && own="--gid $1"
        # shellcheck disable=SC2086
        useradd --system --no-create-home --home-dir /nonexistent --shell "$nologin" $own "$1"
        echo "users.sh: created user $1 (uid $(id -u "$1"))"
    fi
    if [ -n "${2:-}" ] && ! id -nG "$1" | tr ' ' '\n' | grep -qx "$2"; then
        usermod -a -G "$2" "$1"
        echo "users.sh: added $1 to $2"
    fi
}

group shmap-global
group shmap-c
user shmapa shmap-global
user shmapb
user shmapc shmap-c
for u in shmapa shmapb shmapc; do
    echo "users.sh: $(id "$u")"
done
