# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Helpers of test_churn_*.sh (sourced after lib.sh): a whole-host recording around a churn of
# short-lived processes, and what their samples in its folded output must look like.
#
# A process that lives a few milliseconds is sampled before user space has read its mappings
# and loaded its unwind tables; its samples must still be complete and named. For each
# workload (a process name) the checks count its samples that have user frames and require:
#   rooted  their user stack starts at an entry point (_start, __libc_start_main,
#           __libc_start_call_main, clone, clone3, start_thread, or the entry code of the
#           dynamic linker, which Debian ships without symbols: ld-linux...+0xOFF within 64
#           bytes of its ELF entry) and holds no "[incomplete: ...]" marker;
#   named   no frame is "[unknown]", a bare address or an offset in the workload's own files
#           (system libraries without symbols may stay FILE+0xOFF: that is not this feature);
#   chain   of the samples in the workload's burning function, those whose stack is the
#           known chain from _start down to it.
# And the summary line's "N processes exited before their mappings were read" must be 0.
# Samples in glibc's CPU feature probing at startup (init_cpu_features, handle_amd, ...) are
# left out: on a virtual machine each cpuid there traps to the hypervisor, so a share of a
# 1 ms process's samples fall there, and Debian's ld.so has no complete unwind information
# for it (perf --call-graph dwarf does not get past it either).

# Thresholds: the goals are 95% rooted and >= 99% of user stacks complete; perf --call-graph
# dwarf gets 0.94-0.97 rooted here on these workloads (the vDSO and the exit path cost it
# some); a noisy machine gets a margin, none of which a frame-pointer walk of an unknown
# process comes near (0.02-0.45 before the feature).
CHURN_ROOTED=${CHURN_ROOTED:-0.90}
CHURN_NAMED=${CHURN_NAMED:-0.90}
CHURN_CHAIN=${CHURN_CHAIN:-0.95}
CHURN_HZ=${CHURN_HZ:-999}
# The chain from the entry point to main in a (dynamic or static) glibc program.
CHURN_MAIN='^;_start;(__libc_start_main[^;]*;)?__libc_start_call_main;main;'

