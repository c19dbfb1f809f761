#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bpfprof agent --otlp-endpoint exports every interval as an OTLP profiles request to our
# stand-in for the OpenTelemetry Collector's OTLP/HTTP receiver (tools/otlp_receiver.py, which
# answers as the collector's code does and decodes each request with protoc and our .proto
# files): each interval once, holding the same samples, stacks and labels as the store's
# pprof of it, beside a Pyroscope upload of the same intervals, through an outage of the
# receiver and a restart of the agent (each target with its own cursor), with 503 retried,
# 500 given up and 404 keeping the intervals, and with the store's disk full.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "no python3 for the receivers"
command -v protoc >/dev/null || fail "no protoc (Debian's protobuf-compiler: scripts/deps.sh test)"
need_bpf
# wait_for WHAT CMD...: polls CMD for up to 60 s.
wait_for() {
	local what=$1
	shift
	for _ in $(seq 300); do "$@" && return 0; sleep 0.2; done
	fail "timed out waiting for $what"
}

# accepted_count DIR: requests the receiver accepted.
accepted_count() { grep -c '"status": 200' "$1/requests.jsonl" 2>/dev/null || echo 0; }
at_least() { [ "$(accepted_count "$1")" -ge "$2" ]; }

# check_otlp STORE DIR...: every request the receivers DIR... accepted is one of STORE's
# intervals, none twice, and holds exactly its pprof's samples (count and CPU time, stack,
# pid, tid, comm, thread, second) and the resource and scope wanted. Prints "N M": requests
# accepted, and intervals of STORE none of them carried.
check_otlp() {
	local store=$1 f
	shift
	for f in "$store"/*.pb.zst; do
		"$BPFPROF" convert "$f" -o "$WORK/conv.pb.gz" || fail "convert $f"
		python3 "$TOOLS/profile_text.py" pprof "$WORK/conv.pb.gz" >"$WORK/canon-$(basename "$f").json" ||
			fail "decode the pprof of $f"
	done
	python3 - "$store" "$WORK" "$@" <<'EOF'
import glob, json, os, sys
def die(msg):
    print(msg)
    sys.exit(1)
store, work, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
pprofs = {}
for f in sorted(glob.glob(store + "/*.pb.zst")):
    p = json.load(open(os.path.join(work, "canon-%s.json" % os.path.basename(f))))
    pprofs[p["time_nanos"]] = p
reqs = [r for d in dirs for r in map(json.loads, open(d + "/requests.jsonl")) if r["status"] == 200]
seen = set()
for r in reqs:
    q = r["request"]
    if q["scopes"] != ["bpfprof"] or q["resource"].get("service.name") != "bpfprof" or \
            not q["resource"].get("host.name") or q["resource"].get("env") != "ci":
        die("resource or scope: %s %s" % (q["resource"], q["scopes"]))
    types = [p["type"] for p in q["profiles"]]
    if types != ["samples/count", "cpu/nanoseconds"]:
        die("sample types %s" % types)
    t = q["profiles"][0]["time_nanos"]
    if t in seen:
        die("the interval of %d arrived twice" % t)
    seen.add(t)
    if t not in pprofs:
        continue  # not in the store (a full disk): checked by the caller
    want = pprofs[t]
    for prof in q["profiles"]:
        if (prof["period_type"], prof["period"], prof["duration_nanos"]) != \
                ("cpu/nanoseconds", want["period"], want["duration_nanos"]):
            die("period or duration of %d: %s" % (t, prof))
        if prof["samples"] != want["samples"][prof["type"]]:
            a, b = prof["samples"], want["samples"][prof["type"]]
            diff = sorted(set(a.items()) ^ set(b.items()))[:3]
            die("%s of %d differs from the pprof's (%d vs %d keys): %s" % (prof["type"], t, len(a), len(b), diff))
print(len(reqs), len(set(pprofs) - seen))
EOF
}

bg "$(prog callgraph)" 120

# 0. The receiver answers as the collector's handler does.
receiver otlp_receiver.py "$WORK/r0"
python3 - "$PORT" <<'EOF' || fail "the receiver does not answer as the collector does"
import gzip, sys, urllib.request, urllib.error
port = sys.argv[1]
def post(path, body, headers, method="POST"):
    req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), body, headers, method=method)
    try:
        return urllib.request.urlopen(req).status
    except urllib.error.HTTPError as e:
        return e.code
pb = {"Content-Type": "application/x-protobuf"}
got = [post("/v1development/profiles", b"", pb),
       post("/v1development/profiles", gzip.compress(b""), dict(pb, **{"Content-Encoding": "gzip"})),
       post("/v1development/profiles", b"", {"Content-Type": "text/plain"}),
       post("/v1development/profiles", b"", pb, method="PUT"),
       post("/v1/profiles", b"", pb),
       post("/v1development/profiles", b"not gzip", dict(pb, **{"Content-Encoding": "gzip"})),
       post("/v1development/profiles", b"", dict(pb, **{"Content-Encoding": "br"})),
       post("/v1development/profiles", b"\xff\xff", pb)]
print("empty, empty gzip, text/plain, PUT, other path, bad gzip, br, garbage:", got)
assert got == [200, 200, 415, 405, 404, 400, 400, 400], got
EOF
stop_pid "$RECV"
ok "the receiver answers as the collector's OTLP/HTTP handler does"

# 1. Both targets at once on one store, with an outage of the OTLP receiver.
S=$WORK/store
receiver ingest_receiver.py "$WORK/pyro"
PYRO=$RECV
PYRO_PORT=$PORT
receiver otlp_receiver.py "$WORK/r1"
OTLP_PORT=$PORT
"$BPFPROF" agent -v --interval 1 --store "$S" --upload "http://127.0.0.1:$PYRO_PORT" \
	--otlp-endpoint "http://127.0.0.1:$OTLP_PORT" --label env=ci 2>"$WORK/agent1.err" &
agent=$!
wait_for "a first OTLP upload" at_least "$WORK/r1" 1
stop_pid "$RECV"
wait_for "the outage to be logged" grep -q "upload to http://127.0.0.1:$OTLP_PORT/v1development/profiles failing" "$WORK/agent1.err"
sleep 3
receiver otlp_receiver.py "$WORK/r1" --port "$OTLP_PORT"
wait_for "the recovery" grep -q "uploads to http://127.0.0.1:$OTLP_PORT/v1development/profiles recovered" "$WORK/agent1.err"
sleep 2
stop_agent "$agent"
stop_pid "$RECV"
stop_pid "$PYRO"
cat "$WORK/agent1.err"
grep -q "OTLP uploads: [0-9]* done, [0-9]* failed attempts, 0 refused .* 0 pending" "$WORK/agent1.err" ||
	fail "no final line of OTLP upload counters, or intervals left"
files=("$S"/*.pb.zst)
[ "$(cat "$S/.upload-cursor-otlp")" = "$(basename "${files[-1]}")" ] || fail "the OTLP cursor is not the newest interval"
[ "$(cat "$S/.upload-cursor")" = "$(basename "${files[-1]}")" ] || fail "the Pyroscope cursor is not the newest interval"
out=$(check_otlp "$S" "$WORK/r1") || fail "OTLP check: $out"
read -r nreq missing <<<"$out"
[ "$nreq" = "${#files[@]}" ] && [ "$missing" = 0 ] ||
	fail "${#files[@]} intervals stored, $nreq OTLP requests accepted, $missing intervals missing"
npyro=$(python3 -c 'import json,sys; print(sum(json.loads(l)["status"] == 200 for l in open(sys.argv[1])))' "$WORK/pyro/requests.jsonl")
[ "$npyro" = "${#files[@]}" ] || fail "${#files[@]} intervals stored, $npyro Pyroscope uploads accepted"
ok "${#files[@]} intervals exported once each through an outage, equal to the store's pprof, beside $npyro Pyroscope uploads"

# 2. A restart on the same store: only the new intervals go, from the OTLP cursor.
receiver otlp_receiver.py "$WORK/r2"
"$BPFPROF" agent -v --interval 1 --store "$S" --otlp-endpoint "http://127.0.0.1:$PORT" \
	--label env=ci 2>"$WORK/agent2.err" &
agent=$!
wait_for "uploads after the restart" at_least "$WORK/r2" 2
stop_agent "$agent"
stop_pid "$RECV"
files=("$S"/*.pb.zst)
out=$(check_otlp "$S" "$WORK/r1" "$WORK/r2") || fail "OTLP check: $out"
read -r nreq missing <<<"$out"
[ "$nreq" = "${#files[@]}" ] && [ "$missing" = 0 ] ||
	fail "after the restart: ${#files[@]} intervals stored, $nreq requests accepted, $missing missing"
# The Pyroscope target was not given: its cursor stays where it was, its intervals pending.
[ "$(cat "$S/.upload-cursor")" != "$(basename "${files[-1]}")" ] || fail "the Pyroscope cursor moved without its target"
ok "after a restart, $((nreq)) intervals exported in all, none twice"

# otlp_memory_run N STATUS COUNT: an agent without a store for 3 intervals against a
# receiver whose pipeline fails the first COUNT requests with STATUS.
otlp_memory_run() {
	receiver otlp_receiver.py "$WORK/m$1" --fail-first "$3" --fail-status "$2"
	"$BPFPROF" agent -v --interval 1 --no-store --otlp-endpoint "http://127.0.0.1:$PORT" \
		--label env=ci 2>"$WORK/agent-m$1.err" &
	agent=$!
	wait_for "a first request" test -s "$WORK/m$1/requests.jsonl"
	sleep 3
	stop_agent "$agent"
	stop_pid "$RECV"
	cat "$WORK/agent-m$1.err"
	intervals=$(sed -n 's/.*stopped after \([0-9]*\) intervals.*/\1/p' "$WORK/agent-m$1.err")
	nok=$(accepted_count "$WORK/m$1")
	nfail=$(grep -c "\"status\": $2" "$WORK/m$1/requests.jsonl")
}

