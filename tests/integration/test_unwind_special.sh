#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Unwinding without frame pointers through special frames: a signal handler (through the
# kernel's signal frame and __restore_rt back into the interrupted function), pthreads (up
# to glibc's thread entry, not main) and C++ exceptions in flight (inside libgcc_s's unwinder
# and the destructors it runs), all gcc -fomit-frame-pointer builds.
. "$(dirname "$0")/lib.sh"
need_bpf
for p in unwind_signal unwind_threads unwind_except; do
	[ -x "$(prog $p)" ] || skip "$p was not built (no gcc or g++)"
	bg "$(prog $p)" 3600
done
sleep 0.3
pids=$(IFS=,; echo "${BG_PIDS[*]}")
record_cpu 1 "$pids" -q -p "$pids" -F 199 -o "$WORK/all.folded" 2>"$WORK/all.err" ||
	fail "record exited $?: $(head -n 3 "$WORK/all.err")"

all=$WORK/all.folded
failed=0
# least WHAT X MIN: X >= MIN, a check that the workload does what the test needs.
least() {
	at_least "$2" "$3" && return
	echo "  $1: $2 < $3"
	failed=1
}

# through WHAT COMM PART ERE: COMM's samples taken in PART (an ERE matching somewhere in the
# stack, however complete) must be 10 or more, and 0.95 of them complete stacks matching
# ERE. How much of its time a workload spends in PART depends on the machine (an emulated
# one runs some instructions much slower than others); how its stacks unwind does not.
through() {
	local n got
	awk -v c="$2" -v part="$3" 'index($0, c ";") == 1 { s = $0; sub(/ [0-9]+$/, "", s)
		if ((s ";") ~ part) print }' "$all" >"$WORK/part.folded"
	n=$(total "$WORK/part.folded" "$2")
	got=$(complete_share "$WORK/part.folded" "$2" "$4")
	echo "  $1: $n samples, $got complete"
	least "samples $1" "$n" 10
	if [ "$n" -ge 10 ] && ! at_least "$got" 0.95; then
		echo "  $1: $got complete < 0.95; heaviest other stacks:"
		misses "$WORK/part.folded" "$2" "$4" | sed 's/^/    /'
		failed=1
	fi
}
entry=';__libc_start_call_main;main;'

# The signal handler: the sampled part of a stack runs in_handler <- the signal trampoline
# (one frame, whatever the symbolizer calls it) <- interrupted_fn, at the instruction the
# signal stopped it at, <- run <- main.
expect_complete "$all" unwind_signal "${entry}run;interrupted_fn;" 0.95 "main;run;interrupted_fn"
through "in the handler" unwind_signal ';in_handler;' "${entry}run;interrupted_fn;[^;]+;in_handler;"

# Threads: every stack starts at the thread entry; main only waits.
expect_complete "$all" unwind_threads ';start_thread;worker;spin;' 0.95 "start_thread;worker;spin"
grep -q '^unwind_threads;.*;main;' "$WORK/all.folded" && {
	echo "  a thread's stack reaches main"
	failed=1
}

# Exceptions: nearly every sample falls while one propagates, and all reach main; the
# landing pads may sit in gcc's .cold parts of the functions.
expect_complete "$all" unwind_except "${entry}throw_round(\\.cold)?;" 0.95 "main;throw_round"
through "in libgcc_s's unwinder" unwind_except ';_Unwind_(RaiseException|Resume);' \
	"${entry}throw_round(\\.cold)?;.*;_Unwind_(RaiseException|Resume);"
through "in destructors" unwind_except ';cleanup_work;' \
	"${entry}throw_round(\\.cold)?;(descend(\\.cold)?;)+([^;]+;)?cleanup_work;"

[ "$failed" = 0 ] || fail "incomplete stacks through special frames (see above)"
ok "complete stacks through signal frames, threads and exceptions in flight"
