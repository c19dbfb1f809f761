#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# SIGINT and SIGTERM end a recording early and keep what it sampled.
. "$(dirname "$0")/lib.sh"
need_bpf
bg "$(prog callgraph)" 20
wl=$!
for sig in INT TERM; do
	"$BPFPROF" record -q -p "$wl" -d 60 -F 199 -o "$WORK/$sig.folded" &
	rec=$!
	sleep 2
	kill -"$sig" "$rec"
	for _ in $(seq 50); do kill -0 "$rec" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$rec" 2>/dev/null && { kill -9 "$rec"; fail "record did not stop within 5 s of SIG$sig"; }
	wait "$rec"
	code=$?
	[ "$code" = 0 ] || fail "record exited $code after SIG$sig"
	n=$(total "$WORK/$sig.folded" callgraph)
	echo "SIG$sig after 2 s: $n samples"
	at_least "$n" 200 || fail "SIG$sig kept only $n samples"
	ls -a "$WORK" | grep -q '^\.INT\.folded\.\|^\.TERM\.folded\.' && fail "a temporary file was left behind"
done
ok "SIGINT and SIGTERM keep the profile"
