#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Reads the data a bpfprof HTML report embeds (docs/report.md), for the tests.

  report_data.py REPORT.html json              the data, as JSON
  report_data.py REPORT.html seconds           "SECOND TOTAL" per second of the timeline
  report_data.py REPORT.html folded [FROM TO]  folded stacks of the rows whose second is in
                                               [FROM, TO) (offsets; default: every row)
  report_data.py REPORT.html base              folded stacks of the base profile

Fails (exit 1, one line) when the page does not hold exactly one data element or its data
do not keep the format's rules (indexes in range, parents before children).
"""
import collections
import json
import re
import sys

SUFFIX = ["", "_[k]", "_[j]", "_[i]", "_[p]"]


def load(path):
    page = open(path, encoding="utf-8").read()
    found = re.findall(r'<script type="application/json" id="bpfprof-data">(.*?)</script>',
                       page, re.S)
    if len(found) != 1:
        sys.exit(f"report_data.py: {len(found)} data elements in {path}")
    data = json.loads(found[0])
    if data.get("format") != "bpfprof-report" or data.get("version") != 1:
        sys.exit("report_data.py: not a version 1 report")
    strings, frames, nodes = data["strings"], data["frames"], data["nodes"]
    procs, rows = data["processes"], data["samples"]
    if strings[0] != "" or len(frames) % 3 or len(nodes) % 2 or len(procs) % 2 or len(rows) % 4:
        sys.exit("report_data.py: tables of the wrong shape")
    for f in range(0, len(frames), 3):
        if not (0 <= frames[f] < len(strings) and 0 <= frames[f + 1] < len(strings)
                and 0 <= frames[f + 2] < len(SUFFIX)):
            sys.exit(f"report_data.py: frame {f // 3} out of range")
    for n in range(0, len(nodes), 2):
        if not (-1 <= nodes[n] < n // 2 and 0 <= nodes[n + 1] < len(frames) // 3):
            sys.exit(f"report_data.py: node {n // 2} out of range")
    return data


def stacks(data, rows, lo=None, hi=None):
    strings, frames, nodes, procs = data["strings"], data["frames"], data["nodes"], data["processes"]

    def name(node):
        out = []
        while node >= 0:
            f = nodes[2 * node + 1]
            out.append(strings[frames[3 * f]] + SUFFIX[frames[3 * f + 2]])
            node = nodes[2 * node]
        return out[::-1]

    folded = collections.Counter()
    for i in range(0, len(rows), 4):
        node, proc, second, count = rows[i:i + 4]
        if lo is not None and not (lo <= second < hi):
            continue
        folded[";".join([strings[procs[2 * proc + 1]]] + name(node))] += count
    return folded


def main():
    data = load(sys.argv[1])
    what = sys.argv[2]
    if what == "json":
        json.dump(data, sys.stdout)
    elif what == "seconds":
        totals = collections.Counter()
        for i in range(0, len(data["samples"]), 4):
            totals[data["samples"][i + 2]] += data["samples"][i + 3]
        for s in range(data["seconds"]):
            print(s, totals[s])
    elif what in ("folded", "base"):
        rows = data["base"]["samples"] if what == "base" else data["samples"]
        bounds = [int(x) for x in sys.argv[3:5]] if len(sys.argv) > 4 else [None, None]
        for line, count in sorted(stacks(data, rows, *bounds).items()):
            print(line, count)
    else:
        sys.exit("report_data.py: unknown query " + what)


if __name__ == "__main__":
    main()
