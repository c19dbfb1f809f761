#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bpfprof agent uploads every interval to a Pyroscope ingest endpoint (our receiver, which
# reads requests as Pyroscope's handler does): each once, equal to the store's, stored as
# process_cpu, through an outage of the server, with authentication. Intervals refused (401,
# 413, 422) stay in the store and arrive after restarts with the right configuration (a 401
# refuses the credentials, not the interval: it lists nothing and gives up nothing); 429 and
# 5xx answers are retried; SIGTERM sends the last, partial interval. --series-labels chooses
# which sample labels the server makes series of.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "no python3 for the ingest receiver"
need_bpf
TOKEN=tok-$RANDOM-secret

# summary DIR...: "requests accepted 5xx 4xx auth tenant" of DIR/requests.jsonl together.
summary() {
	python3 - "$@" <<'EOF'
import json, os, sys
reqs = [json.loads(l) for d in sys.argv[1:] if os.path.exists(d + "/requests.jsonl")
        for l in open(d + "/requests.jsonl")]
ok = [r for r in reqs if r["status"] == 200]
print(len(reqs), len(ok), sum(r["status"] >= 500 for r in reqs),
      sum(400 <= r["status"] < 500 for r in reqs),
      ",".join(sorted({str(r["auth"]) for r in ok})) or "-",
      ",".join(sorted({str(r["tenant"]) for r in ok})) or "-")
EOF
}

# accepted DIR...: "time_nanos duration_nanos sample_total name" per accepted upload, by time;
# fails unless the server stored each as CPU time of its series, from a raw gzip pprof body.
accepted() {
	python3 - "$@" <<'EOF'
import json, sys
ok = [r for d in sys.argv[1:] for r in map(json.loads, open(d + "/requests.jsonl"))
      if r["status"] == 200]
for r in sorted(ok, key=lambda r: r["time_nanos"]):
    lb = r["labels"]
    if (r["form"], r["gzip"], r["ingested"], lb["__name__"], lb["pyroscope_spy"]) != \
            ("pprof", True, True, "process_cpu", "bpfprof") or \
            "process_cpu:cpu:nanoseconds:cpu:nanoseconds" not in r["profile_types"]:
        sys.exit("not stored as CPU time from a raw gzip pprof: %s" % json.dumps(r))
    print(r["time_nanos"], r["duration_nanos"], r["sample_total"], r["query"]["name"])
EOF
}

