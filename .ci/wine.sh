#!/usr/bin/env bash
# The Wine bridge (shmap wine, docs/wine.md) with Debian's wine64 and mingw:
#   1. Microsoft's "Creating Named Shared Memory" pair, Windows first + native
#      second, then native first + Windows second;
#   2. a Windows program and a native one ping-pong 1000 times through two
#      relayed events, in both directions; a manual-reset event's state
#      (set, reset) mirrored both ways;
#   3. kill -9 of the Windows program, then of shmap wine: nothing is left
#      once the other side closes (native namespace empty; Wine's objects
#      gone);
#   4. a telemetry writer under Wine (100 Hz) followed live by the Python
#      binding.
# Needs wine64 and gcc-mingw-w64-x86-64 (apt-get install); builds the tree
# in ${BUILD:-build} with SHMAP_WINE=ON.  Every wait is bounded (timeout).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=${BUILD:-build}
cmake -S . -B "$build" -DSHMAP_WINE=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
shmap=$src/$build/tools/shmap

work=$(mktemp -d /tmp/shmap-wine.XXXXXX)
export SHMAP_ROOT
SHMAP_ROOT=$(mktemp -d /dev/shm/shmap-wine.XXXXXX)
root2=$(mktemp -d /dev/shm/shmap-wine2.XXXXXX) # a second native namespace (3b)
export WINEPREFIX=$work/prefix WINEDEBUG=-all
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    WINEPREFIX=$work/prefix timeout 20 wineserver -k 2>/dev/null || true
    rm -rf "$work" "$SHMAP_ROOT" "$root2"
}
trap cleanup EXIT
fail() { echo "wine.sh: FAIL: $*" >&2; exit 1; }

# the test programs, for Windows and natively (against the build tree)
w32=(-I"$src/include/shmap-win32" -I"$src/include" -I"$src/$build/include"
     -L"$src/$build" -lshmap-win32 -lshmap -Wl,-rpath,"$src/$build")
for p in first second telemetry evtool; do
    x86_64-w64-mingw32-gcc -O2 -Wall -Wextra -Werror -o "$work/$p.exe" "test/wine/$p.c"
done
for p in first second evtool; do
    cc -O2 -Wall -Wextra -Werror -o "$work/$p" "test/wine/$p.c" "${w32[@]}"
done
cc -O2 -Wall -Wextra -Werror -o "$work/pingpong" wine/pingpong.c "${w32[@]}"
pingpong_exe=$src/$build/wine/shmap-wine-pingpong.exe

wineserver_cmd=$(command -v wineserver || echo /usr/lib/wine/wineserver64)
wine_cmd=$(command -v wine || command -v wine64 || echo /usr/lib/wine/wine64)
echo "wine.sh: making the Wine prefix"
timeout 120 "$wine_cmd" cmd /c exit 0 >/dev/null 2>&1 || true

# Waits (bounded) until file $1 has a line matching $2.
wait_line() {
    for _ in $(seq 1 600); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "no '$2' in $1: $(cat "$1" 2>/dev/null)"
}
# Nothing left in the native namespace (what a killed holder left, nobody
# holding it, is reclaimed by the next lister: shmap ls).
ns_empty() {
    local left
    "$shmap" ls >/dev/null 2>&1
    left=$(find "$SHMAP_ROOT" -mindepth 2 -type f 2>/dev/null | wc -l)
    [ "$left" = 0 ] || { "$shmap" ls >&2 || true; fail "$1: $left files left in the namespace"; }
}
# A Windows program's view of a Wine-side name: "found" or "none".
wine_has() {
    timeout 30 "$wine_cmd" "$work/second.exe" 2>/dev/null | grep -q "Message from first process" \
        && echo found || echo none
}

# ---- 1. the sample pair ---------------------------------------------------------------
echo "wine.sh: Windows first, native second"
mkfifo "$work/in1"
timeout 120 "$shmap" wine --share 'Local\MyFileMappingObject:4096' -- "$work/first.exe" \
    <"$work/in1" >"$work/out1" 2>&1 &
