#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The BPF integration tests on the kernels bpfprof supports: Debian's 5.10 (bullseye), 6.1
# (bookworm) and 6.12 (bookworm-backports), the newest of each series in Debian's archive,
# each booted in qemu with this host's root shared read-only over 9p under a tmpfs overlay
# (the host's user space and build folder on the guest's kernel). In each guest, ctest runs
# a set of the integration tests against the host's build folder; on 6.12 a second guest
# boots systemd and installs the agent's unit as the README says (scripts/kernels/
# guest-systemd.sh). Prints a table per kernel; exits 1 when a test fails or skips on any
# kernel or a guest does not finish, 2 when it cannot run at all.
#
# Run as root from the project root after a build (BUILD_DIR as for scripts/build.sh):
#   scripts/test-kernels.sh [--kernels 5.10,6.1,6.12] [--tests NAME,...|--all-tests]
#                           [--no-systemd|--systemd-only]
# Kernels, initramfs and apt lists are cached in $BPFPROF_KERNEL_CACHE
# (/var/cache/bpfprof-test-kernels); each guest's logs land in BUILD_DIR/test-kernels/NAME/.
# KVM where it boots these kernels, TCG otherwise (BPFPROF_TEST_ACCEL=kvm|tcg forces one).
# shellcheck disable=SC2015 # "a && b || die": die when either fails
# shellcheck source-path=SCRIPTDIR
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${BUILD_DIR:-$root/build}" 2>/dev/null && pwd) || build=${BUILD_DIR:-$root/build}
KCACHE=${BPFPROF_KERNEL_CACHE:-/var/cache/bpfprof-test-kernels}
RUNS=$build/test-kernels

die() {
	echo "test-kernels: $*" >&2
	exit 2
}
. "$(dirname "$0")/kernels/archive.sh"
. "$(dirname "$0")/kernels/initramfs.sh"

# The series: name, package pattern (the newest match is taken).
SERIES=(5.10 6.1 6.12)
declare -A PATTERN=(
	[5.10]='^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$'
	[6.1]='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'
	[6.12]='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$'
)
SYSTEMD_SERIES=6.12
# The tests run in every guest, when not --all-tests: sampling a pid and the whole host,
# kernel frames, the cgroup filter, -- COMMAND and its children (the fork tracepoint), both
# user-stack walks (bpf_loop where the kernel has it, tail calls forced by
# BPFPROF_FALLBACK_PATHS=1 in test_unwind_nofp everywhere), frame pointers and unwind tables,
# programs without frame pointers, signal frames, threads and exceptions, the table walker
# against libdw, the agent with its store, and short-lived processes (hundreds of 1-50 ms
# ones: the mapping records and deferred samples, test_churn_lifetimes), and CPython's frames
# (3.11, 3.13, embedded: the Python walk, test_record_python), and the off-CPU switch
# program (tp_btf/sched_switch, test_record_offcpu). The rest (outputs,
# store, symbolization; test_churn_clone's 3000 spawns would outlast TEST_LIMIT under TCG, and
# its rule's kernel-entry path is test_user_stack_walk's) does not depend on the kernel, and
# all of them would take 13 minutes a kernel under TCG.
TESTS=(test_record_pid test_record_host test_record_kernel test_record_cgroup test_record_command
	test_unwind_nofp test_unwind_special test_unwind_compare test_agent_store test_churn_lifetimes
	test_record_overlay test_record_python test_record_offcpu)
# Time limits in seconds. Under TCG on 2 CPUs these tests take 10-40 s each (3-4 times the
# host's time): a test is stopped after TEST_LIMIT (ctest's own limit is 300 s), and a guest
# gets BOOT_SECS for booting and probes plus TEST_SECS per test; one over its limit fails.
TEST_LIMIT=90 BOOT_SECS=60 TEST_SECS=35 SYSTEMD_SECS=300

usage() {
	sed -n '/^# Run as root/,/^# KVM/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
want_series=("${SERIES[@]}") all_tests=0 systemd=1
while [ $# -gt 0 ]; do
	case $1 in
	--kernels) [ $# -ge 2 ] || usage; IFS=, read -ra want_series <<<"$2"; shift ;;
	--all-tests) all_tests=1 ;;
	--tests) [ $# -ge 2 ] || usage; IFS=, read -ra TESTS <<<"$2"; shift ;;
	--no-systemd) systemd=0 ;;
	--systemd-only) TESTS=() ;;
	*) usage ;;
	esac
	shift
done
for s in "${want_series[@]}"; do [ -n "${PATTERN[$s]:-}" ] || die "no kernel series \"$s\" (known: ${SERIES[*]})"; done

