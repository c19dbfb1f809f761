#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A local user against a root bpfprof: while the agent (with its store) and a whole-host
# record run as root, an unprivileged user runs threads with hostile names, JIT code whose
# perf maps are flooded (64 KiB names, control characters, invalid UTF-8, markup) or made a
# sparse 10 GiB file, maps a file with a lying ELF header executable and swaps its path for a
# FIFO, and plants symlinks and a FIFO where root writes outputs. Then: nothing outside the
# store and the outputs changed, bpfprof's memory stayed within the unit's budget, every
# output is well-formed (folded, pprof, SVG through an XML parser) and holds no byte of a
# file the user pointed at, and the user's processes were still profiled.
. "$(dirname "$0")/lib.sh"
need_bpf
command -v python3 >/dev/null || fail "python3 is missing (scripts/deps.sh test installs it)"

# The user's own folder and a world-writable sticky one (as /tmp), both inside WORK.
chmod 755 "$WORK"
A=$WORK/attacker PUB=$WORK/public OUT=$WORK/out S=$WORK/store
mkdir -p "$A" "$PUB" "$OUT"
chmod 1777 "$PUB"
cp "$(prog jit_fixture)" "$(dirname "$0")/attacker.py" "$A/"
chown -R "$ATTACKER" "$A"

# Root's files the user must not be able to reach: a secret whose bytes must appear in no
# output, and a file to overwrite.
SECRET="secret-$RANDOM$RANDOM-do-not-leak"
printf '7f0000000000 1000 %s\n' "$SECRET" >"$WORK/secret"
echo "root's data" >"$WORK/victim"
chmod 600 "$WORK/secret" "$WORK/victim"
victim_sum=$(sha256sum <"$WORK/victim")

# attacker_bg OUTFILE CMD...: CMD as the user in the background, its pid in $!, after it
# printed "ready" (or "end", jit_fixture's) to OUTFILE.
attacker_bg() {
	local out=$1 i
	shift
	"${AS_ATTACKER[@]}" "$@" >"$out" 2>&1 &
	BG_PIDS+=($!)
	for i in $(seq 100); do
		grep -qx 'ready\|end' "$out" && return 0
		kill -0 "${BG_PIDS[-1]}" 2>/dev/null || fail "the user's $* exited: $(head -c 300 "$out")"
		sleep 0.1
	done
	fail "the user's $* never got ready"
}

# The user's processes, before root starts profiling.
attacker_bg "$A/names.out" python3 "$A/attacker.py" names 120
names_pid=${BG_PIDS[-1]}
attacker_bg "$A/mapped.out" python3 "$A/attacker.py" mapped "$A" 120
attacker_bg "$A/jit1.out" "$A/jit_fixture" spin 120
jit1=$(pgrep -u "$ATTACKER" -f "$A/jit_fixture spin" | head -n 1)
attacker_bg "$A/jit2.out" "$A/jit_fixture" spin 120
jit2=$(pgrep -u "$ATTACKER" -f "$A/jit_fixture spin" | grep -vx "$jit1" | head -n 1)
[ -n "$jit1" ] && [ -n "$jit2" ] || fail "cannot find the user's JIT processes"
# Killed at the end, the user's processes leave their perf maps (one of 10 GiB) behind.
trap 'cleanup; rm -f "/tmp/perf-$names_pid.map" "/tmp/perf-$jit1.map" "/tmp/perf-$jit2.map"' EXIT
as_attacker python3 "$A/attacker.py" flood "$jit1" $((64 << 20)) >/dev/null ||
	fail "flooding the perf map failed"
as_attacker python3 "$A/attacker.py" sparse "$jit2" 10 >/dev/null ||
	fail "making the perf map sparse failed"
# The user's links to root's files: their own perf map name for a process of theirs that
# has none yet, and outputs root will write in the public folder.
as_attacker ln -s "$WORK/secret" "/tmp/perf-$names_pid.map"
as_attacker ln -s "$WORK/victim" "$PUB/host.folded"
as_attacker ln -s "$WORK/victim" "$PUB/host.svg"
as_attacker mkfifo "$PUB/host.pb.gz"

# Root: the agent with its store, and a whole-host recording into every format.
"$BPFPROF" agent --interval 1 -F 199 --store "$S" --log-file "$WORK/agent.log" &
agent=$!
wait_sampling "$agent" || fail "the agent did not start sampling: $(tail -n 3 "$WORK/agent.log")"
"$BPFPROF" record -d 4 -F 199 -o "$OUT/host.folded" -o "$OUT/host.pb.gz" -o "$OUT/host.svg" \
	2>"$WORK/record.err" || fail "record exited $?: $(tail -n 3 "$WORK/record.err")"

