#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A flame graph in a real browser: Debian's Chromium driven by playwright-core (npm).
# Needs no root. Leaves the screenshot at $TEST_OUTPUT_DIR/flamegraph.png when set.
. "$(dirname "$0")/browser.sh"
need_browser playwright-core

printf '%s\n' "app;main;spin;heavy;heavy_leaf 75" "app;main;spin;light;light_leaf 25" \
	"app;main;wait;read_[k] 20" >"$work/graph.folded"
"$BPFPROF" flamegraph "$work/graph.folded" -o "$work/graph.svg" || fail "flamegraph exited $?"
shot=${TEST_OUTPUT_DIR:-$work}/flamegraph.png
node "$here/browser/flamegraph.test.mjs" "$work/graph.svg" "$shot"