# 3. 503 (the pipeline's temporary failure) is retried; 500 (a permanent one) given up.
otlp_memory_run 3 503 2
echo "503: $intervals intervals, $nok accepted, $nfail answered 503"
[ "$nfail" = 2 ] && [ "$nok" = "$intervals" ] || fail "503s were not retried into one upload per interval"
otlp_memory_run 4 500 1
echo "500: $intervals intervals, $nok accepted, $nfail answered 500"
[ "$nfail" = 1 ] && [ "$nok" = $((intervals - 1)) ] || fail "a 500 was retried, or stopped later uploads"
grep -q "refused: HTTP 500: .*given up (not in the store)" "$WORK/agent-m4.err" || fail "the 500 was not logged"
ok "503 answers are retried, a 500 is given up"

# 4. A path that takes no profiles (404) refuses the client, not the intervals: they stay in
# the store, listed nowhere, and go at the next start to the right URL.
S4=$WORK/store4
receiver otlp_receiver.py "$WORK/r4"
"$BPFPROF" agent -v --interval 1 --store "$S4" --otlp-endpoint "http://127.0.0.1:$PORT/wrong" \
	--label env=ci 2>"$WORK/agent4a.err" &
agent=$!
wait_for "the 404" grep -q "refused: HTTP 404" "$WORK/agent4a.err"
stop_agent "$agent"
[ -e "$S4/.upload-refused-otlp" ] && fail "intervals refused by a 404 were listed"
"$BPFPROF" agent -v --interval 1 --store "$S4" --otlp-endpoint "http://127.0.0.1:$PORT" \
	--label env=ci 2>"$WORK/agent4b.err" &
