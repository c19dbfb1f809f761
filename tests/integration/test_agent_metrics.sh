#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bpfprof agent --metrics-addr: /metrics in Prometheus' text format, as promtool checks it;
# its figures move as the agent samples and stores; a real Prometheus server scrapes it
# (up == 1, the agent's series queryable); 404 and 405 elsewhere; a port in use or a bad
# address fail at start with one line.
. "$(dirname "$0")/lib.sh"
need_bpf
command -v promtool >/dev/null && command -v prometheus >/dev/null ||
	fail "no promtool or prometheus: run scripts/deps.sh test"

# free_port: a TCP port nobody listens on now (Debian's prometheus service may hold 9090).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# metric FILE NAME: the value of the unlabelled sample NAME in a scraped page.
metric() { awk -v n="$2" '$1 == n { print $2 }' "$1"; }
scrape() { curl -sS --max-time 10 -o "$2" "http://127.0.0.1:$1/metrics"; }

AGENT_PORT=$(free_port)
bg "$(prog callgraph)" 120
"$BPFPROF" agent --interval 1 --store "$WORK/store" --metrics-addr "127.0.0.1:$AGENT_PORT" \
	--log-file "$WORK/agent.log" &
agent=$!
BG_PIDS+=("$agent")

# The first interval stored (loading the BPF program takes seconds on a busy machine).
stored=0
for _ in $(seq 240); do
	kill -0 "$agent" 2>/dev/null || fail "the agent exited: $(tail -n 3 "$WORK/agent.log")"
	if scrape "$AGENT_PORT" "$WORK/m1" 2>/dev/null; then
		stored=$(metric "$WORK/m1" bpfprof_intervals_stored_total)
		[ "${stored:-0}" -ge 1 ] && break
	fi
	sleep 0.25
done
[ "${stored:-0}" -ge 1 ] || fail "no interval stored after 60 s: $(tail -n 3 "$WORK/agent.log")"
promtool check metrics <"$WORK/m1" >"$WORK/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(head -n 5 "$WORK/promtool.out")"
ok "promtool accepts the page ($(grep -vc '^#' "$WORK/m1") samples)"

# Every family the README lists, with its HELP and TYPE.
for family in bpfprof_samples_total:counter bpfprof_samples_kept_total:counter \
	bpfprof_samples_lost_total:counter bpfprof_user_stacks_total:counter \
	bpfprof_bpf_map_memory_bytes:gauge bpfprof_symbolizer_cache_entries:gauge \
	bpfprof_symbolizer_cache_bytes:gauge bpfprof_intervals_total:counter \
	bpfprof_intervals_stored_total:counter bpfprof_intervals_uploaded_total:counter \
	bpfprof_upload_errors_total:counter bpfprof_uploads_refused_total:counter \
	bpfprof_upload_pending_intervals:gauge bpfprof_store_size_bytes:gauge \
	bpfprof_store_intervals:gauge process_cpu_seconds_total:counter \
	process_resident_memory_bytes:gauge process_start_time_seconds:gauge; do
	name=${family%:*}
	grep -q "^# HELP $name " "$WORK/m1" || fail "no HELP line for $name"
	grep -qx "# TYPE $name ${family#*:}" "$WORK/m1" || fail "$name is not a ${family#*:}"
done
grep -q '^bpfprof_samples_lost_total{cause="counts_map_full"} ' "$WORK/m1" ||
	fail "no loss by cause counts_map_full"
grep -q '^bpfprof_user_stacks_total{reason="complete"} ' "$WORK/m1" ||
	fail "no user stacks by reason complete"
grep -q '^bpfprof_bpf_map_memory_bytes{map="counts0"} [1-9]' "$WORK/m1" ||
	fail "no memory for the BPF map counts0"
ok "every family has its HELP and TYPE"

# The figures against what the process and the store say.
rss=$(metric "$WORK/m1" process_resident_memory_bytes)
[ "${rss:-0}" -gt $((1 << 20)) ] || fail "resident memory $rss"
start=$(metric "$WORK/m1" process_start_time_seconds)
awk -v s="$start" -v now="$(date +%s)" 'BEGIN { exit !(s > now - 600 && s <= now + 1) }' ||
	fail "start time $start, now $(date +%s)"
files=$(ls "$WORK/store" | grep -c '\.pb\.zst$')
store=$(metric "$WORK/m1" bpfprof_store_intervals)
[ "$store" -ge 1 ] && [ "$store" -le "$files" ] || fail "store intervals $store, files now $files"

