#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `bpfprof store ls` and `bpfprof flamegraph --store` on a store made by hand: interval files
# are zstd-compressed raw pprof, so convert + gunzip + zstd make them without an agent (and
# without BPF). These samples carry no time: the window keeps them by interval overlap;
# tests/unit/test_store_window.c covers timed samples.
. "$(dirname "$0")/lib.sh"

command -v zstd >/dev/null || skip "no zstd command to build a store with (scripts/deps.sh test installs zstd)"
command -v gzip >/dev/null || skip "no gzip command"

STORE=$WORK/store
mkdir -p "$STORE"

# interval NAME FOLDED: stores the folded text as the interval file NAME.
interval() {
	printf '%s' "$2" >"$WORK/in.folded"
	"$BPFPROF" convert "$WORK/in.folded" -o "$WORK/in.pb.gz" || fail "convert failed"
	gzip -dc "$WORK/in.pb.gz" | zstd -q -o "$STORE/$1" || fail "zstd failed"
}

expect() { # CODE DESCRIPTION PATTERN CMD...
	local want=$1 what=$2 pattern=$3 code
	shift 3
	"$@" >"$WORK/out" 2>"$WORK/err"
	code=$?
	[ "$code" = "$want" ] || fail "$what: exit $code, want $want ($(head -n 1 "$WORK/err"))"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "$what: want one line on stderr, got: $(cat "$WORK/err")"
	grep -Eq -- "$pattern" "$WORK/err" || fail "$what: '$(cat "$WORK/err")' does not match '$pattern'"
	echo "ok  $what: $(cat "$WORK/err")"
}

# total of the folded lines matching a prefix
sum() { awk -v p="$2" 'index($0, p) == 1 { s += $NF } END { print s + 0 }' "$1"; }

interval 20261121T100000.000Z.pb.zst $'app;main;a 5\ndb;main;b 3\n'
interval 20261121T100010.000Z.pb.zst $'app;main;a 2\napp;main;c 7\n'
interval 20261121T100020.000Z.pb.zst $'db;main;b 4\n'
echo "not a profile" >"$STORE/20261121T100030.000Z.pb.zst"
touch "$STORE/.20261121T100040.000Z.pb.zst.tmp" "$STORE/notes.txt"

# ls: one line per interval, the unreadable one with its reason, then the totals.
"$BPFPROF" store ls --store "$STORE" >"$WORK/ls" 2>"$WORK/err" || fail "store ls: $(cat "$WORK/err")"
cat "$WORK/ls"
[ "$(wc -l <"$WORK/ls")" = 5 ] || fail "store ls: want 4 intervals and a totals line"
grep -q '^2026-11-21T10:00:00Z .* 8 samples .* 20261121T100000.000Z.pb.zst$' "$WORK/ls" ||
	fail "store ls: first interval line"
grep -q '^2026-11-21T10:00:30Z .*20261121T100030.000Z.pb.zst  unreadable: ' "$WORK/ls" ||
	fail "store ls: unreadable line"
tail -n 1 "$WORK/ls" | grep -q '^4 intervals, .*, 21 samples, .*; 1 unreadable$' ||
	fail "store ls: totals line"
"$BPFPROF" store ls --store "$STORE" --from 2026-11-21T10:00:15Z --to 2026-11-21T10:00:25Z \
	>"$WORK/ls" || fail "store ls with a window"
[ "$(head -n 1 "$WORK/ls" | awk '{ print $1 }')" = 2026-11-21T10:00:10Z ] ||
	fail "store ls --from: the interval holding FROM comes first"
[ "$(wc -l <"$WORK/ls")" = 3 ] || fail "store ls --from/--to: want 2 intervals"
ok "store ls"

# The whole store: every readable interval merged; the corrupt one skipped with a warning.
"$BPFPROF" flamegraph --store "$STORE" -o "$WORK/all.folded" 2>"$WORK/err" ||
	fail "flamegraph --store: $(cat "$WORK/err")"
grep -q 'skipped 20261121T100030.000Z.pb.zst' "$WORK/err" || fail "no warning for the corrupt file"
[ "$(sum "$WORK/all.folded" "")" = 21 ] || fail "whole store: $(cat "$WORK/all.folded")"
[ "$(grep -c '^app;main;a ' "$WORK/all.folded")" = 1 ] || fail "equal stacks not merged"
[ "$(sum "$WORK/all.folded" 'app;main;a ')" = 7 ] || fail "app;main;a should be 7"
ok "whole store"

