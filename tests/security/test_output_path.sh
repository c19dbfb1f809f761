#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What stands at an output path as root: devices and FIFOs are written in place and stay
# what they are (a full device says so), links are followed, a replaced file keeps its
# owner and mode, and links or FIFOs another user planted in a sticky folder are refused.
. "$(dirname "$0")/lib.sh"
need_root "device nodes and other users' files need root"
chmod 755 "$WORK"
cd "$WORK" || fail "no $WORK"

# Enough lines that every format's output outgrows stdio's buffer: errors come mid-write.
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "comm;f%d;g%d %d\n", i, i % 7, i + 1 }' >in.folded
"$BPFPROF" convert in.folded -f folded -o expected.folded || fail "convert to a file failed"
conv() { "$BPFPROF" convert in.folded -f "$1" -o "$2"; }
# leftovers DIR: temporary files an output left behind.
leftovers() { find "$1" -maxdepth 1 -name '.*.??????' | head -n 3; }

mknod -m 666 null c 1 3
conv folded null || fail "writing to a null device failed"
[ -c null ] || fail "-o NULL-DEVICE replaced the device: $(ls -l null)"
ok "a device is written in place and stays a device"

mknod -m 666 full c 1 7
for fmt in folded pprof svg; do
	conv "$fmt" full 2>full.err && fail "writing $fmt to a full device succeeded"
	grep -q "No space left on device" full.err ||
		fail "a full device ($fmt) is not reported as full: $(cat full.err)"
	[ "$(wc -l <full.err)" = 1 ] || fail "more than one line of error: $(cat full.err)"
	[ -c full ] || fail "-o FULL-DEVICE replaced the device"
	conv "$fmt" - >full 2>full.err && fail "writing $fmt to a full stdout succeeded"
	grep -q "No space left on device" full.err ||
		fail "a full stdout ($fmt) is not reported as full: $(cat full.err)"
done
ok "a full device or stdout: \"$(cat full.err)\", exit status 1"

# ln -sf /dev/null out: the link is followed to the device, which stays.
ln -s "$WORK/null" null-link
conv folded null-link || fail "writing through a link to a device failed"
[ -L null-link ] && [ -c null ] || fail "a link to a device was replaced: $(ls -l null-link null)"
echo old >real.folded
ln -s real.folded latest.folded
conv folded latest.folded || fail "writing through a link failed"
[ -L latest.folded ] || fail "the link was replaced by a file"
cmp -s real.folded expected.folded || fail "the file the link leads to was not written"
# /dev/stdout: a link to /proc/self/fd/1, which no path can stand for when it is a pipe.
ln -s /proc/self/fd/1 stdout-link
conv folded stdout-link | cat >from-pipe
[ -L stdout-link ] || fail "a link to standard output was replaced"
cmp -s from-pipe expected.folded || fail "a link to standard output (a pipe) was not written"
echo first >appended
conv folded stdout-link >>appended || fail "writing to a link to standard output (a file) failed"
[ "$(head -n 1 appended)" = first ] || fail "-o /dev/stdout >>FILE replaced FILE"
tail -n +2 appended | cmp -s - expected.folded || fail "-o /dev/stdout >>FILE did not append"
ok "links are followed and stay links"

mkfifo fifo
timeout 60 cat fifo >from-fifo &
conv folded fifo || fail "writing to a FIFO failed"
wait $!
[ -p fifo ] || fail "-o FIFO replaced the FIFO"
cmp -s from-fifo expected.folded || fail "the FIFO's reader did not get the profile"
ok "a FIFO is written in place"

echo old >owned.folded
chown "$ATTACKER":nogroup owned.folded
chmod 640 owned.folded
conv folded owned.folded || fail "replacing another user's file failed"
cmp -s owned.folded expected.folded || fail "the file was not replaced"
got=$(stat -c '%U:%G %a' owned.folded)
[ "$got" = "$ATTACKER:nogroup 640" ] || fail "owner and mode not kept: $got"
ok "a replaced file keeps its owner and mode ($got)"

# A sticky folder anyone may write to, as /tmp is.
mkdir -m 1777 tmp
echo precious >victim
as_attacker ln -s "$WORK/victim" tmp/out.folded
conv folded tmp/out.folded 2>planted.err && fail "wrote through or over a link another user planted"
[ "$(wc -l <planted.err)" = 1 ] && grep -q "a link of uid $(id -u "$ATTACKER") in a sticky folder" planted.err ||
	fail "refused without saying why in one line: $(cat planted.err)"
[ "$(cat victim)" = precious ] || fail "the planted link's target was overwritten"
as_attacker ln -s "$WORK/created-by-root" tmp/dangling.folded
conv folded tmp/dangling.folded 2>/dev/null && fail "created a file through a planted link"
[ ! -e created-by-root ] || fail "a file was created through a planted dangling link"
as_attacker mkfifo tmp/fifo.folded
timeout 20 "$BPFPROF" convert in.folded -f folded -o tmp/fifo.folded 2>/dev/null
rc=$?
[ "$rc" = 124 ] && fail "waited on a FIFO another user planted"
[ "$rc" = 0 ] && fail "wrote to a FIFO another user planted"
ok "links and FIFOs another user planted in a sticky folder are refused:" \
	"$(tr "\n" " " <planted.err)"

# Ours in the same folder are followed, and new files are made there as usual.
ln -s "$WORK/mine.folded" tmp/mine.folded
conv folded tmp/mine.folded || fail "our own link in a sticky folder was refused"
cmp -s mine.folded expected.folded || fail "our own link was not followed"
conv folded tmp/new.folded || fail "a new file in a sticky folder failed"
cmp -s tmp/new.folded expected.folded || fail "the new file is wrong"
left=$(leftovers tmp)$(leftovers .)
[ -z "$left" ] || fail "temporary files left: $left"
ok "our own links in a sticky folder are followed; no temporary file is left"
