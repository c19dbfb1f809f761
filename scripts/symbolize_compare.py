#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Compares the answers of address symbolizers, each run with addresses printed (-a).

Reads the output of `bpfprof symbolize -a`, `eu-addr2line -a -f -i`, `addr2line -a -f -i`
and `llvm-symbolizer --print-address --inlines` (LLVM or GNU style): blocks that start with
an address line (0x...), then pairs of lines, function then FILE:LINE[:COLUMN], innermost
frame first. eu-addr2line's "FUNC inlined at FILE:LINE in CALLER" reads as FUNC.

  symbolize_compare.py REFERENCE TEST [--min-outer X] [--min-inner X] [--min-chain X]

prints, for the addresses of REFERENCE, the share of TEST's answers that agree:
  outer  the outermost function (the one an ELF symbol table names)
  inner  the innermost frame's function and line
  chain  every frame's function and line, the same number of frames
  line   the innermost frame's line alone
and exits 1 when a share is below its --min-*. With --json, prints one JSON object.
Files are compared by nothing but their line numbers: tools print paths differently.
"""
import argparse
import json
import re
import sys

ADDR = re.compile(r"^0x[0-9a-fA-F]+$")
LOCATION = re.compile(r"^(.*?):(\d+|\?)(?::(\d+))?(?: \(discriminator \d+\))?$")


def unknown(name):
    return name in ("??", "")


def parse(path):
    """[(address, [(function or None, line), ...]), ...] in the order of the output, frames
    innermost first."""
    blocks = []
    frames = None
    pending = None
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip():
                continue
            if ADDR.match(line):
                frames = []
                blocks.append((int(line, 16), frames))
                pending = None
                continue
            if frames is None:
                continue
            if pending is None:
                pending = line.split(" inlined at ")[0].strip()
                continue
            m = LOCATION.match(line.strip())
            lineno = int(m.group(2)) if m and m.group(2).isdigit() else 0
            frames.append((None if unknown(pending) else pending, lineno))
            pending = None
    return blocks


def agreement(ref, test, canon=None):
    """Answers are paired in order; a pair for different addresses disagrees. With canon,
    functions compare by canon(name) (say, aliases of one address as one)."""
    if canon:
        ref = [(a, [(canon(f) if f else f, ln) for f, ln in fr]) for a, fr in ref]
        test = [(a, [(canon(f) if f else f, ln) for f, ln in fr]) for a, fr in test]
    n = outer = inner = chain = line = 0
    for i, (addr, rframes) in enumerate(ref):
        n += 1
        if i >= len(test) or test[i][0] != addr:
            continue
        tframes = test[i][1]
        if not rframes or not tframes:
            continue
        if rframes[-1][0] == tframes[-1][0]:
            outer += 1
        if rframes[0] == tframes[0]:
            inner += 1
        if rframes[0][1] == tframes[0][1]:
            line += 1
        if rframes == tframes:
            chain += 1
    div = n or 1
    return {"addresses": n, "outer": outer / div, "inner": inner / div, "chain": chain / div,
            "line": line / div}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reference")
    ap.add_argument("test")
    ap.add_argument("--min-outer", type=float, default=0)
    ap.add_argument("--min-inner", type=float, default=0)
    ap.add_argument("--min-chain", type=float, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show", type=int, default=0, help="print up to N disagreements")
    a = ap.parse_args()
    ref, test = parse(a.reference), parse(a.test)
    res = agreement(ref, test)
    if a.json:
        print(json.dumps(res))
    else:
        print(f"{res['addresses']} addresses: outer function {res['outer']:.4f}, "
              f"inner function+line {res['inner']:.4f}, whole chain {res['chain']:.4f}, "
              f"inner line {res['line']:.4f}")
    shown = 0
    for i, (addr, rframes) in enumerate(ref):
        if shown >= a.show:
            break
        tframes = test[i][1] if i < len(test) and test[i][0] == addr else None
        if rframes != tframes:
            print(f"  {addr:#x}: reference {rframes} test {tframes}")
            shown += 1
    bad = (res["outer"] < a.min_outer or res["inner"] < a.min_inner or
           res["chain"] < a.min_chain)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
