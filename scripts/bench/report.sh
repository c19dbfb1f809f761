#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: the HTML report of a 1-hour window at 19 Hz on a 2-CPU host busy all the time
# (136,800 samples drawn from a real whole-host recording of this machine): how long
# `bpfprof report --store` takes, the file's size, and how long it takes to open in Chromium.
# Run as root after `scripts/build.sh test`: scripts/bench/report.sh [PROFILE.folded]
# (without PROFILE: a 20 s whole-host recording at 499 Hz is made first).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bpfprof=$build/bpfprof
[ -x "$bpfprof" ] && [ -x "$build/tests/tools/store_fill" ] ||
	{ echo "bench-report: build first (scripts/build.sh test)" >&2; exit 1; }
work=$(mktemp -d /tmp/bench-report.XXXXXX)
trap 'rm -rf "$work"' EXIT

source=${1:-}
if [ -z "$source" ]; then
	"$bpfprof" record -q -d 20 -F 499 -o "$work/host.folded"
	source=$work/host.folded
fi
start=$(($(date +%s) / 3600 * 3600 - 7200))
python3 "$root/scripts/bench/report_store.py" "$source" "$start" 3600 38 >"$work/lines"
"$build/tests/tools/store_fill" "$work/store" 10 <"$work/lines"
echo "store: $(ls "$work/store" | wc -l) intervals, $(du -sk "$work/store" | cut -f1) KB," \
	"$(wc -l <"$work/lines") (second, stack) rows, $(awk '{s += $NF} END {print s}' "$work/lines") samples"

t0=$(date +%s.%N)
"$bpfprof" report --store "$work/store" --from "$start" --to $((start + 3600)) -o "$work/r.html"
t1=$(date +%s.%N)
size=$(stat -c %s "$work/r.html")
echo "report: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s to write, $((size / 1024)) KB ($(gzip -c "$work/r.html" | wc -c | awk '{print int($1 / 1024)}') KB gzip'ed)"
node "$root/scripts/bench/report_open.mjs" "$work/r.html" 3
