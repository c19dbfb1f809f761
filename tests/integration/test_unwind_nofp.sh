#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Unwinding without frame pointers: gcc -fomit-frame-pointer builds (a call chain, a qsort
# callback under libc, read(2) under libc's wrapper, 300 frames of recursion) and frameless
# leaves under frame pointers give complete user stacks, from the leaf up to main and the
# libc entry; --unwind fp on the same program visibly does not; the walk in tail calls (for
# kernels without bpf_loop) gives the same stacks.
. "$(dirname "$0")/lib.sh"
need_bpf
for p in unwind_nofp unwind_fpleaf unwind_qsort unwind_syscall unwind_recurse; do
	[ -x "$(prog $p)" ] || skip "$p was not built (no gcc)"
	# They run until the test ends; each recording lasts until they have had the CPU time
	# their samples need.
	bg "$(prog $p)" 3600
done
sleep 0.3
pids=$(IFS=,; echo "${BG_PIDS[*]}")
record_cpu 1 "$pids" -p "$pids" -F 199 -o "$WORK/all.folded" 2>"$WORK/all.err" ||
	fail "record exited $?: $(head -n 3 "$WORK/all.err")"

all=$WORK/all.folded
failed=0
entry=';__libc_start_call_main;main;'
deep="${entry}$(printf 'recurse;%.0s' $(seq 300))deep_leaf;"
expect_complete "$all" unwind_nofp "${entry}run;a;b;c;leaf;" 0.95 "main;run;a;b;c;leaf"
expect_complete "$all" unwind_fpleaf "${entry}run;a;b;c;leaf;" 0.95 "main;run;a;b;c;leaf"
# Every sample reaches main, and those in the callback through libc's sort frames (how many
# fall in the callback rather than in libc's merging depends on the machine).
expect_complete "$all" unwind_qsort "${entry}sort_round;" 0.95 "main;sort_round"
through "in the callback" "$all" unwind_qsort ';compare_items;' \
	"${entry}sort_round;([^;]+;)+compare_items;"
# The frame after pump is libc's wrapper (a user frame), then the kernel's read path.
read_path="${entry}pump;[^;]*[^];];([^;]+;)*(ksys_read|vfs_read)_\\[k\\];"
expect_complete "$all" unwind_syscall "$read_path" 0.90 "main;pump;(libc);...;a kernel read frame"
expect_complete "$all" unwind_recurse "$deep" 0.95 "main;300 x recurse;deep_leaf"

line=$(grep '^unwinding:' "$WORK/all.err")
echo "summary: ${line:-(no unwinding: line)}"
[ -n "$line" ] || { echo "  the summary has no line starting with \"unwinding:\""; failed=1; }

# Frame pointers only: the chain breaks at the first function that keeps none, so few
# stacks reach main. This proves the expectations above can fail.
record_cpu 0.5 "${BG_PIDS[0]}" -q --unwind fp -p "${BG_PIDS[0]}" -F 199 -o "$WORK/fp.folded" \
	2>"$WORK/fp.err" || fail "record --unwind fp exited $?: $(head -n 3 "$WORK/fp.err")"
full=$(complete_share "$WORK/all.folded" unwind_nofp "${entry}run;a;b;c;leaf;")
fp=$(complete_share "$WORK/fp.folded" unwind_nofp "${entry}run;a;b;c;leaf;")
echo "unwind_nofp with --unwind fp: $(total "$WORK/fp.folded" unwind_nofp) samples, $fp complete" \
	"(default: $full)"
if ! at_least "$(awk -v a="$full" -v b="$fp" 'BEGIN { print a - b }')" 0.5; then
	echo "  --unwind fp is not visibly worse: $fp against $full"
	failed=1
fi

# Kernels without bpf_loop (before 5.17) walk in tail calls, 20 frames each: the 300-deep
# recursion takes 16 of them.
tail_pids=${BG_PIDS[0]},${BG_PIDS[4]}
BPFPROF_FALLBACK_PATHS=1 record_cpu 0.5 "$tail_pids" -vv -p "$tail_pids" -F 199 \
	-o "$WORK/tail.folded" 2>"$WORK/tail.err" ||
	fail "record in tail calls exited $?: $(grep -v libbpf "$WORK/tail.err" | head -n 3)"
grep -q 'walking user stacks in tail calls' "$WORK/tail.err" ||
	{ echo "  BPFPROF_FALLBACK_PATHS did not make the walk use tail calls"; failed=1; }
echo "in tail calls:"
expect_complete "$WORK/tail.folded" unwind_nofp "${entry}run;a;b;c;leaf;" 0.95 "main;run;a;b;c;leaf"
expect_complete "$WORK/tail.folded" unwind_recurse "$deep" 0.95 "main;300 x recurse;deep_leaf"
[ "$failed" = 0 ] || fail "incomplete stacks without frame pointers (see above)"
ok "complete stacks without frame pointers"