agent=$!
wait_for "uploads to the right URL" at_least "$WORK/r4" 3
stop_agent "$agent"
stop_pid "$RECV"
files=("$S4"/*.pb.zst)
out=$(check_otlp "$S4" "$WORK/r4") || fail "OTLP check: $out"
read -r nreq missing <<<"$out"
[ "$missing" = 0 ] && [ "$nreq" = "${#files[@]}" ] || fail "404: ${#files[@]} stored, $nreq accepted, $missing missing"
ok "intervals met by a 404 stayed pending and arrived at the right URL"

# 5. A full disk: intervals the store cannot take go from memory; nothing is lost or doubled.
S5=$WORK/store5
mkdir -p "$S5"
mount -t tmpfs -o size=64k,mode=0750 tmpfs "$S5" 2>"$WORK/mount.err" || fail "cannot mount a tmpfs: $(cat "$WORK/mount.err")"
trap 'kill "${agent:-}" 2>/dev/null; wait; umount "$S5" 2>/dev/null; cleanup' EXIT
receiver otlp_receiver.py "$WORK/r5"
"$BPFPROF" agent -v --interval 1 -F 499 --store "$S5" --store-max-size 0 \
	--otlp-endpoint "http://127.0.0.1:$PORT" --label env=ci 2>"$WORK/agent5.err" &
agent=$!
wait_for "a full disk" grep -q "cannot write to the store" "$WORK/agent5.err"
sleep 3
stop_agent "$agent"
stop_pid "$RECV"
intervals=$(sed -n 's/.*stopped after \([0-9]*\) intervals.*/\1/p' "$WORK/agent5.err")
not_stored=$(sed -n 's/.* \([0-9]*\) intervals not stored.*/\1/p' "$WORK/agent5.err")
files=("$S5"/*.pb.zst)
out=$(check_otlp "$S5" "$WORK/r5") || fail "OTLP check: $out"
read -r nreq missing <<<"$out"
echo "full disk: $intervals intervals, ${#files[@]} stored, $not_stored not stored, $nreq exported"
[ "$not_stored" -gt 0 ] || fail "the disk never filled"
[ "$missing" = 0 ] && [ "$nreq" = "$intervals" ] || fail "full disk: $intervals intervals, $nreq exported, $missing stored ones missing"
ok "with the store's disk full, every interval was exported once"
