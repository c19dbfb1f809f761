#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Inside the systemd guest (scripts/test-kernels.sh): systemd is PID 1 on a Debian kernel
# with the distribution's defaults, and this runs as a service of its own. bpfprof's unit is
# installed with the README's own commands (taken from README.md, so the two cannot drift),
# first without the sysctl drop-in (the unit must fail, say why, and give up), then as the
# README says, uploading to the test receiver started here. Checks: the agent runs, stores
# intervals whose kernel frames are named, uploads them, reloads (SIGHUP reopens its log),
# stops cleanly with its last interval stored. Results in the out share: checks ("ok:" and
# "FAIL:" lines), figures (memory, security exposure), logs, and "done" last.
# shellcheck disable=SC2015,SC2016 # "a && b || bad" on purpose; wait_for evaluates its quoted test
set -u
OUT=/run/bpfprof-guest
# shellcheck disable=SC1091 # written by the host for this guest
. "$OUT/guest.env"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8
cd "$GUEST_ROOT" || exit 1
echo started >"$OUT/started"
UNIT=bpfprof-agent
STORE=/var/lib/bpfprof
LOG=/var/log/bpfprof/agent.log
INTERVAL=5
B=/usr/local/bin/bpfprof
# The guest's root is the host's under a tmpfs overlay: a store or log the host's own agent
# left there would be counted as this guest's. Removed here, in the overlay only.
rm -rf "$STORE" "$(dirname "$LOG")"

ok() { echo "ok: $*" >>"$OUT/checks"; }
bad() { echo "FAIL: $*" >>"$OUT/checks"; }
figure() { echo "$*" >>"$OUT/figures"; }
prop() { systemctl show -P "$1" "$UNIT"; }
step() { echo "$(date +%s) $*"; }
# wait_for SECONDS 'COMMAND': evaluates COMMAND every half second until it succeeds.
wait_for() {
	local end=$(($(date +%s) + $1))
	until eval "$2"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.5
	done
}
# past_restart: sleeps until a restart the unit would make has happened (RestartSec and 2 s).
past_restart() { sleep "$(($(systemd-analyze timespan "$(prop RestartUSec)" | sed -n 's/.*μs: //p') / 1000000 + 2))"; }
stored() { find "$STORE" -maxdepth 1 -name '*.pb.zst' 2>/dev/null | wc -l; }
uploaded() { # uploaded STATUS: requests the receiver answered with STATUS (any other: !STATUS)
	python3 - "$RECV/requests.jsonl" "$1" <<-'EOF'
		import json, sys
		want, n = sys.argv[2], 0
		try:
		    lines = open(sys.argv[1]).read().splitlines()
		except OSError:
		    lines = []
		for line in lines:
		    s = str(json.loads(line).get("status"))
		    n += s == want.lstrip("!") if not want.startswith("!") else s != want[1:]
		print(n)
	EOF
}