# The dynamic linker's entry (e_entry) as "NAME HEXOFFSET", from churn_burn's interpreter.
churn_ldso_entry() {
	local interp
	interp=$(readelf -l "$(prog churn_burn)" 2>/dev/null |
		sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
	[ -n "$interp" ] || return 0
	echo "${interp##*/} $(readelf -h "$interp" 2>/dev/null | awk '/Entry point/ { print $4 }')"
}
read -r CHURN_LDSO CHURN_LDSO_ENTRY <<<"$(churn_ldso_entry)"

# churn_record OUT CMD...: records the whole host at CHURN_HZ into OUT (folded; the run
# summary into OUT.err) while CMD runs, started once sampling has begun; CMD's output goes
# to OUT.cmd. Fails the test when CMD or the recording fails.
churn_record() {
	local out=$1 rec code
	shift
	"$BPFPROF" record -F "$CHURN_HZ" -d 3600 -o "$out" 2>"$out.err" &
	rec=$!
	wait_sampling "$rec" || fail "record did not start sampling: $(head -n 3 "$out.err")"
	kill -0 "$rec" 2>/dev/null || fail "record exited early: $(head -n 3 "$out.err")"
	"$@" >"$out.cmd" 2>&1
	code=$?
	kill -INT "$rec" 2>/dev/null
	wait "$rec" || fail "record exited $?: $(head -n 3 "$out.err")"
	[ "$code" = 0 ] || fail "the workload exited $code: $(tail -n 3 "$out.cmd")"
	echo "workload: $(tail -n 1 "$out.cmd")"
}

# churn_metrics FILE COMM FILES LEAF CHAIN: "samples user rooted named leaf chain notable
# probing" for COMM in FILE: samples; those with user frames (but CPU feature probing); the
# shares of those rooted and named (FILES: an ERE of the workload's own file names, whose
# offsets count as unnamed); samples through LEAF and the share of them that match CHAIN (an
# ERE on ";f1;...;fn;", root first, the _[k] and _[i] suffixes removed); the share of
# "[incomplete: no unwind table]"; the samples in CPU feature probing, left out of the
# shares. Samples in execve once the old image is released have kernel frames only.
churn_metrics() {
	local probe='(^|;)(init_cpu_features|handle_(amd|intel|zhaoxin)|update_active|'
	probe+='get_(common|extended)_indices|dl_init_cacheinfo)[.;_]'
	awk -v c="$2" -v files="$3" -v leaf="$4" -v chain="$5" -v ld="${CHURN_LDSO:-}" \
		-v ldentry="${CHURN_LDSO_ENTRY:-0}" -v probe="$probe" '
	function hex(h,   i, v) {
		sub(/^0x/, "", h)
		for (i = 1; i <= length(h); i++)
			v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return v
	}
	function entry(f,   off) {
		if (f ~ /^(_start|_dl_start_user|__libc_start_(main.*|call_main)|__?clone3?|start_thread)$/)
			return 1
		if (ld == "" || index(f, ld "+0x") != 1)
			return 0
		off = hex(substr(f, length(ld) + 2))
		return off >= hex(ldentry) && off < hex(ldentry) + 64
	}
	index($0, c ";") == 1 {
		n = $NF
		s = $0
		sub(/ [0-9]+$/, "", s)
		s = substr(s, length(c) + 2)
		all += n
		nf = split(s, f, ";")
		if (f[1] ~ /_\[k\]$/)
			next
		if (s ~ probe) {
			probing += n
			next
		}
		user += n
		if (entry(f[1]) && index(s, "[incomplete") == 0)
			rooted += n
		if (index(s, "[incomplete: no unwind table]"))
			notable += n
		bad = 0
		for (i = 1; i <= nf; i++)
			if (f[i] == "[unknown]" || f[i] ~ /^0x[0-9a-f]+$/ ||
			    f[i] ~ ("^(" files ")( \\(deleted\\))?\\+0x"))
				bad = 1
		if (!bad)
			named += n
		plain = ";" s ";"
		gsub(/_\[[ki]\];/, ";", plain)
		if (index(plain, ";" leaf ";")) {
			inleaf += n
			if (plain ~ chain)
				chained += n
		}
	}
	function share(x, of) { return sprintf("%.4f", of ? x / of : 0) }
	END {
		print all + 0, user + 0, share(rooted, user), share(named, user), inleaf + 0,
			share(chained, inleaf), share(notable, user), probing + 0
	}' "$1"
}

# churn_misses FILE COMM: COMM's three heaviest stacks that are not rooted at an entry
# point, cut to their last 240 characters, for failure messages.
churn_misses() {
	awk -v c="$2" -v re="^(_start|__libc_start|__?clone|start_thread|ld-linux)" '
	index($0, c ";") == 1 && substr($0, length(c) + 2) !~ re {
		s = $0; sub(/ [0-9]+$/, "", s)
		print $NF, (length(s) <= 240 ? s : "..." substr(s, length(s) - 239)) }' "$1" |
		sort -rn | head -n 3
}

# churn_expect FILE COMM FILES LEAF CHAIN MIN_LEAF: checks COMM's samples as the header
# says (MIN_LEAF or more samples through LEAF); prints the figures; sets failed=1 when short.
churn_expect() {
	local m
	read -r -a m <<<"$(churn_metrics "$1" "$2" "$3" "$4" "$5")"
	echo "$2: ${m[0]} samples, ${m[1]} with user frames (${m[7]} more in CPU feature probing):" \
		"rooted ${m[2]}, named ${m[3]}, no unwind table ${m[6]}; ${m[4]} in $4, ${m[5]} of them" \
		"the known chain"
	if [ "${m[1]}" -lt 50 ]; then
		echo "  too few samples with user frames: ${m[1]} < 50"
		failed=1
		return
	fi
	at_least "${m[2]}" "$CHURN_ROOTED" || { echo "  rooted ${m[2]} < $CHURN_ROOTED"; failed=1; }
	at_least "${m[3]}" "$CHURN_NAMED" || { echo "  named ${m[3]} < $CHURN_NAMED"; failed=1; }
	# Unnamed, the function is not found: too few samples in it is a failure of its own.
	if [ "${m[4]}" -lt "$6" ]; then
		echo "  samples in $4: ${m[4]} < $6"
		failed=1
	elif ! at_least "${m[5]}" "$CHURN_CHAIN"; then
		echo "  chain ${m[5]} < $CHURN_CHAIN"
		failed=1
	fi
	if ! at_least "${m[2]}" "$CHURN_ROOTED"; then
		echo "  heaviest stacks not rooted at an entry point:"
		churn_misses "$1" "$2" | sed 's/^/    /'
	fi
}

# churn_expect_known FILE: the run summary (FILE.err) must say that at most
# CHURN_UNKNOWN_MAX processes exited before their mappings were read (no such line: none
# did); sets failed=1 otherwise. The figure counts every process of the host, the test
# machine's own among them: the workload's are checked by their names above.
CHURN_UNKNOWN_MAX=5
churn_expect_known() {
	local n
	n=$(sed -n 's/.* \([0-9][0-9]*\) processes exited before their mappings were read.*/\1/p' \
		"$1.err" | head -n 1)
	echo "summary: ${n:-0} processes exited before their mappings were read;" \
		"$(grep -o '^unwinding[^;]*' "$1.err");" \
		"$(grep -o 'deferred: [^;]*' "$1.err")"
	grep -E '^(mapping journal|process tracking|[0-9]+ of [0-9]+ samples lost)' "$1.err"
	[ "${n:-0}" -le "$CHURN_UNKNOWN_MAX" ] ||
		{ echo "  exited before their mappings were read: $n > $CHURN_UNKNOWN_MAX"; failed=1; }
}

# churn_copy NAME [PROGRAM]: a copy of PROGRAM (default churn_burn) as $WORK/NAME, the
# process name its runs get; prints its path.
churn_copy() {
	cp "$(prog "${2:-churn_burn}")" "$WORK/$1" || fail "cannot copy ${2:-churn_burn}"
	echo "$WORK/$1"
}
