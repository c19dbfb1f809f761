#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `bpfprof report` in a real browser: Debian's Chromium driven by playwright-core (npm).
# A store of known samples (store_fill), its report, and the views checked against
# `bpfprof flamegraph` of the same windows; also times a large generated page.
# Needs no root. Leaves the screenshot at $TEST_OUTPUT_DIR/report.png when set.
. "$(dirname "$0")/browser.sh"
need_browser playwright-core

export STORE_FILL=$TEST_TOOL_DIR/store_fill
export BPFPROF
shot=${TEST_OUTPUT_DIR:-$work}/report.png
node "$here/browser/report.test.mjs" "$here/.." "$work" "$shot"
