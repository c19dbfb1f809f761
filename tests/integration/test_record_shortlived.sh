#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Processes that live ~5 ms, started after the recording began, are named from the mapping
# journal (the kernel's records of their mappings) although they exited long before the
# recorder looked at them: it is stopped while they run, as a busy host delays it, so their
# /proc/PID/maps is gone when their first sample's event is read. Their samples show their
# own function, found in their binary.
. "$(dirname "$0")/lib.sh"
need_bpf
"$BPFPROF" record -d 3600 -F 999 -o "$WORK/s.folded" 2>"$WORK/s.err" &
rec=$!
BG_PIDS+=("$rec")
wait_sampling "$rec" || fail "recording did not start: $(head -n 1 "$WORK/s.err")"
kill -STOP "$rec"
for i in $(seq 100); do "$(prog shortlived)" 5; done
kill -CONT "$rec"
sleep 1
kill -INT "$rec"
wait "$rec" || fail "record exited $?: $(head -n 1 "$WORK/s.err")"
grep -q 'cannot record the processes' "$WORK/s.err" && fail "no mapping journal: $(cat "$WORK/s.err")"
n=$(total "$WORK/s.folded" shortlived)
# All but the samples of exec and of ld.so at work.
named=$(share "$WORK/s.folded" shortlived shortlived_spin)
echo "samples $n; shortlived_spin in $named of them"
grep 'exited before\|mapping journal' "$WORK/s.err"
at_least "$n" 200 || fail "too few samples of shortlived: $n"
at_least "$named" 0.75 || fail "shortlived's own function in only $named of its samples"
ok "short-lived processes named in $named of $n samples"
