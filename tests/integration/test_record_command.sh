#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# record -- COMMAND: the command and the processes it starts, until it exits.
. "$(dirname "$0")/lib.sh"
need_bpf
# callgraph runs 2 s of CPU time (about 400 samples), however long that takes here. With a
# command and no -d, only the command's exit ends the recording: one that missed it would
# go on until the cap of timeout(1), far beyond any wait for CPU time.
timeout -s KILL "$CPU_WAIT_CAP" "$BPFPROF" record -q -F 199 -o "$WORK/cmd.folded" -- "$(prog callgraph)" 2
code=$?
[ "$code" = 137 ] && fail "the recording did not end with the command (killed after $CPU_WAIT_CAP s)"
[ "$code" = 0 ] || fail "record -- callgraph exited $code"
n=$(total "$WORK/cmd.folded" callgraph)
all=$(total "$WORK/cmd.folded")
echo "record -- callgraph 2: $n of $all samples"
at_least "$n" 250 || fail "too few samples of the command: $n"
at_least "$n" "$(awk -v a="$all" 'BEGIN { print 0.98 * a }')" || fail "other processes recorded ($all vs $n)"

# Each child runs 2 s of CPU time: its start (ld.so linking it) stays a small share of its
# samples even where starting is slow.
"$BPFPROF" record -q -F 199 -o "$WORK/kids.folded" -- "$(prog forker)" 3 "$(prog callgraph)" 2 ||
	fail "record -- forker exited $?"
kids=$(total "$WORK/kids.folded" callgraph)
echo "children: $kids samples"
at_least "$kids" 200 || fail "children of the command were not followed: $kids samples"
c=$(share "$WORK/kids.folded" callgraph "main;spin")
at_least "$c" 0.95 || fail "children's stacks are not named: $c"

# At exec only the binary and ld.so are mapped: libc, mapped a moment later, must be named.
"$BPFPROF" record -q -F 199 -o "$WORK/libc.folded" -- "$(prog readloop)" 1 || fail "record -- readloop exited $?"
unnamed=$(awk '/^readloop;/ { all += $NF; if ($0 ~ /\[unknown\]|libc\.so[^;]*\+0x/) bad += $NF }
	END { printf "%.4f\n", all ? bad / all : 1 }' "$WORK/libc.folded")
echo "readloop run as the command: share of stacks with an unnamed frame $unnamed"
at_least 0.05 "$unnamed" || fail "libc frames of the command are unnamed in $unnamed of its samples"
grep -q '^readloop;[^ ]*;read;' "$WORK/libc.folded" || fail "no named libc read() frame under the command"

"$BPFPROF" record -q -o "$WORK/x.folded" -- /nonexistent/command 2>"$WORK/err"
code=$?
[ "$code" = 1 ] || fail "a command that cannot run: exit $code"
grep -q "cannot run '/nonexistent/command'" "$WORK/err" || fail "no reason given: $(cat "$WORK/err")"
ok "command $n samples; children $kids samples"
