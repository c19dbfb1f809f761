#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: flame graph rendering of a ~100 MB folded file (300k distinct stacks, depth
# 5-60, long C++ names): MB/s of input, peak memory, SVG size. Also pprof conversion.
# Run after a build: scripts/bench/flamegraph.sh [STACKS] [TARGET_MB]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bpfprof=${BUILD_DIR:-$root/build}/bpfprof
[ -x "$bpfprof" ] || { echo "bench-flamegraph: build first (scripts/build.sh)" >&2; exit 1; }
work=$(mktemp -d /tmp/bench-flamegraph.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$root/scripts/bench/gen_folded.py" "$work/big.folded" "${1:-300000}" "${2:-100}"
input=$(stat -c %s "$work/big.folded")

# run LABEL CMD...: wall time and peak RSS of CMD (best of 3 runs by time).
run() {
	local label=$1
	shift
	python3 - "$label" "$input" "$@" <<'PY'
import resource, subprocess, sys, time
label, size, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
best = None
for _ in range(3):
    t = time.monotonic()
    subprocess.run(cmd, check=True)
    best = min(best or 1e9, time.monotonic() - t)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{label:<28} {best:7.2f} s {size / 1048576 / best:8.1f} MB/s {rss:8.0f} MB peak RSS "
      f"({rss * 1048576 / size:.2f}x input)")
PY
}

echo "input: $((input / 1048576)) MB"
run "flamegraph folded -> svg" "$bpfprof" flamegraph "$work/big.folded" -o "$work/big.svg"
echo "svg: $(($(stat -c %s "$work/big.svg") / 1024)) KB, $(grep -c '<g><title>' "$work/big.svg") frames drawn"
run "convert folded -> pprof" "$bpfprof" convert "$work/big.folded" -o "$work/big.pb.gz"
run "flamegraph pprof -> svg" "$bpfprof" flamegraph "$work/big.pb.gz" -o "$work/big2.svg"
cmp -s "$work/big.svg" "$work/big2.svg" && echo "svg from pprof is identical" || echo "svg from pprof differs"
