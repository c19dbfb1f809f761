#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A zstd bomb in the store: a few KiB that decompress to 1 GiB. `store ls` and `flamegraph
# --store` refuse it past what an interval can hold (64 MiB), told from the frame header when
# it says a size and cut while streaming when it does not, with a line naming the bound;
# they list and merge the rest. Run under a 384 MiB address-space limit: loading the bomb
# would not fit.
. "$(dirname "$0")/lib.sh"

S=$WORK/store
"$TEST_TOOL_DIR/store_write" "$S" 1 2000 >"$WORK/write.out" || fail "store_write: $(cat "$WORK/write.out")"

# bomb NAME SAY_SIZE: 1 GiB of zeros as 8192 RLE blocks of 128 KiB (32 KiB on disk).
bomb() {
	python3 - "$S/$1" "$2" <<'EOF'
import struct, sys
path, say_size = sys.argv[1], sys.argv[2] == "1"
total, block = 1 << 30, 128 << 10
head = b"\x28\xb5\x2f\xfd" + (b"\xc0\x38" + struct.pack("<Q", total) if say_size else b"\x00\x38")
blocks = []
for i in range(total // block):
    h = (i == total // block - 1) | 1 << 1 | block << 3  # last bit, RLE, regenerated size
    blocks.append(struct.pack("<I", h)[:3] + b"\x00")
open(path, "wb").write(head + b"".join(blocks))
EOF
}
bomb 20200101T000000.000Z.pb.zst 0
bomb 20200101T000010.000Z.pb.zst 1
[ "$(stat -c %s "$S/20200101T000010.000Z.pb.zst")" -lt 65536 ] || fail "the bomb is not small"

limited() { (ulimit -v 393216 && exec "$@"); }

limited "$BPFPROF" store ls --store "$S" >"$WORK/ls" 2>"$WORK/err" ||
	fail "store ls exited $?: $(cat "$WORK/err")"
cat "$WORK/ls"
for f in 20200101T000000.000Z.pb.zst 20200101T000010.000Z.pb.zst; do
	grep -q "$f  unreadable: holds more than 64 MiB of profile" "$WORK/ls" ||
		fail "store ls: $f not refused for its size"
done
tail -n 1 "$WORK/ls" | grep -q '^3 intervals, .*; 2 unreadable$' || fail "store ls: totals line"
ok "store ls refuses the bombs and lists the rest"

limited "$BPFPROF" flamegraph --store "$S" -o "$WORK/all.folded" 2>"$WORK/err" ||
	fail "flamegraph --store exited $?: $(cat "$WORK/err")"
cat "$WORK/err"
[ "$(grep -c 'skipped 20200101T0000[01]0.000Z.pb.zst: holds more than 64 MiB' "$WORK/err")" = 2 ] ||
	fail "flamegraph --store: no warning per bomb"
grep -q '2 of 3 files in the window were unreadable' "$WORK/err" || fail "flamegraph --store: no count"
[ "$(total "$WORK/all.folded")" -gt 0 ] || fail "flamegraph --store: the good interval is missing"
ok "flamegraph --store skips the bombs with a warning each and merges the rest"
