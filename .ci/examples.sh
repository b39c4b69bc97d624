#!/usr/bin/env bash
# The examples (examples/): built against an installed tree with pkg-config
# only, then run, each pair together in a private namespace: the ring
# buffer's producer and consumer (Win32 face), the telemetry writer with its
# C reader and its Python reader.  SHMAP_PREFIX: an installed prefix
# (default: cmake --install build into a temporary one).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
. .ci/prefix.sh

cc -O2 -Wall -Wextra -Werror -o "$tmp/ringbuffer" examples/ringbuffer.c $(pkg-config --cflags --libs shmap-win32)
for p in telemetry-writer telemetry-reader; do
    cc -O2 -Wall -Wextra -Werror -o "$tmp/$p" "examples/$p.c" $(pkg-config --cflags --libs shmap) -lm
done
export SHMAP_ROOT=$root

# 1. Ring buffer: consumer and producer together, 5000 items through 16 slots.
(cd "$tmp" && timeout 120 ./ringbuffer consume --count 5000 >consume.out) &
consumer=$!
timeout 120 "$tmp/ringbuffer" produce --count 5000 >"$tmp/produce.out"
wait "$consumer"
grep -qx 'consumed 5000 items, in order' "$tmp/consume.out"
grep -qx 'produced 5000 items' "$tmp/produce.out"
echo "examples.sh: ringbuffer: $(cat "$tmp/consume.out")"

# 2. Telemetry: the writer waits for its two readers (C and Python), writes
#    60 samples, and waits until both have seen the end.
"$PYTHON" -m pip install -q --root-user-action=ignore --no-build-isolation --no-deps --no-index --target "$tmp/site" ./python 2>/dev/null
timeout 120 "$tmp/telemetry-writer" --count 60 --interval-ms 5 --readers 2 >"$tmp/writer.out" &
writer=$!
for _ in $(seq 300); do grep -q '^ready telemetry$' "$tmp/writer.out" && break; sleep 0.1; done
timeout 120 "$tmp/telemetry-reader" >"$tmp/reader-c.out" &
c_reader=$!
PYTHONPATH="$tmp/site" SHMAP_LIBRARY="$libdir/libshmap.so.0" \
    timeout 120 "$PYTHON" examples/telemetry_reader.py >"$tmp/reader-py.out"
wait "$c_reader"
wait "$writer"
grep -qx 'wrote 60 samples' "$tmp/writer.out"
for r in c py; do
    tail -n1 "$tmp/reader-$r.out" | grep -qx 'last sample 60 (writer done)'
    echo "examples.sh: telemetry reader ($r): $(grep -c '^sample ' "$tmp/reader-$r.out") samples seen, $(tail -n1 "$tmp/reader-$r.out")"
done
[ -z "$(ls -A "$root"/u* 2>/dev/null)" ] # nothing left behind
cd "$src"
