#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# kill -9 in the middle of writing: the store holds whole intervals only, and the next open
# removes what the killed writer left and reuses the rest. The writer is tools/store_write
# (the agent's store code, without BPF), killed at varied moments of a long run of writes.
. "$(dirname "$0")/lib.sh"
TOOL=$TEST_TOOL_DIR/store_write
S=$WORK/store
for round in $(seq 20); do
	"$TOOL" "$S" 100000 200000 >/dev/null 2>&1 &
	writer=$!
	# 30 to 250 ms in: mostly in the middle of a write (compressing, writing or syncing).
	sleep "0.$(printf '%02d' $((3 + RANDOM % 23)))"
	kill -KILL "$writer"
	wait "$writer" 2>/dev/null
done
files=$(ls "$S"/*.pb.zst 2>/dev/null | wc -l)
tmp=$(ls -a "$S" | grep -c '\.tmp$')
echo "after 20 kills: $files intervals, $tmp unfinished files"
[ "$files" -ge 5 ] || fail "only $files intervals written in 20 rounds"
for f in "$S"/*.pb.zst; do
	"$BPFPROF" convert "$f" -o - >/dev/null 2>&1 || fail "interval $f is not whole after kill -9"
done
# The next writer removes the leftovers and keeps every whole interval.
"$TOOL" "$S" 1 1000 >"$WORK/last.out" || fail "the store could not be reopened: $(cat "$WORK/last.out")"
grep -q "leftovers=$tmp" "$WORK/last.out" || fail "expected $tmp leftovers removed: $(tail -n 1 "$WORK/last.out")"
ls -a "$S" | grep -q '\.tmp$' && fail "unfinished files were left after reopening"
[ "$(ls "$S"/*.pb.zst | wc -l)" -eq $((files + 1)) ] || fail "reopening lost whole intervals"
ok "kill -9 leaves whole intervals only; $tmp leftovers removed at the next open"
