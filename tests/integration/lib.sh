# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Helpers for the integration tests: real BPF on the real kernel.
# Environment (set by ctest): BPFPROF, TEST_PROGRAM_DIR.
set -u
SKIP=77
WORK=$(mktemp -d /tmp/bpfprof-test.XXXXXX)
BG_PIDS=()

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit $SKIP; }
ok() { echo "ok: $*"; }

# Skips unless this process may load BPF programs and the kernel can run them. The reasons
# start "not root:" or "no BPF:", the only skips scripts/test.sh lets pass in CI.
need_bpf() {
	[ "$(id -u)" = 0 ] || skip "not root: loading BPF programs needs root"
	[ -r /sys/kernel/btf/vmlinux ] || skip "no BPF: the kernel has no BTF (/sys/kernel/btf/vmlinux)"
	if ! "$BPFPROF" record -q -d 0.2 -o "$WORK/probe.folded" 2>"$WORK/probe.err"; then
		grep -qi 'permission\|not permitted' "$WORK/probe.err" &&
			skip "no BPF: refused here: $(head -n 1 "$WORK/probe.err")"
		fail "a minimal recording failed: $(head -n 1 "$WORK/probe.err")"
	fi
}

# bg CMD...: runs a command in the background, killed at exit; its pid is in $!.
bg() {
	"$@" &
	BG_PIDS+=($!)
}

prog() { echo "$TEST_PROGRAM_DIR/$1"; }

# The stand-ins for servers (tests/tools/*.py).
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)

