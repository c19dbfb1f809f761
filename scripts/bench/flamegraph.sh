#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: flame graph rendering of a ~100 MB folded file (300k distinct stacks, depth
# 5-60, long C++ names): MB/s of input, peak memory, SVG size. Also pprof conversion, and
# Brendan Gregg's flamegraph.pl on the same input for the ratio.
# Run after a build: scripts/bench/flamegraph.sh [STACKS] [TARGET_MB]
# Environment:
#   FLAMEGRAPH_PL=/path/to/flamegraph.pl   the peer (not packaged in Debian; see below)
#   FLAMEGRAPH_PL_MB=N                     give both tools only the first N MB for that row
#                                          (flamegraph.pl takes ~10 s and ~0.9 GB on 100 MB)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bpfprof=${BUILD_DIR:-$root/build}/bpfprof
[ -x "$bpfprof" ] || { echo "bench-flamegraph: build first (scripts/build.sh)" >&2; exit 1; }
work=$(mktemp -d /tmp/bench-flamegraph.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$root/scripts/bench/gen_folded.py" "$work/big.folded" "${1:-300000}" "${2:-100}"
input=$(stat -c %s "$work/big.folded")

# run LABEL INPUT_BYTES RUNS STDOUT CMD...: wall time and peak RSS of CMD (best of RUNS by
# time), its standard output to STDOUT. Prints the line and leaves MB/s in $work/rate.
run() {
	local label=$1 size=$2 runs=$3 stdout=$4
	shift 4
	python3 - "$label" "$size" "$runs" "$stdout" "$work/rate" "$@" <<'PY'
import resource, subprocess, sys, time
label, size, runs, stdout, rate_file, cmd = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                             sys.argv[4], sys.argv[5], sys.argv[6:])
best = None
for _ in range(runs):
    t = time.monotonic()
    with open(stdout, "wb") as out:
        subprocess.run(cmd, check=True, stdout=out)
    best = min(best or 1e9, time.monotonic() - t)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
rate = size / 1048576 / best
open(rate_file, "w").write(f"{rate}\n")
print(f"{label:<28} {best:7.2f} s {rate:8.1f} MB/s {rss:8.0f} MB peak RSS "
      f"({rss * 1048576 / size:.2f}x input)")
PY
}

echo "input: $((input / 1048576)) MB"
run "flamegraph folded -> svg" "$input" 3 /dev/null "$bpfprof" flamegraph "$work/big.folded" -o "$work/big.svg"
ours=$(cat "$work/rate")
echo "svg: $(($(stat -c %s "$work/big.svg") / 1024)) KB, $(grep -c '<g><title>' "$work/big.svg") frames drawn"
run "convert folded -> pprof" "$input" 3 /dev/null "$bpfprof" convert "$work/big.folded" -o "$work/big.pb.gz"
run "flamegraph pprof -> svg" "$input" 3 /dev/null "$bpfprof" flamegraph "$work/big.pb.gz" -o "$work/big2.svg"
cmp -s "$work/big.svg" "$work/big2.svg" && echo "svg from pprof is identical" || echo "svg from pprof differs"

# The peer: Brendan Gregg's FlameGraph, which no Debian or npm package ships.
if [ -z "${FLAMEGRAPH_PL:-}" ] || [ ! -r "$FLAMEGRAPH_PL" ]; then
	echo "flamegraph.pl: skipped: set FLAMEGRAPH_PL to a copy of flamegraph.pl from" \
		"https://github.com/brendangregg/FlameGraph (git clone, or download the one file)"
	exit 0
fi
peer_input=$work/big.folded
peer_size=$input
if [ -n "${FLAMEGRAPH_PL_MB:-}" ]; then
	# Whole lines only: cut at the last newline within the first N MB.
	peer_input=$work/slice.folded
	head -c "$((FLAMEGRAPH_PL_MB * 1048576))" "$work/big.folded" | sed '$d' >"$peer_input"
	peer_size=$(stat -c %s "$peer_input")
	echo "flamegraph.pl row on the first $((peer_size / 1048576)) MB; bpfprof on the same:"
	run "flamegraph (same input)" "$peer_size" 3 /dev/null "$bpfprof" flamegraph "$peer_input" -o "$work/slice.svg"
	ours=$(cat "$work/rate")
fi
run "flamegraph.pl folded -> svg" "$peer_size" 1 "$work/peer.svg" perl "$FLAMEGRAPH_PL" "$peer_input"
python3 -c "import sys; print(f'bpfprof is {float(sys.argv[1]) / float(sys.argv[2]):.0f}x flamegraph.pl')" \
	"$ours" "$(cat "$work/rate")"
