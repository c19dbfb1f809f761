#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: unwinding user stacks without frame pointers (.eh_frame tables in BPF).
#  1. BPF cost per sample (run_time_ns / run_cnt of the record's perf_event programs, read
#     from /proc/PID/fdinfo with kernel.bpf_stats_enabled) on a 30-frame user stack
#     (scripts/bench/unwind_deep.c, one process per CPU, recorded with -p): `--unwind dwarf`
#     on a -fomit-frame-pointer build, `--unwind fp` on a frame-pointer build of the same
#     source (and on the -fomit-frame-pointer build, for the stacks it gives), with and
#     without --user-only. Budget per sample: DWARF <= 5 us, frame pointers <= 2 us. Samples
#     of other processes are dropped early and lower the average: the cost of ours alone is
#     estimated with a drop-everything run's cost taken out. With the share of samples whose
#     stack reaches the entry point and holds all 30 deep_NN frames.
#  2. Unwind table size and build time for libc, large C++ (Chromium, libLLVM) and python3,
#     from tests/tools/unwind_table_info: built, then stored to and loaded from a cache.
#  3. Stack completeness next to `perf record --call-graph dwarf,SIZE` sampling the same
#     processes at the same time: the 30-deep load, a qsort-callback load and python3 running
#     a pure-Python loop. Share of samples whose user stack reaches the entry point (_start,
#     __libc_start_call_main, __libc_start_main; start_thread, clone3 for threads).
# Run as root after a build: scripts/bench/unwind.sh [SECONDS]  (default 10 per measurement)
# Env: BUILD_DIR (default build/), RATES (default "99 999", part 1), WARMUP (default 3 s,
# left out of part 1's cost), LOADS_PER_CPU (default 1; more raise our share of the samples
# on a host busy with other work), LOAD_NICE (default 0; e.g. -10 lets part 1's loads crowd
# out other work), PERF_STACKS (default "8192 65528": one perf record per size, all at once),
# PARTS (default "1 2 3"), KEEP=1 keeps the work dir in /tmp.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bpfprof=$build/bpfprof
table_info=$build/tests/tools/unwind_table_info
secs=${1:-10}
read -r -a rates <<<"${RATES:-99 999}"
read -r -a perf_stacks <<<"${PERF_STACKS:-8192 65528}"
read -r -a parts <<<"${PARTS:-1 2 3}"
warmup=${WARMUP:-3}
per_cpu=${LOADS_PER_CPU:-1}
load_nice=${LOAD_NICE:-0}
ncpu=$(nproc)

[ "$(id -u)" = 0 ] || { echo "bench-unwind: run as root" >&2; exit 1; }
[[ $secs =~ ^[0-9]+$ ]] && ((secs >= 2)) || { echo "bench-unwind: SECONDS must be a number >= 2" >&2; exit 2; }
[[ $per_cpu =~ ^[1-9][0-9]*$ ]] || { echo "bench-unwind: LOADS_PER_CPU must be a number >= 1" >&2; exit 2; }
[[ $load_nice =~ ^-?[0-9]+$ ]] || { echo "bench-unwind: LOAD_NICE must be a number" >&2; exit 2; }
[ -x "$bpfprof" ] || { echo "bench-unwind: build first (scripts/build.sh; no $bpfprof)" >&2; exit 1; }
command -v gcc >/dev/null || { echo "bench-unwind: the loads need gcc" >&2; exit 1; }

tmp=$(mktemp -d /tmp/bench-unwind.XXXXXX)
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
pids=()
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$old_stats" || true
	# Everything started here (loads, records, perf) is a child of this shell; the loads of
	# filtered_cost (a subshell) also end on their own, at their deadline.
	local p
	for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "bench-unwind: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
for sig in INT TERM HUP; do
	trap "echo 'bench-unwind: stopped by SIG$sig' >&2; exit 130" "$sig"
done
sysctl -qw kernel.bpf_stats_enabled=1
cd "$tmp"

