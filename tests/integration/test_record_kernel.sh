#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Kernel frames: time spent in read(2) shows named kernel frames under the user frames.
. "$(dirname "$0")/lib.sh"
need_bpf
bg "$(prog readloop)" 3600
wl=$!
sleep 0.3
record_cpu 2 "$wl" -q -p "$wl" -F 199 -o "$WORK/k.folded" || fail "record exited $?"
n=$(total "$WORK/k.folded" readloop)
k=$(awk '/^readloop;/ { all += $NF; if ($0 ~ /;main;.*;(vfs_read|ksys_read|__x64_sys_read)_\[k\]/) got += $NF }
	END { printf "%.4f\n", all ? got / all : 0 }' "$WORK/k.folded")
echo "samples $n; main above a kernel read path: $k"
at_least "$n" 250 || fail "too few samples: $n"
at_least "$k" 0.6 || fail "kernel read path under main in only $k of samples"
# Kernel frames follow user frames: no user frame after a kernel one.
awk '{ sub(/ [0-9]+$/, ""); n = split($0, f, ";"); k = 0
	for (i = 2; i <= n; i++) { if (f[i] ~ /_\[k\]$/) k = 1; else if (k) { print; exit 1 } } }' \
	"$WORK/k.folded" || fail "a user frame follows a kernel frame"

record_cpu 0.5 "$wl" -q -p "$wl" --user-only -o "$WORK/u.folded" || fail "--user-only exited $?"
grep -q '_\[k\]' "$WORK/u.folded" && fail "--user-only recorded kernel frames"
record_cpu 0.5 "$wl" -q -p "$wl" --kernel-only -o "$WORK/konly.folded" || fail "--kernel-only exited $?"
grep -q ';main;' "$WORK/konly.folded" && fail "--kernel-only recorded user frames"
grep -q '_\[k\]' "$WORK/konly.folded" || fail "--kernel-only recorded no kernel frames"
ok "kernel read path in $k of samples; --user-only and --kernel-only hold"
