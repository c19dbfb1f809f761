#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bpfprof agent uploads every interval to a Pyroscope ingest endpoint (our receiver): each
# once, equal to the store's, through an outage of the server, with authentication; 5xx
# answers are retried, 4xx ones are not; SIGTERM sends the last, partial interval.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "no python3 for the ingest receiver"
need_bpf
RECEIVER=$(cd "$(dirname "$0")/../tools" && pwd)/ingest_receiver.py
TOKEN=tok-$RANDOM-secret

# receiver DIR [ARGS...]: starts the receiver on DIR; its pid in $RECV, its port in $PORT.
receiver() {
	local dir=$1
	shift
	mkdir -p "$dir"
	rm -f "$dir/port"
	bg python3 "$RECEIVER" "$dir" "$@"
	RECV=$!
	for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.05; done
	[ -s "$dir/port" ] || fail "the receiver did not start"
	PORT=$(cat "$dir/port")
}

# stop_agent PID: SIGTERM, then the agent must exit 0 within 10 s.
stop_agent() {
	kill -TERM "$1"
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$1" 2>/dev/null && { kill -9 "$1"; fail "the agent did not stop within 10 s"; }
	wait "$1" || fail "the agent exited $? after SIGTERM"
}

# summary DIR: "requests accepted failed(5xx) rejected(4xx) auth tenant" of DIR/requests.jsonl.
summary() {
	python3 - "$1/requests.jsonl" <<'EOF'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in reqs if r["status"] == 200]
print(len(reqs), len(ok), sum(r["status"] >= 500 for r in reqs),
      sum(400 <= r["status"] < 500 for r in reqs),
      ",".join(sorted({str(r["auth"]) for r in ok})) or "-",
      ",".join(sorted({str(r["tenant"]) for r in ok})) or "-")
EOF
}

# accepted DIR: "time_nanos duration_nanos sample_total name" per accepted upload, by time.
accepted() {
	python3 - "$1/requests.jsonl" <<'EOF'
import json, sys
ok = [json.loads(l) for l in open(sys.argv[1])]
for r in sorted((r for r in ok if r["status"] == 200), key=lambda r: r["time_nanos"]):
	print(r["time_nanos"], r["duration_nanos"], r["sample_total"], r["query"]["name"])
EOF
}

bg "$(prog callgraph)" 60

# 1. Store mode with authentication, an outage and a recovery on the same port.
echo "$TOKEN" >"$WORK/token"
receiver "$WORK/r1" --token "$TOKEN" --tenant team-1 --header "X-Test: yes"
"$BPFPROF" agent -v --interval 1 --store "$WORK/store" --upload "http://127.0.0.1:$PORT" \
	--bearer-token-file "$WORK/token" --tenant team-1 --header "X-Test: yes" \
	--label env=ci 2>"$WORK/agent1.err" &
agent=$!
sleep 3
kill "$RECV"
wait "$RECV" 2>/dev/null
sleep 4
receiver "$WORK/r1" --port "$PORT" --token "$TOKEN" --tenant team-1 --header "X-Test: yes"
sleep 6
stop_agent "$agent"
cat "$WORK/agent1.err"
grep -q "failing: .*; retrying with backoff" "$WORK/agent1.err" || fail "the outage was not logged"
grep -q "recovered after" "$WORK/agent1.err" || fail "the recovery was not logged"
grep -q "$TOKEN" "$WORK/agent1.err" && fail "the log shows the token"

read -r nreq nok n5xx n4xx auth tenant <<<"$(summary "$WORK/r1")"
files=("$WORK"/store/*.pb.zst)
echo "outage: ${#files[@]} intervals stored, $nreq requests, $nok accepted"
[ "$nok" = "${#files[@]}" ] || fail "${#files[@]} intervals stored but $nok uploaded"
[ "$n5xx$n4xx" = 00 ] || fail "unexpected error answers: $n5xx 5xx, $n4xx 4xx"
[ "$auth" = Bearer ] && [ "$tenant" = team-1 ] || fail "authentication: '$auth' '$tenant'"
[ "$(cat "$WORK/store/.upload-cursor")" = "$(basename "${files[-1]}")" ] ||
	fail "the cursor is not the newest interval"
# Once each, in the order stored, with the store's samples: the partial interval SIGTERM
# closed is the newest file, so it arrived too.
accepted "$WORK/r1" >"$WORK/accepted1"
[ "$(cut -d' ' -f1 "$WORK/accepted1" | sort -u | wc -l)" = "$nok" ] || fail "an interval sent twice"
i=0
while read -r t _ n name; do
	"$BPFPROF" convert "${files[$i]}" -o "$WORK/stored.folded" || fail "convert ${files[$i]}"
	want=$(total "$WORK/stored.folded")
	[ "$n" = "$want" ] || fail "interval $i: $n samples uploaded, $want stored"
	case "$name" in *"{hostname="*",env=ci}") ;; *) fail "name $name" ;; esac
	# The store names an interval by its start, to the millisecond.
	f=$(basename "${files[$i]}")
	ms=$(date -u -d "${f:0:4}-${f:4:2}-${f:6:2} ${f:9:2}:${f:11:2}:${f:13:2}.${f:16:3}" +%s%3N)
	[ "$ms" = $((t / 1000000)) ] || fail "upload $i is not the interval of $f"
	i=$((i + 1))
done <"$WORK/accepted1"
ok "store mode: $nok intervals uploaded once through an outage, equal to the store's"

# memory_run N CODE COUNT: an agent without a store for 3.5 s against a receiver whose
# first COUNT answers are CODE; sets intervals (the agent's count) and the receiver summary.
memory_run() {
	receiver "$WORK/r$1" --fail-first "$3" --fail-status "$2"
	"$BPFPROF" agent -v --interval 1 --no-store --upload "http://127.0.0.1:$PORT" 2>"$WORK/agent$1.err" &
	agent=$!
	sleep 3.5
	stop_agent "$agent"
	cat "$WORK/agent$1.err"
	intervals=$(sed -n 's/.*stopped after \([0-9]*\) intervals.*/\1/p' "$WORK/agent$1.err")
	read -r nreq nok n5xx n4xx auth tenant <<<"$(summary "$WORK/r$1")"
}

# 2. Memory mode: 503 twice, then the server takes everything.
memory_run 2 503 2
echo "5xx: $intervals intervals, $nreq requests, $nok accepted, $n5xx failed"
[ "$n5xx" = 2 ] && [ "$nok" = "$intervals" ] && [ "$nreq" = $((intervals + 2)) ] ||
	fail "503s were not retried into one upload per interval"
ok "5xx answers are retried"

# 3. Memory mode: a 400 rejects that interval for good; the next ones go on.
memory_run 3 400 1
echo "4xx: $intervals intervals, $nreq requests, $nok accepted, $n4xx rejected"
[ "$n4xx" = 1 ] && [ "$nreq" = "$intervals" ] && [ "$nok" = $((intervals - 1)) ] ||
	fail "a 400 was retried, or stopped later uploads"
grep -q "refused: HTTP 400" "$WORK/agent3.err" || fail "the rejection was not logged"
ok "4xx answers are not retried"
