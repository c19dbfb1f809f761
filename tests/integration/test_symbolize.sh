#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bpfprof symbolize: the same answers as eu-addr2line -f -i for an ELF file (functions, and
# file:line with inline chains where we print them), addresses as arguments or on stdin,
# a live process (its functions, JIT code from its perf map, its vDSO), kernel addresses,
# and clear errors. Needs no BPF; runs as any user (kernel part: root).
. "$(dirname "$0")/lib.sh"
src=$(cd "$(dirname "$0")/.." && pwd)
compare="$src/../scripts/symbolize_compare.py"

command -v eu-addr2line >/dev/null || skip "eu-addr2line (elfutils) is missing"
command -v gcc >/dev/null || skip "gcc is missing"
command -v python3 >/dev/null || skip "python3 is missing"

# gcc, because eu-addr2line needs the .debug_aranges clang does not write by default.
fx=$WORK/inline_fixture
gcc -O2 -g -o "$fx" "$src/programs/inline_fixture.c" || fail "cannot compile the fixture"

# Every function's start and a few addresses inside it, inline code included.
nm -S --defined-only "$fx" | python3 -c '
import sys
for line in sys.stdin:
    f = line.split()
    if len(f) == 4 and f[2] in "tT":
        start, size = int(f[0], 16), int(f[1], 16)
        step = max(size // 7, 1) if size > 16 else size
        for off in range(0, size, step):
            print(hex(start + off))
' >"$WORK/addrs"
naddrs=$(wc -l <"$WORK/addrs")
[ "$naddrs" -ge 20 ] || fail "only $naddrs addresses from the fixture"
echo "0x1" >>"$WORK/addrs" # in no function

# eu-addr2line exits 1 when some address is unknown, as 0x1 is.
eu-addr2line -a -f -i -e "$fx" <"$WORK/addrs" >"$WORK/eu.txt"
[ "$(grep -c '^0x' "$WORK/eu.txt")" -eq "$((naddrs + 1))" ] || fail "eu-addr2line did not answer"
"$BPFPROF" symbolize -a --elf "$fx" <"$WORK/addrs" >"$WORK/ours.txt" || fail "symbolize --elf exited $?"
[ "$(grep -c '^0x' "$WORK/ours.txt")" -eq "$((naddrs + 1))" ] || fail "not one answer per address"
tail -n 3 "$WORK/ours.txt" | tr '\n' ' ' | grep -q '^0x0*1 ?? ??:0 $' || fail "no '??' / '??:0' for an unknown address"

# Line information comes with the DWARF reader: once we print any, it must agree too.
if grep -qv -e '^0x' -e '^??:0$' -e '^[^/]*$' "$WORK/ours.txt"; then
	python3 "$compare" "$WORK/eu.txt" "$WORK/ours.txt" --show 5 --min-outer 0.95 --min-inner 0.95 --min-chain 0.9 ||
		fail "answers differ from eu-addr2line's"
	ok "functions, lines and inline chains agree with eu-addr2line"
else
	python3 "$compare" "$WORK/eu.txt" "$WORK/ours.txt" --show 5 --min-outer 0.95 ||
		fail "function names differ from eu-addr2line's"
	ok "function names agree with eu-addr2line (no line information printed yet)"
fi

# Arguments and standard input give the same answers.
mapfile -t some < <(head -n 5 "$WORK/addrs")
"$BPFPROF" symbolize -a -e "$fx" "${some[@]}" >"$WORK/args.txt" || fail "symbolize with arguments exited $?"
head -n "$(wc -l <"$WORK/args.txt")" "$WORK/ours.txt" | cmp -s - "$WORK/args.txt" ||
	fail "arguments and stdin answer differently"
# Without -a: two lines per frame and nothing else.
"$BPFPROF" symbolize -e "$fx" "${some[0]}" >"$WORK/plain.txt"
[ "$(sed -n 1p "$WORK/plain.txt")" = "$(sed -n 2p "$WORK/ours.txt")" ] || fail "plain output differs from -a output"
ok "arguments and stdin"

# A live process: its own functions, its JIT code (perf map), its vDSO.
coproc JIT { exec "$(prog jit_fixture)" wait; }
jit_pid=$JIT_PID
BG_PIDS+=("$jit_pid")
jit_lines=()
while read -r -u "${JIT[0]}" line && [ "$line" != end ]; do jit_lines+=("$line"); done
if [ ${#jit_lines[@]} -eq 0 ]; then
	echo "the JIT fixture cannot generate code on $(uname -m): JIT part skipped"
else
	exe=$(readlink -f "$(prog jit_fixture)")
	args=()
	for l in "${jit_lines[@]}"; do
		read -r kind addr _ <<<"$l"
		args+=("0x$addr")
	done
	"$BPFPROF" symbolize --pid "$jit_pid" "${args[@]}" >"$WORK/pid.txt" || fail "symbolize --pid exited $?"
	i=1
	for l in "${jit_lines[@]}"; do
		read -r kind addr name <<<"$l"
		[ "$kind" = jit ] && name=${name#* } # after the size
		got=$(sed -n "${i}p" "$WORK/pid.txt")
		if [ "$kind" = vdso ]; then
			[ "$got" = __vdso_clock_gettime ] || [ "$got" = clock_gettime ] ||
				fail "vdso address named '$got'"
		else
			[ "$got" = "$name" ] || fail "JIT address named '$got', not '$name'"
		fi
		i=$((i + 2))
	done
	ok "JIT code and the vDSO of process $jit_pid"
	# A function of the program: its runtime address from the maps and the ELF header.
	vaddr=$(nm "$exe" | awk '$3 == "jit_fixture_spin" { print $1 }')
	base=$(awk -v p="$exe" '$6 == p && $3 == "00000000" { print $1; exit }' "/proc/$jit_pid/maps")
	base=${base%%-*}
	if readelf -h "$exe" | grep -q 'Type:.*DYN'; then
		addr=$(printf '0x%x' $((0x$base + 0x$vaddr)))
	else
		addr=0x$vaddr
	fi
	got=$("$BPFPROF" symbolize --pid "$jit_pid" "$addr" | head -n 1)
	[ "$got" = jit_fixture_spin ] || fail "function at $addr of process $jit_pid named '$got'"
	ok "a function of process $jit_pid"
fi
eval "exec ${JIT[1]}>&-"
wait "$jit_pid" 2>/dev/null

# Kernel addresses, when kallsyms shows them.
if [ "$(id -u)" = 0 ] && awk '$2 ~ /^[tT]$/ && $1 != "0000000000000000" { found = 1; exit } END { exit !found }' /proc/kallsyms; then
	read -r kaddr _ kname _ < <(grep -m 1 -E ' [tT] (schedule|do_syscall_64)$' /proc/kallsyms)
	got=$("$BPFPROF" symbolize --kernel "0x$kaddr" | head -n 1)
	grep -q "^$kaddr [tT] $got\( \|$\)" /proc/kallsyms || fail "kernel address of $kname named '$got'"
	ok "kernel address 0x$kaddr: $got"
fi

# Errors: usage (2), runtime (1), bad input lines answered and reported.
"$BPFPROF" symbolize 0x1 2>"$WORK/err"
[ $? -eq 2 ] || fail "no target: exit status not 2"
grep -q -- "--pid PID, --elf FILE or --kernel" "$WORK/err" || fail "no target: unclear message"
"$BPFPROF" symbolize --elf "$fx" nothex 2>/dev/null
[ $? -eq 2 ] || fail "bad address argument: exit status not 2"
"$BPFPROF" symbolize --elf "$WORK/missing" 0x1 2>"$WORK/err"
[ $? -eq 1 ] || fail "missing file: exit status not 1"
grep -q "cannot open $WORK/missing" "$WORK/err" || fail "missing file: unclear message"
"$BPFPROF" symbolize --pid 2147483647 0x1 2>"$WORK/err"
[ $? -eq 1 ] || fail "missing process: exit status not 1"
printf '%s\nbogus\n%s\n' "${some[0]}" "${some[1]}" | "$BPFPROF" symbolize -e "$fx" >"$WORK/mixed.txt" 2>"$WORK/err"
[ $? -eq 1 ] || fail "bad input line: exit status not 1"
[ "$(wc -l <"$WORK/mixed.txt")" -ge 6 ] || fail "bad input line: the other addresses were not answered"
sed -n 3,4p "$WORK/mixed.txt" | tr '\n' ' ' | grep -q '^?? ??:0 $' || fail "bad input line not answered with ??"
grep -q "'bogus' is not an address" "$WORK/err" || fail "bad input line not reported"
# Not an ELF file (garbage, text, empty, cut short) or a folder: one line of error, exit
# status 1, no answers that look like unnamed addresses.
head -c 4096 /dev/urandom >"$WORK/garbage"
echo hello >"$WORK/text"
: >"$WORK/empty"
head -c 200 "$fx" >"$WORK/cut"
mkdir "$WORK/folder"
for f in garbage text empty cut folder; do
	"$BPFPROF" symbolize -e "$WORK/$f" 0x10 >"$WORK/g.txt" 2>"$WORK/err"
	[ $? -eq 1 ] || fail "$f instead of an ELF file: exit status not 1: $(cat "$WORK/g.txt")"
	[ ! -s "$WORK/g.txt" ] || fail "$f instead of an ELF file: answered $(cat "$WORK/g.txt")"
	[ "$(wc -l <"$WORK/err")" -eq 1 ] || fail "$f instead of an ELF file: $(cat "$WORK/err")"
done
grep -q "cannot open $WORK/folder: Is a directory" "$WORK/err" || fail "folder: $(cat "$WORK/err")"
"$BPFPROF" symbolize -e "$WORK/text" 0x10 2>&1 | grep -q "is not an ELF file" ||
	fail "a text file is not reported as not ELF"
ok "errors"
echo "PASS"
