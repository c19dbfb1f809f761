#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# record --off-cpu: the wall-time view splits a program's time as it measured it itself
# (spin 50%, sleep 30%, pipe 20%, within 2 points); off-CPU outputs in every format, times in
# nanoseconds, the pprof's sample type off_cpu/nanoseconds; the summary's off-cpu line.
. "$(dirname "$0")/lib.sh"
need_bpf

"$BPFPROF" record -F 997 -d 30 -o "$WORK/cpu.folded" --off-cpu-output "$WORK/off.folded" \
	--off-cpu-output "$WORK/off.pb.gz" --off-cpu-output "$WORK/off.svg" \
	--wall-output "$WORK/wall.folded" -- "$(prog offcpu_phases)" 5 "$WORK/measured" \
	2>"$WORK/summary" || { cat "$WORK/summary"; fail "record --off-cpu exited $?"; }
cat "$WORK/summary"
grep -q '^off-cpu: [0-9]* switches' "$WORK/summary" || fail "no off-cpu line in the summary"
grep -q 'ns a switch' "$WORK/summary" || fail "the off-cpu line does not give the cost"
cat "$WORK/measured"

# Each phase's share of the three, measured by the program and in the wall-time view.
read -r spin sleep pipe < <(awk '{ v[$1] = $2 } END { t = v["spin"] + v["sleep"] + v["pipe"];
	printf "%.4f %.4f %.4f\n", v["spin"] / t, v["sleep"] / t, v["pipe"] / t }' "$WORK/measured")
read -r wspin wsleep wpipe < <(awk '/child_loop/ { next }
	{ n = $NF; if ($0 ~ /;phase_spin/) s += n; else if ($0 ~ /;phase_sleep/) z += n;
	  else if ($0 ~ /;phase_pipe/) p += n }
	END { t = s + z + p; if (!t) t = 1; printf "%.4f %.4f %.4f\n", s / t, z / t, p / t }' \
	"$WORK/wall.folded")
echo "measured spin $spin sleep $sleep pipe $pipe; wall view spin $wspin sleep $wsleep pipe $wpipe"
# Under an emulator (TCG, the kernel tests' guests), the cpu-clock timer fires less often than
# asked (the wall view's CPU part, samples times their period, comes short: spin 0.38 of 0.46
# measured in 5.10's guest), and system calls take long on the CPU (6.1's: 0.90 s off the CPU
# of 1.21 s measured in phase_sleep): shares there are checked within 15 points, waits within
# 40%. The host's run checks the goal.
tolerance=0.02 wait_tolerance=0.1
if [ "${BPFPROF_TEST_EMULATED:-0}" = 1 ]; then
	tolerance=0.15 wait_tolerance=0.4
	echo "under an emulator: shares within $tolerance, waits within $wait_tolerance"
fi
near "$wspin" "$spin" "$tolerance" || fail "spin: $wspin in the wall view, $spin measured"
near "$wsleep" "$sleep" "$tolerance" || fail "sleep: $wsleep in the wall view, $sleep measured"
near "$wpipe" "$pipe" "$tolerance" || fail "pipe: $wpipe in the wall view, $pipe measured"

# Off-CPU stacks: the waits in the kernel under the functions that waited, named.
grep -q ';phase_sleep;.*do_nanosleep_\[k\];.*schedule_\[k\] [0-9]*$' "$WORK/off.folded" ||
	fail "no sleep stack reaching the scheduler in the off-CPU profile"
grep -q ';phase_pipe;.*pipe_read_\[k\];.*schedule_\[k\] [0-9]*$' "$WORK/off.folded" ||
	fail "no pipe-read stack reaching the scheduler in the off-CPU profile"
grep -q 'child_loop' "$WORK/off.folded" || fail "the child's waits are missing"
! grep -q 'bpf_prog_\|bpf_trace_run' "$WORK/off.folded" ||
	fail "the tracing's own frames are in the off-CPU stacks"
# Off-CPU time of the sleeps: about what the program measured (probability 1, nothing lost).
off_sleep=$(awk '/;phase_sleep;/ { s += $NF } END { printf "%.4f", s / 1e9 }' "$WORK/off.folded")
measured_sleep=$(awk '$1 == "sleep" { print $2 }' "$WORK/measured")
near "$off_sleep" "$measured_sleep" \
	"$(awk -v m="$measured_sleep" -v t="$wait_tolerance" 'BEGIN { print m * t }')" ||
	fail "sleeps: $off_sleep s off the CPU, $measured_sleep s measured"

# pprof: one value, off_cpu/nanoseconds, read back by bpfprof as the same totals.
"$BPFPROF" convert "$WORK/off.pb.gz" -o "$WORK/back.folded" || fail "convert of the pprof failed"
[ "$(total "$WORK/back.folded")" = "$(total "$WORK/off.folded")" ] ||
	fail "pprof total $(total "$WORK/back.folded") differs from folded $(total "$WORK/off.folded")"
if command -v go >/dev/null; then
	go tool pprof -raw "$WORK/off.pb.gz" 2>/dev/null | sed -n '/^Samples:/,+1p' |
		grep -q 'off_cpu/nanoseconds' || fail "pprof sample type is not off_cpu/nanoseconds"
fi
# The SVG: an off-CPU title and times, not samples, in the frames.
grep -q 'Off-CPU Time Flame Graph' "$WORK/off.svg" || fail "the SVG's title does not say off-CPU"
grep -q '<title>phase_sleep ([0-9.]* [mu]*s, ' "$WORK/off.svg" ||
	fail "the SVG's frames do not show times"
# Half the switches followed: the times, scaled by 2, estimate the same sleeps.
"$BPFPROF" record -q -d 30 --off-cpu-probability 0.5 --off-cpu-output "$WORK/half.folded" \
	-- "$(prog offcpu_phases)" 4 "$WORK/measured_half" || fail "record at probability 0.5 exited $?"
half_sleep=$(awk '/;phase_sleep;/ { s += $NF } END { printf "%.4f", s / 1e9 }' "$WORK/half.folded")
measured_half=$(awk '$1 == "sleep" { print $2 }' "$WORK/measured_half")
echo "probability 0.5: sleeps $half_sleep s off the CPU, $measured_half s measured"
near "$half_sleep" "$measured_half" \
	"$(awk -v m="$measured_half" -v t="$wait_tolerance" 'BEGIN { print m * (t + 0.15) }')" ||
	fail "probability 0.5: sleeps $half_sleep s off the CPU, $measured_half s measured"

# The ways of kernels without bpf_loop (tail calls) and bpf_task_pt_regs, here too.
BPFPROF_FALLBACK_PATHS=1 "$BPFPROF" record -q -d 30 -o "$WORK/cpu2.folded" \
	--off-cpu-output "$WORK/off2.folded" -- "$(prog offcpu_phases)" 2 "$WORK/measured2" ||
	fail "record --off-cpu with the fallback paths exited $?"
grep -q ';phase_pipe;.*pipe_read_\[k\];.*schedule_\[k\] [0-9]*$' "$WORK/off2.folded" ||
	fail "fallback paths: no pipe-read stack reaching the scheduler"
grep -q '^offcpu_phases;.*main;phase_sleep;' "$WORK/off2.folded" ||
	fail "fallback paths: the sleeps' user stacks do not reach main"

ok "wall view spin $wspin sleep $wsleep pipe $wpipe (measured $spin $sleep $pipe); sleeps $off_sleep s"
