#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A store folder that someone else owns or may write. Its owner could plant links where the
# root agent writes (.upload-cursor.tmp -> a file of root's): the agent refuses such a folder
# at start, with one line naming it and the fix, and writes nothing. Readers (store ls,
# flamegraph --store) may read it, but follow no link out of it and do not wait on a FIFO:
# such entries are skipped and counted.
. "$(dirname "$0")/lib.sh"
need_root "the test plays root's agent against a store owned by $ATTACKER"

chmod 755 "$WORK" # the attacker reaches its folder
S=$WORK/store
VICTIM=$WORK/victim.txt
echo untouched >"$VICTIM"
chmod 600 "$VICTIM"
mkdir "$S"
chown "$ATTACKER" "$S"
as_attacker ln -s "$VICTIM" "$S/.upload-cursor.tmp" || fail "cannot plant the link as $ATTACKER"
as_attacker ln -s "$VICTIM" "$S/.upload-cursor"

# agent_refuses WHAT PATTERN: the agent on $S must exit 1 at once with one line matching.
agent_refuses() {
	local code
	timeout 30 "$BPFPROF" agent --interval 1 --store "$S" --upload http://127.0.0.1:9 \
		>"$WORK/out" 2>"$WORK/err"
	code=$?
	[ "$code" = 1 ] || fail "$1: the agent exited $code, want 1: $(head -n 3 "$WORK/err")"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "$1: want one line, got: $(cat "$WORK/err")"
	grep -Eq "$2" "$WORK/err" || fail "$1: '$(cat "$WORK/err")' does not match '$2'"
	[ "$(cat "$VICTIM")" = untouched ] || fail "$1: the victim file was written"
	[ "$(stat -c %U "$VICTIM")" = root ] || fail "$1: the victim changed owner"
	ok "$1: $(cat "$WORK/err")"
}

agent_refuses "store owned by $ATTACKER" \
	"store folder '$S' belongs to uid $(id -u "$ATTACKER"), not to uid 0 .*chown 0 '$S' && chmod go-w '$S'"
[ -L "$S/.upload-cursor.tmp" ] && [ -L "$S/.upload-cursor" ] || fail "the agent touched the planted links"

chown root "$S"
chmod 0775 "$S"
agent_refuses "store writable by its group" "store folder '$S' is writable by its group or by others \(mode 0775\).*chmod go-w '$S'"
chmod 1777 "$S"
agent_refuses "store writable by others, sticky" "mode 1777"

# Readers: a store of the attacker's, holding a real interval, a link to a root-only interval
# file elsewhere and a FIFO, both named as intervals.
chown "$ATTACKER" "$S"
chmod 0755 "$S"
"$TEST_TOOL_DIR/store_write" "$WORK/secret" 1 2000 >/dev/null || fail "store_write (secret)"
"$TEST_TOOL_DIR/store_write" "$WORK/real" 1 2000 >/dev/null || fail "store_write (real)"
secret=$(ls "$WORK/secret"/*.pb.zst)
chmod 600 "$secret"
cp "$WORK/real"/*.pb.zst "$S/20200101T000000.000Z.pb.zst"
as_attacker ln -s "$secret" "$S/20200101T000010.000Z.pb.zst"
as_attacker mkfifo "$S/20200101T000020.000Z.pb.zst"

timeout 20 "$BPFPROF" store ls --store "$S" >"$WORK/ls" 2>"$WORK/err"
code=$?
[ "$code" = 124 ] && fail "store ls hangs"
[ "$code" = 0 ] || fail "store ls exited $code: $(cat "$WORK/err")"
cat "$WORK/ls"
tail -n 1 "$WORK/ls" | grep -q '^1 interval, .*; 2 not regular files skipped$' ||
	fail "store ls: the link and the FIFO are not skipped and counted"
timeout 20 "$BPFPROF" flamegraph --store "$S" -o "$WORK/all.folded" 2>"$WORK/err"
code=$?
[ "$code" = 124 ] && fail "flamegraph --store hangs"
[ "$code" = 0 ] || fail "flamegraph --store exited $code: $(cat "$WORK/err")"
grep -q 'skipped 2 entries named as intervals that are no regular files' "$WORK/err" ||
	fail "flamegraph --store: no count of the skipped entries: $(cat "$WORK/err")"
[ "$(total "$WORK/all.folded")" = "$(total <("$BPFPROF" convert "$WORK/real"/*.pb.zst -o -))" ] ||
	fail "flamegraph --store: not the real interval's samples alone"
ok "readers skip and count a link and a FIFO in a store of $ATTACKER's"