# The README's installation: the shell block that enables the unit, comments dropped, the
# example's options replaced by ours, and the build folder this run uses.
mapfile -t STEPS < <(awk '/^```sh$/ { inb = 1; b = ""; next }
	/^```$/ { if (inb && b ~ /systemctl enable --now bpfprof-agent/) printf "%s", b; inb = 0; next }
	inb { b = b $0 "\n" }' README.md | sed -E 's/[[:space:]]{2,}#.*$//; s#--install build$#--install '"$GUEST_BUILD"'#')
for want in 'cmake --install' '/etc/sysctl.d/' 'bpfprof-agent.service /etc/systemd/system/' \
	'/etc/default/bpfprof-agent' 'systemctl enable --now bpfprof-agent'; do
	printf '%s\n' "${STEPS[@]}" | grep -qF -- "$want" || bad "the README's installation has no step with \"$want\""
done
# readme_steps [--without-sysctl]: runs the steps; fails at the first that fails.
readme_steps() {
	local s
	for s in "${STEPS[@]}"; do
		[ "${1:-}" = --without-sysctl ] && [[ $s == *sysctl* ]] && continue
		s=$(echo "$s" | sed -E "s#BPFPROF_AGENT_OPTS=\"[^\"]*\"#BPFPROF_AGENT_OPTS=\"$OPTS\"#")
		echo "+ $s" >>"$OUT/install.log"
		bash -c "$s" >>"$OUT/install.log" 2>&1 || { bad "README step failed: $s"; return 1; }
	done
}

paranoid=$(sysctl -n kernel.perf_event_paranoid)
figure "booted with kernel.perf_event_paranoid=$paranoid kernel.kptr_restrict=$(sysctl -n kernel.kptr_restrict)"

# 1. Without the drop-in, at the distribution's default: the unit (CAP_PERFMON, no
# CAP_SYS_ADMIN) fails, says what to set, and stops restarting.
OPTS="--interval $INTERVAL"
step "without the sysctl drop-in"
if [ "$paranoid" -gt 2 ]; then
	t0=$(date +%s)
	readme_steps --without-sysctl
	if wait_for 300 '[ "$(prop ActiveState)" = failed ]'; then
		secs=$(($(date +%s) - t0)) restarts=$(prop NRestarts)
		# Given up for good: no restart a RestartSec later.
		past_restart
		if [ "$(prop ActiveState)" = failed ] && [ "$(prop NRestarts)" = "$restarts" ]; then
			ok "without the drop-in the unit gave up after $secs s: $(prop Result), $restarts restarts, exit status $(prop ExecMainStatus)"
		else
			bad "without the drop-in the unit failed, then went on: $(prop ActiveState), $(prop NRestarts) restarts"
		fi
	else
		bad "without the drop-in the unit is still $(prop ActiveState)/$(prop SubState) after 300 s"
	fi
	why=$(journalctl -b -u "$UNIT" -o cat --no-pager | grep -m 1 -i 'perf event\|permission')
	figure "without the drop-in: $why"
	if [[ $why == *kernel.perf_event_paranoid* ]]; then
		ok "the error names kernel.perf_event_paranoid"
	else
		bad "the error does not name kernel.perf_event_paranoid: ${why:-(none in the journal)}"
	fi
	systemctl disable --now "$UNIT" >/dev/null 2>&1
	systemctl reset-failed "$UNIT"
else
	figure "kernel.perf_event_paranoid is $paranoid at boot: the start without the drop-in was not tried"
	cp scripts/systemd/bpfprof-agent.service /etc/systemd/system/ && systemctl daemon-reload
fi
# A usage error (exit status 2) is not retried.
echo 'BPFPROF_AGENT_OPTS="--no-such-option"' >/etc/default/bpfprof-agent
systemctl start "$UNIT"
if wait_for 60 '[ "$(prop ActiveState)" = failed ]' && past_restart &&
	[ "$(prop NRestarts)" = 0 ] && [ "$(prop ExecMainStatus)" = 2 ]; then
	ok "a usage error is not retried"
else
	bad "a usage error: $(prop ActiveState), $(prop NRestarts) restarts, exit status $(prop ExecMainStatus)"
fi
systemctl reset-failed "$UNIT"

# 2. As the README says, uploading to a receiver here, while a process reads /dev/zero
# (kernel frames under user frames), from a binary in /root (which ProtectHome hides from the
# service: it must be read through /proc/PID/root).
step "as the README says"
RECV=/tmp/receiver
mkdir -p "$RECV"
python3 tests/tools/ingest_receiver.py "$RECV" >"$OUT/receiver.log" 2>&1 &
wait_for 30 '[ -s "$RECV/port" ]' || bad "the receiver did not start: $(tail -n 1 "$OUT/receiver.log")"
cp "$GUEST_BUILD/tests/programs/readloop" /root/readloop && /root/readloop 3600 &
OPTS="--upload http://127.0.0.1:$(cat "$RECV/port") --interval $INTERVAL --log-file $LOG"
readme_steps
figure "after the drop-in: kernel.perf_event_paranoid=$(sysctl -n kernel.perf_event_paranoid)"
if wait_for 60 '[ "$(prop SubState)" = running ]' && sleep 2 && [ "$(prop SubState)" = running ]; then
	ok "the unit runs"
else
	bad "the unit does not run: $(prop ActiveState)/$(prop SubState) $(prop Result); $(journalctl -b -u "$UNIT" -o cat --no-pager | tail -n 1)"
fi
pid=$(prop MainPID)
wait_for $((INTERVAL * 8)) '[ "$(stored)" -ge 3 ]' || bad "only $(stored) intervals stored after $((INTERVAL * 8)) s"
figure "$(grep -m 1 'sampling' "$LOG")"
if grep -q 'kptr_restrict\|kernel symbols' "$LOG"; then
	bad "kernel symbols unreadable: $(grep -m 1 'kptr_restrict\|kernel symbols' "$LOG")"
fi

# The newest interval: kernel frames (weighted by samples) named, and readloop's read path
# under its own named frames.
newest=$(find "$STORE" -maxdepth 1 -name '*.pb.zst' | sort | tail -n 1)
if [ -n "$newest" ] && "$B" convert "$newest" -o /tmp/newest.folded 2>>"$OUT/install.log"; then
	read -r kall kbad kread < <(awk '{ n = $NF; s = $0; sub(/ [0-9]+$/, "", s); k = split(s, f, ";")
		for (i = 2; i <= k; i++) if (f[i] ~ /_\[k\]$/) { all += n
			if (f[i] ~ /^(\[unknown\]|0x[0-9a-f]+|.*\+0x[0-9a-f]+)_\[k\]$/) unnamed += n }
		if (f[1] == "readloop" && s ~ /;main;read_block;.*;(vfs_read|ksys_read)_\[k\]/) rd += n }
		END { print all + 0, unnamed + 0, rd + 0 }' /tmp/newest.folded)
	figure "newest interval $(basename "$newest"): $(awk '{ s += $NF } END { print s + 0 }' /tmp/newest.folded) samples, $kall kernel frames, $kbad unnamed, $kread samples of readloop in main;read_block;...;read(2)"
	if [ "$kall" -gt 0 ] && [ $((kbad * 100)) -le "$kall" ] && [ "$kread" -gt 0 ]; then
		ok "kernel frames named ($((kall - kbad)) of $kall)"
	else
		bad "kernel frames: $kall, unnamed $kbad, readloop in read(2) $kread"
	fi
else
	bad "no readable interval in $STORE"
fi
wait_for $((INTERVAL * 4)) '[ "$(uploaded 200)" -ge 2 ]' ||
	bad "the receiver accepted $(uploaded 200) uploads"
[ "$(uploaded '!200')" = 0 ] || bad "the receiver refused $(uploaded '!200') uploads: $(tail -n 1 "$RECV/requests.jsonl")"
ok "uploads accepted: $(uploaded 200)"

# Memory as the cgroup sees it: the process, its page cache, and the kernel memory of its
# BPF maps (charged to the unit's cgroup since Linux 5.11).
figure "$(systemctl show -p MemoryCurrent,MemoryPeak,MemoryHigh,MemoryMax "$UNIT" | paste -sd ' ')"
cg=/sys/fs/cgroup$(prop ControlGroup)
high=$(prop MemoryHigh) peak=$(cat "$cg/memory.peak" 2>/dev/null || prop MemoryCurrent)
if [[ $high =~ ^[0-9]+$ ]] && [[ $peak =~ ^[0-9]+$ ]] && [ "$peak" -lt "$high" ]; then
	ok "memory: peak $((peak >> 20)) MiB, below MemoryHigh ($((high >> 20)) MiB)"
else
	bad "memory: peak $peak against MemoryHigh $high"
fi
figure "cgroup: peak $(cat "$cg/memory.peak" 2>/dev/null || echo '?'); $(grep -E '^(anon|file|kernel|percpu|slab|vmalloc|sock) ' "$cg/memory.stat" | awk '{ printf "%s %.1f MiB, ", $1, $2 / 1048576 }')VmRSS $(awk '/^VmRSS/ { print $2, $3 }' "/proc/$pid/status")"
# The agent's BPF maps: the memlock of each, from the fdinfo of the descriptors it holds.
figure "BPF maps of the agent: $(awk 'function flush() { if (m && !(id in seen)) { seen[id] = 1; n++; all += mem } m = 0 }
	FNR == 1 { flush() } /^map_type:/ { m = 1 } /^map_id:/ { id = $2 } /^memlock:/ { mem = $2 }
	END { flush(); printf "%d maps, %.1f MiB\n", n, all / 1048576 }' "/proc/$pid"/fdinfo/* 2>/dev/null)"
figure "security: $(systemd-analyze security --no-pager "$UNIT" 2>&1 | tail -n 1)"

# Reload: as logrotate would, move the log away; SIGHUP makes the agent open a new one, where
# its last words at the stop must land.
step "reload"
mv "$LOG" "$LOG.1"
if systemctl reload "$UNIT" && wait_for 10 '[ -e "$LOG" ]'; then
	ok "systemctl reload: a new log file"
else
	bad "systemctl reload: no new log file at $LOG"
fi
[ "$(prop MainPID)" = "$pid" ] && [ "$(prop SubState)" = running ] ||
	bad "the reload restarted or stopped the agent: $(prop MainPID) $(prop SubState)"

# Stop: exit status 0, and the partial interval stored.
step "stop"
before=$(find "$STORE" -maxdepth 1 -name '*.pb.zst' | sort)
t_stop=$(date +%s)
systemctl stop "$UNIT" || bad "systemctl stop failed"
figure "stopped in $(($(date +%s) - t_stop)) s: $(systemctl show -p Result,ExecMainCode,ExecMainStatus,NRestarts "$UNIT" | paste -sd ' ')"
if [ "$(prop Result)" = success ] && [ "$(prop ExecMainStatus)" = 0 ]; then
	ok "stopped cleanly"
else
	bad "stop: result $(prop Result), exit status $(prop ExecMainStatus)"
fi
# The last file is new and starts less than an interval before the stop.
last=$(comm -13 <(echo "$before") <(find "$STORE" -maxdepth 1 -name '*.pb.zst' | sort) | tail -n 1)
if [ -n "$last" ]; then
	f=$(basename "$last")
	t=${f#*-} # the start, after the sequence number
	start=$(date -u -d "${t:0:4}-${t:4:2}-${t:6:2} ${t:9:2}:${t:11:2}:${t:13:2}" +%s)
	if [ "$start" -ge $((t_stop - INTERVAL - 1)) ]; then ok "final interval stored: $f"; else bad "the newest interval $f is older than the stop"; fi
else
	bad "no interval stored at the stop"
fi
if grep -q 'stopped after' "$LOG" 2>/dev/null && ! grep -q 'stopped after' "$LOG.1"; then
	ok "the last log lines went to the reopened log file"
else
	bad "the reopened log file lacks the agent's last lines"
fi
figure "$(grep -h -m 1 'stopped after' "$LOG" "$LOG.1" 2>/dev/null)"
figure "uploads accepted: $(uploaded 200), refused: $(uploaded '!200')"
journalctl -b -u "$UNIT" --no-pager >"$OUT/journal.log" 2>&1
cp "$LOG" "$LOG.1" "$OUT/" 2>/dev/null
echo "done" >"$OUT/done"
