#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: the BPF sampler's average cost per sample (kernel + frame-pointer user
# stacks) on a busy host, read from kernel.bpf_stats_enabled (run_time_ns / run_cnt).
# Run as root after a build: scripts/bench-bpf-cost.sh [SECONDS] [HZ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
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
	"$programs/callgraph" $((secs * ${#rates[@]} + 30)) & load+=($!)
	"$programs/readloop" $((secs * ${#rates[@]} + 30)) & load+=($!)
done

prog_stats() { # prints "run_cnt run_time_ns" of the loaded on_sample program
	bpftool -j prog show name on_sample 2>/dev/null | python3 -c '
import json, sys
progs = json.load(sys.stdin)
progs = progs if isinstance(progs, list) else [progs]
print(sum(p.get("run_cnt", 0) for p in progs), sum(p.get("run_time_ns", 0) for p in progs))'
}

printf '%-8s %10s %12s %14s\n' "Hz/CPU" "samples" "run_time_ms" "ns_per_sample"
for hz in "${rates[@]}"; do
	"$bpfprof" record -q -F "$hz" -d $((secs + 2)) -o "$(mktemp /tmp/bench.XXXXXX.folded)" &
	rec=$!
	sleep 1
	read -r cnt0 ns0 < <(prog_stats)
	sleep "$secs"
	read -r cnt1 ns1 < <(prog_stats)
	wait "$rec"
	cnt=$((cnt1 - cnt0)); ns=$((ns1 - ns0))
	[ "$cnt" -gt 0 ] || { echo "bench-bpf-cost: the program ran 0 times at $hz Hz" >&2; exit 1; }
	awk -v hz="$hz" -v cnt="$cnt" -v ns="$ns" 'BEGIN { printf "%-8s %10d %12.1f %14.0f\n", hz, cnt, ns / 1e6, ns / cnt }'
done
rm -f /tmp/bench.*.folded
