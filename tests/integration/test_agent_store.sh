#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bpfprof agent with its local store: every sample taken lands in exactly one interval,
# SIGTERM stores the partial interval, past windows come back exactly, one agent per store,
# kill -9 leaves a readable store that a new agent reuses, and the size limit holds.
. "$(dirname "$0")/lib.sh"
need_bpf
S=$WORK/store

# The agent samples the whole host, where other tests may run the same programs: ours get
# names of their own.
cp "$(prog callgraph)" "$WORK/as_callgraph"
cp "$(prog readloop)" "$WORK/as_readloop"

# 1. Two phases, one program each, one-second intervals; SIGTERM ends it. Each program runs
# 3 s of CPU time (callgraph.c, readloop.c), so a busy machine lengthens the phases rather
# than thinning them.
"$BPFPROF" agent --interval 1 -F 199 --store "$S" --log-file "$WORK/agent.log" -v &
agent=$!
wait_sampling "$agent" || fail "the agent did not start sampling: $(tail -n 3 "$WORK/agent.log")"
sleep 1
t0=$(date +%s.%N)
"$WORK/as_callgraph" 3
t1=$(date +%s.%N)
"$WORK/as_readloop" 3
t2=$(date +%s.%N)
sleep 0.5
kill -TERM "$agent"
wait "$agent" || fail "agent exited $? after SIGTERM"
line=$(grep 'stopped after' "$WORK/agent.log") || fail "no final line in the log: $(tail -n 3 "$WORK/agent.log")"
echo "$line"
in_profiles=$(echo "$line" | sed -E 's/.*: ([0-9]+) samples in profiles of the ([0-9]+) taken, ([0-9]+) lost.*/\1/')
taken=$(echo "$line" | sed -E 's/.*: ([0-9]+) samples in profiles of the ([0-9]+) taken, ([0-9]+) lost.*/\2/')
lost=$(echo "$line" | sed -E 's/.*: ([0-9]+) samples in profiles of the ([0-9]+) taken, ([0-9]+) lost.*/\3/')
stored=$(store_sum "$S")
echo "taken by BPF $taken, in profiles $in_profiles, counted lost $lost, in the store $stored"
[ "$stored" -eq "$in_profiles" ] || fail "the store holds $stored samples, the profiles had $in_profiles"
[ "$in_profiles" -le "$taken" ] || fail "more samples in profiles ($in_profiles) than taken ($taken): counted twice"
[ $((taken - in_profiles)) -le "$lost" ] || fail "$((taken - in_profiles)) samples missing, only $lost counted lost"
files=$(ls "$S"/*.pb.zst | wc -l)
[ "$files" -ge 6 ] || fail "only $files intervals stored over about 7 s"
ls -a "$S" | grep -q '\.tmp$' && fail "a temporary file was left in the store"

# 2. Windows inside each phase hold that phase's program only.
w1a=$(echo "$t0 + 0.9" | bc) w1b=$(echo "$t1 - 1.1" | bc)
w2a=$(echo "$t1 + 1.1" | bc) w2b=$(echo "$t2 - 0.1" | bc)
"$BPFPROF" flamegraph --store "$S" --from "$w1a" --to "$w1b" -o "$WORK/w1.folded" ||
	fail "flamegraph of window 1 exited $?"
"$BPFPROF" flamegraph --store "$S" --from "$w2a" --to "$w2b" -o "$WORK/w2.folded" ||
	fail "flamegraph of window 2 exited $?"
c1=$(total "$WORK/w1.folded" as_callgraph) r1=$(total "$WORK/w1.folded" as_readloop)
c2=$(total "$WORK/w2.folded" as_callgraph) r2=$(total "$WORK/w2.folded" as_readloop)
echo "window 1: callgraph $c1, readloop $r1; window 2: callgraph $c2, readloop $r2"
[ "$c1" -ge 50 ] && [ "$r1" -eq 0 ] || fail "window 1 should hold callgraph only"
[ "$r2" -ge 50 ] && [ "$c2" -eq 0 ] || fail "window 2 should hold readloop only"
# The whole store, filtered by process name, is the phase.
"$BPFPROF" flamegraph --store "$S" --comm as_readloop -o "$WORK/comm.folded" ||
	fail "--comm exited $?"
[ "$(total "$WORK/comm.folded")" -eq "$(total "$WORK/comm.folded" as_readloop)" ] ||
	fail "--comm as_readloop kept other processes"
if "$BPFPROF" flamegraph --store "$S" --from "$(echo "$t2 + 3600" | bc)" -o "$WORK/none.svg" 2>"$WORK/err"; then
	fail "an empty window succeeded"
fi
ok "empty window: $(head -n 1 "$WORK/err")"

# 3. One agent per store.
"$BPFPROF" agent --interval 1 --store "$S" 2>"$WORK/first.err" &
first=$!
# It holds the store before it samples.
wait_sampling "$first" || fail "the first agent did not start: $(head -n 3 "$WORK/first.err")"
if "$BPFPROF" agent --interval 1 --store "$S" 2>"$WORK/second.err"; then
	fail "a second agent ran on the same store"
fi
grep -qi 'store' "$WORK/second.err" || fail "the second agent did not say why: $(cat "$WORK/second.err")"
ok "second agent refused: $(head -n 1 "$WORK/second.err")"

# 4. kill -9: every file still reads; a new agent reuses the store, within its size limit.
kill -KILL "$first"
wait "$first" 2>/dev/null
before=$(ls "$S"/*.pb.zst | wc -l)
store_sum "$S" >/dev/null
bg "$(prog callgraph)" 30
"$BPFPROF" agent --interval 1 -F 199 --store "$S" --store-max-size 48K &
agent=$!
sleep 6
kill -TERM "$agent"
wait "$agent" || fail "the agent after kill -9 exited $?"
size=$(du -sk --apparent-size "$S" | awk '{ print $1 }')
after=$(ls "$S"/*.pb.zst | wc -l)
echo "store: $before files after kill -9, $after files and ${size}K with --store-max-size 48K"
[ "$size" -le 64 ] || fail "the store grew to ${size}K past its 48K limit"
newest=$(ls "$S"/*.pb.zst | tail -n 1)
"$BPFPROF" convert "$newest" -o "$WORK/newest.folded" || fail "the newest interval is unreadable"
[ "$(total "$WORK/newest.folded" callgraph)" -gt 0 ] || fail "the newest interval lacks the running program"
ok "agent and store"
