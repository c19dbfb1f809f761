#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A user's perf maps against root's profiler. Processes of an unprivileged user write what
# a JIT compiler would, only much more: one a sparse 10 GB perf map without a newline,
# others hundreds of thousands of good lines each, more than the perf-map memory holds in
# all. A recording of them must finish, stay far below the agent's MemoryMax (256M) in
# peak RSS, and say how many lines it dropped and which map it read only in part.
. "$(dirname "$0")/lib.sh"
need_root "the perf maps are written by another user than the profiler's"
need_bpf

# Peak RSS allowed, MiB: what a recording takes without perf maps (about 25 MiB), the
# perf maps' 64 MiB in all, and room for reading one of them.
BOUND_MIB=128
FLOODERS=10
FLOOD_LINES=200000
MAPS=()
trap 'cleanup; rm -f "${MAPS[@]}"' EXIT

# The attacker's process, once its map is written: it maps anonymous executable memory, as
# a JIT compiler does (a process without any has no perf map read: perf's rule), and spins.
SPIN='import mmap
code = mmap.mmap(-1, 1 << 16, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                 prot=mmap.PROT_READ | mmap.PROT_EXEC)
while True:
    pass'

# attacker SCRIPT: runs SCRIPT as the attacker in the background: it writes its perf map to
# "$t", renamed to the real name once complete, then spins as $SPIN (the same pid, the
# map's). Its pid is in $pid.
attacker() {
	as_attacker sh -c "echo \$\$; f=/tmp/perf-\$\$.map t=/tmp/perf-\$\$.map.tmp
		$1 && mv \"\$t\" \"\$f\" && exec python3 -c \"\$0\"" "$SPIN" >"$WORK/pid" &
	BG_PIDS+=($!)
	pid=
	while [ -z "$pid" ]; do
		sleep 0.05
		pid=$(cat "$WORK/pid")
	done
	BG_PIDS+=("$pid")
	MAPS+=("/tmp/perf-$pid.map" "/tmp/perf-$pid.map.tmp")
}

# No newline in 10 GB: nothing to name, but read in full it would be huge, and slow.
# shellcheck disable=SC2016 # $t is the attacker's shell's
attacker 'truncate -s 10G "$t"'
pids=$pid
for _ in $(seq "$FLOODERS"); do
	attacker "awk 'BEGIN { for (i = 0; i < $FLOOD_LINES; i++)
		printf \"%x 10 flood_%d\\n\", 268435456 + i * 16, i }' >\"\$t\""
	pids+=",$pid"
done
for p in ${pids//,/ }; do
	end=$((SECONDS + 60))
	until [ -e "/tmp/perf-$p.map" ] && grep -qE ' r-xp 00000000 00:00 0 *$' "/proc/$p/maps"; do
		[ "$SECONDS" -lt "$end" ] || fail "pid $p did not write its perf map and map code"
		sleep 0.1
	done
done
ls -l /tmp/perf-"${pids%%,*}".map

"$BPFPROF" record -p "$pids" -d 2 -o "$WORK/flood.folded" 2>"$WORK/record.err" &
rec=$!
# VmHWM only grows: its last value before the exit is the peak. A recording of 2 s that
# has not ended in 2 minutes is stuck reading the maps.
peak=0
end=$((SECONDS + 120))
while kill -0 "$rec" 2>/dev/null; do
	hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$rec/status" 2>/dev/null)
	[ -n "$hwm" ] && peak=$hwm
	if [ "$SECONDS" -ge "$end" ]; then
		kill -9 "$rec"
		fail "the recording did not end in 120 s (peak RSS so far $((peak / 1024)) MiB)"
	fi
	sleep 0.05
done
wait "$rec" || fail "record exited $?: $(tail -n 3 "$WORK/record.err")"
cat "$WORK/record.err"
echo "peak RSS of the recording: $((peak / 1024)) MiB"
[ "$((peak / 1024))" -lt "$BOUND_MIB" ] ||
	fail "peak RSS $((peak / 1024)) MiB, not under $BOUND_MIB MiB"

line=$(grep '^perf maps:' "$WORK/record.err") || fail "no perf map line in the summary"
dropped=$(echo "$line" | grep -o '[0-9]* lines dropped' | cut -d' ' -f1)
partial=$(echo "$line" | grep -o '[0-9]* files* read only' | cut -d' ' -f1)
# Each flooder writes more than one map may keep, and together more than all may keep.
[ "${dropped:-0}" -gt $((FLOODERS * FLOOD_LINES / 4)) ] || fail "dropped lines not reported: $line"
[ "${partial:-0}" -ge 1 ] || fail "the 10 GB map is not reported as read in part: $line"
ok "peak RSS $((peak / 1024)) MiB; $dropped lines dropped, $partial map read in part"
