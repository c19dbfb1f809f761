#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# pprof against the reference reader, go tool pprof (Debian's golang-go): our output loads
# with the totals and stacks we wrote, what go tool pprof rewrites reads back to the same
# folded text, and profiles from Go's own runtime/pprof read correctly. No BPF, no network.
. "$(dirname "$0")/lib.sh"

tool="${TEST_TOOL_DIR:-}/pprof_roundtrip"
fixture="$(dirname "$0")/../fixtures/pprof_stacks.folded"
[ -x "$tool" ] || fail "no test tool at '$tool' (TEST_TOOL_DIR: build the tree first)"
command -v go >/dev/null || skip "go is not installed (Debian package golang-go)"

# Nothing may leave the machine or touch the real home: no module proxy, no symbol server,
# caches and pprof's files under $WORK.
export HOME="$WORK/home" GOPATH="$WORK/gopath" GOCACHE="$WORK/gocache"
export PPROF_TMPDIR="$WORK/pprof"
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOTELEMETRY=off GO111MODULE=on
export PPROF_BINARY_PATH="$WORK/none"
mkdir -p "$HOME" "$PPROF_TMPDIR"
go version >/dev/null 2>&1 || skip "go does not run here: $(go version 2>&1 | head -n 1)"

pprof() {
	go tool pprof -symbolize=none "$@" 2>"$WORK/pprof.err" ||
		fail "go tool pprof $*: $(cat "$WORK/pprof.err")"
}
# raw_sum N: the sum of column N of the samples go tool pprof -raw lists on stdin.
raw_sum() {
	awk -v col="$1" '/^Samples:/ { on = 1; next } /^Locations/ { on = 0 }
		on && $1 ~ /^[0-9]+$/ { s += $col } END { printf "%d\n", s }'
}
# top_total FILE SAMPLE_INDEX: the total go tool pprof -top shows.
top_total() { pprof -top -sample_index="$2" "$1" | sed -n 's/.* of \([0-9]*\) total.*/\1/p'; }

# 1. Our output, read by go tool pprof: totals of both sample types, stacks, labels.
period=10101010
"$tool" to-pprof "$fixture" "$WORK/ours.pb.gz" $period 1700000000000000000 5000000000 ||
	fail "cannot write pprof"
want=$(total "$fixture")
# -raw leaves out samples without a single frame ("app 3": a process name only).
grep ';' "$fixture" >"$WORK/framed.folded"
framed=$(total "$WORK/framed.folded")
raw=$(pprof -raw "$WORK/ours.pb.gz")
got=$(raw_sum 1 <<<"$raw")
[ "$got" = "$framed" ] || fail "go tool pprof -raw counts $got samples, want $framed"
got=$(raw_sum 2 <<<"$raw")
[ "$got" = "$((framed * period))" ] ||
	fail "go tool pprof -raw counts $got ns of CPU, want $((framed * period))"
ok "-raw: $framed samples, $got ns of CPU"

top=$(pprof -top -sample_index=samples "$WORK/ours.pb.gz")
grep -q "of $want total" <<<"$top" || fail "-top does not show $want in total: $top"
grep -Eq '^ +40 .* rotl \(inline\)$' <<<"$top" || fail "-top: rotl (inline) not 40 flat: $top"
grep -Eq '^ +0 .* +40 .* hash_update \(inline\)$' <<<"$top" ||
	fail "-top: hash_update (inline) not 40 cumulative: $top"
grep -q 'schön_grüßen' <<<"$top" || fail "-top lost a UTF-8 name"
ok "-top: $(grep -o "accounting for .*" <<<"$top")"

# -traces: leaf first; the inline chain in one location, and the labels.
traces=$(pprof -traces -sample_index=samples "$WORK/ours.pb.gz")
awk '/-----/ { n = 0; next } { line[++n] = $0 }
	/compute$/ && n >= 3 && line[n - 2] ~ /rotl \(inline\)$/ &&
		line[n - 1] ~ /hash_update \(inline\)$/ { found = 1 }
	END { exit !found }' <<<"$traces" ||
	fail "-traces: no rotl <- hash_update <- compute stack: $traces"
grep -Eq 'comm: +app$' <<<"$traces" || fail "-traces: no comm label"
grep -Eq 'root_frame: +inlined$' <<<"$traces" || fail "-traces: no root_frame label"
ok "-traces: inline chain and labels"

# Kernel and JIT frames sit in their pseudo-mappings.
grep -Eq '^[0-9]+: .*\[kernel.kallsyms\]' <<<"$raw" || fail "-raw: no [kernel.kallsyms] mapping"
grep -Eq '^[0-9]+: .*\[jit\]' <<<"$raw" || fail "-raw: no [jit] mapping"

