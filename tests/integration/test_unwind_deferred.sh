#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Deferred samples: short processes started after the recording began (gcc
# -fomit-frame-pointer, each running ~30 ms) have their first samples taken before user
# space has read them. Those samples go whole to the deferred ring and are unwound in user
# space: at least 0.90 of the processes' samples are complete stacks through the known chain
# from the libc entry, and the summary counts deferred samples. Then the same with
# BPFPROF_FALLBACK_PATHS=1 (the ways of kernels before 5.17: the walk in tail calls).
# Mappings read from /proc too late (the process was gone: the sampled PC is [unknown]) or
# too early (at exec, before ld.so mapped libc, and gone before the rescan: main's caller is
# [unknown]) leave PCs in no known mapping: no table, no name. Those stacks are counted and
# shown, not checked, until the mappings come from a record of the kernel's (perf mmap
# events) instead of /proc.
. "$(dirname "$0")/lib.sh"
need_bpf
p=$(prog unwind_nofp)
[ -x "$p" ] || skip "unwind_nofp was not built (no gcc)"
RUNS=${RUNS:-60}
entry=';__libc_start_call_main;main;'
chain="${entry}run;a;b;c;leaf;"
failed=0

# churn NAME [ENV...]: records the whole system while RUNS processes of unwind_nofp run one
# after the other, each for 30 ms; the output in $WORK/NAME.folded, the summary in .err.
churn() {
	local name=$1 rec
	shift
	env "$@" "$BPFPROF" record -vv -d 3600 -F 499 -o "$WORK/$name.folded" 2>"$WORK/$name.err" &
	rec=$!
	wait_sampling "$rec" || fail "$name: record did not start sampling"
	for _ in $(seq "$RUNS"); do "$p" 0.03; done
	kill -INT "$rec" 2>/dev/null
	wait "$rec" || fail "$name: record exited $?: $(grep -v libbpf "$WORK/$name.err" | head -n 3)"
}

# check NAME: unwind_nofp's samples whose mappings were known in time are complete
# stacks through the chain; the summary counts deferred samples.
check() {
	local f=$WORK/$1.folded known=$WORK/$1.known.folded line deferred vanished
	line=$(grep '^unwinding:' "$WORK/$1.err")
	echo "$1: ${line:-(no unwinding: line)}"
	vanished=$(grep -cE 'cannot read the mappings of pid [0-9]+ \(unwind_nofp\)' "$WORK/$1.err")
	grep '^unwind_nofp;' "$f" | grep -vE ';\[unknown\]( [0-9]+$|;main;)' >"$known"
	echo "$1: $(total "$f" unwind_nofp) samples of unwind_nofp, $(total "$known" unwind_nofp)" \
		"with their mappings known; $vanished of $RUNS processes gone before their" \
		"mappings were read; $(complete_share "$f" unwind_nofp "$chain") of all samples" \
		"complete through the chain"
	expect_complete "$known" unwind_nofp "$chain" 0.90 "main;run;a;b;c;leaf"
	deferred=$(sed -nE 's/.*deferred: ([0-9]+) samples.*/\1/p' <<<"$line")
	if ! at_least "${deferred:-0}" 1; then
		echo "  $1: the summary reports no deferred samples"
		failed=1
	fi
}

# measure NAME [ENV...]: churn, again (three times at most) while a busy host leaves too few
# processes read in time for a measure (200 samples).
measure() {
	for attempt in 1 2 3; do
		churn "$@"
		grep '^unwind_nofp;' "$WORK/$1.folded" | grep -vE ';\[unknown\]( [0-9]+$|;main;)' |
			total /dev/stdin unwind_nofp | { read -r n; [ "$n" -ge 200 ]; } && break
		echo "$1: attempt $attempt: too few processes read in time; again"
	done
	check "$1"
}

measure default
measure tail BPFPROF_FALLBACK_PATHS=1
[ "$failed" = 0 ] || fail "short processes' samples are not unwound (see above)"
ok "short processes' samples deferred and unwound in user space"
