#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Checks C sources against the house style in .clang-format, changing nothing: prints each
# file clang-format would change and exits 1 when there is one, 0 when there is none.
# Usage: scripts/check-format.sh [FILE...]
#   (none)  every tracked *.c, *.h and *.cpp under profiler/ symbolizer/ output/ bpf/ tests/,
#           but the generated bpf/vmlinux/
# clang-format 14 (Debian's clang-format-14, which scripts/deps.sh test installs): other
# versions lay some code out otherwise. `clang-format-14 -i FILE` formats a file in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ] || ! "$cf" --version | grep -q 'version 14\.'; then
	echo "check-format: needs clang-format 14 (package clang-format-14)" >&2
	exit 2
fi

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(git -C "$root" ls-files -- 'profiler/*.[ch]' 'symbolizer/*.[ch]' \
		'output/*.[ch]' 'bpf/*.[ch]' 'tests/*.[ch]' 'tests/*.cpp' ':!bpf/vmlinux/*' |
		sed "s|^|$root/|")
fi

differ=0
for f in "${files[@]}"; do
	[ -f "$f" ] || { echo "check-format: no file $f" >&2; exit 2; }
	# The project's style whatever folder FILE is in.
	if ! "$cf" --style="file:$root/.clang-format" --dry-run -Werror "$f" >/dev/null 2>&1; then
		echo "${f#"$root"/}"
		differ=$((differ + 1))
	fi
done
if [ "$differ" -gt 0 ]; then
	echo "check-format: $differ of ${#files[@]} files differ from .clang-format" >&2
	exit 1
fi
