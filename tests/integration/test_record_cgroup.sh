#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# --cgroup: only tasks in a cgroup v2 folder (and below it) are sampled.
. "$(dirname "$0")/lib.sh"
need_bpf
root=
for dir in /sys/fs/cgroup/unified /sys/fs/cgroup; do
	[ "$(stat -f -c %T "$dir" 2>/dev/null)" = cgroup2fs ] && { root=$dir; break; }
done
[ -n "$root" ] || skip "no cgroup v2 hierarchy is mounted"
cg=$root/bpfprof-test-$$
mkdir "$cg/child" -p 2>/dev/null || skip "cannot create a cgroup under $root"
cleanup_cgroup() {
	for p in $(cat "$cg/child/cgroup.procs" 2>/dev/null); do echo "$p" >"$root/cgroup.procs"; done
	rmdir "$cg/child" "$cg" 2>/dev/null
}
trap 'cleanup; cleanup_cgroup' EXIT

cp "$(prog callgraph)" "$WORK/inside"
cp "$(prog callgraph)" "$WORK/outside"
bg "$WORK/inside" 3600
inside=$!
echo "$inside" >"$cg/child/cgroup.procs" || skip "cannot move a process into $cg/child"
bg "$WORK/outside" 3600
outside=$!
sleep 0.3

# Both have run a second when it ends: the outside one had its chance to be sampled too.
record_cpu 1 "$inside,$outside" -q --cgroup "$cg" -o "$WORK/cg.folded" ||
	fail "record --cgroup exited $?"
in=$(total "$WORK/cg.folded" inside)
out=$(total "$WORK/cg.folded" outside)
all=$(total "$WORK/cg.folded")
echo "inside (in a child cgroup): $in; outside: $out; all: $all"
at_least "$in" 40 || fail "too few samples of the process in the cgroup: $in"
[ "$out" = 0 ] || fail "$out samples of a process outside the cgroup"
[ "$in" = "$all" ] || fail "samples of other processes: $all vs $in"
ok "--cgroup keeps only its tasks"