# The loads: the comm is the file name, which tells the workloads apart in folded stacks.
src=$root/scripts/bench/unwind_deep.c
gcc -O2 -fomit-frame-pointer -o "$tmp/uw_deep" "$src"
gcc -O2 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -o "$tmp/uw_deep_fp" "$src"
cp "$tmp/uw_deep" "$tmp/uw_qsort"
# Debian's python3 (not a pyenv or venv one first in PATH); its comm is its file name.
python=$(readlink -f /usr/bin/python3 2>/dev/null || true)
py_comm=${python##*/}
# A pure-Python loop: the C stack under it is the interpreter's own.
py_loop='
import time
def work(n):
    s = 0
    for i in range(n):
        s += i * i
    return s
def outer(deadline):
    while time.monotonic() < deadline:
        work(100000)
import sys
outer(time.monotonic() + float(sys.argv[1]))'

# --unwind MODE arguments, or none when this bpfprof has no --unwind (frame pointers only).
has_unwind=0
# (The help is read whole first: grep -q closing the pipe early would fail it under pipefail.)
record_help=$("$bpfprof" record --help 2>&1 || true)
[[ $record_help == *--unwind* ]] && has_unwind=1
unwind_args() { if ((has_unwind)); then echo "--unwind $1"; fi; }
if ((!has_unwind)); then
	echo "bench-unwind: this bpfprof has no --unwind option: it unwinds with frame pointers only;"
	echo "              DWARF figures are skipped and 'fp' rows use its default."
fi

# start_loads SECONDS CMD...: starts CMD $per_cpu times per CPU; their pids go to pids.
start_loads() {
	local s=$1 i
	shift
	pids=()
	for ((i = 0; i < ncpu * per_cpu; i++)); do
		nice -n "$load_nice" "$@" "$s" >/dev/null 2>&1 &
		pids+=($!)
	done
}
stop_loads() {
	if [ ${#pids[@]} -gt 0 ]; then
		kill -TERM "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true
	fi
	pids=()
}
join_pids() { local IFS=,; echo "$*"; }

# prog_stats PID: "run_cnt run_time_ns programs" summed over the perf_event programs
# (prog_type 7) PID holds open. A tail call's time counts to the program that made it.
prog_stats() {
	local fd cnt=0 ns=0 n=0 type c t k v
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:bpf-prog" ] || continue
		type='' c=0 t=0
		while read -r k v; do
			case $k in
			prog_type:) type=$v ;;
			run_cnt:) c=$v ;;
			run_time_ns:) t=$v ;;
			esac
		done <"/proc/$1/fdinfo/${fd##*/}" 2>/dev/null || continue
		[ "$type" = 7 ] || continue
		cnt=$((cnt + c)) ns=$((ns + t)) n=$((n + 1))
	done
	echo "$cnt $ns $n"
}

# stack_shares FOLDED COMM: "samples entry_% all30_% bytesmain_% start_% user_frames" for the
# samples of COMM in a folded file (kernel frames, suffixed _[k], left out). entry: the user
# stack holds an entry point; all30: it also holds deep_01..deep_30; bytesmain, start: it
# holds Py_BytesMain (Debian's python3 main is a jmp to it: never a frame of its own) or
# _start; user_frames: user frames per sample, on average, inlined ones (_[i]) left out.
stack_shares() {
	awk -v comm="$2" '
	function pct(n) { return total ? sprintf("%.1f", 100 * n / total) : "-" }
	{
		count = $NF
		line = $0
		sub(/ [0-9]+$/, "", line)
		nf = split(line, f, ";")
		if (f[1] != comm)
			next
		entry = deep = bm = st = 0
		delete seen
		for (i = 2; i <= nf; i++) {
			if (f[i] ~ /_\[k\]$/)
				continue
			# Physical frames only: inline expansions (_[i]) are not counted.
			if (f[i] !~ /_\[i\]$/)
				frames += count
			if (f[i] ~ /^(_start|__libc_start_call_main|__libc_start_main.*|start_thread|clone3|__clone3)$/)
				entry = 1
			if (f[i] == "_start")
				st = 1
			if (f[i] == "Py_BytesMain")
				bm = 1
			if (f[i] ~ /^deep_[0-9][0-9]$/ && !(f[i] in seen)) {
				seen[f[i]] = 1
				deep++
			}
		}
		total += count
		if (entry) n_entry += count
		if (entry && deep == 30) n_all += count
		if (bm) n_bm += count
		if (st) n_st += count
	}
	END {
		print total + 0, pct(n_entry), pct(n_all), pct(n_bm), pct(n_st),
			total ? sprintf("%.1f", frames / total) : "-"
	}' "$1"
}