failed=0
problem() {
	echo "  $*"
	failed=1
}

# public_output ARGS...: bpfprof ARGS, writing into the public folder, where the user planted
# links and a FIFO: each output is refused in one line or written as a new file of root's,
# never through the user's link, and nothing waits on the FIFO.
public_output() {
	local code err
	timeout 60 "$BPFPROF" "$@" 2>"$WORK/pub.err"
	code=$?
	err=$(cat "$WORK/pub.err")
	[ "$code" != 124 ] || problem "an output into the public folder hung: $*"
	[ "$code" = 0 ] || [ "$(wc -l <"$WORK/pub.err")" -le 1 ] ||
		problem "a refused output says more than one line: $err"
	echo "public folder output ${*: -1}: exit $code${err:+: $err}"
}
public_output convert "$OUT/host.folded" -o "$PUB/host.folded"
public_output flamegraph "$OUT/host.folded" -o "$PUB/host.svg"
public_output convert "$OUT/host.folded" -o "$PUB/host.pb.gz"
sleep 2
hwm=$(awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$agent/status")
kill -TERM "$agent"
wait "$agent" || fail "the agent exited $? on SIGTERM: $(tail -n 3 "$WORK/agent.log")"
"$BPFPROF" flamegraph --store "$S" -o "$OUT/store.svg" 2>"$WORK/store.err" ||
	fail "flamegraph --store exited $?: $(tail -n 2 "$WORK/store.err")"

# Nothing of root's changed or leaked.
[ "$(sha256sum <"$WORK/victim")" = "$victim_sum" ] || problem "root's file was overwritten"
for f in "$PUB"/host.*; do
	[ -L "$f" ] && continue
	[ -p "$f" ] && continue
	[ "$(stat -c %u "$f")" = 0 ] || problem "$f is not root's"
done
if grep -rqa "$SECRET" "$OUT" "$PUB" "$S" "$WORK/agent.log" "$WORK/record.err"; then
	problem "the secret file's contents reached an output"
fi

# Memory: the agent's unit allows 256 MiB, of which the BPF maps take about 80.
echo "agent peak RSS: ${hwm} MiB"
[ "${hwm:-999}" -le 160 ] || problem "the agent's peak RSS ${hwm} MiB is over 160 MiB"

# Every output well-formed.
python3 - "$OUT/host.folded" "$OUT/host.svg" "$OUT/store.svg" <<'EOF' || failed=1
import re, sys, xml.etree.ElementTree as ET
folded, *svgs = sys.argv[1:]
bad = 0
for n, raw in enumerate(open(folded, "rb"), 1):
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        print(f"  folded line {n} is not UTF-8: {raw[:80]!r}"); bad = 1; break
    if not re.fullmatch(r"[^\x00-\x1f\x7f]+ [0-9]+\n", line):
        print(f"  folded line {n} is malformed: {raw[:80]!r}"); bad = 1; break
for svg in svgs:
    try:
        ET.parse(svg)
    except Exception as e:
        print(f"  {svg} is not well-formed XML: {e}"); bad = 1
sys.exit(bad)
EOF
"$BPFPROF" convert "$OUT/host.pb.gz" -o "$WORK/from_pprof.folded" 2>"$WORK/conv.err" ||
	problem "the pprof output does not read back: $(head -n 1 "$WORK/conv.err")"
for f in "$S"/*.pb.zst; do
	"$BPFPROF" convert "$f" -o - >/dev/null 2>"$WORK/conv.err" ||
		problem "store interval $f does not read back: $(head -n 1 "$WORK/conv.err")"
done

# The user's processes were profiled, under whatever names the outputs give them.
n=$(awk '/(libpython|_PyEval|PyEval)/ { s += $NF } END { print s + 0 }' "$OUT/host.folded")
echo "samples in the user's Python threads: $n"
at_least "$n" 20 || problem "the user's hostile-named threads were barely sampled ($n)"
n=$(total "$OUT/host.folded" jit_fixture)
echo "samples of the user's JIT processes: $n"
at_least "$n" 20 || problem "the user's JIT processes were barely sampled ($n)"
grep -E 'perf map|perf-map|dropped|refused' "$WORK/record.err" | head -n 3

[ "$failed" = 0 ] || fail "a local user got through (see above)"
ok "a local user changed nothing of root's, leaked nothing, and every output is well-formed"
