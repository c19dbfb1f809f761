#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs a libFuzzer target briefly, starting from its corpus kept in the source tree
# (tests/fuzz/corpus/NAME) and from seeds made now from the folded files given: with
# PPROF_ROUNDTRIP (a path), gzip and raw protobuf copies from our own pprof writer (raw
# seeds let mutations reach the protobuf decoder instead of dying in gzip's checksum);
# with the word "folded", the folded files themselves.
#
# Then the kept corpus takes, through -merge=1, those of this run's finds that cover
# something it did not: its files stay as they are, so it changes only when coverage grows,
# and the next run starts where this one left off. Past CORPUS_MAX_BYTES, it is minimised
# from scratch: named inputs (a finding kept as a regression, such as
# "count-above-int64-max.folded") always stay; of the rest, named by libFuzzer after their
# SHA-1, only the fewest that keep the coverage. A read-only source tree is used as it is.
# Usage: run_fuzz.sh FUZZER PPROF_ROUNDTRIP|folded SECONDS ARTIFACT_DIR CORPUS_DIR FOLDED...
set -euo pipefail
CORPUS_MAX_BYTES=160000
fuzzer=$1 tool=$2 seconds=$3 artifacts=$4 corpus=$5
shift 5
work=$(mktemp -d /tmp/bpfprof-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seeds" "$work/new" "$work/merged" "$artifacts" "$corpus"

n=0
for folded in "$@"; do
	n=$((n + 1))
	if [ "$tool" = folded ]; then
		cp "$folded" "$work/seeds/seed$n.folded"
		continue
	fi
	"$tool" to-pprof "$folded" "$work/seeds/seed$n.pb.gz" 10101010 1700000000000000000 \
		5000000000
	gzip -dc <"$work/seeds/seed$n.pb.gz" >"$work/seeds/seed$n.pb"
	"$tool" to-pprof "$folded" "$work/seeds/seed$n-noperiod.pb.gz"
	gzip -dc <"$work/seeds/seed$n-noperiod.pb.gz" >"$work/seeds/seed$n-noperiod.pb"
done
echo "corpus: $(ls "$corpus" | wc -l) kept files, $(ls "$work/seeds" | wc -l) seeds"

# Leaks are errors too; a crash leaves its input in ARTIFACT_DIR to be replayed with
# FUZZER FILE. New inputs go to the first folder.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$fuzzer" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 -timeout=20 \
	-artifact_prefix="$artifacts/" -print_final_stats=1 "$work/new" "$corpus" "$work/seeds"

if ! [ -w "$corpus" ]; then
	echo "corpus: $corpus is read-only; this run's finds are not kept"
	exit 0
fi
merge_start=$SECONDS
# merge DEST DIR...: adds to DEST what DIRs cover that DEST does not.
merge() {
	"$fuzzer" -merge=1 -max_len=16384 -rss_limit_mb=2048 -timeout=20 "$@" \
		2>"$work/merge.log" || {
		tail -n 20 "$work/merge.log"
		exit 1
	}
}
merge "$corpus" "$work/new"
bytes() { cat "$1"/* | wc -c; }
if [ "$(bytes "$corpus")" -gt "$CORPUS_MAX_BYTES" ]; then
	sha1_named() { [[ $1 =~ ^[0-9a-f]{40}$ ]]; }
	named=() sha1=()
	for f in "$corpus"/*; do
		if sha1_named "${f##*/}"; then sha1+=("$f"); else named+=("$f"); fi
	done
	[ ${#named[@]} = 0 ] || cp "${named[@]}" "$work/merged/"
	merge "$work/merged" "$corpus"
	# One rm and one cp: hundreds of processes would take longer than the merge.
	rm -f "${sha1[@]}"
	cp "$work/merged"/* "$corpus/"
	echo "corpus: minimised, past $CORPUS_MAX_BYTES bytes"
fi
echo "corpus: $(ls "$corpus" | wc -l) files, $(bytes "$corpus") bytes kept in $corpus" \
	"(merged in $((SECONDS - merge_start)) s)"
