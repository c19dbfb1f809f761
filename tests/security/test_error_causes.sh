#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Errors name their real cause in one line, with exit status 1: a full disk is "No space
# left on device" (stdio only says that a write failed), a folder given as input "Is a
# directory" (reading it fails), neither "Input/output error".
. "$(dirname "$0")/lib.sh"
cd "$WORK" || fail "no $WORK"
[ -c /dev/full ] || fail "no /dev/full"

# expect CAUSE WHAT CMD...: CMD fails with exit status 1 and one line of error naming CAUSE.
expect() {
	local cause=$1 what=$2 rc
	shift 2
	"$@" 2>err >/dev/null
	rc=$?
	[ "$rc" = 1 ] || fail "$what: exit status $rc, not 1: $(cat err)"
	[ "$(wc -l <err)" = 1 ] || fail "$what: not one line of error: $(cat err)"
	grep -q "$cause" err || fail "$what: the error does not say \"$cause\": $(cat err)"
}

# More than stdio buffers: the first failed write is in the middle of the writer's work.
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "comm;f%d;g%d %d\n", i, i % 7, i + 1 }' >in.folded
for fmt in folded pprof svg; do
	expect "No space left on device" "$fmt to a full stdout" \
		sh -c '"$0" convert in.folded -f "$1" -o - >/dev/full' "$BPFPROF" "$fmt"
done
expect "No space left on device" "symbolize to a full stdout" \
	sh -c 'seq 1 20000 | "$0" symbolize --elf "$0" >/dev/full' "$BPFPROF"
ok "a full stdout: $(cat err)"

mkdir folder
expect "Is a directory" "convert FOLDER" "$BPFPROF" convert folder -o out.folded
expect "Is a directory" "flamegraph FOLDER" "$BPFPROF" flamegraph in.folded folder -o out.svg
expect "Is a directory" "convert - <FOLDER" sh -c '"$0" convert - -o out.folded <folder' "$BPFPROF"
expect "Is a directory" "-o FOLDER" "$BPFPROF" convert in.folded -f folded -o folder
ok "a folder as input or output: $(cat err)"
