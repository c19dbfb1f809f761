#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs a libFuzzer target briefly over a seed corpus made now from the folded files given:
# with PPROF_ROUNDTRIP (a path), gzip and raw protobuf copies from our own pprof writer
# (raw seeds let mutations reach the protobuf decoder instead of dying in gzip's checksum);
# with the word "folded", the folded files themselves.
# Usage: run_fuzz.sh FUZZER PPROF_ROUNDTRIP|folded SECONDS ARTIFACT_DIR FOLDED...
set -euo pipefail
fuzzer=$1 tool=$2 seconds=$3 artifacts=$4
shift 4
work=$(mktemp -d /tmp/bpfprof-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$artifacts"

n=0
for folded in "$@"; do
	n=$((n + 1))
	if [ "$tool" = folded ]; then
		cp "$folded" "$work/corpus/seed$n.folded"
		continue
	fi
	"$tool" to-pprof "$folded" "$work/corpus/seed$n.pb.gz" 10101010 1700000000000000000 \
		5000000000
	gzip -dc <"$work/corpus/seed$n.pb.gz" >"$work/corpus/seed$n.pb"
	"$tool" to-pprof "$folded" "$work/corpus/seed$n-noperiod.pb.gz"
	gzip -dc <"$work/corpus/seed$n-noperiod.pb.gz" >"$work/corpus/seed$n-noperiod.pb"
done
echo "seed corpus: $(ls "$work/corpus" | wc -l) files"

# Leaks are errors too; a crash leaves its input in ARTIFACT_DIR to be replayed with
# FUZZER FILE.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$fuzzer" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 -timeout=20 \
	-artifact_prefix="$artifacts/" -print_final_stats=1 "$work/corpus"
