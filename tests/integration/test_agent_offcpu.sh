#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bpfprof agent --off-cpu: off-CPU intervals in a store of their own (STORE/off-cpu), a wait
# that outlasts several intervals charged whole to its named stacks (Python frames and the
# kernel's), and both kinds of interval uploaded once each to Pyroscope (ingest_receiver.py:
# off_cpu/nanoseconds, filed under process_cpu as the server does) and over OTLP
# (otlp_receiver.py), the uploads' totals equal to the stores'.
. "$(dirname "$0")/lib.sh"
need_bpf
command -v python3 >/dev/null || skip "no python3 for the workload and the receivers"
S=$WORK/store

receiver ingest_receiver.py "$WORK/pyro"
pyro_port=$PORT
receiver otlp_receiver.py "$WORK/otlp"
otlp_port=$PORT

# The workload spins until told to go, so that the agent sees it leave the CPU: then one
# wait of 3.5 s (four 1 s intervals), a second of spinning, and the end.
cat >"$WORK/waiter.py" <<'PY'
import os, sys, time
def spin_until(path):
    while not os.path.exists(path):
        pass
def long_wait():
    time.sleep(3.5)
def spin(secs):
    end = time.time() + secs
    while time.time() < end:
        pass
spin_until(sys.argv[1])
long_wait()
spin(1)
PY
bg python3 "$WORK/waiter.py" "$WORK/go"
waiter=$!
metrics_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# In the background through bg: a failure stops the agent too.
bg "$BPFPROF" agent --off-cpu --interval 1 -F 99 -p "$waiter" --store "$S" \
	--upload "http://127.0.0.1:$pyro_port" --otlp-endpoint "http://127.0.0.1:$otlp_port" \
	--metrics-addr "127.0.0.1:$metrics_port" --log-file "$WORK/agent.log"
agent=$!
wait_sampling "$agent" || fail "the agent did not start sampling: $(tail -n 3 "$WORK/agent.log")"
sleep 1
touch "$WORK/go"
wait "$waiter" || fail "the workload exited $?"
sleep 1.5
# /metrics: the off-CPU families, valid for promtool, the long wait among the seconds.
curl -sS --max-time 10 -o "$WORK/metrics" "http://127.0.0.1:$metrics_port/metrics" ||
	fail "cannot scrape the agent's metrics"
promtool check metrics <"$WORK/metrics" || fail "promtool refuses the metrics"
off_seconds=$(awk '$1 == "bpfprof_off_cpu_seconds_total" { print $2 }' "$WORK/metrics")
at_least "$off_seconds" 3.4 || fail "bpfprof_off_cpu_seconds_total is '$off_seconds', the wait was 3.5 s"
grep -q '^bpfprof_off_cpu_lost_total{cause="too_long"} 0$' "$WORK/metrics" ||
	fail "off-CPU losses in the metrics: $(grep off_cpu_lost "$WORK/metrics")"
kill -TERM "$agent"
wait "$agent" || fail "agent exited $? after SIGTERM: $(tail -n 3 "$WORK/agent.log")"
grep 'off-cpu:' "$WORK/agent.log" || fail "no off-cpu line in the agent's log"
grep -q 'off-CPU time in off-cpu/' "$WORK/agent.log" || fail "the start line does not say where off-CPU time goes"

# The stores: CPU intervals in STORE, off-CPU ones in STORE/off-cpu.
ls "$S"/*.pb.zst >/dev/null 2>&1 || fail "no CPU intervals stored"
ls "$S"/off-cpu/*.pb.zst >/dev/null 2>&1 || fail "no off-CPU intervals stored"
"$BPFPROF" flamegraph --store "$S/off-cpu" -o "$WORK/off.folded" || fail "flamegraph --store off-cpu exited $?"
"$BPFPROF" flamegraph --store "$S/off-cpu" -o "$WORK/off.svg" || fail "flamegraph --store off-cpu (svg) exited $?"
grep -q 'Off-CPU Time Flame Graph' "$WORK/off.svg" || fail "the stored off-CPU profile does not draw as off-CPU time"
wait_ns=$(awk '/;long_wait_\[p\];.*do_nanosleep_\[k\]/ { s += $NF } END { printf "%.0f", s }' "$WORK/off.folded")
echo "long_wait: $wait_ns ns off the CPU, in named stacks"
near "$wait_ns" 3500000000 350000000 || {
	grep long_wait "$WORK/off.folded" | head -3
	fail "the 3.5 s wait across intervals is charged $wait_ns ns"
}
! grep -q 'lost stack' "$WORK/off.folded" || fail "off-CPU stacks lost: $(grep -c 'lost stack' "$WORK/off.folded")"

cpu_total=$(store_sum "$S")
off_total=$(store_sum "$S/off-cpu")
cpu_files=$(ls "$S"/*.pb.zst | wc -l)
off_files=$(ls "$S"/off-cpu/*.pb.zst | wc -l)

# Pyroscope got every interval of both kinds once, the off-CPU ones as off_cpu nanoseconds.
python3 - "$WORK/pyro/requests.jsonl" "$cpu_files" "$cpu_total" "$off_files" "$off_total" <<'PY' ||
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in reqs if r["status"] == 200]
off = [r for r in ok if r["sample_types"] == ["off_cpu/nanoseconds"]]
cpu = [r for r in ok if "samples/count" in r["sample_types"]]
want = list(map(int, sys.argv[2:]))
got = [len(cpu), sum(r["sample_total"] for r in cpu), len(off), sum(r["sample_total"] for r in off)]
print("pyroscope: cpu %d intervals %d samples; off-cpu %d intervals %d ns; stores %s" % (*got, want))
types = {t for r in off for t in r["profile_types"]}
print("off-CPU profile types:", sorted(types))
assert got == want, "uploads differ from the stores"
assert types == {"process_cpu:off_cpu:nanoseconds:off_cpu:nanoseconds"}, types
PY
	fail "the Pyroscope uploads are not the stores' intervals"

# OTLP got them too: every interval once, the off-CPU ones as off_cpu profiles.
python3 - "$WORK/otlp/requests.jsonl" "$cpu_files" "$off_files" "$off_total" <<'PY' ||
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in reqs if r["status"] == 200]
types = [[p["type"] for p in r["request"]["profiles"]] for r in ok]
off = [r for r, t in zip(ok, types) if t == ["off_cpu/nanoseconds"]]
cpu = len(ok) - len(off)
off_ns = sum(p["sample_count"] for r in off for p in r["request"]["profiles"])
print("otlp: %d cpu and %d off-cpu requests, %d ns off the CPU" % (cpu, len(off), off_ns))
assert [cpu, len(off), off_ns] == list(map(int, sys.argv[2:])), "OTLP requests differ from the stores"
PY
	fail "the OTLP requests are not the stores' intervals"
ok "off-CPU: $off_files intervals, long wait $wait_ns ns across intervals; uploads equal the stores"
