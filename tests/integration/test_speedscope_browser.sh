#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# speedscope files in the real speedscope: its npm package's built app in Debian's Chromium,
# driven by playwright-core (npm). Needs no root. Leaves the screenshot at
# $TEST_OUTPUT_DIR/speedscope.png when set.
. "$(dirname "$0")/browser.sh"
need_browser playwright-core speedscope

# Two processes; the busiest is not the first (speedscope must open it from
# activeProfileIndex); a kernel frame, recursion, a merged stack, and names speedscope must
# show as they are: quotes, a backslash, markup, a byte that is not UTF-8 (U+FFFD).
printf '%s\n' "zapp;main;spin;heavy;heavy_leaf 75" "zapp;main;spin;light;light_leaf 25" \
	"zapp;main;wait;read_[k] 20" "zapp;main;spin;heavy;heavy_leaf 5" \
	'aux;q"uo\te <b>&amp'$'\xff''x;leaf 3' "aux;walk;walk;walk;leaf 2" >"$work/small.folded"
"$BPFPROF" convert "$work/small.folded" -o "$work/small.speedscope.json" ||
	fail "convert exited $?"

# 20000 distinct stacks in three processes, 12 to 19 frames deep.
awk 'BEGIN {
	for (i = 0; i < 20000; i++) {
		line = "proc" i % 3 ";main"
		for (d = 0; d < 10 + i % 8; d++)
			line = line ";mod" (i + d) % 50 "_fn" (i * 7 + d) % 997
		print line ";leaf" i " " 1 + i % 13
	}
}' >"$work/big.folded"
"$BPFPROF" flamegraph "$work/big.folded" -o "$work/big.speedscope.json" ||
	fail "flamegraph exited $?"

shot=${TEST_OUTPUT_DIR:-$work}/speedscope.png
node "$here/browser/speedscope.test.mjs" "$work/small.folded" "$work/small.speedscope.json" \
	"$work/big.folded" "$work/big.speedscope.json" "$shot"
