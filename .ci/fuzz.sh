#!/usr/bin/env bash
# CI: the libFuzzer targets of fuzz/targets.h, each for a bounded time
# ($FUZZ_SECONDS, default 40: seven targets in under 5 minutes), starting
# from its committed corpus fuzz/corpus/<target>/ (left untouched: new
# inputs go to build-fuzz/corpus/<target>/).  Prints the executions of each
# target; fails if a target crashes, leaks or breaks one of its properties.
# A finding is in build-fuzz/artifacts/<target>/: fix it, and add it to
# fuzz/corpus/<target>/ under a name that says what it is, so that
# test-fuzz-replay replays it in every build.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-40}
targets=(name name-w header state job cmdline sddl)

# Debian's clang; libFuzzer's runtime is in libclang-rt-dev.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$probe/p.c"
if ! clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq clang libclang-rt-dev >/dev/null
    clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p"
fi

cmake -S . -B build-fuzz -DSHMAP_FUZZ=ON -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/#/fuzz-}" >/dev/null

failed=()
summary=()
for t in "${targets[@]}"; do
    work=build-fuzz/corpus/$t art=build-fuzz/artifacts/$t log=build-fuzz/fuzz-$t.log
    mkdir -p "$work" "$art"
    rc=0
    build-fuzz/fuzz/fuzz-"$t" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$art/" "$work" "fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
    line="fuzz-$t: ${runs:-?} executions in ${seconds} s (${rate:-?} exec/s)"
    if [ "$rc" != 0 ] || ! grep -Eq '^#[0-9]+[[:space:]]+DONE' "$log"; then
        line="$line FAILED (exit $rc)"
        failed+=("$t")
        echo "---- fuzz-$t: last lines of $log" >&2
        tail -40 "$log" >&2
        ls -l "$art" >&2
    fi
    echo "$line"
    summary+=("$line")
done

echo "---- fuzzing summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: findings in: ${failed[*]} (see build-fuzz/artifacts/)" >&2
    exit 1
fi
