#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# record --debug-capture writes raw stack memory of every process: only its owner may read
# the file (0600, whatever the umask or the mode of a file it replaces), and its path is
# opened as outputs are (a link another user planted in a sticky folder is refused).
. "$(dirname "$0")/lib.sh"
need_bpf
chmod 755 "$WORK"
cd "$WORK" || fail "no $WORK"
umask 022

capture() {
	"$BPFPROF" record -q -d 0.5 --debug-capture "$1" -o x.folded 2>capture.err
}

capture cap || fail "record --debug-capture failed: $(cat capture.err)"
[ "$(head -c 8 cap)" = BPFPCAP1 ] || fail "not a capture file"
mode=$(stat -c %a cap)
[ "$mode" = 600 ] || fail "the capture file is mode $mode under umask 022"
as_attacker cat cap >/dev/null 2>&1 && fail "another user can read the captured stacks"
ok "a new capture file is mode 600"

chmod 644 cap
capture cap || fail "record --debug-capture over a file failed: $(cat capture.err)"
mode=$(stat -c %a cap)
[ "$mode" = 600 ] || fail "a capture file replacing a 644 file is mode $mode"
ok "a capture file replacing a world-readable one is mode 600"

mkdir -m 1777 tmp
echo precious >victim
as_attacker ln -s "$WORK/victim" tmp/cap
capture tmp/cap && fail "captured through a link another user planted"
[ "$(cat victim)" = precious ] || fail "the planted link's target was overwritten"
ok "a planted link is refused: $(tail -n 1 capture.err)"
