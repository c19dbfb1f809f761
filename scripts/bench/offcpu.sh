#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: record --off-cpu on a host that switches context RATE times a second (default
# 20000: the host's /proc/stat ctxt, vmstat's "cs", how often a sched_switch program runs).
# The load is scripts/bench/offcpu_load.c (compiled here): 16 pairs of threads ping-ponging
# over pipes on ticks whose period it adjusts to hold the host at RATE; it times its own waits.
# For each probability (default 1 0.1 0.01), a whole-host `bpfprof record --off-cpu
# --off-cpu-probability P --off-cpu-output F.folded` runs while the load runs SECONDS; then
# the peer, Debian's libbpf-tools offcputime (-u -m 1000: user threads, waits of 1 ms or more,
# as bpfprof's default), on the same load. Prints, for each:
# - the cost of the sched_switch program(s): run_time_ns / run_cnt and the share of one CPU
#   over the load's run (kernel.bpf_stats_enabled, read by bpftool from the programs this
#   process holds), and for bpfprof the summary's own "cost ... ns a switch, ...% of a CPU";
# - accuracy: the load's waits of 1 ms or more as it timed them itself (seconds, ticks and
#   requests), against the profile's off-CPU time in them, told apart by the load's function
#   in the user stack (wait_tick, wait_request), and, rows "(k)", by kernel function alone
#   (do_nanosleep; pipe reads less the load's replies), as for offcputime, whose user stacks
#   (frame pointers) end in libc.
# Goal: <= 1% of one CPU at 20,000 switches/s. Figures only, no pass/fail.
# Run as root after a build: scripts/bench/offcpu.sh [SECONDS] [RATE]   (default 20 20000)
# Env: BUILD_DIR (default build/), PROBABILITIES (default "1 0.1 0.01"), RECORD_ARGS (more
# options for record, e.g. "--kernel-only" to see what the user stacks cost).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bpfprof=$build/bpfprof
secs=${1:-20}
rate=${2:-20000}
read -r -a probabilities <<<"${PROBABILITIES:-1 0.1 0.01}"
read -r -a record_args <<<"${RECORD_ARGS:-}"
min_us=1000

die() { echo "bench-offcpu: $*" >&2; exit "${2:-1}"; }
[ "$(id -u)" = 0 ] || die "run as root"
[[ $secs =~ ^[0-9]+$ ]] && ((secs >= 5)) || die "SECONDS must be a number >= 5" 2
[[ $rate =~ ^[0-9]+$ ]] && ((rate >= 1000)) || die "RATE must be a number >= 1000" 2
[ -x "$bpfprof" ] || die "build first (scripts/build.sh; no $bpfprof)"
for tool in gcc bpftool python3; do
	command -v $tool >/dev/null || die "needs $tool"
done
offcputime=$(command -v offcputime || true)

work=$(mktemp -d /tmp/bench-offcpu.XXXXXX)
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
tool_pid='' load_pid=''
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$old_stats"
	for pid in $tool_pid $load_pid; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1
# Named for this run: its stacks are told from those of any other copy on the host by name.
load=offcpu-$$
gcc -O2 -g -fno-omit-frame-pointer -pthread -o "$work/$load" "$root/scripts/bench/offcpu_load.c"

# prog_stats PID NAME...: "programs run_cnt run_time_ns" of the BPF programs named NAME whose
# file descriptors PID holds (not another user's programs of the same name on this host).
prog_stats() {
	local pid=$1
	shift
	bpftool -j prog show 2>/dev/null | python3 -c '
import glob, json, sys
pid, names = sys.argv[1], sys.argv[2:]
held = set()
for info in glob.glob(f"/proc/{pid}/fdinfo/*"):
	try:
		for line in open(info):
			if line.startswith("prog_id:"):
				held.add(int(line.split()[1]))
	except OSError:
		pass
progs = [p for p in json.load(sys.stdin) if p["id"] in held and p.get("name") in names]
print(len(progs), sum(p.get("run_cnt", 0) for p in progs), sum(p.get("run_time_ns", 0) for p in progs))' \
		"$pid" "$@"
}

