#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Processes that are not new images, and code that comes later: on a whole-host recording,
# children forked without exec (each burns 3 ms of CPU time in main -> fork_children ->
# child_main -> churn_run -> churn_step -> churn_leaf, two at a time) and short-lived
# processes that open a library with dlopen after starting and burn in its code (main ->
# run_plugin -> plugin_run -> plugin_leaf) must give complete, named stacks, and no process
# may exit before its mappings are known. Checks and thresholds: churn.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/churn.sh"
need_bpf
for p in churn_spawn churn_burn libchurn_plugin.so; do
	[ -x "$(prog $p)" ] || [ -f "$(prog $p)" ] || skip "$p was not built (no gcc)"
done

spawn=$(prog churn_spawn)
forking=$(churn_copy churn_forking) plugin=$(churn_copy churn_plugin)
# About 1 s of CPU time each: 300 children of 3 ms, 100 runs of 2 + 8 ms.
churn_load() {
	local pids=() code=0 p
	"$forking" fork 300 3 & pids+=($!)
	"$spawn" -n 100 "$plugin" dlopen "$(prog libchurn_plugin.so)" 2 8 & pids+=($!)
	for p in "${pids[@]}"; do wait "$p" || code=1; done
	return $code
}
out=$WORK/churn.folded
churn_record "$out" churn_load

failed=0
churn_expect "$out" churn_forking churn_forking churn_leaf \
	"${CHURN_MAIN}fork_children;child_main;churn_run;churn_step;churn_leaf;" 100
churn_expect "$out" churn_plugin 'churn_plugin|libchurn_plugin\.so' plugin_leaf \
	"${CHURN_MAIN}run_plugin;plugin_run;plugin_leaf;" 100
churn_expect_known "$out"
[ "$failed" = 0 ] || fail "incomplete or unnamed stacks of forked children or dlopened code"
ok "complete, named stacks of children forked without exec and of dlopened code"
