#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Short-lived processes on a whole-host recording: programs without frame pointers that live
# 1 ms, 5 ms and 50 ms of CPU time, started hundreds of times one after another (three
# spawners at once), must give complete, named stacks (the known chain main -> churn_run ->
# churn_step -> churn_leaf from _start), and none may exit before its mappings are known.
# Checks and thresholds: churn.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/churn.sh"
need_bpf
for p in churn_spawn churn_burn; do [ -x "$(prog $p)" ] || skip "$p was not built (no gcc)"; done

spawn=$(prog churn_spawn)
ms1=$(churn_copy churn_1ms) ms5=$(churn_copy churn_5ms) ms50=$(churn_copy churn_50ms)
# About 1 s of CPU time each: at 999 Hz several hundred samples a workload.
churn_load() {
	local pids=() code=0 p
	"$spawn" -n 600 "$ms1" run 1 & pids+=($!)
	"$spawn" -n 200 "$ms5" run 5 & pids+=($!)
	"$spawn" -n 24 "$ms50" run 50 & pids+=($!)
	for p in "${pids[@]}"; do wait "$p" || code=1; done
	return $code
}
out=$WORK/churn.folded
churn_record "$out" churn_load

failed=0
chain="${CHURN_MAIN}churn_run;churn_step;churn_leaf;"
files='churn_(1|5|50)ms'
# A 1 ms process spends a fifth of its life in the dynamic linker, whose syscalls perf
# --call-graph dwarf roots 0.90 of the time here: a lower bar for it alone.
CHURN_ROOTED=0.85 churn_expect "$out" churn_1ms "$files" churn_leaf "$chain" 100
churn_expect "$out" churn_5ms "$files" churn_leaf "$chain" 100
churn_expect "$out" churn_50ms "$files" churn_leaf "$chain" 100
churn_expect_known "$out"
[ "$failed" = 0 ] || fail "short-lived processes have incomplete or unnamed stacks (see above)"
ok "complete, named stacks of processes living 1, 5 and 50 ms"
