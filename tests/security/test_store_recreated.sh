#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The store folder removed and made again while the agent runs (a cleanup script, a restored
# backup): the agent notices at the next interval, says so once, takes the new folder over
# (lock included) and goes on storing and uploading there. A folder that another agent holds
# by then is not written to, said once, and taken over once it is free.
. "$(dirname "$0")/lib.sh"
need_bpf
S=$WORK/store
LOG=$WORK/agent.log

mkdir -p "$WORK/recv"
bg python3 "$(dirname "$0")/../tools/ingest_receiver.py" "$WORK/recv" --reject-older-than 0
for _ in $(seq 100); do [ -s "$WORK/recv/port" ] && break; sleep 0.05; done
[ -s "$WORK/recv/port" ] || fail "the receiver did not start"

# wait_for WHAT CMD...: until CMD succeeds, 60 s at most.
wait_for() {
	local what=$1
	shift
	for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
	fail "$what, after 60 s: $(tail -n 5 "$LOG")"
}
intervals() { ls "$S" 2>/dev/null | grep -c '\.pb\.zst$'; }
has_intervals() { [ "$(intervals)" -ge "$1" ]; }
# remake [LOCK]: a new folder takes $S's place (the old one renamed away, then the new one
# renamed in: the agent, which makes a missing store again, finds no gap to fill), first
# locked on fd 9 as another agent would lock it when LOCK is given.
remake() {
	local old
	old=$(stat -c %i "$S")
	rm -rf "$WORK/next" "$WORK/old"
	mkdir -m 0750 "$WORK/next" || fail "cannot make the next folder"
	if [ -n "${1:-}" ]; then
		exec 9<"$WORK/next"
		flock -n -x 9 || fail "cannot lock the next folder"
	fi
	mv -T "$S" "$WORK/old" && mv -T "$WORK/next" "$S" ||
		fail "cannot put the next folder in the store's place"
	[ "$(stat -c %i "$S")" != "$old" ] || fail "the store made again is the same folder"
}

# Something to sample in every interval: an empty interval is not stored, so it would not
# look at the folder.
bg sh -c 'while :; do :; done'
"$BPFPROF" agent --interval 1 --store "$S" --upload "http://127.0.0.1:$(cat "$WORK/recv/port")" \
	--log-file "$LOG" -v &
agent=$!
BG_PIDS+=("$agent")
wait_for "no interval stored" has_intervals 1

# 1. Removed and made again: stored in the new folder, locked, uploaded from there.
remake
wait_for "nothing stored in the folder made again" has_intervals 2
flock -n -x "$S" true && fail "the agent does not hold the lock of the new folder"
[ "$(grep -c 'the folder was removed or replaced while in use' "$LOG")" = 1 ] ||
	fail "the replacement is not logged once: $(grep -c 'removed or replaced' "$LOG") times"
wait_for "no upload cursor in the new folder" test -s "$S/.upload-cursor"
cursor=$(cat "$S/.upload-cursor")
[ -e "$S/$cursor" ] || fail "the cursor names '$cursor', not a file of the new folder"
ok "a folder made again is stored in, locked and uploaded from"

# 2. Replaced by a folder another agent holds: not written to, said once; free, taken over.
# This shell plays the other agent: it locks the folder as an agent does, on its fd 9,
# before the folder takes the store's place, so the agent cannot take it first.
remake lock
before=$(grep -c 'in use by another agent' "$LOG")
sleep 4
[ "$(intervals)" = 0 ] || fail "the agent wrote to a folder another agent holds"
[ "$(grep -c 'in use by another agent' "$LOG")" = $((before + 1)) ] ||
	fail "the busy folder is said $(grep -c 'in use by another agent' "$LOG") times, not once more: $(tail -n 12 "$LOG")"
exec 9<&-
wait_for "the freed folder is not taken over" has_intervals 1
grep -q 'the store is writable again' "$LOG" || fail "no line saying storing resumed"
ok "a folder held by another agent is left alone, then taken over"

kill -TERM "$agent"
wait "$agent" || fail "the agent exited $? after SIGTERM: $(tail -n 3 "$LOG")"