bridge=$!
pids+=("$bridge")
exec 3>"$work/in1"
wait_line "$work/out1" "Created"
grep -q "Created (183)" "$work/out1" || fail "Windows first: not ERROR_ALREADY_EXISTS: $(cat "$work/out1")"
got=$(timeout 20 "$work/second")
[ "$got" = "Message from first process." ] || fail "native second read '$got'"
echo >&3
exec 3>&-
wait "$bridge" || fail "shmap wine (first.exe) exited $?"
ns_empty "after Windows first"

echo "wine.sh: native first, Windows second"
mkfifo "$work/in2"
timeout 120 "$work/first" <"$work/in2" >"$work/out2" 2>&1 &
first=$!
pids+=("$first")
exec 4>"$work/in2"
wait_line "$work/out2" "Created (0)"
got=$(timeout 120 "$shmap" wine --share 'Local\MyFileMappingObject' -- "$work/second.exe" | tr -d '\r')
[ "$got" = "Message from first process." ] || fail "Windows second read '$got'"
echo >&4
exec 4>&-
wait "$first"
ns_empty "after native first"
[ "$(wine_has)" = none ] || fail "the Wine-side mapping outlived both sides"

# ---- 2. ping-pong through relayed events ------------------------------------------------
ev=(--event 'Local\shmap-pingpong.ping' --event 'Local\shmap-pingpong.pong')
echo "wine.sh: ping-pong, Windows drives"
timeout 60 "$work/pingpong" serve 1000 >"$work/serve1" &
serve=$!
out=$(timeout 120 "$shmap" wine "${ev[@]}" -- "$pingpong_exe" drive 1000)
wait "$serve" || fail "native serve: $(cat "$work/serve1")"
echo "  $out (native serves)"
echo "wine.sh: ping-pong, native drives"
timeout 120 "$shmap" wine "${ev[@]}" -- "$pingpong_exe" serve 1000 >"$work/serve2" &
bridge=$!
out=$(timeout 60 "$work/pingpong" drive 1000)
wait "$bridge" || fail "Windows serve: $(cat "$work/serve2")"
echo "  $out (Windows serves)"
ns_empty "after the ping-pong"

echo "wine.sh: a manual-reset event: set natively, seen and reset under Wine"
m='Local\shmap-manual' d='Local\shmap-done'
timeout 60 "$shmap" wine --event "$m:manual" --event "$d:manual" -- "$work/evtool.exe" \
    wait "$m" is1 "$m" reset "$m" set "$d" sleep 500 >"$work/manual" 2>&1 &
bridge=$!
timeout 30 "$work/evtool" set "$m" wait "$d" sleep 300 is0 "$m" >/dev/null ||
    fail "native side of the manual event (Wine side: $(cat "$work/manual"))"
wait "$bridge" || fail "Windows side of the manual event: $(cat "$work/manual")"
ns_empty "after the manual event"

# ---- 3. kill -9 of either side --------------------------------------------------------------
# (events of a name of their own, so that pgrep finds only our program)
kp=wine-sh-$$
ev=(--event "Local\\$kp.ping" --event "Local\\$kp.pong")
echo "wine.sh: kill -9 of the Windows program"
timeout 120 "$shmap" wine "${ev[@]}" -- "$pingpong_exe" serve 1000000 "$kp" >/dev/null 2>&1 &
bridge=$!
pids+=("$bridge")
timeout 60 "$work/pingpong" drive 10 "$kp" >/dev/null || fail "no round trip before the kill"
# discovery: shmap ls names the bridged objects and their Wine prefix
"$shmap" ls 2>/dev/null | grep -qF "$kp.ping  (Wine: $WINEPREFIX, bridge" ||
    fail "shmap ls does not show the bridge: $("$shmap" ls 2>&1)"
"$shmap" ls --json | grep -F "\"name\": \"$kp.pong\"" | grep -qF "\"wine_prefix\": \"$WINEPREFIX\"" ||
    fail "shmap ls --json does not show the bridge"
prog=$(pgrep -f "^Z:.*shmap-wine-pingpong.exe serve 1000000 $kp" | head -n1)
[ -n "$prog" ] || fail "the Windows program's process not found"
kill -9 "$prog"
# shmap wine ends with it (Wine reports exit code 0 for a killed process)
timeout 30 tail --pid="$bridge" -f /dev/null || fail "shmap wine runs on after the program died"
wait "$bridge" || true
ns_empty "after kill -9 of the Windows program"

