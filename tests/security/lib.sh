# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Helpers for the security tests, on top of the integration tests' (WORK, fail, skip, ok,
# need_bpf, bg, prog...). Environment (set by ctest): BPFPROF, TEST_PROGRAM_DIR, TEST_TOOL_DIR.
# shellcheck source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

# The unprivileged user the tests play the attacker as.
ATTACKER=nobody

# need_root WHAT: skips unless root (the tests play root's agent against a user).
need_root() {
	[ "$(id -u)" = 0 ] || skip "not root: $1"
}

# as_attacker CMD...: runs CMD as $ATTACKER, with a shell and a home in $WORK. In the
# background, run "${AS_ATTACKER[@]}" CMD... & instead: $! is then CMD's own pid (a function
# run in the background is a subshell of its own, and killing it leaves CMD running).
AS_ATTACKER=(setpriv --reuid="$ATTACKER" --regid=nogroup --clear-groups --reset-env --)
as_attacker() {
	"${AS_ATTACKER[@]}" "$@"
}