# receiver TOOL DIR [ARGS...]: starts the stand-in TOOL (ingest_receiver.py, otlp_receiver.py)
# on DIR; its pid in $RECV, its port in $PORT.
receiver() {
	local tool=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	rm -f "$dir/port"
	bg python3 "$TOOLS/$tool" "$dir" "$@"
	RECV=$!
	for _ in $(seq 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
	[ -s "$dir/port" ] || fail "the receiver $tool did not start"
	PORT=$(cat "$dir/port")
}

# stop_pid PID: stops a background process (a receiver) and reaps it.
stop_pid() {
	kill "$1"
	wait "$1" 2>/dev/null
}
stop_receiver() { stop_pid "$RECV"; }

# stop_agent PID: SIGTERM, then the agent must exit 0 within 20 s.
stop_agent() {
	kill -TERM "$1"
	for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$1" 2>/dev/null && { kill -9 "$1"; fail "the agent did not stop within 20 s"; }
	wait "$1" || fail "the agent exited $? after SIGTERM"
}

# store_sum DIR: the counts of every interval file of the store DIR added up (samples, or
# nanoseconds in an off-CPU store).
store_sum() {
	local f n=0 t
	for f in "$1"/*.pb.zst; do
		t=$("$BPFPROF" convert "$f" -o - | awk '{ s += $NF } END { printf "%.0f", s }') ||
			fail "store file $f unreadable"
		n=$((n + t))
	done
	echo "$n"
}

# Samples follow CPU time, not the clock: on a machine busy with other work a workload gets
# a fraction of each second, so the recordings below last until the workloads have run long
# enough rather than for a fixed time. CPU_WAIT_CAP (seconds) only ends a wait that would
# never end (a workload that stopped running); the checks on samples then say what is short.
CPU_WAIT_CAP=${CPU_WAIT_CAP:-120}

# cpu_ticks PID: the CPU time PID (all its threads, user and kernel) has run, in clock
# ticks; nothing once it has exited.
cpu_ticks() {
	sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | awk '$1 != "Z" { print $12 + $13 }'
}

# wait_cpu SECS PIDS [WHILE_PID]: waits until each of PIDS (comma-separated) has run SECS
# seconds of CPU time more than when called, or has exited; or until WHILE_PID, if given,
# has exited. Returns 1 when CPU_WAIT_CAP ends the wait.
wait_cpu() {
	local want pids=${2//,/ } while=${3:-} p t i short end=$((SECONDS + CPU_WAIT_CAP))
	local start=()
	want=$(awk -v s="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%d", s * hz + 0.5 }')
	for p in $pids; do start+=("$(cpu_ticks "$p")"); done
	while [ "$SECONDS" -lt "$end" ]; do
		[ -z "$while" ] || kill -0 "$while" 2>/dev/null || return 0
		short=0 i=0
		for p in $pids; do
			t=$(cpu_ticks "$p")
			[ -z "$t" ] || [ -z "${start[i]}" ] || [ $((t - start[i])) -ge "$want" ] || short=1
			i=$((i + 1))
		done
		[ "$short" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_sampling PID: waits until the bpfprof PID samples, or has exited. Returns 1 when
# CPU_WAIT_CAP ends the wait. Its perf events tell: one per CPU that records mappings, opened
# first, then one per CPU that samples. The first alone are no sign of sampling: reading the
# host's processes comes between them, seconds on a machine whose caches are cold.
wait_sampling() {
	local end=$((SECONDS + CPU_WAIT_CAP)) want n
	want=$((2 * $(getconf _NPROCESSORS_ONLN)))
	while kill -0 "$1" 2>/dev/null; do
		n=$(ls -l "/proc/$1/fd" 2>/dev/null | grep -c '\[perf_event\]')
		[ "$n" -ge "$want" ] && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# record_cpu SECS PIDS ARGS...: "$BPFPROF record ARGS..." (with no -d of its own) until each
# of PIDS (comma-separated) has run SECS seconds of CPU time since sampling began, then
# SIGINT, which ends a recording with every output written. Returns record's exit status.
# RECORD_CPU_SECS is then the CPU time the first of PIDS ran while sampling (loading the
# program, seconds on a slow machine, is not in it).
record_cpu() {
	local secs=$1 pids=$2 rec first from=0 to
	shift 2
	first=${pids%%,*}
	"$BPFPROF" record -d 3600 "$@" &
	rec=$!
	if wait_sampling "$rec"; then
		from=$(cpu_ticks "$first")
		wait_cpu "$secs" "$pids" "$rec" ||
			echo "note: $pids did not run $secs s of CPU time within $CPU_WAIT_CAP s" >&2
	fi
	to=$(cpu_ticks "$first")
	kill -INT "$rec" 2>/dev/null
	RECORD_CPU_SECS=$(awk -v t=$((${to:-0} - ${from:-0})) -v hz="$(getconf CLK_TCK)" \
		'BEGIN { print (t > 0 ? t : 0) / hz }')
	wait "$rec"
}

# total FILE [COMM]: samples in a folded file, of one process name if given.
total() {
	awk -v c="${2:-}" 'c == "" || index($0, c ";") == 1 || $0 ~ "^" c " " { s += $NF } END { print s + 0 }' "$1"
}

# share FILE COMM CHAIN: share of COMM's samples whose stack holds CHAIN (a;b;c) contiguously.
share() {
	awk -v c="$2" -v chain="$3" '
		index($0, c ";") == 1 {
			n = $NF; stack = $0; sub(/ [0-9]+$/, "", stack); gsub(/_\[[a-z]\]/, "", stack)
			all += n
			if (index(";" stack ";", ";" chain ";")) got += n
		}
		END { printf "%.4f\n", all ? got / all : 0 }' "$1"
}

# at_least X Y: exits 0 when X >= Y (decimal numbers).
at_least() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x >= y) }'; }
# near X Y TOL: exits 0 when |X - Y| <= TOL.
near() { awk -v x="$1" -v y="$2" -v t="$3" 'BEGIN { d = x - y; if (d < 0) d = -d; exit !(d <= t) }'; }

# complete_share FILE COMM ERE: share of COMM's samples whose stack, as ";f1;f2;...;fn;" with
# the _[k] suffixes kept, matches the extended regular expression ERE and holds no
# "[incomplete: ...]" frame (the mark of a stack whose unwinding stopped early).
complete_share() {
	awk -v c="$2" -v re="$3" '
		index($0, c ";") == 1 {
			n = $NF; stack = $0; sub(/ [0-9]+$/, "", stack); stack = substr(stack, length(c) + 1)
			all += n
			if ((stack ";") ~ re && index(stack, ";[incomplete") == 0) got += n
		}
		END { printf "%.4f\n", all ? got / all : 0 }' "$1"
}

# misses FILE COMM ERE: the three heaviest of COMM's stacks that complete_share does not
# count, each cut to its last 300 characters, for failure messages.
misses() {
	awk -v c="$2" -v re="$3" '
		index($0, c ";") == 1 {
			stack = $0; sub(/ [0-9]+$/, "", stack)
			s = substr(stack, length(c) + 1)
			if (!((s ";") ~ re && index(s, ";[incomplete") == 0))
				print $NF, (length(stack) <= 300 ? stack : "..." substr(stack, length(stack) - 299))
		}' "$1" | sort -rn | head -n 3
}

# roots FILE COMM: COMM's root frames (the first after the process name) by share.
roots() {
	awk -v c="$2" '
		index($0, c ";") == 1 { split($0, f, ";"); sub(/ [0-9]+$/, "", f[2]); r[f[2]] += $NF; all += $NF }
		END { for (k in r) printf "%.3f\t%s\n", r[k] / all, k }' "$1" | sort -rn | head -n 4 |
		awk -F '\t' '{ printf "%s%s %s", (NR == 1 ? "" : ", "), $2, $1 } END { print "" }'
}

# expect_complete FILE COMM ERE MIN WHAT: checks that at least MIN of COMM's samples in FILE
# (and 50 samples or more) are complete stacks matching ERE; says so, and sets failed=1 and
# shows the heaviest other stacks when not.
expect_complete() {
	local n got
	n=$(total "$1" "$2")
	got=$(complete_share "$1" "$2" "$3")
	echo "$2: $n samples, $got $5; roots: $(roots "$1" "$2")"
	if ! at_least "$n" 50; then
		echo "  too few samples: $n"
		failed=1
	elif ! at_least "$got" "$4"; then
		echo "  $5: $got < $4; heaviest other stacks:"
		misses "$1" "$2" "$3" | sed 's/^/    /'
		failed=1
	fi
}

# through WHAT FILE COMM PART ERE: COMM's samples in FILE taken in PART (an ERE matching
# somewhere in the stack, however complete) must be 10 or more, and 0.95 of them complete
# stacks matching ERE; sets failed=1 otherwise. How much of its time a workload spends in
# PART depends on the machine (an emulated one runs some instructions much slower than
# others); how its stacks unwind does not.
through() {
	local n got
	awk -v c="$3" -v part="$4" 'index($0, c ";") == 1 { s = $0; sub(/ [0-9]+$/, "", s)
		if ((s ";") ~ part) print }' "$2" >"$WORK/part.folded"
	n=$(total "$WORK/part.folded" "$3")
	got=$(complete_share "$WORK/part.folded" "$3" "$5")
	echo "  $1: $n samples, $got complete"
	if [ "$n" -lt 10 ]; then
		echo "  $1: $n samples < 10"
		failed=1
	elif ! at_least "$got" 0.95; then
		echo "  $1: $got complete < 0.95; heaviest other stacks:"
		misses "$WORK/part.folded" "$3" "$5" | sed 's/^/    /'
		failed=1
	fi
}
