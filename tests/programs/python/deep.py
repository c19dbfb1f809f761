# SPDX-License-Identifier: GPL-2.0-only
# Recursion deeper than the Python walk follows: DEPTH frames of down(), the innermost busy.
# Usage: deep.py SECONDS DEPTH
import sys
import time

sys.setrecursionlimit(10000)


def down(n):
    if n == 0:
        end = time.monotonic() + 0.05
        while time.monotonic() < end:
            pass
        return
    down(n - 1)


end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    down(int(sys.argv[2]))