# ---------------------------------------------------------------------------------------
# 1. BPF cost per sample.
# sample_run MODE HZ OUT PIDS [RECORD_ARGS...]: records PIDS (comma-separated) and prints
# "runs run_time_ns runs_since_load" of its perf_event programs over $secs s after $warmup s.
sample_run() {
	local mode=$1 hz=$2 out=$3 who=$4 rec cnt0 ns0 cnt1 ns1 nprog i
	shift 4
	# shellcheck disable=SC2046
	"$bpfprof" record -q $(unwind_args "$mode") "$@" -p "$who" -F "$hz" \
		-d $((warmup + secs + 20)) -o "$out" >"$out.log" 2>&1 &
	rec=$!
	# Warm-up counts from the moment the programs are loaded (table building may take a while).
	for ((i = 0; i < 300; i++)); do
		read -r _ _ nprog < <(prog_stats "$rec")
		((nprog > 0)) && break
		kill -0 "$rec" 2>/dev/null || break
		sleep 0.1
	done
	sleep "$warmup"
	read -r cnt0 ns0 _ < <(prog_stats "$rec")
	sleep "$secs"
	read -r cnt1 ns1 _ < <(prog_stats "$rec")
	kill -INT "$rec" 2>/dev/null || true
	wait "$rec" 2>/dev/null || true
	echo $((cnt1 - cnt0)) $((ns1 - ns0)) "$cnt1"
}

# filtered_cost HZ: ns per run of a program that drops every sample (it records a sleeping
# process) while the loads keep every CPU busy: what other processes' runs cost in cost().
filtered_cost() {
	local sleeper cnt ns
	start_loads $((warmup + secs + 30)) "$tmp/uw_deep" deep
	sleep $((warmup + secs + 30)) &
	sleeper=$!
	read -r cnt ns _ < <(sample_run fp "$1" "$tmp/filtered-$1.folded" "$sleeper")
	kill -TERM "$sleeper" 2>/dev/null || true
	wait "$sleeper" 2>/dev/null || true
	stop_loads
	awk -v c="$cnt" -v n="$ns" 'BEGIN { printf "%.0f", (c > 0 ? n / c : 0) }'
}

