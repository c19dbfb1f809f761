#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Configures and builds bpfprof (Release) in build/ (or $BUILD_DIR). Quiet unless it fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
log=$build/build.log
mkdir -p "$build"
if ! { [ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release; } >"$log" 2>&1 ||
	! cmake --build "$build" -j"$(nproc)" >>"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "bpfprof: the build failed (full log: $log)" >&2
	exit 1
fi