echo "wine.sh: kill -9 of shmap wine"
"$shmap" wine "${ev[@]}" -- "$pingpong_exe" serve 1000000 "$kp" >/dev/null 2>&1 & # ($!: shmap itself)
bridge=$!
pids+=("$bridge")
timeout 60 "$work/pingpong" drive 10 "$kp" >/dev/null || fail "no round trip before the kill"
kill -9 "$bridge"
wait "$bridge" 2>/dev/null || true
ns_empty "after kill -9 of shmap wine"
# the Windows program ends by itself (its wait times out after 10 s); then
# Wine holds nothing of it
prog=$(pgrep -f "^Z:.*shmap-wine-pingpong.exe serve 1000000 $kp" | head -n1 || true)
if [ -n "$prog" ]; then timeout 30 tail --pid="$prog" -f /dev/null || fail "the program runs on"; fi

# ---- 3b. what the bridge cannot do: its exit codes -------------------------------------------
echo "wine.sh: a program that is not there (127); a Wine-side name of another type (126)"
set +e
timeout 60 "$shmap" wine -- "$work/no-such-program.exe" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 127 ] || fail "a missing program gave $rc, not 127"
mkfifo "$work/in3"
timeout 120 "$shmap" wine --share 'Local\shmap-clash:4096' -- "$work/first.exe" \
    <"$work/in3" >"$work/out3" 2>&1 &
bridge=$!
exec 5>"$work/in3"
wait_line "$work/out3" "Created"
# another native namespace, the same Wine prefix: the event cannot be made there
set +e
SHMAP_ROOT=$root2 timeout 60 "$shmap" wine \
    --event 'Local\shmap-clash' -- "$pingpong_exe" serve 1 >"$work/clash" 2>&1
rc=$?
set -e
echo >&5
exec 5>&-
wait "$bridge" || fail "shmap wine (first.exe, clash) exited $?"
[ "$rc" = 126 ] || fail "a name of another type under Wine gave $rc, not 126: $(cat "$work/clash")"
grep -q "could not make object 0: error 6" "$work/clash" ||
    fail "no ERROR_INVALID_HANDLE (6) named: $(cat "$work/clash")"
ns_empty "after the clash"

# ---- 4. telemetry under Wine, read live by Python --------------------------------------------
echo "wine.sh: telemetry writer under Wine, Python reader"
PYTHON=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 )
timeout 120 "$shmap" wine --share 'Local\shmap-telemetry:4096' -- "$work/telemetry.exe" \
    'Local\shmap-telemetry' 300 >"$work/tel" 2>&1 &
bridge=$!
pids+=("$bridge")
PYTHONPATH=$src/python SHMAP_LIBRARY=$src/$build/libshmap.so.0 timeout 60 "$PYTHON" - <<'EOF'
import struct, sys, time
import shmap
for _ in range(1200):  # the bridge makes the mapping before the program starts
    try:
        m = shmap.open_mapping("Local\\shmap-telemetry", access="read")
        break
    except shmap.NotFoundError:
        time.sleep(0.05)
else:
    sys.exit("telemetry: the mapping never came")
rec = struct.Struct("<IIQdQ")
seen, last, done = set(), 0, 0
with m:
    t0 = time.monotonic()
    while not done and time.monotonic() - t0 < 50:
        while True:  # the sequence lock
            s0 = struct.unpack_from("<I", m.buf)[0]
            seq, done, sample, value, _ = rec.unpack_from(m.buf)
            if s0 % 2 == 0 and struct.unpack_from("<I", m.buf)[0] == s0:
                break
        if sample != last:
            assert sample > last, (sample, last)
            assert value == sample * 0.5, (sample, value)
            seen.add(sample)
            last = sample
        time.sleep(0.002)
print(f"  python saw {len(seen)} distinct samples, last {last}, done {done}")
assert done and last == 300, (done, last)
assert len(seen) >= 100, len(seen)  # live: most of them, not only the end
EOF
wait "$bridge" || fail "telemetry under Wine: $(cat "$work/tel")"
ns_empty "after the telemetry"
echo "wine.sh: all passed"
