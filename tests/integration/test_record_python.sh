#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# record, Python frames: CPython's functions, files and lines spliced into its native stack,
# for Debian 12's python3.11 (this host), Debian 13's python3.13 (the root
# scripts/python-root.sh makes, run with chroot), a program embedding libpython3.11, and a
# script that exits before the recording ends; checked against the call graph the workload
# makes (tests/programs/python/check_chains.py): the Python chain of each sample, where it is
# spliced, the line of its leaf frame, and the pprof mapping of Python frames.
. "$(dirname "$0")/lib.sh"
need_bpf
py_src=$(cd "$(dirname "$0")/../programs/python" && pwd)
pyroot=${PYTHON_ROOT:-/var/cache/bpfprof/trixie-python}
[ -x /usr/bin/python3.11 ] || fail "no /usr/bin/python3.11 (Debian 12's python3.11)"
command -v go >/dev/null || fail "go is not installed (scripts/deps.sh test installs golang-go)"
# go tool pprof reads the lines back; nothing leaves the machine, caches stay under $WORK.
export HOME="$WORK/home" GOPATH="$WORK/gopath" GOCACHE="$WORK/gocache" PPROF_TMPDIR="$WORK/pprof"
export GOPROXY=off GOTOOLCHAIN=local GOTELEMETRY=off PPROF_BINARY_PATH="$WORK/none"
mkdir -p "$HOME" "$PPROF_TMPDIR"

# check NAME COMM [WITH_PYTHON RIGHT_CHAIN UNNAMED]: the recording $WORK/NAME.{folded,pb.gz}
# of callgraph.py under process name COMM ("" for python3.*): enough samples, nearly all with
# Python frames (at least WITH_PYTHON, default 0.98: those before the process is first read
# have none), the right chains spliced after the eval function (at least RIGHT_CHAIN of them,
# default 0.99), the hot line in the leaf, and no more than UNNAMED (default 0.005) of them
# with an unnamed frame (a sample that lands while the interpreter links a new frame may find
# one half made).
check() {
	local name=$1 comm=$2 min=${3:-0.98} chains=${4:-0.99} unnamed=${5:-0.005} out n
	go tool pprof -symbolize=none -raw "$WORK/$name.pb.gz" >"$WORK/$name.raw" 2>"$WORK/pprof.err" ||
		fail "$name: go tool pprof: $(head -n 1 "$WORK/pprof.err")"
	out=$(python3 "$py_src/check_chains.py" ${comm:+--comm "$comm"} "$WORK/$name.folded" \
		"$WORK/$name.raw") || fail "$name: check_chains.py failed"
	echo "$name:" $(grep -v '^wrong' <<<"$out")
	grep '^wrong' <<<"$out" | cut -c1-2000
	get() { awk -v k="$1" '$1 == k { print $2 }' <<<"$out"; }
	n=$(get samples)
	at_least "$n" 100 || fail "$name: too few samples: $n"
	at_least "$(get with_python)" "$min" || fail "$name: samples without Python frames"
	at_least "$(get right_chain)" "$chains" || fail "$name: wrong Python chains"
	at_least "$(get right_line)" 0.95 || fail "$name: wrong lines in leaf frames"
	at_least "$unnamed" "$(awk -v u="$(get unnamed)" -v n="$n" 'BEGIN { print u / n }')" ||
		fail "$name: unnamed Python frames"
	grep -q '\[python\]' "$WORK/$name.raw" || fail "$name: no [python] mapping in pprof"
}

# record_running NAME CMD...: starts CMD (callgraph.py for an hour) and records 2 s of its CPU
# time with -p into $WORK/NAME.folded and $WORK/NAME.pb.gz; its pid stays in $pid.
record_running() {
	local name=$1
	shift
	bg "$@"
	pid=$!
	wait_cpu 0.5 "$pid"
	record_cpu 2 "$pid" -q -p "$pid" -F 199 -o "$WORK/$name.folded" -o "$WORK/$name.pb.gz" ||
		fail "record of $name exited $?"
}

# 1. The host's CPython 3.11, a long-running process recorded with -p.
record_running py311 /usr/bin/python3.11 "$py_src/callgraph.py" 3600
check py311 ""
ok "CPython 3.11: Python frames named, spliced and lined"

# 2. --no-python: the interpreter's native frames only.
record_cpu 1 "$pid" -q -p "$pid" -F 199 --no-python -o "$WORK/native.folded" ||
	fail "record --no-python exited $?"
grep -q '_\[p\]' "$WORK/native.folded" && fail "--no-python still gave Python frames"
at_least "$(total "$WORK/native.folded")" 50 || fail "--no-python: too few samples"
ok "--no-python: native frames only"
kill "$pid"

