#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: the BPF sampler's average cost per sample (kernel + frame-pointer user
# stacks) on a busy host, read from kernel.bpf_stats_enabled (run_time_ns / run_cnt).
# Run as root after a build: scripts/bench/bpf-cost.sh [SECONDS] [HZ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bpfprof=$build/bpfprof
programs=$build/tests/programs
secs=${1:-10}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(99 999)

[ "$(id -u)" = 0 ] || { echo "bench-bpf-cost: run as root" >&2; exit 1; }
[ -x "$bpfprof" ] && [ -x "$programs/callgraph" ] || { echo "bench-bpf-cost: build first (scripts/build.sh)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-bpf-cost: needs python3 to read bpftool's JSON" >&2; exit 1; }

old_stats=$(sysctl -n kernel.bpf_stats_enabled)
load=()
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$old_stats"
	[ ${#load[@]} -gt 0 ] && kill "${load[@]}" 2>/dev/null
	wait 2>/dev/null || true
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1

# Keep every CPU busy: one user-space-bound and one syscall-bound process per CPU.
for _ in $(seq "$(nproc)"); do
	"$programs/callgraph" $(((secs + 4) * 2 * ${#rates[@]} + 30)) & load+=($!)
	"$programs/readloop" $(((secs + 4) * 2 * ${#rates[@]} + 30)) & load+=($!)
done

# prog_stats NAME: "run_cnt run_time_ns" summed over loaded perf_event programs named NAME.
prog_stats() {
	bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
progs = [p for p in json.load(sys.stdin) if p.get("type") == "perf_event" and p.get("name") == sys.argv[1]]
print(sum(p.get("run_cnt", 0) for p in progs), sum(p.get("run_time_ns", 0) for p in progs))' "$1"
}

# measure LABEL HZ PROGRAM_NAME CMD...: runs CMD in the background and prints the cost of
# its program over $secs seconds, after a second of warm-up.
measure() {
	local label=$1 hz=$2 name=$3 pid cnt0 ns0 cnt1 ns1
	shift 3
	"$@" >/dev/null 2>&1 &
	pid=$!
	sleep 2
	read -r cnt0 ns0 < <(prog_stats "$name")
	sleep "$secs"
	read -r cnt1 ns1 < <(prog_stats "$name")
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	awk -v l="$label" -v hz="$hz" -v cnt=$((cnt1 - cnt0)) -v ns=$((ns1 - ns0)) 'BEGIN {
		if (cnt <= 0) { printf "%-10s %-7s did not run\n", l, hz; exit }
		printf "%-10s %-7s %10d %12.1f %14.0f\n", l, hz, cnt, ns / 1e6, ns / cnt }'
}

printf '%-10s %-7s %10s %12s %14s\n' "program" "Hz/CPU" "samples" "run_time_ms" "ns_per_sample"
for hz in "${rates[@]}"; do
	measure bpfprof "$hz" on_sample "$bpfprof" record -q -F "$hz" -d $((secs + 10)) -o /tmp/bench-bpf-cost.folded
	# The reference: bpftrace's equivalent of the same aggregation, when installed.
	if command -v bpftrace >/dev/null; then
		measure bpftrace "$hz" "$hz" bpftrace -e "profile:hz:$hz { @[kstack, ustack, comm] = count(); }"
	fi
done
rm -f /tmp/bench-bpf-cost.folded
command -v bpftrace >/dev/null || echo "(apt-get install bpftrace to compare with bpftrace's equivalent program)"
