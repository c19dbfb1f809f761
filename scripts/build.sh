#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Configures and builds bpfprof (Release) in build/ (or $BUILD_DIR). Quiet unless it fails.
# Usage: scripts/build.sh [test]
#   (none)  the profiler; a build configured with the tests serves as it is
#   test    the profiler and the tests (-DBUILD_TESTING=ON)
# CMake keeps what its first configure found: a library, compiler or tool missing then stays
# missing, and the tests that need it stay left out. So a configure is redone, from an empty
# cache, when there is none that succeeded, when Debian packages were installed or removed
# since (dpkg's status file is newer), or when the tests are asked of a build without them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
mode=${1:-run}
case $mode in
run) testing=OFF target=(--target bpfprof) ;;
test) testing=ON target=() ;;
*) echo "usage: scripts/build.sh [test]" >&2; exit 2 ;;
esac
log=$build/build.log
# "run" or "test": what the last successful configure was for; absent after a failed one.
stamp=$build/configured-for
mkdir -p "$build"
configured=$(cat "$stamp" 2>/dev/null || true)

failed() {
	tail -n 40 "$log" >&2
	echo "bpfprof: the build failed (full log: $log)" >&2
	exit 1
}

: >"$log"
if [ ! -f "$build/CMakeCache.txt" ] || [ -z "$configured" ] || [ /var/lib/dpkg/status -nt "$stamp" ] ||
	{ [ "$mode" = test ] && [ "$configured" != test ]; }; then
	rm -f "$stamp" "$build/CMakeCache.txt"
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=$testing >"$log" 2>&1 ||
		failed
	# What it left out, for test.sh's account of skips.
	cp "$log" "$build/configure.log"
	echo "$mode" >"$stamp"
fi
cmake --build "$build" "${target[@]}" -j"$(nproc)" >>"$log" 2>&1 || failed
