#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# SIGINT and SIGTERM end a recording early and keep what it sampled.
. "$(dirname "$0")/lib.sh"
need_bpf
bg "$(prog callgraph)" 3600
wl=$!
for sig in INT TERM; do
	"$BPFPROF" record -q -p "$wl" -d 3600 -F 199 -o "$WORK/$sig.folded" &
	rec=$!
	# The signal comes once the workload has run 1.5 s of CPU time under sampling (about
	# 300 samples), however busy the machine.
	wait_sampling "$rec" && wait_cpu 1.5 "$wl" "$rec" || fail "record did not sample: exited or stalled"
	kill -"$sig" "$rec"
	# Only a recording that ignores the signal takes this long: it would go on for an hour.
	for _ in $(seq 600); do kill -0 "$rec" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$rec" 2>/dev/null && { kill -9 "$rec"; fail "record did not stop within 60 s of SIG$sig"; }
	wait "$rec"
	code=$?
	[ "$code" = 0 ] || fail "record exited $code after SIG$sig"
	n=$(total "$WORK/$sig.folded" callgraph)
	echo "SIG$sig after 1.5 s of the workload's CPU time: $n samples"
	at_least "$n" 200 || fail "SIG$sig kept only $n samples"
	ls -a "$WORK" | grep -q '^\.INT\.folded\.\|^\.TERM\.folded\.' && fail "a temporary file was left behind"
done
ok "SIGINT and SIGTERM keep the profile"
