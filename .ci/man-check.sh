#!/usr/bin/env bash
# The man pages: every function the installed headers export (SHMAP_EXTERN
# in include/shmap.h and include/shmap/*.h) has a section 3 page (its own
# or a link to its group's), every link points to a page, and every page
# renders with man -l without a warning.  Builds only the pages, in
# build-man/ (needs cmake and scdoc: apt-get install scdoc).
#   .ci/man-check.sh [MANDIR]   check MANDIR (with man1/, man3/) instead
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then
    mandir=$1
else
    cmake -S . -B build-man -DSHMAP_MAN=ON -DSHMAP_TESTS=OFF >/dev/null
    cmake --build build-man --target shmap-man >/dev/null
    mandir=build-man/man
fi
status=0
# the exported functions: the identifier before the first '(' of each
# SHMAP_EXTERN declaration (which may span lines)
fns=$(cat include/shmap.h include/shmap/*.h |
    perl -0ne 'while (/SHMAP_EXTERN\b([^;(]*)\(/g) { my $d = $1; print "$1\n" if $d =~ /(shmap_\w+)\s*$/ }' |
    sort -u)
missing=0
for fn in $fns; do
    if [ ! -f "$mandir/man3/$fn.3" ] && [ ! -f "$mandir/man3/$fn.3.gz" ]; then
        echo "man-check: $fn has no man page (add it to the NAME line of a man/*.3.scd)" >&2
        missing=$((missing + 1))
    fi
done
[ "$missing" = 0 ] || status=1
pages=0
for page in "$mandir"/man*/*; do
    first=$(zcat -f "$page" | head -c 4)
    if [ "$first" = ".so " ]; then
        target=$(zcat -f "$page" | sed -n 's/^\.so //p')
        if [ ! -f "$mandir/$target" ] && [ ! -f "$mandir/$target.gz" ]; then
            echo "man-check: $page links to $target, which is not there" >&2
            status=1
        fi
        continue
    fi
    warnings=$(MANWIDTH=80 man -l --warnings "$page" 2>&1 >/dev/null || echo "man -l failed")
    if [ -n "$warnings" ]; then
        echo "man-check: $page: $warnings" >&2
        status=1
    fi
    pages=$((pages + 1))
done
echo "man-check: $(echo "$fns" | wc -w) exported functions, $missing without a page; $pages pages rendered" >&2
exit "$status"