# Values move: more samples and more intervals stored.
samples1=$(metric "$WORK/m1" bpfprof_samples_total)
for _ in $(seq 120); do
	sleep 0.5
	scrape "$AGENT_PORT" "$WORK/m2" || fail "a scrape failed"
	[ "$(metric "$WORK/m2" bpfprof_intervals_stored_total)" -gt "$stored" ] &&
		[ "$(metric "$WORK/m2" bpfprof_samples_total)" -gt "$samples1" ] && break
done
samples2=$(metric "$WORK/m2" bpfprof_samples_total)
stored2=$(metric "$WORK/m2" bpfprof_intervals_stored_total)
[ "$samples2" -gt "$samples1" ] || fail "samples did not increase: $samples1 then $samples2"
[ "$stored2" -gt "$stored" ] || fail "intervals stored did not increase: $stored then $stored2"
kept=$(metric "$WORK/m2" bpfprof_samples_kept_total)
[ "$kept" -ge 1 ] && [ "$kept" -le "$samples2" ] || fail "samples kept $kept of $samples2 taken"
ok "samples $samples1 -> $samples2, intervals stored $stored -> $stored2, $kept kept"

# The headers Prometheus wants, and nothing but /metrics.
curl -sS -D "$WORK/headers" -o /dev/null "http://127.0.0.1:$AGENT_PORT/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/headers" ||
	fail "content type: $(grep -i content-type "$WORK/headers")"
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AGENT_PORT/")
[ "$code" = 404 ] || fail "GET / answered $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AGENT_PORT/metrics/x")
[ "$code" = 404 ] || fail "GET /metrics/x answered $code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -d x "http://127.0.0.1:$AGENT_PORT/metrics")
[ "$code" = 405 ] || fail "POST /metrics answered $code"
ok "404 and 405 beside GET /metrics"

# A port in use: one line, and an exit before any sampling.
"$BPFPROF" agent --no-store --metrics-addr "127.0.0.1:$AGENT_PORT" >"$WORK/busy.out" 2>&1
status=$?
[ "$status" = 1 ] || fail "an agent on a port in use exited $status"
[ "$(wc -l <"$WORK/busy.out")" = 1 ] && grep -q "127.0.0.1:$AGENT_PORT: Address already in use" "$WORK/busy.out" ||
	fail "port in use: $(cat "$WORK/busy.out")"
"$BPFPROF" agent --no-store --metrics-addr 127.0.0.1 >"$WORK/bad.out" 2>&1
status=$?
[ "$status" = 2 ] && grep -q -- '--metrics-addr' "$WORK/bad.out" ||
	fail "a bad address: exit $status, $(cat "$WORK/bad.out")"
ok "port in use: $(cat "$WORK/busy.out")"

# A real Prometheus scrapes the agent: its own ports, storage and configuration, so that
# the package's service (on 9090 where it runs) neither helps nor hinders.
PROM_PORT=$(free_port)
cat >"$WORK/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: bpfprof
    static_configs:
      - targets: ['127.0.0.1:$AGENT_PORT']
YAML
promtool check config "$WORK/prometheus.yml" >/dev/null || fail "promtool check config"
bg prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn 2>"$WORK/prometheus.log"
prom=$!
# query EXPR: the first value of Prometheus' answer to EXPR, or nothing.
query() {
	curl -sS --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
		python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}
up= samples=
for _ in $(seq 120); do
	kill -0 "$prom" 2>/dev/null || fail "prometheus exited: $(tail -n 3 "$WORK/prometheus.log")"
	up=$(query 'up{job="bpfprof"}')
	samples=$(query 'bpfprof_samples_total{job="bpfprof"}')
	[ "$up" = 1 ] && [ -n "$samples" ] && break
	sleep 0.5
done
[ "$up" = 1 ] || fail "Prometheus: up{job=\"bpfprof\"} is '$up' after 60 s: $(tail -n 3 "$WORK/prometheus.log")"
[ -n "$samples" ] && [ "${samples%.*}" -ge "$samples1" ] ||
	fail "Prometheus: bpfprof_samples_total '$samples'"
lost=$(query 'sum(bpfprof_samples_lost_total{job="bpfprof"})')
[ -n "$lost" ] || fail "Prometheus has no bpfprof_samples_lost_total"
ok "Prometheus scraped the agent: up 1, bpfprof_samples_total $samples"

kill -TERM "$agent"
wait "$agent" || fail "the agent exited $? after SIGTERM"
ok "agent metrics"
