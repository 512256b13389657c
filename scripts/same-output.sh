#!/usr/bin/env bash
# Checks that two wutriage binaries give byte-identical output, for performance work:
# `analyze --format json`, `events`, `events --all`, `inventory` and `inventory --format json`
# (stdout, stderr and exit code) on every fixture bundle, every corpus folder and text file,
# and the generated bundles, with the new binary run in each read mode and thread count.
#
#   scripts/same-output.sh OLD_BIN NEW_BIN
#   CORPUS=../shared/corpus BENCH_DATA=../bench-data scripts/same-output.sh old new
#
# Prints one line per difference and exits 1 if there is any.
set -uo pipefail
cd "$(dirname "$0")/.."
OLD=$1
NEW=$2
CORPUS=${CORPUS:-../shared/corpus}
DATA=${BENCH_DATA:-../bench-data}

targets=(fixtures/bundles/*/)
for d in "$CORPUS"/*/; do [ -d "$d" ] && targets+=("$d"); done
while IFS= read -r f; do targets+=("$f"); done < <(
    find "$CORPUS" -type f ! -name '*.md' ! -name '*.evtx' 2>/dev/null | sort
)
for b in "$DATA"/b20m "$DATA"/bundle-100MiB; do [ -d "$b" ] && targets+=("$b"); done

digest() { { "$@" 2>&1; echo "exit=$?"; } | sha256sum | cut -c1-16; }

status=0
for t in "${targets[@]}"; do
    for cmd in "analyze --format json" "events" "events --all" "inventory" \
        "inventory --format json"; do
        # shellcheck disable=SC2086 # $cmd is a command and its flags
        want=$(digest "$OLD" $cmd --color never "$t")
        for mode in "" "--threads 1" "--read-mode read" "--read-mode mmap"; do
            # shellcheck disable=SC2086
            got=$(digest "$NEW" $cmd --color never $mode "$t")
            if [ "$got" != "$want" ]; then
                echo "DIFFERENT: $cmd $mode $t"
                status=1
            fi
        done
    done
done
[ "$status" = 0 ] && echo "same output on ${#targets[@]} inputs"
exit "$status"
