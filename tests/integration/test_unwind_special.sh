#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Unwinding without frame pointers through special frames: a signal handler (through the
# kernel's signal frame and __restore_rt back into the interrupted function), pthreads (up
# to glibc's thread entry, not main) and C++ exceptions in flight (inside libgcc_s's unwinder
# and the destructors it runs), and frames whose rules need rbx or rdi (glibc's assembly in
# _dl_runtime_resolve and __vfork), all gcc -fomit-frame-pointer builds.
. "$(dirname "$0")/lib.sh"
need_bpf
for p in unwind_signal unwind_threads unwind_except unwind_regs; do
	[ -x "$(prog $p)" ] || skip "$p was not built (no gcc or g++)"
	bg "$(prog $p)" 3600
done
sleep 0.3
pids=$(IFS=,; echo "${BG_PIDS[*]}")
record_cpu 1 "$pids" -q -p "$pids" -F 199 -o "$WORK/all.folded" 2>"$WORK/all.err" ||
	fail "record exited $?: $(head -n 3 "$WORK/all.err")"

all=$WORK/all.folded
failed=0
entry=';__libc_start_call_main;main;'

# The signal handler: the sampled part of a stack runs in_handler <- the signal trampoline
# (one frame, whatever the symbolizer calls it) <- interrupted_fn, at the instruction the
# signal stopped it at, <- run <- main.
expect_complete "$all" unwind_signal "${entry}run;interrupted_fn;" 0.95 "main;run;interrupted_fn"
through "in the handler" "$all" unwind_signal ';in_handler;' "${entry}run;interrupted_fn;[^;]+;in_handler;"

# Threads: every stack starts at the thread entry; main only waits.
expect_complete "$all" unwind_threads ';start_thread;worker;spin;' 0.95 "start_thread;worker;spin"
grep -q '^unwind_threads;.*;main;' "$WORK/all.folded" && {
	echo "  a thread's stack reaches main"
	failed=1
}

# Exceptions: nearly every sample falls while one propagates, and all reach main; the
# landing pads may sit in gcc's .cold parts of the functions.
expect_complete "$all" unwind_except "${entry}throw_round(\\.cold)?;" 0.95 "main;throw_round"
through "in libgcc_s's unwinder" "$all" unwind_except ';_Unwind_(RaiseException|Resume);' \
	"${entry}throw_round(\\.cold)?;.*;_Unwind_(RaiseException|Resume);"
through "in destructors" "$all" unwind_except ';cleanup_work;' \
	"${entry}throw_round(\\.cold)?;(descend(\\.cold)?;)+([^;]+;)?cleanup_work;"

# A frame with its CFA in rbx, under a callee that saved rbx; a leaf with its return address
# in rdi.
expect_complete "$all" unwind_regs "${entry}" 0.95 "main"
through "in the rbx frame" "$all" unwind_regs ';in_resolver;' "${entry}realign_call;in_resolver;"
through "with the return address in rdi" "$all" unwind_regs ';spin_ra_in_rdi;' \
	"${entry}spin_ra_in_rdi;"

[ "$failed" = 0 ] || fail "incomplete stacks through special frames (see above)"
ok "complete stacks through signal frames, threads, exceptions in flight and rbx/rdi rules"
