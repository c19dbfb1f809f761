#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: the cost of `bpfprof agent` itself on a busy host with process churn
# (scripts/bench/agent_load.sh: a CPU-bound worker per CPU, ~7 short-lived processes a
# second). For each frequency the agent runs SECONDS with --interval 10 and a local store,
# uploading to tests/tools/ingest_receiver.py when python3 can run it; its CPU time
# (/proc/PID/stat utime+stime), VmRSS and VmHWM are read every 10 s. Prints CPU % of one
# CPU (whole life and steady, after the start-up), peak RSS, RSS flatness, churn, intervals
# and samples stored, then the RSS timeline. Budget at 19 Hz: steady CPU <= 0.1% of one
# CPU, RSS <= 48 MB and flat over 10 min.
# Run as root: scripts/bench/agent.sh [SECONDS]  (default 600 per frequency)
# Env: FREQUENCIES (default "19 99"), BPFPROF (else built with scripts/build.sh in
# $BUILD_DIR or build/), WORKERS and CHURN_RATE (passed to the load), KEEP=1 keeps the
# stores, agent logs and samples in /tmp/bench-agent.*.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
secs=${1:-600}
read -r -a rates <<<"${FREQUENCIES:-19 99}"
step=10
# Start-up, left out of the steady figures: loading (BPF, the tables of every running
# process) and the first profile (kallsyms and the symbols of every binary, read once).
warmup=20

[ "$(id -u)" = 0 ] || { echo "bench-agent: run as root" >&2; exit 1; }
[[ $secs =~ ^[0-9]+$ ]] && ((secs >= 20)) || { echo "bench-agent: SECONDS must be a number >= 20" >&2; exit 2; }
if [ -n "${BPFPROF:-}" ]; then
	bpfprof=$BPFPROF
else
	BUILD_DIR=$build "$root/scripts/build.sh"
	bpfprof=$build/bpfprof
fi
[ -x "$bpfprof" ] || { echo "bench-agent: no bpfprof at $bpfprof" >&2; exit 1; }
command -v gcc >/dev/null || { echo "bench-agent: the load needs gcc" >&2; exit 1; }

receiver=$root/tests/tools/ingest_receiver.py
uploads=off
[ -f "$receiver" ] && command -v python3 >/dev/null && uploads=on