# 2. go tool pprof rewrites the profile (merges, renumbers mappings); it still folds back
# exactly, but for the samples without frames, which Go drops.
pprof -proto "$WORK/ours.pb.gz" >"$WORK/rewritten.pb.gz"
"$tool" to-folded "$WORK/rewritten.pb.gz" "$WORK/rewritten.folded" || fail "cannot read Go's rewrite"
cmp -s "$WORK/framed.folded" "$WORK/rewritten.folded" || fail "folded -> pprof ->" \
	"go tool pprof -proto -> folded differs: $(diff "$WORK/framed.folded" "$WORK/rewritten.folded")"
"$tool" to-folded "$WORK/ours.pb.gz" "$WORK/back.folded" || fail "cannot read our own pprof"
cmp -s "$fixture" "$WORK/back.folded" || fail "folded -> pprof -> folded differs"
ok "folded -> pprof -> folded, directly and through go tool pprof -proto: identical"

# 3. Profiles from Go's runtime/pprof: a CPU profile and a heap profile.
mkdir -p "$WORK/goprog"
cat >"$WORK/goprog/main.go" <<'EOF'
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"time"
)

var sink []byte

//go:noinline
func burn(until time.Time) uint64 {
	x := uint64(1)
	for time.Now().Before(until) {
		for i := 0; i < 100000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

//go:noinline
func allocate() {
	for i := 0; i < 1000; i++ {
		sink = make([]byte, 4096)
	}
}

func main() {
	runtime.MemProfileRate = 1
	cpu, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		panic(err)
	}
	burn(time.Now().Add(1500 * time.Millisecond))
	pprof.StopCPUProfile()
	cpu.Close()

	allocate()
	runtime.GC()
	heap, err := os.Create(os.Args[2])
	if err != nil {
		panic(err)
	}
	if err := pprof.WriteHeapProfile(heap); err != nil {
		panic(err)
	}
	heap.Close()
}
EOF
(cd "$WORK/goprog" && go run main.go "$WORK/go-cpu.pb.gz" "$WORK/go-heap.pb.gz") \
	>"$WORK/go.log" 2>&1 || fail "the Go program failed: $(tail -n 5 "$WORK/go.log")"

"$tool" to-folded "$WORK/go-cpu.pb.gz" "$WORK/go-cpu.folded" || fail "cannot read Go's CPU profile"
want=$(top_total "$WORK/go-cpu.pb.gz" samples)
got=$(total "$WORK/go-cpu.folded")
[ -n "$want" ] && [ "$got" = "$want" ] ||
	fail "Go CPU profile: $got samples read, go tool pprof says ${want:-nothing}"
at_least "$got" 10 || fail "Go CPU profile: only $got samples in 1.5 s of burning"
# No comm label from Go: the samples are named after the binary, "main" for go run.
burning=$(awk '/main\.burn/ { s += $NF } END { print s + 0 }' "$WORK/go-cpu.folded")
at_least "$burning" $((got / 2)) ||
	fail "Go CPU profile: main.burn in $burning of $got samples: $(head -n 5 "$WORK/go-cpu.folded")"
grep -q '^main;.*runtime\.main;main\.main;main\.burn' "$WORK/go-cpu.folded" ||
	fail "Go CPU profile: no main;runtime.main;main.main;main.burn: $(head -n 5 "$WORK/go-cpu.folded")"
ok "Go CPU profile: $got samples, $burning in main.burn"

"$tool" to-folded "$WORK/go-heap.pb.gz" "$WORK/go-heap.folded" || fail "cannot read Go's heap profile"
# Heap profiles have no samples/count: the first value, alloc_objects.
want=$(top_total "$WORK/go-heap.pb.gz" alloc_objects)
got=$(total "$WORK/go-heap.folded")
[ -n "$want" ] && [ "$got" = "$want" ] ||
	fail "Go heap profile: $got objects read, go tool pprof says ${want:-nothing}"
grep -q 'main\.allocate' "$WORK/go-heap.folded" || fail "Go heap profile: no main.allocate"
ok "Go heap profile: $got allocations"

# And our rewrite of Go's profile loads in go tool pprof with the same total.
"$tool" to-pprof "$WORK/go-cpu.folded" "$WORK/go-cpu-again.pb.gz" || fail "cannot rewrite Go's profile"
again=$(top_total "$WORK/go-cpu-again.pb.gz" samples)
[ "$again" = "$(total "$WORK/go-cpu.folded")" ] ||
	fail "Go's profile via folded and our pprof: total $again"
ok "all pprof checks passed"
