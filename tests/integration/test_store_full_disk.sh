#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The local store on a full disk: writes fail with ENOSPC and leave no partial or temporary
# file, every stored interval still reads as a profile, and writes succeed again once there
# is room. Runs the store through tools/store_write (no agent, no BPF) on a 1 MiB tmpfs.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
TOOL=$TEST_TOOL_DIR/store_write
[ -x "$TOOL" ] || fail "no $TOOL: build the test tools first"
MNT=$WORK/mnt
mkdir -p "$MNT"
mount -t tmpfs -o size=1m bpfprof-store-test "$MNT" 2>"$WORK/mount.err" ||
	skip "cannot mount a tmpfs: $(head -n 1 "$WORK/mount.err")"
# Unmount before lib.sh's cleanup removes $WORK, whatever way the test ends.
trap 'umount "$MNT" 2>/dev/null; cleanup' EXIT
STORE=$MNT/store
# Raw pprof of ~50 kB, ~28 kB once compressed: about 35 fit in 1 MiB.
SIZE=50000

# stat_of FILE KEY: a counter from store_write's final "stats" line.
stat_of() { sed -n "s/^stats .*\b$2=\([0-9]*\).*/\1/p" "$1"; }

# check_files: every interval file reads as a profile, no temporary file is left.
check_files() {
	local f n=0
	for f in "$STORE"/*.pb.zst; do
		[ -e "$f" ] || continue
		"$BPFPROF" convert "$f" -o "$WORK/check.folded" 2>"$WORK/check.err" ||
			fail "$(basename "$f") does not read back: $(head -n 1 "$WORK/check.err")"
		[ -s "$WORK/check.folded" ] || fail "$(basename "$f") reads as an empty profile"
		n=$((n + 1))
	done
	[ -z "$(find "$STORE" -name '.*.tmp')" ] || fail "temporary files left: $(ls -A "$STORE")"
	echo "$n"
}

# Fill the disk: the writes past its size fail, and the tool goes on as the agent would.
"$TOOL" "$STORE" 60 "$SIZE" >"$WORK/fill.out" 2>"$WORK/fill.err"
code=$?
[ "$code" = 3 ] || fail "filling the disk: exit $code, want 3 ($(head -n 1 "$WORK/fill.err"))"
ok_lines=$(grep -c '^write [0-9]* ok ' "$WORK/fill.out")
err_lines=$(grep -c '^write [0-9]* error ' "$WORK/fill.out")
[ "$ok_lines" -ge 10 ] || fail "only $ok_lines intervals fit in 1 MiB: $(head -n 3 "$WORK/fill.out")"
grep -v '^write [0-9]* ok ' "$WORK/fill.out" | grep '^write' | grep -qv ' error ENOSPC ' &&
	fail "a write failed other than with ENOSPC: $(grep -v ' ok \| ENOSPC ' "$WORK/fill.out" | head -n 1)"
[ "$(stat_of "$WORK/fill.out" write_failures)" = "$err_lines" ] || fail "write_failures miscounted"
[ "$(stat_of "$WORK/fill.out" files)" = "$ok_lines" ] || fail "the store lost count of its files"
n=$(check_files) || exit 1
[ "$n" = "$ok_lines" ] || fail "$n files in the store, $ok_lines writes succeeded"
ok "disk full after $ok_lines intervals; $err_lines writes failed with ENOSPC, nothing left behind"

# Still full: another write fails and changes nothing.
before=$(ls -A "$STORE" | sort)
"$TOOL" "$STORE" 1 "$SIZE" >"$WORK/again.out" 2>&1
[ $? = 3 ] || fail "a write to a full disk did not fail: $(cat "$WORK/again.out")"
[ "$(ls -A "$STORE" | sort)" = "$before" ] || fail "a failed write changed the store"

# Make room (two files: intervals differ a little in size) and write again.
files=("$STORE"/*.pb.zst)
rm -f "${files[0]}" "${files[1]}"
"$TOOL" "$STORE" 1 "$SIZE" >"$WORK/room.out" 2>&1 ||
	fail "no write after making room: $(head -n 1 "$WORK/room.out")"
n=$(check_files) || exit 1
[ "$n" = "$((ok_lines - 1))" ] || fail "$n files after making room, want $((ok_lines - 1))"
ok "writes succeed again once there is room"

# With a size limit under the disk's size the disk never fills: old intervals go first.
rm -rf "$STORE"
"$TOOL" "$STORE" 60 "$SIZE" 500000 >"$WORK/limit.out" 2>&1 ||
	fail "writes failed under a size limit: $(grep -m 1 error "$WORK/limit.out")"
bytes=$(stat_of "$WORK/limit.out" bytes)
[ "$bytes" -le 500000 ] || fail "$bytes bytes stored over a 500000 byte limit"
[ "$(stat_of "$WORK/limit.out" removed_size)" -gt 0 ] || fail "nothing removed for the limit"
n=$(check_files) || exit 1
[ "$n" = "$(stat_of "$WORK/limit.out" files)" ] || fail "$n files, the store counted otherwise"
ok "a 500000 byte limit kept $n intervals ($bytes bytes), removing the oldest"
