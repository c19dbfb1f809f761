#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# record --debug-capture: on programs without frame pointers (unwind_compare_load: deep
# recursion, a VLA frame, a qsort callback through libc), the BPF walker's stacks agree
# with libdw's unwinding of the same registers and stack bytes (unwind_compare).
. "$(dirname "$0")/lib.sh"
need_bpf
load=$(prog unwind_compare_load)
compare=$TEST_TOOL_DIR/unwind_compare
[ -x "$load" ] || skip "unwind_compare_load was not built (no gcc)"
[ -x "$compare" ] || fail "$compare is missing"

# Two processes, two threads each; they must outlive the comparison, which reads their maps.
bg "$load" 3600
a=$!
bg "$load" 3600
b=$!
sleep 0.3
record_cpu 1 "$a,$b" -q -p "$a,$b" -F 99 --debug-capture "$WORK/cap" \
	-o "$WORK/out.folded" 2>"$WORK/record.err" ||
	fail "record --debug-capture exited $?: $(head -n 3 "$WORK/record.err")"
[ -s "$WORK/cap" ] || fail "no capture file"

"$compare" -q --examples 5 --min-agree 0.95 "$WORK/cap" "$a" "$b" >"$WORK/compare.out" 2>&1
rc=$?
cat "$WORK/compare.out"
kill -0 "$a" "$b" 2>/dev/null || fail "a workload ended before the comparison: its maps were gone"
records=$(awk '$1 == "records" { print $2 }' "$WORK/compare.out")
at_least "${records:-0}" 50 || fail "too few captured records: ${records:-0}"
[ "$rc" = 0 ] || fail "the BPF walker and libdw disagree: $(grep '^agreement' "$WORK/compare.out")"
ok "unwind comparison: $records records, $(grep '^agreement' "$WORK/compare.out")"