host_ctxt() { awk '$1 == "ctxt" { print $2 }' /proc/stat; }

# measure LABEL PROGRAM_NAMES CMD...: starts CMD in the background, waits until it has a
# program of PROGRAM_NAMES (comma-separated) loaded, runs the load for $secs seconds, then
# ends CMD with SIGINT. Leaves the load's report in $work/LABEL.load and the cost, "runs ns
# seconds host_ctxt", in $work/LABEL.cost; CMD's output in $work/LABEL.out and .err.
measure() {
	local label=$1 n=0 cnt0 ns0 cnt1 ns1 t0 t1 c0 c1 runs names rc
	IFS=, read -r -a names <<<"$2"
	shift 2
	"$@" >"$work/$label.out" 2>"$work/$label.err" &
	tool_pid=$!
	# Attached once it runs (the statistics are on): the load starts after, all of it seen.
	until read -r _ runs _ < <(prog_stats "$tool_pid" "${names[@]}") && ((runs > 0)); do
		kill -0 "$tool_pid" 2>/dev/null || { cat "$work/$label.err" >&2; die "$label exited early"; }
		((++n < 600)) || die "$label: no sched_switch program running after 60 s"
		sleep 0.1
	done
	sleep 1
	read -r _ cnt0 ns0 < <(prog_stats "$tool_pid" "${names[@]}")
	t0=$(date +%s.%N) c0=$(host_ctxt)
	rm -f "$work/$label.load"
	"$work/$load" "$rate" "$secs" "$min_us" "$work/$label.load" &
	load_pid=$!
	n=0
	until [ -e "$work/$label.load" ]; do
		kill -0 "$load_pid" 2>/dev/null || die "the load exited early"
		((++n < 10 * (secs + 60))) || die "the load did not end"
		sleep 0.1
	done
	read -r _ cnt1 ns1 < <(prog_stats "$tool_pid" "${names[@]}")
	t1=$(date +%s.%N) c1=$(host_ctxt)
	kill -INT "$tool_pid"
	wait "$tool_pid" || { rc=$?; cat "$work/$label.err" >&2; die "$label exited $rc"; }
	tool_pid=
	kill "$load_pid"
	wait "$load_pid" 2>/dev/null || true
	load_pid=
	echo $((cnt1 - cnt0)) $((ns1 - ns0)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
		$((c1 - c0)) >"$work/$label.cost"
}

# load_seconds LABEL KIND: the load's own total of its waits of KIND of >= 1 ms, in seconds.
load_seconds() { awk -v k="$2" '$1 == k { print $5 }' "$work/$1.load"; }

# folded_seconds FILE REGEX: off-CPU seconds of the load's stacks matching REGEX.
folded_seconds() {
	awk -v re="^$load;.*$2" '$0 ~ re { s += $NF } END { printf "%.3f", s / 1e9 }' "$1"
}

# offcputime_seconds FILE REGEX: seconds of the load's stacks with a frame matching REGEX, in
# offcputime's output (frames one a line, "-  comm (pid)", then microseconds).
offcputime_seconds() {
	awk -v re="$2" -v load="$load" '
	/^ +- +[^ ]+ \([0-9]+\)$/ { comm = $2; next }
	/^ +[0-9]+$/ { if (comm == load && hit) s += $1; hit = 0; comm = ""; next }
	{ if ($1 ~ "^(" re ")$") hit = 1 }
	END { printf "%.3f", s / 1e6 }' "$1"
}

# cost_row LABEL: the program's cost over the load's run, by bpftool and by bpfprof's summary.
cost_row() {
	local label=$1 summary runs ns window ctxt
	summary=$(sed -n 's/.*; cost \([0-9]*\) ns a switch, \([0-9.]*\)% of a CPU.*/\1 \2%/p' \
		"$work/$label.err")
	read -r runs ns window ctxt <"$work/$label.cost"
	awk -v l="$label" -v runs="$runs" -v ns="$ns" -v w="$window" -v ctxt="$ctxt" \
		-v summary="${summary:--  -}" 'BEGIN {
		split(summary, s, " ")
		printf "%-16s %9.0f %9.0f %9.0f %9.3f%% %9s %9s\n", l, ctxt / w, runs / w,
			runs ? ns / runs : 0, 100 * ns / 1e9 / w, s[1], s[2] }'
}

