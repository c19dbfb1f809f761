#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bpfprof agent over its life: SIGHUP reopens a rotated log file, and a full disk pauses
# storing with one warning, loses nothing already stored, and storing resumes with room.
. "$(dirname "$0")/lib.sh"
need_bpf
S=$WORK/store
mkdir -p "$S"
# mode: a tmpfs root is 1777 by default, a folder the agent refuses to store in.
mount -t tmpfs -o size=64k,mode=0750 tmpfs "$S" 2>"$WORK/mount.err" || skip "cannot mount a tmpfs: $(cat "$WORK/mount.err")"
trap 'kill "${agent:-}" 2>/dev/null; wait; umount "$S" 2>/dev/null; cleanup' EXIT

bg "$(prog callgraph)" 60
"$BPFPROF" agent --interval 1 -F 499 --store "$S" --store-max-size 0 --log-file "$WORK/agent.log" &
agent=$!
# Rotate the log: the agent writes to the new file after SIGHUP.
sleep 1.5
mv "$WORK/agent.log" "$WORK/agent.log.1"
kill -HUP "$agent"
for _ in $(seq 200); do grep -q 'cannot write to the store' "$WORK/agent.log" 2>/dev/null && break; sleep 0.2; done
[ -s "$WORK/agent.log" ] || fail "no new log file after SIGHUP"
grep -q 'sampling' "$WORK/agent.log.1" || fail "the first log file lacks the start line"
ok "SIGHUP reopened the log"
grep -q 'cannot write to the store' "$WORK/agent.log" || fail "the store never filled, or the agent did not say so"
[ "$(grep -c 'cannot write to the store' "$WORK/agent.log")" -eq 1 ] || fail "the full disk was reported more than once"
kill -0 "$agent" || fail "the agent died on a full disk"
for f in "$S"/*.pb.zst; do
	"$BPFPROF" convert "$f" -o - >/dev/null 2>&1 || fail "store file $f unreadable on a full disk"
done
ls -a "$S" | grep -q '\.tmp$' && fail "a temporary file was left on the full disk"
full=$(ls "$S"/*.pb.zst | wc -l)
ok "full disk: $full intervals stored, all readable"
# Room again (half the intervals, at least one: a busy host's may fill the disk alone):
# writing resumes.
ls "$S"/*.pb.zst | head -n $((full > 1 ? full / 2 : 1)) | xargs rm -f
for _ in $(seq 50); do grep -q 'writable again' "$WORK/agent.log" && break; sleep 0.2; done
grep -q 'writable again' "$WORK/agent.log" || fail "storing did not resume once there was room"
kill -TERM "$agent"
wait "$agent" || fail "agent exited $? after SIGTERM"
grep 'stopped after' "$WORK/agent.log" || fail "no final line in the log"
grep 'stopped after' "$WORK/agent.log" | grep -qv ' 0 intervals not stored' || fail "intervals refused by the full disk were not counted"
ok "agent lifecycle"
