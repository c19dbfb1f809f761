#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: stack fidelity under process churn, next to perf --call-graph dwarf. A build
# host's load (a loop of `make -j JOBS clean all` over FILES small generated C files: sh,
# make, gcc, cc1, as, collect2, ld living a few ms each; RATE more processes a second of
# tests/programs/churn_burn, 1 ms each, when given) runs while `bpfprof record -F 99` (the
# whole host) and `perf record -a -F 99 --call-graph dwarf` sample the same SECONDS. perf's
# stacks are made folded by scripts/bench/churn_stacks.py, which then prints, per process
# name and over all, for both: samples, and of those with user frames the shares rooted at
# an entry point, reaching the program's own code from it, with an unnamed frame, and
# (bpfprof) ended early (its docstring defines each). Then bpfprof's own summary lines:
# user stacks complete, ended early for want of an unwind table, processes exited before
# their mappings were read. Goals: rooted at least as often as perf for every process
# name and >= 95% overall; >= 99% of user stacks complete; "no table" <= 0.5%; no process
# exited before its mappings were read. Figures only, no pass/fail.
# Run as root after a build: scripts/bench/churn.sh [SECONDS]  (default 10)
# Env: BUILD_DIR (default build/), JOBS (make -j, default the CPUs), FILES (default 40),
# RATE (extra processes a second, default 0), WARMUP (default 3 s of load before sampling),
# KEEP=1 keeps the work dir in /tmp.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bpfprof=$build/bpfprof
stacks=$root/scripts/bench/churn_stacks.py
secs=${1:-10}
jobs=${JOBS:-$(nproc)}
files=${FILES:-40}
rate=${RATE:-0}
warmup=${WARMUP:-3}

die() { echo "bench-churn: $*" >&2; exit "${2:-1}"; }
[ "$(id -u)" = 0 ] || die "run as root"
[[ $secs =~ ^[0-9]+$ ]] && ((secs >= 2)) || die "SECONDS must be a number >= 2" 2
for v in jobs files rate warmup; do [[ ${!v} =~ ^[0-9]+$ ]] || die "${v^^} must be a number" 2; done
[ -x "$bpfprof" ] || die "build first (scripts/build.sh; no $bpfprof)"
command -v gcc >/dev/null && command -v make >/dev/null || die "the load needs gcc and make"
command -v python3 >/dev/null || die "needs python3"
if ! command -v perf >/dev/null; then
	echo "bench-churn: installing linux-perf" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -qq -y linux-perf >/dev/null 2>&1 ||
		die "perf is missing and linux-perf did not install"
fi
spawn=$build/tests/programs/churn_spawn burn=$build/tests/programs/churn_burn
if ((rate > 0)) && ! { [ -x "$spawn" ] && [ -x "$burn" ]; }; then
	die "RATE needs the test programs (scripts/build.sh test)"
fi

tmp=$(mktemp -d /tmp/bench-churn.XXXXXX)
load_pid='' rec=''
# stop_load: ends the load's process group, by SIGKILL if it outlives SIGTERM by 5 s; nothing
# of it may outlive the benchmark.
stop_load() {
	local i
	[ -n "$load_pid" ] || return 0
	kill -TERM -- "-$load_pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do kill -0 -- "-$load_pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL -- "-$load_pid" 2>/dev/null || true
	load_pid=''
}
cleanup() {
	[ -n "$rec" ] && kill -INT "$rec" 2>/dev/null
	stop_load
	wait 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "bench-churn: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
for sig in INT TERM HUP; do
	trap "echo 'bench-churn: stopped by SIG$sig' >&2; exit 130" "$sig"
done

# The project: FILES files of a few functions each and a program linking them.
mkdir "$tmp/src"
for ((i = 0; i < files; i++)); do
	cat >"$tmp/src/f$i.c" <<-C
	#include <string.h>
	struct item$i { int key; char name[32]; double weight; };
	static int cmp$i(const struct item$i *a, const struct item$i *b)
	{ return a->key != b->key ? a->key - b->key : strcmp(a->name, b->name); }
	double f$i(struct item$i *v, int n)
	{
		double s = 0;
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 && cmp$i(&v[j - 1], &v[j]) > 0; j--) {
				struct item$i t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
			}
		for (int i = 0; i < n; i++)
			s += v[i].weight * (i + $i);
		return s;
	}
	C
