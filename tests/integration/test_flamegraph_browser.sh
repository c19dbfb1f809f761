#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A flame graph in a real browser: Debian's Chromium driven by playwright-core (npm).
# Needs no root. Leaves the screenshot at $TEST_OUTPUT_DIR/flamegraph.png when set.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/bpfprof-browser.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

command -v node >/dev/null || { echo "SKIP: node is not installed"; exit 77; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "SKIP: chromium is not installed"; exit 77; }
if [ ! -d "$here/browser/node_modules/playwright-core" ]; then
	(cd "$here/browser" && npm ci --no-audit --no-fund --silent) || fail "npm ci failed in tests/browser"
fi

printf '%s\n' "app;main;spin;heavy;heavy_leaf 75" "app;main;spin;light;light_leaf 25" \
	"app;main;wait;read_[k] 20" >"$work/graph.folded"
"$BPFPROF" flamegraph "$work/graph.folded" -o "$work/graph.svg" || fail "flamegraph exited $?"
shot=${TEST_OUTPUT_DIR:-$work}/flamegraph.png
node "$here/browser/flamegraph.test.mjs" "$work/graph.svg" "$shot"
