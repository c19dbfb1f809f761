#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Images that change under one process id, and files that are gone: on a whole-host
# recording, exec chains (sh -c -> sh -c -> a program without frame pointers, each an exec
# of the one before, one process with three images) and runs of a binary deleted right
# after its exec must give complete, named stacks of the program (main -> churn_run ->
# churn_step -> churn_leaf from _start), and no process may exit before its mappings are
# known. Checks and thresholds: churn.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/churn.sh"
need_bpf
for p in churn_spawn churn_burn; do [ -x "$(prog $p)" ] || skip "$p was not built (no gcc)"; done
command -v sh >/dev/null || skip "no sh"

spawn=$(prog churn_spawn)
chained=$(churn_copy churn_chained) deleted=$(churn_copy churn_deleted)
# posix_spawn does not search PATH: sh is given in full.
mkdir "$WORK/deleted" || fail "cannot make $WORK/deleted"
# 5 ms of CPU time a run, about 1 s a workload: several hundred samples each.
churn_load() {
	local pids=() code=0 p
	"$spawn" -n 200 "$(command -v sh)" -c "exec sh -c 'exec \"$chained\" run 5'" & pids+=($!)
	"$spawn" -n 200 -u "$WORK/deleted" "$deleted" run 5 & pids+=($!)
	for p in "${pids[@]}"; do wait "$p" || code=1; done
	return $code
}
out=$WORK/churn.folded
churn_record "$out" churn_load
failed=0
chain="${CHURN_MAIN}churn_run;churn_step;churn_leaf;"
churn_expect "$out" churn_chained churn_chained churn_leaf "$chain" 100
# A binary deleted at once is read through the descriptor taken when its process was first
# seen alive (perf names none of them); one gone before that stays unnamed and without its
# unwind table, so the known chain is held to the same share as the rooted stacks.
CHURN_ROOTED=0.75 CHURN_NAMED=0.75 CHURN_CHAIN=0.75 churn_expect "$out" churn_deleted churn_deleted \
	churn_leaf "$chain" 100
churn_expect_known "$out"
[ "$failed" = 0 ] || fail "incomplete or unnamed stacks through exec chains or of deleted binaries"
ok "complete, named stacks through exec chains and of deleted binaries"