# 3. Debian 13's CPython 3.13, in its own root.
[ -x "$pyroot/usr/bin/python3.13" ] ||
	fail "no CPython 3.13 root at $pyroot (scripts/test.sh makes it: scripts/python-root.sh)"
script_dir=$(mktemp -d "$pyroot/tmp/bpfprof-test.XXXXXX")
trap 'rm -rf "$script_dir"; cleanup' EXIT
cp "$py_src/callgraph.py" "$script_dir/"
record_running py313 chroot "$pyroot" /usr/bin/python3.13 \
	"${script_dir#"$pyroot"}/callgraph.py" 3600
check py313 ""
kill "$pid"
ok "CPython 3.13: Python frames named, spliced and lined"

# 4. libpython3.11.so embedded in another program.
embed=$(prog python_embed)
[ -x "$embed" ] || fail "no $embed (built with libpython3.11-dev)"
record_running embed "$embed" "$py_src/callgraph.py" 3600
check embed python_embed
kill "$pid"
ok "libpython3.11 embedded: Python frames named, spliced and lined"

# 5. A script that ends before the recording does: its code objects were named while it ran,
# from what the walker read. What is checked here is the names, not the chains: its start-up
# (site.py, imports: chains callgraph.py does not make) and its first milliseconds (before it
# is read: native frames only) weigh more than in a long run (under TCG a fifth of a 2 s
# run's samples: it runs 4 s), and a code object met in its last milliseconds may be
# announced after it exited (a few unnamed).
"$BPFPROF" record -q -F 199 -o "$WORK/short.folded" -o "$WORK/short.pb.gz" -- \
	/usr/bin/python3.11 "$py_src/callgraph.py" 4 || fail "record -- python3.11 exited $?"
check short "" 0.8 0 0.01
ok "a script gone before its samples were named: its Python frames named"

# 6. Deeper than the walk follows (128 frames): the innermost 128 under a marker that says so.
"$BPFPROF" record -F 199 -o "$WORK/deep.folded" -- /usr/bin/python3.11 "$py_src/deep.py" 2 300 \
	2>"$WORK/deep.err" || fail "record of the deep recursion exited $?"
grep -q '^python: .*depth limit' "$WORK/deep.err" || fail "the summary does not count the depth limit"
# Samples taken while the recursion is built or undone are shallower: most are deep.
read -r all marked exact over < <(awk '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); all += n
		k = gsub(/;down_\[p\]/, "", s)
		if (index(s, "_PyEval_EvalFrameDefault;[incomplete: python too deep]_[p]")) {
			marked += n; if (k == 128) exact += n }
		if (k > 128) over += n }
	END { print all + 0, marked + 0, exact + 0, over + 0 }' "$WORK/deep.folded")
echo "deep: $all samples, $marked under the marker, $exact of them with 128 frames of down()," \
	"$over with more"
at_least "$marked" "$((all / 2))" || fail "deep recursion: too few samples under the marker"
[ "$exact" = "$marked" ] && [ "$over" = 0 ] || fail "deep recursion not cut at 128 frames"
ok "deeper than 128 Python frames: the innermost 128, marked"

# 7. The agent: its stored intervals hold the Python frames, and its log the python line.
bg /usr/bin/python3.11 "$py_src/callgraph.py" 3600
pid=$!
"$BPFPROF" agent --interval 1 -F 199 -p "$pid" --store "$WORK/store" --log-file "$WORK/agent.log" &
agent=$!
BG_PIDS+=("$agent")
wait_sampling "$agent"
wait_cpu 2 "$pid"
kill -TERM "$agent"
wait "$agent" || fail "the agent exited $?"
kill "$pid"
"$BPFPROF" flamegraph --store "$WORK/store" -o "$WORK/agent.folded" 2>"$WORK/fg.err" ||
	fail "flamegraph --store: $(head -n 1 "$WORK/fg.err")"
out=$(python3 "$py_src/check_chains.py" "$WORK/agent.folded") || fail "check_chains.py failed"
echo "agent:" $(grep -v '^wrong' <<<"$out")
grep '^wrong' <<<"$out" | cut -c1-2000
at_least "$(awk '$1 == "samples" { print $2 }' <<<"$out")" 100 || fail "agent: too few samples"
at_least "$(awk '$1 == "right_chain" { print $2 }' <<<"$out")" 0.99 || fail "agent: wrong chains"
grep -q 'python: 1 interpreters found' "$WORK/agent.log" || fail "the agent's log has no python line"
ok "agent: Python frames stored and counted"