# What the host needs.
[ "$(id -u)" = 0 ] || die "run as root: the guests share the host's whole root file system"
need() { command -v "$1" >/dev/null || die "$1 is missing (apt-get install $2)"; }
need qemu-system-x86_64 qemu-system-x86
need cpio cpio
need xz xz-utils
need zstd zstd
need objcopy binutils
need dpkg-deb dpkg
need apt-get apt
need ctest cmake
need python3 python3
need capsh libcap2-bin
need flock util-linux
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
	die "no static /bin/busybox for the initramfs (apt-get install busybox-static)"
[ -x "$build/bpfprof" ] && [ -f "$build/CTestTestfile.cmake" ] ||
	die "no build in $build (run scripts/build.sh, or set BUILD_DIR)"
case "$root$build$KCACHE" in *[[:space:]]*) die "paths with spaces are not supported: $root, $build, $KCACHE" ;; esac

# The tests: named ones must exist, so that a renamed test is not silently left out.
mapfile -t known < <(ctest --test-dir "$build" -N 2>/dev/null | sed -n 's/^ *Test *#[0-9]*: \(integration\/.*\)$/\1/p')
[ ${#known[@]} -gt 0 ] || die "ctest lists no integration tests in $build"
if [ "$all_tests" = 1 ]; then
	tests=("${known[@]}")
else
	tests=()
	for t in "${TESTS[@]}"; do
		# Not "printf | grep -q": under pipefail, grep leaving early fails the pipe.
		[[ " ${known[*]} " == *" integration/$t "* ]] || die "no test integration/$t in $build"
		tests+=("integration/$t")
	done
fi

# Kernels: the newest of each series; stale lists are refreshed when a package is missing
# or cannot be downloaded (the archive dropped it for a newer one).
mkdir -p "$KCACHE" || die "cannot create $KCACHE"
# One run at a time: runs share the cache and the build's run folders.
exec 9>"$KCACHE/lock" && flock -n 9 || die "another run holds $KCACHE/lock"
updated=0
archive_lists_fresh || { archive_update; updated=1; }
declare -A KDIR KVER
for s in "${want_series[@]}"; do
	for _ in 1 2; do
		pkg=$(archive_pick "${PATTERN[$s]}")
		if [ -n "$pkg" ] && dir=$(archive_unpack "$pkg"); then
			break
		fi
		if [ "$updated" = 1 ] && [ -z "$pkg" ]; then
			die "$s: no package matching ${PATTERN[$s]} in the archive"
		elif [ "$updated" = 1 ]; then
			die "$s: $pkg cannot be downloaded or unpacked: $(cat "$KCACHE"/debs/*.log | grep . | tail -n 1)"
		fi
		archive_update
		updated=1
	done
	KDIR[$s]=$dir
	KVER[$s]=$(ls "$dir/lib/modules")
	[ -f "$dir/boot/vmlinuz-${KVER[$s]}" ] || die "$pkg has no /boot/vmlinuz-${KVER[$s]}"
done
# Only when every series was picked: a partial run keeps the others' kernels.
[ ${#want_series[@]} = ${#SERIES[@]} ] && archive_prune "${KDIR[@]}"

# qemu: KVM when it boots a kernel here (a probe guest that powers off at once), else TCG.
probe_kvm() {
	local d=$RUNS/probe-kvm s=${want_series[-1]}
	[ -w /dev/kvm ] || return 1
	rm -rf "$d" && mkdir -p "$d" && echo GUEST_MODE=probe >"$d/guest.env"
	# qemu aborts where KVM cannot run the guest: no word from bash about it.
	{ timeout -k 5 60 qemu-system-x86_64 -enable-kvm -cpu host -smp 1 -m 512M -nographic -no-reboot \
		-nic none -kernel "${KDIR[$s]}/boot/vmlinuz-${KVER[$s]}" -initrd "$(initrd "$s")" \
		-append "console=ttyS0 panic=-1 loglevel=4" \
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$d,mount_tag=out,security_model=none" </dev/null >"$d/console.log" 2>&1; } 2>/dev/null
	grep -q 'bpfprof-guest: probe: booted' "$d/console.log"
}
initrd() { initramfs_build "${KDIR[$1]}" "${KVER[$1]}" "$root/scripts/kernels/init" || die "$1: cannot build the initramfs"; }
mkdir -p "$RUNS" || die "cannot create $RUNS"
for s in "${want_series[@]}"; do initrd "$s" >/dev/null; done
case ${BPFPROF_TEST_ACCEL:-probe} in
kvm) ACCEL=kvm ;;
tcg) ACCEL=tcg ;;
*) if probe_kvm; then ACCEL=kvm; else ACCEL=tcg; fi ;;
esac
# TCG's TSC is not flagged invariant, and the kernel would fall back to the emulated HPET,
# where every clock_gettime() is a system call: workloads that read the clock would spend
# much of their time in the kernel, unlike on real machines.
case $ACCEL in
kvm) QACCEL=(-enable-kvm -cpu host) KAPPEND= ;;
*) QACCEL=(-accel "tcg,thread=multi" -cpu max) KAPPEND=tsc=reliable ;;
esac
echo "accelerator: $ACCEL; tests: ${tests[*]#integration/}"

