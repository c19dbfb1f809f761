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
	bg "$(prog $p)" 20
done
sleep 0.3
pids=$(IFS=,; echo "${BG_PIDS[*]}")
"$BPFPROF" record -p "$pids" -d 3 -F 199 -o "$WORK/all.folded" 2>"$WORK/all.err" ||
	fail "record exited $?: $(head -n 3 "$WORK/all.err")"

# expect COMM ERE MIN WHAT: at least MIN of COMM's samples are complete and match ERE.
failed=0
expect() {
	local n got
	n=$(total "$WORK/all.folded" "$1")
	got=$(complete_share "$WORK/all.folded" "$1" "$2")
	echo "$1: $n samples, $got $4; roots: $(roots "$WORK/all.folded" "$1")"
	if ! at_least "$n" 50; then
		echo "  too few samples: $n"
		failed=1
	elif ! at_least "$got" "$3"; then
		echo "  $4: $got < $3; heaviest other stacks:"
		misses "$WORK/all.folded" "$1" "$2" | sed 's/^/    /'
		failed=1
	fi
}
entry=';__libc_start_call_main;main;'
expect unwind_nofp "${entry}run;a;b;c;leaf;" 0.95 "main;run;a;b;c;leaf"
expect unwind_fpleaf "${entry}run;a;b;c;leaf;" 0.95 "main;run;a;b;c;leaf"
expect unwind_qsort "${entry}sort_round;([^;]+;)+compare_items;" 0.95 \
	"main;sort_round;(libc);compare_items"
# The frame after pump is libc's wrapper (a user frame), then the kernel's read path.
expect unwind_syscall "${entry}pump;[^;]*[^];];([^;]+;)*(ksys_read|vfs_read)_\\[k\\];" 0.90 \
	"main;pump;(libc);...;a kernel read frame"
expect unwind_recurse "${entry}$(printf 'recurse;%.0s' $(seq 300))deep_leaf;" 0.95 \
	"main;300 x recurse;deep_leaf"

line=$(grep '^unwinding:' "$WORK/all.err")
echo "summary: ${line:-(no unwinding: line)}"
[ -n "$line" ] || { echo "  the summary has no line starting with \"unwinding:\""; failed=1; }

# Frame pointers only: the chain breaks at the first function that keeps none, so few
# stacks reach main. This proves the expectations above can fail.
"$BPFPROF" record -q --unwind fp -p "${BG_PIDS[0]}" -d 1.5 -F 199 -o "$WORK/fp.folded" \
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
BPFPROF_TAIL_CALL_WALK=1 "$BPFPROF" record -vv -p "${BG_PIDS[0]},${BG_PIDS[4]}" -d 1.5 -F 199 \
	-o "$WORK/tail.folded" 2>"$WORK/tail.err" ||
	fail "record in tail calls exited $?: $(grep -v libbpf "$WORK/tail.err" | head -n 3)"
grep -q 'walking user stacks in tail calls' "$WORK/tail.err" ||
	{ echo "  BPFPROF_TAIL_CALL_WALK did not make the walk use tail calls"; failed=1; }
mv "$WORK/all.folded" "$WORK/loop.folded"
mv "$WORK/tail.folded" "$WORK/all.folded"
echo "in tail calls:"
expect unwind_nofp "${entry}run;a;b;c;leaf;" 0.95 "main;run;a;b;c;leaf"
expect unwind_recurse "${entry}$(printf 'recurse;%.0s' $(seq 300))deep_leaf;" 0.95 \
	"main;300 x recurse;deep_leaf"
[ "$failed" = 0 ] || fail "incomplete stacks without frame pointers (see above)"
ok "complete stacks without frame pointers"