# A window within the second interval (untimed samples: kept by overlap).
"$BPFPROF" flamegraph --store "$STORE" --from 2026-11-21T10:00:12Z --to 2026-11-21T10:00:13Z \
	-o "$WORK/w.folded" 2>/dev/null || fail "window"
[ "$(sum "$WORK/w.folded" "")" = 9 ] || fail "window: $(cat "$WORK/w.folded")"
"$BPFPROF" flamegraph --store "$STORE" --from 1795255212 --to 1795255213 -o "$WORK/u.folded" \
	2>/dev/null || fail "unix-seconds window"
cmp -s "$WORK/w.folded" "$WORK/u.folded" || fail "unix seconds and RFC 3339 differ"
"$BPFPROF" flamegraph --store "$STORE" --comm db -o "$WORK/db.folded" 2>/dev/null || fail "--comm"
[ "$(sum "$WORK/db.folded" "")" = 7 ] && [ "$(sum "$WORK/db.folded" 'db;')" = 7 ] ||
	fail "--comm db: $(cat "$WORK/db.folded")"
"$BPFPROF" flamegraph --store "$STORE" --to 2026-11-21T10:00:10Z -o "$WORK/w.svg" 2>/dev/null ||
	fail "svg output"
grep -q '<title>all (8 samples' "$WORK/w.svg" || fail "svg of the first interval"
"$BPFPROF" flamegraph --store "$STORE" --to 2026-11-21T10:00:10Z -o "$WORK/w.pb.gz" 2>/dev/null ||
	fail "pprof output"
"$BPFPROF" convert "$WORK/w.pb.gz" -o - | grep -q '^app;main;a 5$' || fail "pprof output content"
ok "windows and filters"

# Failures: one line, the documented exit status.
expect 1 "empty window" "no samples between 2026-11-21T09:00:00Z and 2026-11-21T09:30:00Z; the store holds 2026-11-21T10:00:00Z \.\. " \
	"$BPFPROF" flamegraph --store "$STORE" --from 2026-11-21T09:00:00Z --to 2026-11-21T09:30:00Z -o "$WORK/x.svg"
[ -e "$WORK/x.svg" ] && fail "empty window: an output was written"
expect 1 "window still to come" "no samples since .* \(a time still to come\); the store holds" \
	"$BPFPROF" flamegraph --store "$STORE" --from +1h -o "$WORK/x.svg"
expect 1 "missing store" "no store at" "$BPFPROF" flamegraph --store "$WORK/nope" -o "$WORK/x.svg"
expect 1 "missing store (ls)" "no store at" "$BPFPROF" store ls --store "$WORK/nope"
expect 2 "bad time" "^bpfprof flamegraph: 'yesterday' is not a time" \
	"$BPFPROF" flamegraph --store "$STORE" --from yesterday -o "$WORK/x.svg"
expect 2 "reversed window" "must come before" \
	"$BPFPROF" flamegraph --store "$STORE" --from -1h --to -2h -o "$WORK/x.svg"
expect 2 "window without a store" "give --store DIR" "$BPFPROF" flamegraph --from -1h in.folded -o x.svg
expect 2 "store and inputs" "not both" "$BPFPROF" flamegraph --store "$STORE" in.folded -o x.svg
expect 2 "bad pid list" "PID\[,PID...\]" "$BPFPROF" flamegraph --store "$STORE" -p 1,x -o x.svg
expect 2 "store without subcommand" "^bpfprof store: " "$BPFPROF" store
expect 2 "store unknown subcommand" "unknown subcommand 'rm'" "$BPFPROF" store rm
expect 2 "store ls without --store" "--store DIR" "$BPFPROF" store ls
expect 2 "store ls bad time" "is not a time" "$BPFPROF" store ls --store "$STORE" --to never

"$BPFPROF" --help | grep -q '^  store' || fail "--help does not list store"
"$BPFPROF" store --help | grep -q 'store ls --store DIR' || fail "store --help"
"$BPFPROF" flamegraph --help | grep -q 'second starts in \[FROM, TO)' ||
	fail "flamegraph --help does not state the window rule"
ok "errors and help"
