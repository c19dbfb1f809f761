#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A program run from an overlayfs mount (a container's root), started after the recording:
# the kernel reports the inode of the layer that holds the file, fstat() of the file opened
# through the mount another (kernels before 6.8 or so; in scripts/test-kernels.sh's guests):
# the mapping's own file must be taken, and its frames named.
. "$(dirname "$0")/lib.sh"
need_bpf
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || skip "no overlayfs in this kernel"
mkdir -p "$WORK/lower" "$WORK/upper" "$WORK/work" "$WORK/merged"
cp "$(prog callgraph)" "$WORK/lower/ovl_callgraph" || fail "cannot copy callgraph"
mount -t overlay overlay -o "lowerdir=$WORK/lower,upperdir=$WORK/upper,workdir=$WORK/work" \
	"$WORK/merged" || fail "cannot mount an overlay on $WORK/merged"
trap 'umount "$WORK/merged" 2>/dev/null; cleanup' EXIT

"$BPFPROF" record -d 3600 -F 199 -o "$WORK/o.folded" 2>"$WORK/o.err" &
rec=$!
BG_PIDS+=("$rec")
wait_sampling "$rec" || fail "recording did not start: $(head -n 1 "$WORK/o.err")"
"$WORK/merged/ovl_callgraph" 2 || fail "callgraph exited $?"
kill -INT "$rec"
wait "$rec" || fail "record exited $?: $(head -n 1 "$WORK/o.err")"
n=$(total "$WORK/o.folded" ovl_callgraph)
named=$(share "$WORK/o.folded" ovl_callgraph "main;spin")
echo "samples $n; main;spin in $named of them"
grep 'mapping journal' "$WORK/o.err"
at_least "$n" 200 || fail "too few samples of the program: $n"
at_least "$named" 0.95 || fail "the program's own functions in only $named of its samples"
ok "a program on overlayfs named in $named of $n samples"
