#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs what is missing (build and test), builds, and runs every test with ctest; then
# lists every test or part of one that skipped, and every test the configure left out.
# Unit tests need no root; BPF tests run as root and skip with a reason otherwise.
# With CI set (as .ci/run does), any skip fails the run unless its reason is "not root" or
# "no BPF": a test that skips for want of a tool hides that scripts/deps.sh misses it.
# Usage: scripts/test.sh [CTEST ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
"$root/scripts/deps.sh" test
# The Debian 13 root whose CPython 3.13 the Python tests profile (made once, as root).
[ "$(id -u)" != 0 ] || "$root/scripts/python-root.sh"
"$root/scripts/build.sh" test
cd "$build"
rc=0
ctest --output-on-failure --timeout 600 "$@" 2>&1 | tee ctest.log || rc=$?

# Skip notes: ctest's skips (exit 77, "SKIP: why"), cmocka's ([  SKIPPED  ] after the test's
# "skipping: why"), parts of tests ("... part skipped"), a ctest skip that gave no reason, and
# what the configure left out ("not built", "left out").
notes=$(awk '/^[0-9]+\/[0-9]+ Test: / { t = $3 } /^\[ RUN +\] / { why = "" }
	/^SKIP: |part skipped$|^skipp(ing|ed): / { why = $0; print t ": " $0 }
	/^\[ +SKIPPED +\] [A-Za-z0-9_]+$/ { print t ": " $0 (why == "" ? "" : " (" why ")") }' \
	Testing/Temporary/LastTest.log 2>/dev/null | sort -u)
skips=$(
	[ -z "$notes" ] || echo "$notes"
	sed -nE 's/^[[:space:]]+[0-9]+ - ([^ ]+) \(Skipped\)$/\1/p' ctest.log | while read -r t; do
		grep -qF "$t: SKIP: " <<<"$notes" || echo "$t: skipped without a reason"
	done
	grep -E 'not built|left out' configure.log 2>/dev/null | sed -E 's/^(-- )?/configure: /' || true
)
if [ -n "$skips" ]; then
	echo "skipped:"
	sed 's/^/  /' <<<"$skips"
fi
# Only these two reasons are the machine's, not the suite's: no privileges, no BPF here.
others=$(grep -Ev 'not root|needs? root|no BPF' <<<"$skips" || true)
if [ "$rc" = 0 ] && [ -n "$others" ] && [ -n "${CI:-}" ]; then
	echo "bpfprof: $(wc -l <<<"$others") skips for reasons other than \"not root\" or \"no BPF\";" \
		"CI fails on them (scripts/deps.sh test should install what they lack)" >&2
	rc=1
fi
exit "$rc"