# cost LABEL MODE BINARY HZ FILTERED_NS [RECORD_ARGS...]: one measurement; prints a row and
# sets last_cost to its us/ours ("-" when unknown).
last_cost=-
cost() {
	local label=$1 mode=$2 bin=$3 hz=$4 filtered=$5 cnt ns all budget row
	local out=$tmp/cost-${label//[^a-z0-9]/_}-$4.folded
	shift 5
	last_cost=-
	start_loads $((warmup + secs + 30)) "$bin" deep
	read -r cnt ns all < <(sample_run "$mode" "$hz" "$out" "$(join_pids "${pids[@]}")" "$@")
	stop_loads
	[ "$mode" = dwarf ] && budget=5 || budget=2
	if ! [ -s "$out" ] || ((cnt <= 0)); then
		printf '%-20s %6s  did not run (%s)\n' "$label" "$hz" "$(tail -n 1 "$out.log" 2>/dev/null)"
		return 0
	fi
	row=$(awk -v l="$label" -v hz="$hz" -v cnt="$cnt" -v ns="$ns" -v b="$budget" -v f="$filtered" \
		-v all="$all" -v shares="$(stack_shares "$out" "${bin##*/}")" 'BEGIN {
		split(shares, s, " ")
		ours = all ? s[1] / all : 0
		us = ns / cnt / 1000
		# Our share of the window is taken as our share of the whole recording.
		est = "-"
		if (ours >= 0.05 && f > 0)
			est = sprintf("%.2f", (ns - cnt * (1 - ours) * f) / (cnt * ours) / 1000)
		v = est == "-" ? us : est + 0
		printf "%s|%-20s %6s %7d %5.1f%% %8.2f %8s  <= %d us %-4s %6s%% %6s%%\n", est, l, hz,
			cnt, 100 * ours, us, est, b, v <= b ? "ok" : "OVER", s[2], s[3] }')
	last_cost=${row%%|*}
	echo "${row#*|}"
}

# extra LABEL A B: "LABEL: A - B us" when both are known.
extra() {
	[ "$2" != - ] && [ "$3" != - ] || return 0
	awk -v l="$1" -v a="$2" -v b="$3" 'BEGIN { printf "   %s: %+.2f us per sample\n", l, a - b }'
}

part1() {
	local hz u f d fp extra_rows=()
	echo
	echo "== 1. BPF cost per sample, 30-frame user stack, $((ncpu * per_cpu)) processes" \
		"($per_cpu per CPU), ${secs} s after ${warmup} s"
	echo "   us/run: run_time_ns / run_cnt over all runs; ours: the share of runs that recorded"
	echo "   our samples (the rest are other processes' samples, dropped early); us/ours: the cost"
	echo "   of ours alone, runs of a drop-everything recording (filtered) taken out; the budget"
	echo "   is checked on it. entry/all30: of the recorded samples. 'user': --user-only."
	for hz in "${rates[@]}"; do
		f=$(filtered_cost "$hz")
		echo "-- ${hz} Hz: a dropped sample costs $(awk -v f="$f" 'BEGIN { printf "%.2f", f / 1000 }') us"
		printf '%-20s %6s %7s %6s %8s %8s  %-12s %7s %7s\n' "unwind (build)" "Hz/CPU" "runs" \
			"ours" "us/run" "us/ours" "budget" "entry" "all30"
		# --user-only rows leave out the kernel stack walk: the user unwinders' difference.
		for u in "" --user-only; do
			d=-
			if ((has_unwind)); then
				cost "dwarf (nofp)${u:+ user}" dwarf "$tmp/uw_deep" "$hz" "$f" $u
				d=$last_cost
			else
				printf '%-20s %6s  skipped: no --unwind in this bpfprof\n' \
					"dwarf (nofp)${u:+ user}" "$hz"
			fi
			cost "fp (fp build)${u:+ user}" fp "$tmp/uw_deep_fp" "$hz" "$f" $u
			fp=$last_cost
			cost "fp (nofp)${u:+ user}" fp "$tmp/uw_deep" "$hz" "$f" $u
			extra_rows+=("$(extra "${hz} Hz${u:+ user-only}: DWARF (nofp) - FP (fp build)" "$d" "$fp")")
		done
	done
	printf '%s\n' "${extra_rows[@]}" | grep . || true
}

# ---------------------------------------------------------------------------------------
# 2. Unwind table build time and size.
# table_rows [--cache DIR] FILE...: unwind_table_info's lines ("FILE rows=N bytes=N
# build_ms=F ... [cache=hit|stored load_ms=F]") as table rows; other lines as they are.
table_rows() {
	"$table_info" "$@" 2>&1 | while read -r f rest; do
		if [[ $rest != *rows=* ]]; then
			echo "$f $rest"
			continue
		fi
		awk -v f="$f" -v rest="$rest" -v size="$(stat -Lc %s "$f" 2>/dev/null || echo 0)" 'BEGIN {
			n = split(rest, kv, " ")
			for (i = 1; i <= n; i++)
				if (split(kv[i], p, "=") == 2)
					v[p[1]] = p[2]
			name = f
			sub(/.*\//, "", name)
			printf "%-22s %8.1f %7s %8s %9.1f %8s %7s  %s\n", name, size / 1048576,
				v["fdes"], v["rows"], v["bytes"] / 1024, v["build_ms"],
				("load_ms" in v) ? v["load_ms"] : "-", ("cache" in v) ? v["cache"] : "-"
		}'
	done || true
}
part2() {
	local files=() f usage
	echo
	echo "== 2. Unwind tables (tests/tools/unwind_table_info)"
	if ! [ -x "$table_info" ]; then
		echo "skipped: $table_info is not built yet"
		return 0
	fi
	# Large C++: Chromium keeps .eh_frame for a small part of its code only (most of it is
	# built without unwind tables), libLLVM has it for all: both when installed.
	for f in /lib/x86_64-linux-gnu/libc.so.6 /usr/lib/chromium/chromium \
		/usr/lib/llvm-14/lib/libLLVM-14.so.1 "$python"; do
		if [ -e "$f" ]; then files+=("$(readlink -f "$f")"); else echo "(no $f)"; fi
	done
	[ ${#files[@]} -gt 0 ] || return 0
	printf '%-22s %8s %7s %8s %9s %8s %7s  %s\n' "file" "file MiB" "FDEs" "rows" \
		"table KiB" "build ms" "load ms" "cache"
	echo "-- built from .eh_frame, no cache:"
	table_rows "${files[@]}"
	usage=$("$table_info" --help 2>&1 || true)
	if [[ $usage == *--cache* ]]; then
		mkdir -p "$tmp/table-cache"
		echo "-- --cache, empty: built and stored:"
		table_rows --cache "$tmp/table-cache" "${files[@]}"
		echo "-- --cache again: loaded:"
		table_rows --cache "$tmp/table-cache" "${files[@]}"
		echo "cache on disk: $(du -sk "$tmp/table-cache" | cut -f1) KiB"
	else
		echo "(unwind_table_info has no --cache: cache loads not measured)"
	fi
}

# ---------------------------------------------------------------------------------------
# 3. Completeness next to perf --call-graph dwarf.
# collapse_perf IN OUT: perf script's callchains as folded stacks (comm;outermost;...;leaf N),
# kernel frames suffixed _[k] like bpfprof's.
collapse_perf() {
	perf script -i "$1" -F comm,ip,sym,dso --no-inline 2>/dev/null | awk '
	function flush(   s, i) {
		if (comm == "")
			return
		s = comm
		for (i = n; i >= 1; i--)
			s = s ";" fr[i]
		count[s]++
		comm = ""
		n = 0
	}
	/^[^ \t]/ { flush(); comm = $1; next }
	/^[ \t]+[0-9a-f]+ / {
		line = $0
		sub(/^[ \t]+[0-9a-f]+ /, "", line)
		dso = ""
		if (match(line, / \([^()]*\)$/)) {
			dso = substr(line, RSTART + 2, RLENGTH - 3)
			line = substr(line, 1, RSTART - 1)
		}
		sub(/\+0x[0-9a-f]+$/, "", line)
		if (line == "")
			line = "[unknown]"
		if (dso ~ /^\[kernel/ || dso ~ /\.ko$/)
			line = line "_[k]"
		fr[++n] = line
		next
	}
	/^$/ { flush() }
	END { flush(); for (s in count) print s, count[s] }' >"$2"
}

part3() {
	local rec perfs=() sz out="$tmp/cmp.folded" p all
	echo
	echo "== 3. Stack completeness next to perf --call-graph dwarf: same processes, same" \
		"${secs} s, 99 Hz"
	if ! command -v perf >/dev/null; then
		echo "skipped: no perf"
		return 0
	fi
	pids=()
	"$tmp/uw_deep" deep $((secs + 30)) >/dev/null 2>&1 & pids+=($!)
	"$tmp/uw_qsort" qsort $((secs + 30)) >/dev/null 2>&1 & pids+=($!)
	if [ -x "$python" ]; then
		"$python" -c "$py_loop" $((secs + 30)) >/dev/null 2>&1 & pids+=($!)
	else
		echo "(no /usr/bin/python3: the python3 workload is left out)"
	fi
	sleep 1
	for p in "${pids[@]}"; do
		if ! kill -0 "$p" 2>/dev/null; then
			echo "bench-unwind: a load of part 3 did not start" >&2
			stop_loads
			return 1
		fi
	done
	all=$(join_pids "${pids[@]}")
	# shellcheck disable=SC2046
	"$bpfprof" record -q $(unwind_args dwarf) -p "$all" -F 99 -d "$secs" -o "$out" \
		>"$tmp/cmp.log" 2>&1 &
	rec=$!
	for sz in "${perf_stacks[@]}"; do
		perf record -q -e cpu-clock -F 99 --call-graph "dwarf,$sz" -p "$all" \
			-o "$tmp/perf-$sz.data" -- sleep "$secs" >"$tmp/perf-$sz.log" 2>&1 &
		perfs+=($!)
	done
	wait "$rec" || echo "bpfprof record failed: $(tail -n 3 "$tmp/cmp.log")"
	for p in "${perfs[@]}"; do wait "$p" || echo "perf record failed (KEEP=1 keeps its log)"; done
	stop_loads
	for sz in "${perf_stacks[@]}"; do collapse_perf "$tmp/perf-$sz.data" "$tmp/perf-$sz.folded"; done

	local label cols=("$out") heads=("bpfprof $( ((has_unwind)) && echo dwarf || echo fp-only)")
	for sz in "${perf_stacks[@]}"; do
		cols+=("$tmp/perf-$sz.folded")
		heads+=("perf dwarf,$sz")
	done
	printf '%-10s %-34s' "workload" "share of samples"
	for label in "${heads[@]}"; do printf ' %18s' "$label"; done
	echo
	# row COMM METRIC_INDEX TEXT: one metric (stack_shares field) across the columns.
	row() {
		local f v
		printf '%-10s %-34s' "$1" "$3"
		for f in "${cols[@]}"; do
			read -r -a v < <(stack_shares "$f" "$1")
			case $2 in
			0 | 5) printf ' %18s' "${v[$2]}" ;;
			*) printf ' %17s%%' "${v[$2]}" ;;
			esac
		done
		echo
	}
	row uw_deep 0 "samples"
	row uw_deep 1 "reaches the entry point"
	row uw_deep 2 "entry point and all 30 deep_ frames"
	row uw_deep 5 "user frames per sample"
	row uw_qsort 0 "samples"
	row uw_qsort 1 "reaches the entry point"
	row uw_qsort 5 "user frames per sample"
	if [ -x "$python" ]; then
		row "$py_comm" 0 "samples"
		row "$py_comm" 3 "reaches Py_BytesMain (main)"
		row "$py_comm" 4 "reaches _start"
		row "$py_comm" 1 "reaches the entry point"
		row "$py_comm" 5 "user frames per sample"
	fi
	echo "perf copies the given bytes of user stack per sample (dwarf,8192 is perf's default);"
	echo "user frames leave out bpfprof's inlined frames (perf script runs with --no-inline);"
	echo "python3 is $python; its main is a tail call (jmp) to Py_BytesMain and never on the stack."
}

for part in "${parts[@]}"; do
	case $part in
	1) part1 ;;
	2) part2 ;;
	3) part3 ;;
	*) echo "bench-unwind: unknown part $part" >&2 ;;
	esac
done
