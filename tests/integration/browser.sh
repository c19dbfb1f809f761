# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# What the browser tests share: a scratch folder ($work), where the tests' scripts are
# ($here/browser), and the skip when a part is missing (scripts/deps.sh test installs
# Node.js, Chromium and the npm packages tests/browser/package-lock.json pins). No root.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d /tmp/bpfprof-browser.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $* (scripts/deps.sh test installs it)"; exit 77; }

# need_browser PACKAGE...: skips unless node, Chromium and these npm packages are there.
need_browser() {
	local package
	command -v node >/dev/null || skip "node is not installed"
	[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || skip "chromium is not installed"
	for package in "$@"; do
		[ -d "$here/browser/node_modules/$package" ] || skip "$package is not installed"
	done
}