# accuracy_row LABEL ROW_NAME TICK_S REQUEST_S: off-CPU seconds in the profile against the
# load's own in the run LABEL.
accuracy_row() {
	awk -v l="$2" -v tick="$3" -v req="$4" -v ltick="$(load_seconds "$1" wait_tick)" \
		-v lreq="$(load_seconds "$1" wait_request)" 'BEGIN {
		printf "%-16s %9.2f %9.2f %+8.1f%% %9.2f %9.2f %+8.1f%%\n", l, tick, ltick,
			ltick ? 100 * (tick - ltick) / ltick : 0, req, lreq,
			lreq ? 100 * (req - lreq) / lreq : 0 }'
}

# kernel_seconds LABEL SECONDS_FN FILE: "ticks requests" told apart by kernel functions, the
# requests being the pipe reads less the load's replies.
kernel_seconds() {
	local label=$1 fn=$2 file=$3 kind=${4:-}
	echo "$($fn "$file" "do_nanosleep$kind")" "$(awk -v all="$($fn "$file" "(anon_)?pipe_read$kind")" \
		-v reply="$(load_seconds "$label" wait_reply)" 'BEGIN { printf "%.3f", all - reply }')"
}

echo "$(nproc) CPUs, $(uname -r); the host held at $rate switches/s for $secs s a row${RECORD_ARGS:+; record $RECORD_ARGS}"
labels=()
for p in "${probabilities[@]}"; do
	label="bpfprof-P$p"
	labels+=("$label")
	measure "$label" on_switch,on_switch_tail "$bpfprof" record --off-cpu -d $((secs + 60)) \
		--off-cpu-probability "$p" --off-cpu-output "$work/$label.folded" ${record_args[@]+"${record_args[@]}"}
done
if [ -n "$offcputime" ]; then
	labels+=(offcputime)
	measure offcputime sched_switch,sched_switch_raw "$offcputime" -u -m "$min_us" \
		--stack-storage-size 32768
fi

echo
echo "cost of the sched_switch program over the load's run (bpftool: run_time_ns / run_cnt)"
printf '%-16s %9s %9s %9s %10s %9s %9s\n' "" "host cs/s" "runs/s" "ns/run" "% of a CPU" \
	"summary:" "% of CPU"
printf '%-16s %9s %9s %9s %10s %9s %9s\n' "" "" "" "" "" "ns/switch" ""
for label in "${labels[@]}"; do cost_row "$label"; done

echo
echo "accuracy: seconds off the CPU in the load's waits of >= 1 ms, the profile's and the load's own"
printf '%-16s %9s %9s %9s %9s %9s %9s\n' "" "ticks" "load" "error" "requests" "load" "error"
for label in "${labels[@]}"; do
	if [ "$label" = offcputime ]; then
		# Its user stacks (frame pointers) end in libc: waits told apart in the kernel only.
		read -r tick req < <(kernel_seconds offcputime offcputime_seconds "$work/offcputime.out")
		accuracy_row offcputime "offcputime (k)" "$tick" "$req"
		continue
	fi
	accuracy_row "$label" "$label" "$(folded_seconds "$work/$label.folded" ';wait_tick;')" \
		"$(folded_seconds "$work/$label.folded" ';wait_request;')"
	read -r tick req < <(kernel_seconds "$label" folded_seconds "$work/$label.folded" '_\[k\]')
	accuracy_row "$label" "$label (k)" "$tick" "$req"
done
echo "(k): waits told apart by kernel function (do_nanosleep; pipe reads less the replies),"
echo "whatever the user stack; without (k): by the load's function in the user stack."
[ -n "$offcputime" ] || echo "(apt-get install libbpf-tools to compare with its offcputime in the same run)"

echo
for label in "${labels[@]}"; do
	echo "$label: load $(awk '$1 ~ /per_s|period/ { printf "%s %s, ", $1, $2 }' "$work/$label.load")" \
		"$(grep '^off-cpu:' "$work/$label.err" || true)"
done
