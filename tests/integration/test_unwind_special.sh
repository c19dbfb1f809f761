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
entry=';__libc_start_call_main;main;'

# The signal handler: the sampled part of a stack runs in_handler <- the signal trampoline
# (one frame, whatever the symbolizer calls it) <- interrupted_fn, at the instruction the
# signal stopped it at, <- run <- main.
expect_complete "$all" unwind_signal "${entry}run;interrupted_fn;" 0.95 "main;run;interrupted_fn"
grep -E '^unwind_signal;(.*;)?in_handler[; ]' "$WORK/all.folded" >"$WORK/handler.folded"
h=$(awk -v a="$(total "$WORK/handler.folded")" -v b="$(total "$WORK/all.folded" unwind_signal)" \
	'BEGIN { printf "%.4f\n", b ? a / b : 0 }')
echo "  in the handler: $h of unwind_signal's samples"
least "samples in the handler" "$h" 0.15
sed 's/^unwind_signal;/handler;/' "$WORK/handler.folded" >"$WORK/handler2.folded"
hc=$(complete_share "$WORK/handler2.folded" handler "${entry}run;interrupted_fn;[^;]+;in_handler;")
echo "  of those, main;run;interrupted_fn;(trampoline);in_handler: $hc"
if ! at_least "$hc" 0.95; then
	echo "  through the signal frame: $hc < 0.95; heaviest other stacks:"
	misses "$WORK/handler2.folded" handler "${entry}run;interrupted_fn;[^;]+;in_handler;" |
		sed 's/^/    /'
	failed=1
fi

# Threads: every stack starts at the thread entry; main only waits.
expect_complete "$all" unwind_threads ';start_thread;worker;spin;' 0.95 "start_thread;worker;spin"
grep -q '^unwind_threads;.*;main;' "$WORK/all.folded" && {
	echo "  a thread's stack reaches main"
	failed=1
}

# Exceptions: nearly every sample falls while one propagates, and all reach main; the
# landing pads may sit in gcc's .cold parts of the functions.
expect_complete "$all" unwind_except "${entry}throw_round(\\.cold)?;" 0.95 "main;throw_round"
in_unwinder=$(complete_share "$WORK/all.folded" unwind_except \
	"${entry}throw_round(\\.cold)?;.*;_Unwind_(RaiseException|Resume);")
in_cleanup=$(complete_share "$WORK/all.folded" unwind_except \
	"${entry}throw_round(\\.cold)?;(descend(\\.cold)?;)+([^;]+;)?cleanup_work;")
echo "  complete in libgcc_s's unwinder: $in_unwinder; in destructors: $in_cleanup"
least "complete samples in the unwinder" "$in_unwinder" 0.3
least "complete samples in destructors" "$in_cleanup" 0.05

[ "$failed" = 0 ] || fail "incomplete stacks through special frames (see above)"
ok "complete stacks through signal frames, threads and exceptions in flight"