# same_as_store STORE ACCEPTED: the accepted uploads (accepted's lines) are the store's
# intervals, once each, in order, with the same samples.
same_as_store() {
	local files=("$1"/*.pb.zst) i=0 t n name f ms want
	[ "$(wc -l <"$2")" = "${#files[@]}" ] || fail "${#files[@]} intervals stored, $(wc -l <"$2") uploads accepted"
	[ "$(cut -d' ' -f1 "$2" | sort -u | wc -l)" = "${#files[@]}" ] || fail "an interval was accepted twice"
	while read -r t _ n name; do
		"$BPFPROF" convert "${files[$i]}" -o "$WORK/stored.folded" || fail "convert ${files[$i]}"
		want=$(total "$WORK/stored.folded")
		[ "$n" = "$want" ] || fail "interval $i: $n samples uploaded, $want stored"
		# The store names an interval by its sequence number and its start, to the ms.
		f=$(basename "${files[$i]}")
		f=${f#*-}
		ms=$(date -u -d "${f:0:4}-${f:4:2}-${f:6:2} ${f:9:2}:${f:11:2}:${f:13:2}.${f:16:3}" +%s%3N)
		[ "$ms" = $((t / 1000000)) ] || fail "upload $i is not the interval of $f"
		i=$((i + 1))
	done <"$2"
}

bg "$(prog callgraph)" 60
CALLGRAPH=$!

# 0. The receiver refuses what Pyroscope refuses: a multipart body with format=pprof (how this
# agent used to upload) is read as one pprof and does not parse; a part without a file name
# is no profile (a 200 that stores nothing).
"$BPFPROF" convert "$(dirname "$0")/../fixtures/pprof_stacks.folded" -o "$WORK/fixture.pb.gz" ||
	fail "convert the fixture"
receiver ingest_receiver.py "$WORK/r0"
python3 - "$PORT" "$WORK/fixture.pb.gz" <<'EOF' || fail "the receiver does not read bodies as the server does"
import sys, urllib.request, urllib.error
port, prof = sys.argv[1], open(sys.argv[2], "rb").read()
def post(query, body, ctype):
    req = urllib.request.Request("http://127.0.0.1:%s/ingest?name=t&%s" % (port, query), body,
                                 {"Content-Type": ctype})
    try:
        return urllib.request.urlopen(req).status
    except urllib.error.HTTPError as e:
        return e.code
def form(disposition):
    return (b"--XyZ\r\nContent-Disposition: form-data; " + disposition +
            b"\r\nContent-Type: application/octet-stream\r\n\r\n" + prof + b"\r\n--XyZ--\r\n")
got = [post("format=pprof", form(b'name="profile"; filename="p.pb.gz"'), "multipart/form-data; boundary=XyZ"),
       post("", form(b'name="profile"; filename="p.pb.gz"'), "multipart/form-data; boundary=XyZ"),
       post("", form(b'name="profile"'), "multipart/form-data; boundary=XyZ"),
       post("format=pprof", prof, "application/octet-stream"),
       post("format=pprof", prof[:-9], "application/octet-stream")]
print("multipart+format=pprof, multipart, part without filename, raw gzip, truncated:", got)
assert got == [422, 200, 200, 200, 422], got
EOF
python3 -c 'import json, sys; r = [json.loads(l) for l in open(sys.argv[1])]; sys.exit(r[2]["ingested"] is not False)' \
	"$WORK/r0/requests.jsonl" || fail "a multipart part without a file name counted as ingested"
stop_receiver
ok "the receiver refuses a multipart body sent with format=pprof, as Pyroscope does"

# 1. Store mode with authentication, an outage and a recovery on the same port.
echo "$TOKEN" >"$WORK/token"
receiver ingest_receiver.py "$WORK/r1" --token "$TOKEN" --tenant team-1 --header "X-Test: yes"
"$BPFPROF" agent -v --interval 1 --store "$WORK/store" --upload "http://127.0.0.1:$PORT" \
	--bearer-token-file "$WORK/token" --tenant team-1 --header "X-Test: yes" \
	--label env=ci 2>"$WORK/agent1.err" &
agent=$!
sleep 3
stop_receiver
sleep 4
receiver ingest_receiver.py "$WORK/r1" --port "$PORT" --token "$TOKEN" --tenant team-1 --header "X-Test: yes"
sleep 6
stop_agent "$agent"
cat "$WORK/agent1.err"
grep -q "failing: .*; retrying with backoff" "$WORK/agent1.err" || fail "the outage was not logged"
grep -q "recovered after" "$WORK/agent1.err" || fail "the recovery was not logged"
grep -q "uploads: [0-9]* done, [0-9]* failed attempts, 0 refused" "$WORK/agent1.err" ||
	fail "no final line of upload counters"
grep -q "$TOKEN" "$WORK/agent1.err" && fail "the log shows the token"

read -r nreq nok n5xx n4xx auth tenant <<<"$(summary "$WORK/r1")"
files=("$WORK"/store/*.pb.zst)
echo "outage: ${#files[@]} intervals stored, $nreq requests, $nok accepted"
[ "$n5xx$n4xx" = 00 ] || fail "unexpected error answers: $n5xx 5xx, $n4xx 4xx"
[ "$auth" = Bearer ] && [ "$tenant" = team-1 ] || fail "authentication: '$auth' '$tenant'"
[ "$(cat "$WORK/store/.upload-cursor")" = "$(basename "${files[-1]}")" ] ||
	fail "the cursor is not the newest interval"
# Once each, in the order stored, with the store's samples: the partial interval SIGTERM
# closed is the newest file, so it arrived too.
accepted "$WORK/r1" >"$WORK/accepted1" || fail "$(cat "$WORK/accepted1")"
same_as_store "$WORK/store" "$WORK/accepted1"
while read -r _ _ _ name; do
	case "$name" in bpfprof"{hostname="*",env=ci}") ;; *) fail "name $name" ;; esac
done <"$WORK/accepted1"
ok "store mode: $nok intervals uploaded once through an outage, equal to the store's"

# 2. Refused intervals stay in the store. Four starts on one store against servers that
# refuse for a wrong token (401), a body limit (413) and a profile size limit (422), then one
# that takes everything: every interval arrives there, once.
S2=$WORK/store2
echo wrong-token >"$WORK/wrong"
# refused_run N TOKEN_FILE ARGS...: 2.5 s of the agent on S2 against a new receiver r2-N.
refused_run() {
	local n=$1 token=$2
	shift 2
	receiver ingest_receiver.py "$WORK/r2-$n" --token "$TOKEN" "$@"
	"$BPFPROF" agent -v --interval 1 --store "$S2" --upload "http://127.0.0.1:$PORT" \
		--bearer-token-file "$token" 2>"$WORK/agent2-$n.err" &
	agent=$!
	sleep 2.5
	stop_agent "$agent"
	stop_receiver
	cat "$WORK/agent2-$n.err"
}
# listed STARTS: how many store intervals the refused list holds with that count.
listed() { grep -c " $1\$" "$S2/.upload-refused"; }

refused_run a "$WORK/wrong"
grep -q "refused: HTTP 401: .*kept in the store, tried again every 5 minutes" "$WORK/agent2-a.err" ||
	fail "the 401 was not logged"
grep -q "not uploaded yet: they stay in the store" "$WORK/agent2-a.err" || fail "no warning at exit"
[ -e "$S2/.upload-refused" ] && fail "intervals refused for the credentials were listed: $(cat "$S2/.upload-refused")"
read -r nreq nok _ n4xx _ _ <<<"$(summary "$WORK/r2-a")"
[ "$nreq" = 1 ] && [ "$n4xx" = 1 ] || fail "401: $nreq requests, $n4xx refused (one, then none for 5 minutes)"

refused_run b "$WORK/token" --body-limit 64
grep -q "refused: HTTP 413" "$WORK/agent2-b.err" || fail "the 413 was not logged"
grep -q "uploads: 0 done, 0 failed attempts, [0-9]* refused ([0-9]* kept for the next start, 0 given up)" \
	"$WORK/agent2-b.err" || fail "the final line does not count the refused intervals"
nab=$(ls "$S2"/*.pb.zst | wc -l)
[ "$(listed 1)" = "$nab" ] || fail "$nab intervals (those of the 401 too), $(listed 1) listed once"

refused_run c "$WORK/token" --max-profile-size 64
grep -q "refused: HTTP 422: .*decompressed size exceeds" "$WORK/agent2-c.err" || fail "the 422 was not logged"
nc=$(($(ls "$S2"/*.pb.zst | wc -l) - nab))
[ "$(listed 2)" = "$nab" ] && [ "$(listed 1)" = "$nc" ] || fail "refusal counts: $(cat "$S2/.upload-refused")"

nlisted=$(wc -l <"$S2/.upload-refused")
refused_run d "$WORK/token"
grep -q "pending, $nlisted of them refused before" "$WORK/agent2-d.err" ||
	fail "the start did not announce the $nlisted refused intervals"
[ -e "$S2/.upload-refused" ] && fail "refused intervals left after all were accepted: $(cat "$S2/.upload-refused")"
accepted "$WORK/r2-a" "$WORK/r2-b" "$WORK/r2-c" "$WORK/r2-d" >"$WORK/accepted2" || fail "$(cat "$WORK/accepted2")"
same_as_store "$S2" "$WORK/accepted2"
read -r nreq nok _ n4xx _ _ <<<"$(summary "$WORK/r2-a" "$WORK/r2-b" "$WORK/r2-c" "$WORK/r2-d")"
echo "refused: $nreq requests over four starts, $n4xx refused (401, 413, 422), $nok accepted"
ok "refused intervals stayed in the store and arrived once the configuration was right"

# memory_run N CODE COUNT: an agent without a store for 2.5 s against a receiver whose
# first COUNT answers are CODE; sets intervals (the agent's count) and the receiver summary.
memory_run() {
	receiver ingest_receiver.py "$WORK/r$1" --fail-first "$3" --fail-status "$2"
	"$BPFPROF" agent -v --interval 1 --no-store --upload "http://127.0.0.1:$PORT" 2>"$WORK/agent$1.err" &
	agent=$!
	sleep 2.5
	stop_agent "$agent"
	stop_receiver
	cat "$WORK/agent$1.err"
	intervals=$(sed -n 's/.*stopped after \([0-9]*\) intervals.*/\1/p' "$WORK/agent$1.err")
	read -r nreq nok n5xx n4xx auth tenant <<<"$(summary "$WORK/r$1")"
}

# 3. Memory mode: 429 (the server's rate limit) twice, then the server takes everything.
memory_run 3 429 2
echo "429: $intervals intervals, $nreq requests, $nok accepted, $n4xx answered 429"
[ "$n4xx" = 2 ] && [ "$nok" = "$intervals" ] && [ "$nreq" = $((intervals + 2)) ] ||
	fail "429s were not retried into one upload per interval"
ok "429 answers are retried"

# 4. Memory mode: a 503 is retried too; a 400 refuses that interval for good (nothing keeps
# it) and the next ones go on.
memory_run 4 503 1
[ "$n5xx" = 1 ] && [ "$nok" = "$intervals" ] || fail "a 503 was not retried"
memory_run 5 400 1
echo "400: $intervals intervals, $nreq requests, $nok accepted, $n4xx refused"
[ "$n4xx" = 1 ] && [ "$nreq" = "$intervals" ] && [ "$nok" = $((intervals - 1)) ] ||
	fail "a 400 was retried, or stopped later uploads"
grep -q "refused: HTTP 400: .*given up (not in the store)" "$WORK/agent5.err" || fail "the refusal was not logged"
grep -q "uploads: [0-9]* done, 0 failed attempts, 1 refused (0 kept for the next start, 1 given up)" \
	"$WORK/agent5.err" || fail "the final line does not count the interval given up"
ok "5xx answers are retried, a 400 without a store is given up"

# series_run N ARGS...: an agent without a store on the callgraph workload, with ARGS, until
# the receiver r6-N has stored an interval of it (60 s at most); then prints "SERIES | DROPPED
# | ROOT" over its accepted uploads: the sample labels made series labels (name=values, the
# workload's pid shown as PID), those the server dropped, and whether the workload's name was
# a root frame.
series_run() {
	local n=$1
	shift
	receiver ingest_receiver.py "$WORK/r6-$n"
	"$BPFPROF" agent -v -F 99 --interval 1 --no-store -p "$CALLGRAPH" \
		--upload "http://127.0.0.1:$PORT" "$@" 2>"$WORK/agent6-$n.err" &
	agent=$!
	for _ in $(seq 600); do
		grep -q '"ingested": true' "$WORK/r6-$n/requests.jsonl" 2>/dev/null && break
		sleep 0.1
	done
	stop_agent "$agent"
	stop_receiver
	python3 - "$WORK/r6-$n/requests.jsonl" "$CALLGRAPH" <<'EOF'
import json, sys
ok = [r for r in map(json.loads, open(sys.argv[1])) if r["status"] == 200 and r["ingested"]]
if not ok:
    sys.exit("no interval stored")
series, dropped, roots = {}, set(), set()
for r in ok:
    for k, v in r["sample_series_labels"].items():
        series.setdefault(k, set()).update(v)
    dropped.update(r["dropped_sample_labels"])
    roots.update(r["root_functions"])
show = lambda v: "PID" if v == sys.argv[2] else v  # noqa: E731
print(" ".join("%s=%s" % (k, ",".join(sorted(map(show, v)))) for k, v in sorted(series.items())),
      "|", " ".join(sorted(dropped)), "|",
      "callgraph root" if "callgraph" in roots else "no callgraph root")
EOF
}

# 6. By default the process name makes series (one per program) and pid, tid and the time
# stay number labels, which the server drops: no series per process or thread. With pid,thread
# those two make series, tid stays a number, and the process name, no series label now, is
# the root frame of every stack. A bad name is a one-line usage error.
fates=$(series_run default) || fail "default: $fates"
echo "default: $fates"
[ "$fates" = "comm=callgraph | pid tid time | no callgraph root" ] || fail "default series labels: $fates"
fates=$(series_run chosen --series-labels pid,thread) || fail "pid,thread: $fates"
echo "pid,thread: $fates"
[ "$fates" = "pid=PID thread=callgraph | tid time | callgraph root" ] ||
	fail "--series-labels pid,thread: $fates"
"$BPFPROF" agent --series-labels comm,bogus --no-store >"$WORK/bad.out" 2>"$WORK/bad.err"
rc=$?
cat "$WORK/bad.err"
[ "$rc" = 2 ] && [ "$(wc -l <"$WORK/bad.err")" = 1 ] && [ ! -s "$WORK/bad.out" ] &&
	grep -q "'bogus' is not one of pid, tid, comm, thread" "$WORK/bad.err" ||
	fail "a bad --series-labels name: exit $rc, $(cat "$WORK/bad.err")"
ok "--series-labels: comm makes series by default; pid,thread as chosen, comm then the root frame"
