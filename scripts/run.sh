#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs what the profiler needs that is missing (not the tests' tools), builds it (not the
# tests: scripts/build.sh), and runs bpfprof with the given arguments.
# Example: scripts/run.sh record -d 10 -o host.folded
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh" build
"$root/scripts/build.sh"
exec "${BUILD_DIR:-$root/build}/bpfprof" "$@"
