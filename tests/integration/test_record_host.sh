#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Whole-host recording to stdout and to two files at once; CPU selection.
. "$(dirname "$0")/lib.sh"
need_bpf
bg "$(prog callgraph)" 3600
wl=$!
sleep 0.3

record_cpu 1 "$wl" -F 99 -o - -o "$WORK/a.folded" -o "$WORK/b.txt" >"$WORK/stdout.folded" 2>"$WORK/summary" ||
	fail "whole-host record exited $?"
n=$(total "$WORK/stdout.folded" callgraph)
c=$(share "$WORK/stdout.folded" callgraph "main;spin")
echo "whole host: $n samples of callgraph, complete share $c"
at_least "$n" 40 || fail "too few samples of callgraph: $n"
at_least "$c" 0.95 || fail "complete share $c"
cmp -s "$WORK/stdout.folded" "$WORK/a.folded" || fail "stdout and a.folded differ"
cmp -s "$WORK/a.folded" "$WORK/b.txt" || fail "a.folded and b.txt differ"
grep -q '^recorded .* samples kept' "$WORK/summary" || fail "no summary: $(cat "$WORK/summary")"
grep -q 'top functions by self samples' "$WORK/summary" || fail "summary lacks the top functions"
grep -q "wrote $WORK/a.folded" "$WORK/summary" || fail "summary does not say where the output went"
grep -Eq '^swapper' "$WORK/stdout.folded" && fail "idle samples recorded without --include-idle"

# Folded lines are well formed: frames, a space, a positive count.
bad=$(grep -cvE '^[^ ;][^;]*(;[^;]+)* [1-9][0-9]*$' "$WORK/stdout.folded")
[ "$bad" = 0 ] || fail "$bad malformed folded lines"

# -C: only the selected CPU is sampled, at its rate. With idle samples kept, that is 99 a
# second of sampling, however busy the CPU. The second is the one the summary gives: on a
# busy machine record may stop sampling well after 2 s.
"$BPFPROF" record -C 0 -d 2 -F 99 --include-idle -o "$WORK/cpu0.folded" 2>"$WORK/cpu0.err" ||
	fail "record -C 0 exited $?"
n0=$(total "$WORK/cpu0.folded")
line=$(grep -m1 '^recorded ' "$WORK/cpu0.err")
secs=$(sed -nE 's/^recorded ([0-9.]+) s on 1 CPU at 99 Hz.*/\1/p' <<<"$line")
[ -n "$secs" ] || fail "-C 0: the summary does not say one CPU at 99 Hz: $line"
want=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 99 }')
echo "one CPU with idle, $secs s at 99 Hz: $n0 samples (about $want expected)"
at_least "$n0" "$(awk -v w="$want" 'BEGIN { print w * 0.75 }')" ||
	fail "-C 0 recorded $n0 samples in $secs s (about $want expected)"
at_least "$(awk -v w="$want" 'BEGIN { print w * 1.16 }')" "$n0" ||
	fail "-C 0 recorded $n0 samples in $secs s: more than one CPU's worth ($want)"
ok "whole host $n samples of callgraph; one CPU $n0"