done
{
	echo "int main(void) { return 0; }" >"$tmp/src/main.c"
	printf 'OBJS = main.o'
	for ((i = 0; i < files; i++)); do printf ' f%d.o' "$i"; done
	printf '\nprog: $(OBJS)\n\tcc -o $@ $(OBJS)\n%%.o: %%.c\n\tcc -O2 -c -o $@ $<\n'
	printf 'all: prog\nclean:\n\trm -f prog $(OBJS)\n'
} >"$tmp/src/Makefile"

# The load, in a session of its own: the make loop and the extra churn. Its shell writes its
# own pid, which is the session's and the process group's (setsid forks first when it is
# started as a group leader, so $! need not be the group).
setsid bash -c '
	echo $$ >"$1/../load.pgid"
	cd "$1"
	if [ "$3" -gt 0 ]; then "$4" -n 100000000 -r "$3" "$5" run 1 >/dev/null 2>&1 & fi
	while :; do make -s -j "$2" clean all >/dev/null 2>&1; done' \
	churn-load "$tmp/src" "$jobs" "$rate" "$spawn" "$burn" &
for ((i = 0; i < 100; i++)); do [ -s "$tmp/load.pgid" ] && break; sleep 0.05; done
load_pid=$(cat "$tmp/load.pgid" 2>/dev/null) || die "the load did not start"
sleep "$warmup"

# bpfprof first: its loading may take long (unwind tables for every process of the host).
# Once it samples, perf starts (its setup, reading every process's mappings, takes a moment)
# and both stop together SECONDS later: bpfprof by SIGINT, perf when its workload (sleep)
# is killed.
"$bpfprof" record -F 99 -d 3600 -o "$tmp/bpfprof.folded" >"$tmp/bpfprof.log" 2>&1 &
rec=$!
for ((i = 0; i < 6000; i++)); do
	# Sampling's perf events follow those of the mapping journal: one each per CPU.
	(($(ls -l "/proc/$rec/fd" 2>/dev/null | grep -c '\[perf_event\]') >= 2 * $(getconf _NPROCESSORS_ONLN))) && break
	kill -0 "$rec" 2>/dev/null || die "bpfprof record failed: $(tail -n 3 "$tmp/bpfprof.log")"
	sleep 0.05
done
perf record -q -a -F 99 --call-graph dwarf -o "$tmp/perf.data" -- sleep 3600 \
	>"$tmp/perf.log" 2>&1 &
perf_pid=$!
forks0=$(awk '$1 == "processes" { print $2 }' /proc/stat)
sleep "$secs"
forks=$(($(awk '$1 == "processes" { print $2 }' /proc/stat) - forks0))
kill -INT "$rec" 2>/dev/null
sleeper=$(awk '{ print $1 }' "/proc/$perf_pid/task/$perf_pid/children" 2>/dev/null || true)
[ -n "$sleeper" ] && kill -TERM "$sleeper" 2>/dev/null
wait "$rec" || echo "bench-churn: bpfprof record failed: $(tail -n 3 "$tmp/bpfprof.log")"
# perf exits non-zero when its workload is killed; its data is what tells.
wait "$perf_pid" || true
[ -s "$tmp/perf.data" ] || echo "bench-churn: perf record failed: $(tail -n 2 "$tmp/perf.log")"
rec=''
stop_load
# perf script names the files as they are now: the load's files are still there.
perf script -i "$tmp/perf.data" -F comm,pid,ip,sym,symoff,dso --no-inline 2>/dev/null |
	python3 "$stacks" collapse >"$tmp/perf.folded"

extra=''
((rate == 0)) || extra=", $rate more processes/s (1 ms each)"
echo "== Process churn: make -j $jobs over $files files$extra," \
	"${secs} s at 99 Hz, about $((forks / secs)) processes started a second"
echo "   (perf's first moments go to its setup: it samples a little less of the same seconds)"
python3 "$stacks" table bpfprof="$tmp/bpfprof.folded" perf="$tmp/perf.folded"
echo "-- bpfprof's summary (goals: >= 99% of user stacks complete, no unwind table <= 0.5%," \
	"no process exited before its mappings were read):"
grep -E '^(recorded|unwinding|process tracking|unnamed|[0-9]+ of [0-9]+ samples lost)' \
	"$tmp/bpfprof.log" | sed 's/; tables: [^;]*//'
