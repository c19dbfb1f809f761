# SPDX-License-Identifier: GPL-2.0-only
# A pure-Python workload with a known call graph, for the Python frame tests and
# scripts/bench/python.sh: recursion, a generator consumed by a C function (sum), a C
# function calling back into Python (sorted with a key), and a second thread.
# Usage: callgraph.py SECONDS
import sys
import threading
import time


def spin(n):
    s = 0
    for i in range(n): s += i * i  # hot line
    return s


def recurse(depth, n):
    if depth == 0:
        return spin(n)
    return recurse(depth - 1, n)


def gen_values(n):
    for _ in range(n):
        yield spin(200)


def consume():
    return sum(gen_values(20))


def by_key(x):
    return spin(50) - x


def sort_with_key():
    return sorted(range(40), key=by_key)


def worker(stop):
    while not stop.is_set():
        sort_with_key()


def main():
    end = time.monotonic() + float(sys.argv[1])
    stop = threading.Event()
    sorter = threading.Thread(target=worker, args=(stop,), name="sorter")
    sorter.start()
    while time.monotonic() < end:
        recurse(10, 2000)
        consume()
    stop.set()
    sorter.join()


main()
