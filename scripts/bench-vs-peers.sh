#!/usr/bin/env bash
# Measures wutriage against its peers on generated bundles and prints every performance
# target of README.md "Performance" as a ratio. Warm page cache, median of $RUNS runs.
#
#   scripts/bench-vs-peers.sh            # bundles go to ../bench-data (outside the repo)
#   RUNS=7 BENCH_DATA=/tmp/b scripts/bench-vs-peers.sh
#
# On a shared machine run it under the build lock so that nothing else is measured with it:
#   flock /tmp/wutriage-cargo.lock scripts/bench-vs-peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
DATA=${BENCH_DATA:-../bench-data}
TARGET=${CARGO_TARGET_DIR:-target}

command -v rg >/dev/null || apt-get install -y ripgrep
command -v evtx_dump >/dev/null || cargo install evtx --version 0.15.1 --features evtx_dump --locked
command -v etl2xml >/dev/null || python3 -m pip install --quiet etl-parser==1.0.1 ||
    python3 -m pip install --quiet --break-system-packages etl-parser==1.0.1
# The dist profile (fat LTO) is what releases ship, so it is what is measured.
cargo build --profile dist --quiet --bin wutriage --example make-bundle --example peak-heap \
    --example text-floor --example make-trace
BIN=$TARGET/dist/wutriage

for size in 1GiB 100MiB; do
    [ -d "$DATA/bundle-$size" ] || "$TARGET/dist/examples/make-bundle" --size "$size" --seed 7 --out "$DATA/bundle-$size" >/dev/null
done
BIG=$DATA/bundle-1GiB
SMALL=$DATA/bundle-100MiB
mapfile -t TEXT < <(find "$BIG" -type f ! -name '*.evtx' | sort)
mapfile -t EVTX < <(find "$BIG" -type f -name '*.evtx' | sort)
bytes() { du -cb "$@" | tail -1 | cut -f1; }

# Median wall time in milliseconds of a command (one warm-up run first).
median_ms() {
    "$@" >/dev/null 2>&1 || true
    local times=() s e
    for _ in $(seq "$RUNS"); do
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s%N)
        times+=($(((e - s) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
verdict() { awk -v r="$1" -v t="$2" -v op="$3" 'BEGIN {ok = (op == "le") ? r <= t : r >= t; print ok ? "met" : "NOT met"}'; }
evtx_dump_all() { for f in "$@"; do evtx_dump -t 2 -o jsonl "$f" >/dev/null; done; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); runs: $RUNS (median, warm cache)"
cat "${TEXT[@]}" "${EVTX[@]}" >/dev/null

tb=$(bytes "${TEXT[@]}")
w=$(median_ms "$BIN" analyze "${TEXT[@]}")
r=$(median_ms rg -c -e HRESULT -e ', Error ' "${TEXT[@]}")
x=$(ratio "$w" "$r")
echo "text logs ($((tb >> 20)) MiB): wutriage ${w} ms ($(ratio "$((tb / 1000))" "$w") MB/s), rg ${r} ms: ${x}x (target <= 2.0: $(verdict "$x" 2.0 le))"

# Context, not a target: a search tool given the prefilter's own search (every anchor, any
# letter case), which `analyze` runs before it parses and diagnoses.
anchors=$(mktemp)
xml=$(mktemp)
trap 'rm -f "$anchors" "$xml"' EXIT
"$TARGET/dist/examples/text-floor" --anchors >"$anchors"
a=$(median_ms rg -c -i -F -f "$anchors" "${TEXT[@]}")
echo "  context: rg -c -i -F with the prefilter's $(wc -l <"$anchors") anchors ${a} ms, wutriage ${w} ms: $(ratio "$w" "$a")x"

eb=$(bytes "${EVTX[@]}")
w=$(median_ms "$BIN" analyze "${EVTX[@]}")
d=$(median_ms evtx_dump_all "${EVTX[@]}")
x=$(ratio "$w" "$d")
echo "evtx ($((eb >> 20)) MiB): wutriage ${w} ms, evtx_dump -t 2 ${d} ms: ${x}x (target <= 0.8: $(verdict "$x" 0.8 le))"

# ETL: one generated Windows Update trace, wutriage on one thread against etl2xml (PyPI
# etl-parser, the other decoder that runs off Windows; pure Python, so this line is slow).
ETL=$DATA/trace-16MiB.etl
[ -f "$ETL" ] || "$TARGET/dist/examples/make-trace" --size 16MiB --seed 7 --out "$ETL"
lb=$(bytes "$ETL")
w=$(median_ms "$BIN" analyze --threads 1 "$ETL")
p=$(median_ms etl2xml -i "$ETL" -o "$xml")
mbs=$(ratio "$((lb / 1000))" "$w")
echo "etl ($((lb >> 20)) MiB generated trace): wutriage --threads 1 ${w} ms (${mbs} MB/s per core, target >= 200: $(verdict "$mbs" 200 ge)), etl2xml ${p} ms: $(ratio "$p" "$w")x faster"

t1=$(median_ms "$BIN" analyze --threads 1 "$BIG")
t2=$(median_ms "$BIN" analyze --threads 2 "$BIG")
x=$(ratio "$t1" "$t2")
same=$(cmp -s <("$BIN" analyze --threads 1 "$BIG") <("$BIN" analyze --threads 2 "$BIG") && echo identical || echo DIFFERENT)
echo "threads (1 GiB bundle): 1 thread ${t1} ms, 2 threads ${t2} ms: ${x}x faster, output ${same} (target >= 1.7: $(verdict "$x" 1.7 ge))"

ts=$(median_ms "$BIN" analyze "$SMALL")
tl=$(median_ms "$BIN" analyze "$BIG")
sb=$(bytes "$SMALL")
lb=$(bytes "$BIG")
x=$(ratio "$tl" "$ts")
echo "scaling: 100 MiB ${ts} ms, 1 GiB ${tl} ms: $(ratio "$lb" "$sb")x the bytes cost ${x}x the time (target <= 10.5: $(verdict "$x" 10.5 le))"

heap=$("$TARGET/dist/examples/peak-heap" "$BIG" | sed -n 's/peak heap: \([0-9.]*\) MiB.*/\1/p')
echo "peak heap (1 GiB bundle, counting allocator): ${heap} MiB (target <= 100 MB = 95.4 MiB: $(verdict "$heap" 95.4 le))"

demo=$(median_ms "$BIN" analyze fixtures/bundles/storage-0x80070306)
echo "demo bundle: ${demo} ms (target < 20: $(verdict "$demo" 20 le))"