# boot SERIES NAME MODE SECS: boots a guest in $RUNS/NAME (its out share) and waits for it,
# at most SECS; sets QRC (qemu's status, 124 on a timeout) and SECS_TAKEN. Under TCG a guest
# whose kernel oopses is booted once more: the kernel patches its own code with int3 as a
# stand-in (text_poke_bp: static keys, module loading), and multi-threaded TCG has been seen
# to trap on one such int3 ("Oops: int3" 9 s into a systemd guest's boot, once in many
# boots). The first console is kept beside the logs and the retry shown in the summary; a
# second oops fails the guest, and under KVM the first does.
boot() {
	boot_once "$@"
	[ "$ACCEL" = tcg ] && [ ! -e "$RUNS/$2/done" ] || return 0
	local oops
	oops=$(grep -a -m 1 -E 'Kernel panic|BUG:|Oops' "$RUNS/$2/console.log" | tr -d '\r')
	[ -n "$oops" ] || return 0
	cp "$RUNS/$2/console.log" "$RUNS/$2.oops.log"
	RETRIES+=("$2: booted again after a kernel oops under TCG (${oops#*] }; $RUNS/$2.oops.log)")
	echo "  ${RETRIES[-1]}"
	boot_once "$@"
}

boot_once() {
	local s=$1 d=$RUNS/$2 mode=$3 secs=$4 t0
	rm -rf "$d" && mkdir -p "$d" || die "cannot create $d"
	cat >"$d/guest.env" <<-EOF
		GUEST_MODE=$mode
		GUEST_ROOT=$root
		GUEST_BUILD=$build
		GUEST_MODULES=${KDIR[$s]}/lib/modules/${KVER[$s]}
		GUEST_TESTS="${tests[*]}"
		GUEST_TEST_LIMIT=$TEST_LIMIT
		GUEST_EMULATED=$([ "${QACCEL[0]}" = -enable-kvm ] && echo 0 || echo 1)
	EOF
	t0=$(date +%s)
	timeout -k 10 "$secs" qemu-system-x86_64 "${QACCEL[@]}" -smp 2 -m 2G -nographic -no-reboot \
		-nic none -kernel "${KDIR[$s]}/boot/vmlinuz-${KVER[$s]}" -initrd "$(initrd "$s")" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=4 $KAPPEND" \
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$d,mount_tag=out,security_model=none" </dev/null >"$d/console.log" 2>&1
	QRC=$? SECS_TAKEN=$(($(date +%s) - t0)) BOOT_T0=$t0
}

