#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: `bpfprof symbolize --elf` against eu-addr2line -f -i, addr2line -f -i and
# llvm-symbolizer on the same 100,000 addresses drawn from .text, in the same run: a C
# program generated and compiled with -O2 -g here (thousands of functions, inline helpers),
# then libc with its separate debug file (Debian's libc6-dbg, found by build id).
# Prints wall time, addresses per second, peak RSS and bpfprof's agreement with each tool.
# Run by hand after a build: scripts/bench/symbolize.sh [ADDRESSES] [FUNCTIONS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
bpfprof=${BPFPROF:-$build/bpfprof}
addresses=${1:-100000}
functions=${2:-4000}

[ -x "$bpfprof" ] || { echo "bench-symbolize: build first (scripts/build.sh) or set BPFPROF" >&2; exit 1; }
for t in python3 gcc readelf eu-addr2line addr2line; do
	command -v "$t" >/dev/null ||
		{ echo "bench-symbolize: $t is missing (scripts/deps.sh test installs it)" >&2; exit 1; }
done
command -v llvm-symbolizer-14 >/dev/null || command -v llvm-symbolizer >/dev/null ||
	echo "bench-symbolize: llvm-symbolizer is missing (package llvm-14): left out" >&2

libc=$(ldd /bin/true | awk '/libc\.so/ { print $3 }')
extra=()
if [ -n "$libc" ]; then
	id=$(readelf -n "$libc" | awk '/Build ID/ { print $3 }')
	if [ -n "$id" ] && [ -f "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" ]; then
		extra=(--binary "$libc")
	else
		echo "bench-symbolize: no debug file for $libc (package libc6-dbg): libc left out" >&2
	fi
fi

echo "bpfprof: $bpfprof; $(nproc) CPUs; $(uname -r)"
exec python3 "$root/scripts/bench/symbolize_bench.py" --bpfprof "$bpfprof" --addresses "$addresses" \
	--functions "$functions" "${extra[@]}"
