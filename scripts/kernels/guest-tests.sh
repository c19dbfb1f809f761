#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Inside a test guest (scripts/test-kernels.sh; scripts/kernels/init runs it in a chroot):
# the host's build folder, seen through the overlay, so ctest may write to it. Says whether
# the BPF program loads on this kernel, then runs the integration tests in GUEST_TESTS with
# ctest. Results go to the out share: facts (key=value), tests.tsv (name, outcome, seconds,
# reason), ctest.out and LastTest.log as they are, and "done" last.
set -u
OUT=/run/bpfprof-guest
# shellcheck disable=SC1091 # written by the host for this guest
. "$OUT/guest.env"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8
B=$GUEST_BUILD/bpfprof
cd /tmp || exit 1
date +%s >"$OUT/started"

fact() { echo "$1=$2" >>"$OUT/facts"; }
fact kernel "$(uname -r)"
fact btf "$([ -r /sys/kernel/btf/vmlinux ] && echo yes || echo no)"
fact perf_event_paranoid "$(cat /proc/sys/kernel/perf_event_paranoid)"

# load [OPTIONS]: the verdict of a one-second whole-host recording, with its -vv log kept;
# sets the fact record_secs, how long that recording took (a measure of the guest's speed).
load() {
	local log=$OUT/load${1:+-fp}.log t0 ds
	t0=$(date +%s%N)
	if "$B" record -vv -d 1 "$@" -o /tmp/load.folded >"$log" 2>&1; then
		ds=$((($(date +%s%N) - t0) / 100000000))
		[ $# = 0 ] && fact record_secs "$((ds / 10)).$((ds % 10))"
		# The older ways the program took here (sampler.c prints them at -v).
		local older=()
		grep -q 'no bpf_loop' "$log" && older+=("tail calls")
		grep -q 'no bpf_task_pt_regs' "$log" && older+=("saved regs")
		grep -q 'hash maps preallocated' "$log" && older+=("prealloc")
		local list
		list=$(printf '%s, ' "${older[@]}")
		echo "yes${older[*]:+: ${list%, }}"
	else
		# What bpfprof says, the program libbpf names, and the verifier's last word (lost when
		# the log was cut short).
		local why prog verifier
		why=$(grep -v '^bpfprof: libbpf' "$log" | tail -n 1)
		prog=$(grep -o "prog '[^']*': failed to load.*" "$log" | tail -n 1)
		if grep -q 'END PROG LOAD LOG' "$log"; then
			verifier=$(sed -n '/BEGIN PROG LOAD LOG/,/END PROG LOAD LOG/p' "$log" |
				grep -v -e 'PROG LOAD LOG' -e '^processed' -e '^verification time' | tail -n 1)
		elif grep -q 'BEGIN PROG LOAD LOG' "$log"; then
			verifier="(its log is cut short in the -vv output)"
		fi
		echo "no: ${why#bpfprof: }${prog:+; $prog}${verifier:+; verifier: $verifier}"
	fi
}
load=$(load)
fact load "$load"
# Frame pointers only: a smaller program, which may load where the table walker does not.
fact load_fp "$(load --unwind fp)"

# Debian's kernel patch: at kernel.perf_event_paranoid=3 perf events need CAP_SYS_ADMIN, and
# CAP_PERFMON (all bpfprof's unit grants) is not enough; at 2 it is. Tried as root without
# CAP_SYS_ADMIN, then the boot's value restored.
without_sys_admin() { # without_sys_admin LEVEL: "ok" or the recording's error
	sysctl -qw kernel.perf_event_paranoid="$1" || { echo "cannot set kernel.perf_event_paranoid=$1"; return; }
	if capsh --drop=cap_sys_admin -- -c "$B record -q -d 0.2 -o /tmp/cap.folded" 2>/tmp/cap.err; then
		echo ok
	else
		tail -n 1 /tmp/cap.err
	fi
}
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
fact without_sys_admin_at_3 "$(without_sys_admin 3)"
fact without_sys_admin_at_2 "$(without_sys_admin 2)"
sysctl -qw kernel.perf_event_paranoid="$paranoid"
echo "$(date +%s) probes done"

# Tests that compare times measure an emulator's clocks under TCG: they say so (test lib.sh).
export BPFPROF_TEST_EMULATED=${GUEST_EMULATED:-0}

# One ctest run per test, in a session of its own that is killed whole after
# GUEST_TEST_LIMIT seconds: a test that hangs costs that much, not ctest's 300 s, and the
# others still run. ctest.out and LastTest.log collect every run's.
: >"$OUT/ctest.out"
: >"$OUT/LastTest.log"
: >"$OUT/killed.tsv"
for t in $GUEST_TESTS; do
	rm -f /tmp/killed
	setsid ctest --test-dir "$GUEST_BUILD" -R "^$t\$" --output-on-failure >/tmp/ctest.one 2>&1 &
	run=$!
	(sleep "$GUEST_TEST_LIMIT" && touch /tmp/killed && kill -KILL -- -"$run") 2>/dev/null &
	watchdog=$!
	wait "$run"
	kill "$watchdog" 2>/dev/null
	cat /tmp/ctest.one >>"$OUT/ctest.out"
	if [ -e /tmp/killed ]; then
		printf '%s\tfailed\t%s\tstopped after %s s: it hung, or is far slower here\n' "$t" \
			"$GUEST_TEST_LIMIT" "$GUEST_TEST_LIMIT" >>"$OUT/killed.tsv"
	else
		cat "$GUEST_BUILD/Testing/Temporary/LastTest.log" >>"$OUT/LastTest.log" 2>/dev/null
	fi
done

# tests.tsv: status and time from ctest's lines, the reason (the test's last FAIL: or SKIP:
# line, else its last line) from LastTest.log, which holds every test's output.
awk -v OFS='\t' '
	FILENAME == ARGV[1] {
		if ($0 ~ /^[0-9]+\/[0-9]+ Test: /) { name = $3; inout = 0 }
		else if ($0 == "Output:") { inout = 1; tag = last = ""; getline }
		else if ($0 == "<end of output>") { inout = 0; why[name] = tag != "" ? tag : last }
		else if (inout) { if ($0 ~ /^(FAIL|SKIP): /) tag = $0; if ($0 ~ /[^ ]/) last = $0 }
		next
	}
	/ Test +#[0-9]+: / {
		line = $0; sub(/.* Test +#[0-9]+: /, "", line)
		name = line; sub(/ .*/, "", name)
		status = line; sub(/^[^ ]+ \.* */, "", status)
		secs = status; sub(/ sec$/, "", secs); sub(/.* /, "", secs)
		sub(/ +[0-9.]+ sec$/, "", status); gsub(/\*/, "", status)
		outcome = status == "Passed" ? "passed" : status == "Skipped" ? "skipped" : "failed"
		r = why[name]; gsub(/\t/, " ", r)
		print name, outcome, secs, (outcome == "passed" ? "" : status ~ /^(Failed|Skipped)$/ ? r : status ": " r)
	}' "$OUT/LastTest.log" "$OUT/ctest.out" >"$OUT/tests.tsv"
cat "$OUT/killed.tsv" >>"$OUT/tests.tsv"
echo "done" >"$OUT/done"
