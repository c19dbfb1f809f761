#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# record -p: complete frame-pointer stacks and the 75/25 split of callgraph, nothing else.
. "$(dirname "$0")/lib.sh"
need_bpf
bg "$(prog callgraph)" 3600
wl=$!
sleep 0.3

# The samples expected: 199 a second of the CPU time the workload ran while sampling.
record_cpu 1.5 "$wl" -q -p "$wl" -F 199 -o "$WORK/pid.folded" || fail "record -p exited $?"
ran=$RECORD_CPU_SECS
expected=$(awk -v s="$ran" 'BEGIN { printf "%d", s * 199 }')
n=$(total "$WORK/pid.folded" callgraph)
all=$(total "$WORK/pid.folded")
heavy=$(share "$WORK/pid.folded" callgraph "main;spin;heavy;heavy_leaf")
light=$(share "$WORK/pid.folded" callgraph "main;spin;light;light_leaf")
echo "samples $n of $all ($ran CPU seconds: about $expected expected); heavy $heavy light $light"
at_least "$n" 100 || fail "too few samples: $n"
at_least "$n" "$(awk -v e="$expected" 'BEGIN { print e * 0.7 }')" ||
	fail "too few samples: $n for $ran CPU seconds at 199 Hz (about $expected)"
[ "$n" = "$all" ] || fail "-p recorded $((all - n)) samples of other processes"
at_least "$(awk -v a="$heavy" -v b="$light" 'BEGIN { print a + b }')" 0.95 ||
	fail "complete stacks: heavy $heavy + light $light < 0.95"
near "$heavy" 0.75 0.08 || fail "heavy share $heavy is not near 0.75"
near "$light" 0.25 0.08 || fail "light share $light is not near 0.25"
grep -q '^callgraph;_start;__libc_start_main\|^callgraph;.*main;spin' "$WORK/pid.folded" ||
	fail "stacks do not start at the process name"
ok "pid recording: $n samples, split $heavy/$light"
