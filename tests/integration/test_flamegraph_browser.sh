#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A flame graph in a real browser: Debian's Chromium driven by playwright-core (npm).
# Needs no root. Leaves the screenshot at $TEST_OUTPUT_DIR/flamegraph.png when set.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bpfprof-browser.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# scripts/deps.sh test installs all three.
skip() { echo "SKIP: $* (scripts/deps.sh test installs it)"; exit 77; }
command -v node >/dev/null || skip "node is not installed"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || skip "chromium is not installed"
[ -d "$here/browser/node_modules/playwright-core" ] || skip "playwright-core is not installed"

printf '%s\n' "app;main;spin;heavy;heavy_leaf 75" "app;main;spin;light;light_leaf 25" \
	"app;main;wait;read_[k] 20" >"$work/graph.folded"
"$BPFPROF" flamegraph "$work/graph.folded" -o "$work/graph.svg" || fail "flamegraph exited $?"
shot=${TEST_OUTPUT_DIR:-$work}/flamegraph.png
node "$here/browser/flamegraph.test.mjs" "$work/graph.svg" "$shot"
