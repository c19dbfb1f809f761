#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: Python frames. One tests/programs/python/callgraph.py per CPU (a pure-Python
# workload with a known call graph: recursion, a generator consumed by sum(), sorted() calling
# back into Python, a second thread) under /usr/bin/python3.11, recorded whole-host at 99 Hz
# for SECONDS, with Python frames and then without (--no-python). Prints:
# - of the samples of the workload with Python frames, the share whose Python call chain is
#   one the program makes, each group of Python frames right above _PyEval_EvalFrameDefault
#   (check_chains.py: "right_chain"), and of the samples whose leaf Python frame is spin(),
#   the share at its hot line ("right_line", read from the pprof output by go tool pprof);
# - the BPF program's cost per sample both ways (kernel.bpf_stats_enabled: run_time_ns /
#   run_cnt of the sampling program and its tail calls) and their ratio.
# Goals: right_chain >= 99%, right_line >= 95%, cost with Python frames <= 2x without.
# Figures only, no pass/fail.
# Run as root after a build: scripts/bench/python.sh [SECONDS]  (default 20)
# Env: BUILD_DIR (default build/), PYTHON (default /usr/bin/python3.11).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bpfprof=$build/bpfprof
py_src=$root/tests/programs/python
python=${PYTHON:-/usr/bin/python3.11}
secs=${1:-20}

die() { echo "bench-python: $*" >&2; exit "${2:-1}"; }
[ "$(id -u)" = 0 ] || die "run as root"
[[ $secs =~ ^[0-9]+$ ]] && ((secs >= 2)) || die "SECONDS must be a number >= 2" 2
[ -x "$bpfprof" ] || die "build first (scripts/build.sh; no $bpfprof)"
[ -x "$python" ] || die "no $python"
command -v go >/dev/null || die "needs go (golang-go) for go tool pprof"
command -v bpftool >/dev/null || die "needs bpftool"

work=$(mktemp -d /tmp/bench-python.XXXXXX)
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
load=()
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$old_stats"
	[ ${#load[@]} -eq 0 ] || kill "${load[@]}" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1
export HOME=$work GOCACHE=$work/gocache GOPROXY=off GOTOOLCHAIN=local GOTELEMETRY=off
export PPROF_TMPDIR=$work PPROF_BINARY_PATH=$work/none

for _ in $(seq "$(nproc)"); do
	"$python" "$py_src/callgraph.py" $((4 * secs + 60)) & load+=($!)
done
sleep 1

# prog_stats: "run_cnt run_time_ns" of the loaded perf_event programs of bpfprof.
prog_stats() {
	bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
names = ("on_sample", "on_sample_tail", "walk_more")
progs = [p for p in json.load(sys.stdin) if p.get("type") == "perf_event" and p.get("name") in names]
# A tail call runs inside the sample that made it: count samples by the first program only.
print(sum(p.get("run_cnt", 0) for p in progs if p["name"] != "walk_more"),
      sum(p.get("run_time_ns", 0) for p in progs))'
}

# run LABEL ARGS...: records $secs seconds (after 2 s of loading) and prints the cost.
run() {
	local label=$1 pid cnt0 ns0 cnt1 ns1
	shift
	"$bpfprof" record -q -F 99 -d $((secs + 30)) "$@" &
	pid=$!
	sleep 3
	read -r cnt0 ns0 < <(prog_stats)
	sleep "$secs"
	read -r cnt1 ns1 < <(prog_stats)
	kill -INT "$pid"
	wait "$pid" || die "record ($label) exited $?"
	awk -v l="$label" -v cnt=$((cnt1 - cnt0)) -v ns=$((ns1 - ns0)) 'BEGIN {
		printf "%-16s %8d samples %10.1f ms in BPF %8.0f ns/sample\n", l, cnt, ns / 1e6,
			cnt ? ns / cnt : 0 }' | tee -a "$work/costs"
}

echo "$(nproc) x $("$python" -V) callgraph.py, whole host at 99 Hz, $secs s each way"
run "python frames" -o "$work/py.folded" -o "$work/py.pb.gz"
run "native only" --no-python -o "$work/native.folded"
go tool pprof -symbolize=none -raw "$work/py.pb.gz" >"$work/py.raw" 2>/dev/null ||
	die "go tool pprof cannot read the pprof output"
# The workload's samples only (python3.11), not those of any other python3 on the host.
python3 "$py_src/check_chains.py" --comm "$(basename "$python")" "$work/py.folded" "$work/py.raw" |
	sed 's/^/  /'
awk '{ ns[NR] = $(NF - 1) } END {
	if (ns[2] > 0) printf "cost with Python frames / without: %.2fx\n", ns[1] / ns[2] }' \
	"$work/costs"
