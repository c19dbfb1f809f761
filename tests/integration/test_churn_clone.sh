#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A posix_spawn loop on a whole-host recording: the spawner is sampled in glibc's clone3
# while the kernel copies it, its PC just past the syscall, where glibc has no CFI (the
# child runs the same addresses as its outermost frame; only rax tells them apart). No stack
# in clone3, the spawner's or its children's, may end for want of an unwind row, and the
# spawner's must be rooted at _start. Helpers: churn.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/churn.sh"
need_bpf
[ -x "$(prog churn_spawn)" ] || skip "churn_spawn was not built"

spawner=$(churn_copy churn_spawner churn_spawn)
out=$WORK/spawn.folded
churn_record "$out" "$spawner" -n 3000 /bin/true

# "parent rooted no_row child child_no_row": the spawner's samples in clone3, those with the
# chain from _start and no incomplete marker, those that ended for want of an unwind row;
# the same for the children's samples in clone3 (their root: the kernel's return to their
# first instruction, or their own code).
read -r parent rooted no_row child child_no_row < <(awk -v main="$CHURN_MAIN" '
	index($0, "churn_spawner;") != 1 || $0 !~ /;clone3(;| )/ { next }
	{
		n = $NF
		s = $0
		sub(/ [0-9]+$/, "", s)
		s = substr(s, length("churn_spawner") + 1)
		lost = index(s, "[incomplete: no unwind row]") != 0
	}
	s ~ /^;clone3(;|$)/ || s ~ /;clone3;ret_from_fork/ {
		child += n
		child_lost += lost * n
		next
	}
	{
		parent += n
		lost_rows += lost * n
		if (index(s, "[incomplete") == 0 && s ~ (main ".*;posix_spawn;.*;clone3(;|$)"))
			rooted += n
	}
	END { print parent + 0, rooted + 0, lost_rows + 0, child + 0, child_lost + 0 }' "$out")
echo "churn_spawner in clone3: $parent samples, $rooted complete from _start, $no_row without" \
	"an unwind row; its children in clone3: $child samples, $child_no_row without a row"
grep -o '^unwinding[^;]*' "$out.err"

[ "$parent" -ge 10 ] || fail "too few samples of the spawner in clone3: $parent < 10"
if [ "$no_row" != 0 ] || [ "$child_no_row" != 0 ]; then
	grep '^churn_spawner;\[incomplete: no unwind row\];clone3' "$out" | sort -k2 -rn |
		head -n 3 | cut -c1-240
	fail "stacks in clone3 without an unwind row: $no_row of the spawner's," \
		"$child_no_row of its children's"
fi
# Other ends (a stack page not readable in the sample's context) are not this rule's.
share=$(awk -v a="$rooted" -v b="$parent" 'BEGIN { printf "%.4f", a / b }')
at_least "$share" 0.80 || fail "the spawner's stacks in clone3: $share complete from _start < 0.80"
ok "complete stacks through glibc's clone3 in a posix_spawn loop"
