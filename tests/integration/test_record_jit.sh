#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# record, JIT code: frames in anonymous executable memory are named from the process's
# perf map and marked as JIT frames (_[j] in folded output); with node installed, the same
# for V8's own perf map (node --perf-basic-prof).
. "$(dirname "$0")/lib.sh"
need_bpf
[ "$(uname -m)" = x86_64 ] || skip "the JIT fixture generates x86-64 code only"

bg "$(prog jit_fixture)" spin 3600 >/dev/null
wl=$!
sleep 0.5
record_cpu 1 "$wl" -q -p "$wl" -F 199 -o "$WORK/jit.folded" || fail "record -p exited $?"
n=$(total "$WORK/jit.folded" jit_fixture)
jit=$(awk '{ if ($0 ~ /;jit_fixture_hot_loop_\[j\]( |;)/) got += $NF; all += $NF }
	END { printf "%.4f\n", all ? got / all : 0 }' "$WORK/jit.folded")
rooted=$(share "$WORK/jit.folded" jit_fixture "main;jit_fixture_hot_loop")
echo "samples $n; in JIT code marked _[j]: $jit; main;jit_fixture_hot_loop: $rooted"
at_least "$n" 100 || fail "too few samples: $n"
at_least "$jit" 0.8 || fail "JIT frames not named from the perf map: $jit"
# The JIT loop is a leaf without a frame of its own: its caller's return address is on
# the stack, not in the frame-pointer chain, so the stack goes from it to main.
at_least "$rooted" 0.8 || fail "JIT frames not under main: $rooted"
ok "JIT frames named and marked in $jit of samples"

# In a container: its own pid namespace (it is pid 1 there) and its own /tmp, so the map is
# /tmp/perf-1.map as it sees it, reachable only through /proc/PID/root.
if command -v unshare >/dev/null && unshare --pid --fork --mount true 2>/dev/null; then
	mkdir "$WORK/ctmp"
	cp "$(prog jit_fixture)" "$WORK/ctmp/jit_fixture"
	bg unshare --pid --fork --kill-child --mount --propagation private sh -c \
		"mount --bind '$WORK/ctmp' /tmp && exec /tmp/jit_fixture spin 3600" >"$WORK/ctr.out"
	ns_parent=$!
	sleep 0.5
	ctr=$(pgrep -P "$ns_parent" | head -n 1)
	[ -n "$ctr" ] || fail "the namespaced JIT fixture did not start"
	# unshare ignores SIGTERM while it waits for its child: the cleanup ends the fixture
	# itself (its handler unlinks the map and exits), and unshare with it.
	BG_PIDS+=("$ctr")
	[ -e "$WORK/ctmp/perf-1.map" ] || fail "the namespaced fixture did not write /tmp/perf-1.map"
	[ -e "/tmp/perf-$ctr.map" ] && fail "/tmp/perf-$ctr.map exists: the check proves nothing"
	addr=$(awk '$1 == "jit" && $4 == "jit_fixture_hot_loop" { print "0x" $2 }' "$WORK/ctr.out")
	got=$("$BPFPROF" symbolize --pid "$ctr" "$addr" 2>/dev/null | head -n 1)
	[ "$got" = jit_fixture_hot_loop ] || fail "JIT code of the namespaced process named '$got'"
	record_cpu 1 "$ctr" -q -p "$ctr" -F 199 -o "$WORK/ctr.folded" ||
		fail "record of the namespaced fixture exited $?"
	cjit=$(awk '{ if ($0 ~ /;jit_fixture_hot_loop_\[j\]( |;)/) got += $NF; all += $NF }
		END { printf "%.4f\n", all ? got / all : 0 }' "$WORK/ctr.folded")
	echo "namespaced (pid 1 in its namespace, $ctr here): JIT frames $cjit"
	at_least "$cjit" 0.8 || fail "JIT frames of the namespaced process not named: $cjit"
	ok "perf map found in the process's own namespaces: $cjit"
else
	echo "cannot create pid and mount namespaces here: container part skipped"
fi

if command -v node >/dev/null; then
	cat >"$WORK/hot.js" <<'EOF'
function hotLoop(n) { let s = 0; for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000003; return s; }
let t = 0;
for (;;) t = (t + hotLoop(1e6)) % 1000003;
EOF
	# It runs until killed below; V8 compiles hotLoop once it has run a while.
	bg node --perf-basic-prof "$WORK/hot.js"
	node_pid=$!
	wait_cpu 1 "$node_pid"
	record_cpu 1 "$node_pid" -q -p "$node_pid" -F 199 -o "$WORK/node.folded"
	rc=$?
	# node leaves its perf map behind.
	kill "$node_pid" 2>/dev/null
	wait "$node_pid" 2>/dev/null
	rm -f "/tmp/perf-$node_pid.map"
	[ $rc -eq 0 ] || fail "record of node exited $rc"
	hot=$(awk '{ if ($0 ~ /hotLoop[^;]*_\[j\]/) got += $NF; all += $NF }
		END { printf "%.4f\n", all ? got / all : 0 }' "$WORK/node.folded")
	echo "node: samples in hotLoop named from V8's perf map: $hot"
	at_least "$hot" 0.5 || fail "V8's JIT frames not named: $hot"
	ok "node --perf-basic-prof: $hot"
else
	echo "node is not installed (scripts/deps.sh test installs it): V8 part skipped"
fi