tmp=$(mktemp -d /tmp/bench-agent.XXXXXX)
agent_pid= load_pid= recv_pid=
cleanup() {
	[ -n "$agent_pid" ] && kill -TERM "$agent_pid" 2>/dev/null
	[ -n "$load_pid" ] && kill -TERM "$load_pid" 2>/dev/null
	[ -n "$recv_pid" ] && kill -TERM "$recv_pid" 2>/dev/null
	wait 2>/dev/null || true
	# The load runs in its own process group: nothing of it may outlive the benchmark.
	[ -n "$load_pid" ] && kill -KILL -- "-$load_pid" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "bench-agent: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
for sig in INT TERM HUP; do
	trap "echo 'bench-agent: stopped by SIG$sig' >&2; exit 130" "$sig"
done

tck=$(getconf CLK_TCK)
ncpu=$(nproc)
# cpu_ticks PID: utime + stime of the whole process (fields 14 and 15, counted after the
# comm field, which may hold spaces).
cpu_ticks() {
	local s
	s=$(<"/proc/$1/stat") || return 1
	s=${s##*) }
	read -r -a f <<<"$s"
	echo $((f[11] + f[12]))
}
# status_kb PID FIELD: a "FIELD: N kB" line of /proc/PID/status.
status_kb() {
	local k v _
	while read -r k v _; do
		[ "$k" = "$2:" ] && { echo "$v"; return 0; }
	done <"/proc/$1/status"
	return 1
}
forks_total() { awk '$1 == "processes" { print $2 }' /proc/stat; }
# foreign LOAD_PGID AGENT_PID: 1 when another benchmark's load (agent_load.sh) or another
# bpfprof agent/record runs on the host besides ours, else 0. The figures are then shared.
foreign() {
	ps -eo pid=,pgid=,args= | awk -v load="$1" -v agent="$2" '
		$3 ~ /bash$/ && $4 ~ /bench\/agent_load\.sh$/ && $2 != load { n++ }
		$3 ~ /bpfprof/ && ($4 == "agent" || $4 == "record") && $1 != agent { n++ }
		END { print (n > 0) }'
}
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

rows=()
notes=()
# run HZ: one measured run; appends a row to rows and its timelines to notes.
run() {
	local hz=$1 dir=$tmp/$1 url= t0 t elapsed ticks rss hwm cpu0= rss1= rss_end= hwm_end
	local prev_t prev_ticks max_win=0 win wins=() timeline=() tl_every rc forks0 forks1 frac
	local shared=0 readings=0
	local churn0=0 churn_procs=0
	local agent_args=()
	mkdir -p "$dir/load" "$dir/ingest"

	if [ "$uploads" = on ]; then
		python3 "$receiver" "$dir/ingest" >"$dir/receiver.log" 2>&1 &
		recv_pid=$!
		for _ in $(seq 50); do [ -f "$dir/ingest/port" ] && break; sleep 0.1; done
		[ -f "$dir/ingest/port" ] || { echo "bench-agent: the ingest receiver did not start" >&2; cat "$dir/receiver.log" >&2; exit 1; }
		url=http://127.0.0.1:$(<"$dir/ingest/port")
		agent_args+=(--upload "$url")
	fi

	setsid "$root/scripts/bench/agent_load.sh" "$dir/load" >"$dir/load.log" 2>&1 &
	load_pid=$!
	for _ in $(seq 300); do [ -f "$dir/load/ready" ] && break; sleep 0.1; done
	[ -f "$dir/load/ready" ] || { echo "bench-agent: the load did not start" >&2; cat "$dir/load.log" >&2; exit 1; }
	sleep 5 # let the churn reach its pace before the agent starts
	forks0=$(forks_total)
	read -r _ churn0 <"$dir/load/churn.count" || churn0=0
	echo "bench-agent: ${hz} Hz for ${secs} s (uploads $uploads) ..." >&2

	# Started from a subshell whose only child is the agent, so that `times` there gives the
	# agent's CPU over its whole life, shutdown included.
	(
		"$bpfprof" agent --interval 10 -F "$hz" --store "$dir/store" "${agent_args[@]}" \
			>"$dir/agent.log" 2>&1 &
		echo $! >"$dir/agent.pid"
		wait $!
		echo $? >"$dir/agent.rc"
		times >"$dir/agent.times"
	) &
	local sub=$!
	for _ in $(seq 50); do [ -s "$dir/agent.pid" ] && break; sleep 0.1; done
	agent_pid=$(<"$dir/agent.pid")
	t0=$(now_ms)
	prev_t=$t0 prev_ticks=0
	((secs >= 300)) && tl_every=60 || tl_every=10

	# Every $step s: CPU ticks and memory; the RSS timeline keeps one reading per $tl_every s.
	local k
	for ((k = step; k <= secs; k += step)); do
		t=$((t0 + k * 1000 - $(now_ms)))
		if ((t > 0)); then
			printf -v frac %03d $((t % 1000))
			sleep "$((t / 1000)).$frac"
		fi
		if ! ticks=$(cpu_ticks "$agent_pid" 2>/dev/null) || ! rss=$(status_kb "$agent_pid" VmRSS 2>/dev/null); then
			echo "bench-agent: the agent exited after ${k} s" >&2
			break
		fi
		hwm=$(status_kb "$agent_pid" VmHWM)
		t=$(now_ms)
		((k == warmup)) && cpu0=$ticks
		win=$(awk -v d=$((ticks - prev_ticks)) -v ms=$((t - prev_t)) -v tck="$tck" \
			'BEGIN { printf "%.2f", d / tck / (ms / 1000) * 100 }')
		wins+=("$win")
		readings=$((readings + 1))
		shared=$((shared + $(foreign "$load_pid" "$agent_pid")))
		prev_t=$t prev_ticks=$ticks
		((k == 60)) && rss1=$rss
		rss_end=$rss hwm_end=$hwm
		((k % tl_every)) || timeline+=("$(awk -v r="$rss" 'BEGIN { printf "%.1f", r / 1024 }')")
		echo "$k $ticks $rss $hwm" >>"$dir/samples"
	done
	elapsed=$(($(now_ms) - t0))
	[ -n "$rss1" ] || rss1=$rss_end
	forks1=$(forks_total)
	read -r _ churn_procs <"$dir/load/churn.count" || churn_procs=0
	churn_procs=$((churn_procs - churn0))

	# The windows of the start-up are left out of median and maximum.
	local med_win=0 skip=$((warmup / step))
	((${#wins[@]} > skip)) && read -r med_win max_win < <(printf '%s\n' "${wins[@]:skip}" | sort -n |
		awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR] }')

	local stop0 stop_ms
	stop0=$(now_ms)
	kill -TERM "$agent_pid" 2>/dev/null || true
	wait "$sub" 2>/dev/null || true
	stop_ms=$(($(now_ms) - stop0))
	agent_pid=
	rc=$(cat "$dir/agent.rc" 2>/dev/null || echo "?")
	kill -TERM "$load_pid" 2>/dev/null || true
	wait "$load_pid" 2>/dev/null || true
	load_pid=
	if [ -n "$recv_pid" ]; then
		kill -TERM "$recv_pid" 2>/dev/null || true
		wait "$recv_pid" 2>/dev/null || true
		recv_pid=
	fi

	# The agent's whole-life CPU from `times` (children user and system, e.g. 0m1.230s).
	local life_s
	life_s=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] }; printf "%.2f", s }' \
		"$dir/agent.times" 2>/dev/null || echo 0)

	local ls_out intervals=0 samples=0 bytes=0 uploaded=-
	if ls_out=$("$bpfprof" store ls --store "$dir/store" 2>&1); then
		read -r intervals samples bytes < <(echo "$ls_out" | tail -n 1 |
			awk '{ for (i = 2; i <= NF; i++) { if ($i ~ /^samples/) s = $(i - 1); if ($i == "B") b = $(i - 1) } print $1, s + 0, b + 0 }')
	else
		intervals=$(find "$dir/store" -name '*.pb.zst' | wc -l)
		samples=?
	fi
	[ "$uploads" = on ] && uploaded=$(grep -c '"status": 200' "$dir/ingest/requests.jsonl" 2>/dev/null || true); uploaded=${uploaded:-0}

	local warnings errors
	warnings=$(grep -c 'warning:' "$dir/agent.log" || true)
	errors=$(grep -c 'error:' "$dir/agent.log" || true)
	rows+=("$(awk -v hz="$hz" -v el="$elapsed" -v cpu0="$cpu0" -v last="$prev_ticks" -v tck="$tck" \
		-v life="$life_s" -v maxw="$max_win" -v medw="$med_win" -v hwm="$hwm_end" -v r1="$rss1" -v re="$rss_end" \
		-v churn="$churn_procs" -v f=$((forks1 - forks0)) -v iv="$intervals" -v sm="$samples" \
		-v ncpu="$ncpu" -v up="$uploaded" -v rc="$rc" -v stop="$stop_ms" -v by="$bytes" -v wu="$warmup" 'BEGIN {
		s = el / 1000
		steady = (s > wu && cpu0 != "") ? (last - cpu0) / tck / (s - wu) * 100 : 0
		printf "%-5s %6.0f %7.2f %7.3f %7.3f %7.2f %7.2f %7.1f %7.1f %7.1f %7d %7d %5d %8s %6.2f %6s %7.1f %4s %6.1f\n",
			hz, s, life, life / s * 100, steady, medw, maxw, hwm / 1024, r1 / 1024, re / 1024,
			churn, f, iv, sm, (sm + 0) / (hz * ncpu * s), up, by / 1024, rc, stop / 1000 }')")
	notes+=("${hz} Hz: RSS MB every ${tl_every} s: ${timeline[*]}")
	((shared == 0)) ||
		notes+=("${hz} Hz: CAVEAT: another bench-agent load or bpfprof agent/record ran during $shared of $readings readings")
	notes+=("${hz} Hz: agent log: $(wc -l <"$dir/agent.log") lines, $warnings warnings, $errors errors")
	local summary
	summary=$(grep 'stopped after' "$dir/agent.log" | tail -n 1 | sed 's/^[^ ]* [a-z]*: //')
	notes+=("${hz} Hz: agent's own summary: ${summary:-none (no 'stopped after' line)}")
	if [ "$rc" != 0 ] || ((errors > 0)); then
		notes+=("${hz} Hz: agent exit status $rc; the last lines of its log:")
		while IFS= read -r line; do notes+=("    $line"); done < <(tail -n 20 "$dir/agent.log")
	fi
}

echo "bpfprof: $bpfprof; $ncpu CPUs; $(uname -r); uploads $uploads; load: ${WORKERS:-$ncpu} workers + ${CHURN_RATE:-6} commands/s of churn"
for hz in "${rates[@]}"; do
	run "$hz"
done

echo
echo "CPU: % of one CPU; life = whole life (start-up and shutdown included, from wait);"
echo "steady = after the first $warmup s (start-up: BPF and tables loaded, kallsyms and every binary's"
echo "symbols read for the first profile); med10s/max10s = the median/busiest 10 s window after"
echo "them. RSS in MB."
echo "churn = processes the load's churn forked; forks = all forks on the host meanwhile."
echo "smp/exp = samples stored / (Hz x CPUs x seconds). up = uploads accepted. stop = s to exit."
printf '%-5s %6s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s %5s %8s %6s %6s %7s %4s %6s\n' \
	Hz secs cpu_s life% steady% med10s% max10s% peakRSS RSS@1m RSSend churn forks ivals samples smp/exp up storeKB rc stop_s
printf '%s\n' "${rows[@]}"
echo
printf '%s\n' "${notes[@]}"
