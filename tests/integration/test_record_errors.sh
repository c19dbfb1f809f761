#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad input: a clear one-line error and the documented exit status, never a crash.
. "$(dirname "$0")/lib.sh"

expect() { # CODE DESCRIPTION PATTERN CMD...
	local want=$1 what=$2 pattern=$3 code
	shift 3
	"$@" >"$WORK/out" 2>"$WORK/err"
	code=$?
	[ "$code" = "$want" ] || fail "$what: exit $code, want $want ($(head -n 1 "$WORK/err"))"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "$what: want one line on stderr, got: $(cat "$WORK/err")"
	grep -Eq "$pattern" "$WORK/err" || fail "$what: '$(cat "$WORK/err")' does not match '$pattern'"
	echo "ok  $what: $(cat "$WORK/err")"
}

expect 2 "frequency 0" "frequency.*from 1" "$BPFPROF" record -F 0
expect 2 "frequency not a number" "frequency.*'fast'" "$BPFPROF" record -F fast
expect 2 "frequency too high" "frequency.*100000" "$BPFPROF" record -F 1000000
expect 2 "negative duration" "duration.*'-3'" "$BPFPROF" record -d -3
expect 2 "duration with junk" "duration.*'5x'" "$BPFPROF" record -d 5x
expect 2 "bad pid list" "pid.*'12,,3'" "$BPFPROF" record -p 12,,3
expect 2 "bad cpu list" "cpu.*'3-1'" "$BPFPROF" record -C 3-1
expect 2 "unknown option" "unknown option '--no-such-option'" "$BPFPROF" record --no-such-option
expect 2 "missing value" "needs a value" "$BPFPROF" record -o
expect 2 "unknown format" "cannot tell the format" "$BPFPROF" record -o out.unknown
expect 2 "unknown subcommand" "unknown command 'frobnicate'" "$BPFPROF" frobnicate
expect 2 "both filters" "exclude each other" "$BPFPROF" record --user-only --kernel-only
"$BPFPROF" --help | grep -q '^  record' || fail "--help does not list record"
"$BPFPROF" record --help | grep -q -- '--duration' || fail "record --help does not list --duration"

[ "$(id -u)" = 0 ] || skip "the remaining checks need root"
expect 1 "no such pid" "no such process: 999999999|pid.*999999999" "$BPFPROF" record -p 999999999 -d 1 -o "$WORK/x.folded"
expect 1 "missing output folder" "cannot write '/nonexistent-dir/x.folded'" "$BPFPROF" record -d 1 -o /nonexistent-dir/x.folded
expect 1 "CPU not online" "CPU 4000 is not online" "$BPFPROF" record -q -C 4000 -d 1 -o "$WORK/x.folded"
expect 1 "missing cgroup" "cannot open cgroup" "$BPFPROF" record -q --cgroup /no/such/cgroup -d 1 -o "$WORK/x.folded"
if command -v setpriv >/dev/null; then
	expect 1 "unprivileged user" "root|CAP_BPF" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$BPFPROF" record -d 1 -o /tmp/bpfprof-nobody.folded
fi
ls "$WORK"/x.folded 2>/dev/null && fail "a failed recording left an output"
ok "bad input rejected cleanly"