# why_unfinished NAME SECS: one line on why a guest left no "done" behind.
why_unfinished() {
	local d=$RUNS/$1 p last
	p=$(grep -a -m 1 -E 'Kernel panic|BUG:|Oops' "$d/console.log" | tr -d '\r')
	last=$(grep -a -o 'bpfprof-guest:.*' "$d/console.log" | tail -n 1 | tr -d '\r')
	if [ -n "$p" ]; then
		echo "kernel panic: ${p#*] }"
	elif [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
		local running
		running=$(sed -n 's/^ *Start *[0-9]*: //p' "$d/ctest.out" 2>/dev/null | tail -n 1)
		echo "no result within $2 s (timed out${running:+ in $running}${last:+; last: $last})"
	elif [ -n "$last" ]; then
		echo "stopped early: $last"
	else
		echo "stopped early (qemu exit $QRC): $(grep -a . "$d/console.log" | tail -n 1 | tr -d '\r')"
	fi
}

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
ROWS=() NOTES=() RETRIES=() failed=0
row() { ROWS+=("$(printf '%-28s %-36s %6s %6s %7s %8s' "$@")"); }
note() { NOTES+=("$*"); failed=1; }

run_tests() { # run_tests SERIES
	local s=$1 name=${KVER[$1]} d secs load load_fp p=0 f=0 k=0 t outcome time why
	# Tests failing for the same reason (the BPF program does not load, say) share a line.
	local -A by_why=()
	d=$RUNS/$name
	secs=$((BOOT_SECS + TEST_SECS * ${#tests[@]}))
	echo "$name: booting ($ACCEL), ${#tests[@]} tests, at most $(fmt_secs "$secs")"
	boot "$s" "$name" tests "$secs"
	load=$(sed -n 's/^load=//p' "$d/facts" 2>/dev/null)
	load_fp=$(sed -n 's/^load_fp=//p' "$d/facts" 2>/dev/null)
	if [ "${load%%:*}" = no ]; then
		note "$name: the BPF program does not load: ${load#no: }"
		NOTES+=("$name: with --unwind fp: $load_fp")
		load="no (--unwind fp: ${load_fp%%[:,]*})"
	fi
	for t in "${tests[@]}"; do
		outcome=$(awk -F '\t' -v t="$t" '$1 == t { print $2 "\t" $3 "\t" $4 }' "$d/tests.tsv" 2>/dev/null)
		IFS=$'\t' read -r outcome time why <<<"$outcome"
		case $outcome in
		passed) p=$((p + 1)) ;;
		skipped) k=$((k + 1)); by_why[$why]+=" ${t#integration/}" ;;
		failed) f=$((f + 1)); by_why[$why]+=" ${t#integration/}($time s)" ;;
		*) f=$((f + 1)); [ -e "$d/done" ] && note "$name: $t has no result" ;;
		esac
	done
	for why in "${!by_why[@]}"; do note "$name:${by_why[$why]}: $why"; done
	[ -e "$d/done" ] || note "$name: the guest did not finish: $(why_unfinished "$name" "$secs")"
	row "$name" "${load:-?}" "$p" "$f" "$k" "$(fmt_secs "$SECS_TAKEN")"
	echo "  ${ROWS[-1]}"
	[ -s "$d/started" ] && echo "  booted in $(($(cat "$d/started") - BOOT_T0)) s;" \
		"kernel.perf_event_paranoid=$(sed -n 's/^perf_event_paranoid=//p' "$d/facts");" \
		"record -d 1 of the whole guest took $(sed -n 's/^record_secs=//p' "$d/facts") s"
	[ "${load%%[ ,:]*}" = yes ] &&
		echo "  without CAP_SYS_ADMIN: at kernel.perf_event_paranoid=3: $(sed -n 's/^without_sys_admin_at_3=//p' "$d/facts");" \
			"at 2: $(sed -n 's/^without_sys_admin_at_2=//p' "$d/facts")"
}

run_systemd() { # run_systemd SERIES
	local s=$1 name=${KVER[$1]}-systemd d p f
	d=$RUNS/$name
	echo "$name: booting ($ACCEL) with systemd as PID 1, at most $(fmt_secs $SYSTEMD_SECS)"
	boot "$s" "$name" systemd "$SYSTEMD_SECS"
	p=$(grep -c '^ok:' "$d/checks" 2>/dev/null) f=$(grep -c '^FAIL:' "$d/checks" 2>/dev/null)
	while IFS= read -r line; do note "$name: ${line#FAIL: }"; done < <(grep '^FAIL:' "$d/checks" 2>/dev/null)
	[ -e "$d/done" ] || note "$name: the guest did not finish: $(why_unfinished "$name" "$SYSTEMD_SECS")"
	row "$name" "(systemd checks)" "${p:-0}" "${f:-0}" 0 "$(fmt_secs "$SECS_TAKEN")"
	echo "  ${ROWS[-1]}"
}

t_all=$(date +%s)
[ ${#tests[@]} = 0 ] || for s in "${want_series[@]}"; do run_tests "$s"; done
if [ "$systemd" = 1 ] && [[ " ${want_series[*]} " == *" $SYSTEMD_SERIES "* ]]; then
	run_systemd "$SYSTEMD_SERIES"
fi
[ ${#ROWS[@]} -gt 0 ] || die "nothing to run: --systemd-only needs $SYSTEMD_SERIES among the kernels"

# The summary, also kept beside the logs.
{
	echo
	printf '%-28s %-36s %6s %6s %7s %8s\n' kernel "BPF program loads (older ways)" passed failed skipped time
	printf '%s\n' "${ROWS[@]}"
	d=$RUNS/${KVER[$SYSTEMD_SERIES]:-none}-systemd
	if [ -s "$d/figures" ] && [ "$systemd" = 1 ]; then
		echo
		echo "systemd guest ($d):"
		sed 's/^/  /' "$d/figures"
	fi
	[ ${#NOTES[@]} = 0 ] || { echo; printf '%s\n' "${NOTES[@]}"; }
	[ ${#RETRIES[@]} = 0 ] || { echo; printf '%s\n' "${RETRIES[@]}"; }
	echo
	echo "$ACCEL, $(fmt_secs $(($(date +%s) - t_all))) in guests; logs in $RUNS"
} | tee "$RUNS/summary.txt"
exit "$failed"
