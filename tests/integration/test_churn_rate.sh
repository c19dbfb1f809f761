#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The heaviest churn: 2,000 processes a second for 10 s (a static program without frame
# pointers burning 0.1 ms of CPU time, up to 8 at once) on a whole-host recording. Their
# samples must be complete and named (main -> churn_run -> churn_step -> churn_leaf from
# _start), and no process may exit before its mappings are known: the mapping records and
# the deferred samples must keep up, or count what they drop. Checks and thresholds:
# churn.sh; the rate reached is printed (a busy machine may start fewer a second).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/churn.sh"
need_bpf
for p in churn_spawn churn_burn_static; do
	[ -x "$(prog $p)" ] || skip "$p was not built (no gcc, or no static libc)"
done

fast=$(churn_copy churn_fast churn_burn_static)
# At most 20,000 starts, and none after 12 s of the clock should the machine be slower.
out=$WORK/churn.folded
churn_record "$out" "$(prog churn_spawn)" -n 20000 -j 8 -r 2000 -t 12 "$fast" run 0.1

failed=0
churn_expect "$out" churn_fast churn_fast churn_leaf \
	"${CHURN_MAIN}churn_run;churn_step;churn_leaf;" 100
churn_expect_known "$out"
grep '^process tracking:' "$out.err"
[ "$failed" = 0 ] || fail "incomplete or unnamed stacks at 2,000 processes a second (see above)"
ok "complete, named stacks at 2,000 processes a second"
