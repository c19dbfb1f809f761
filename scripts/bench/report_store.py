#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Lines for tests/tools/store_fill: SECONDS seconds of a host whose CPUs are always busy.

  report_store.py PROFILE.folded START_UNIX SECONDS SAMPLES_PER_SECOND > lines

Each second draws SAMPLES_PER_SECOND samples from the stacks of PROFILE.folded, weighted by
their counts (a real recording, so that names, depths and the spread of stacks are a real
host's); the process ids are a stable number per process name. Seeded: the same input gives
the same store.
"""
import bisect
import collections
import random
import sys
import zlib


def main():
    path, start, seconds, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    stacks, cumulative, total = [], [], 0
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            total += int(count)
            stacks.append(stack)
            cumulative.append(total)
    if not stacks:
        sys.exit("report_store.py: no stacks in " + path)
    rng = random.Random(1)
    out = sys.stdout
    for second in range(seconds):
        drawn = collections.Counter(
            bisect.bisect_right(cumulative, rng.randrange(total)) for _ in range(rate))
        for i, count in sorted(drawn.items()):
            comm = stacks[i].split(";", 1)[0]
            pid = 1000 + zlib.crc32(comm.encode("utf-8", "surrogateescape")) % 30000
            out.write(f"{start + second} {pid} {stacks[i]} {count}\n")


if __name__ == "__main__":
    main()
