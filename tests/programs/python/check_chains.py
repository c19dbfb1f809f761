# SPDX-License-Identifier: GPL-2.0-only
"""Checks a recording of callgraph.py: how many of its samples have the right Python call
chain, spliced in the right place, and the right line in their leaf Python frame.

Usage: check_chains.py [--comm NAME] FOLDED [PPROF_RAW]
NAME: the process name of the program's samples (default: any name starting "python3").
FOLDED: folded output of the recording (Python frames end in "_[p]").
PPROF_RAW: `go tool pprof -raw` of its pprof output, for the lines (optional).
Prints "name value" lines: samples, with_python, right_chain (share of samples with Python
frames whose Python chain is a prefix of a chain the program makes and whose Python frames
each follow _PyEval_EvalFrameDefault), leaf_spin, right_line (share of samples whose leaf
Python frame is spin at the hot line, of those whose leaf Python frame is spin), unnamed
(samples with a Python frame whose code object could not be read), and the commonest
wrong stacks ("wrong COUNT STACK", at most 3) to see what went wrong.
"""
import os
import re
import sys

THREAD = ["Thread._bootstrap", "Thread._bootstrap_inner", "Thread.run"]
CHAINS = [
    ["<module>", "main"] + ["recurse"] * 11 + ["spin"],
    ["<module>", "main", "consume", "gen_values", "spin"],
    ["<module>", "main", "Thread.start", "Event.wait", "Condition.wait"],
    ["<module>", "main", "Thread.join", "Thread._wait_for_tstate_lock"],
    THREAD + ["worker", "sort_with_key", "by_key", "spin"],
    THREAD + ["worker", "Event.is_set"],
]
EVAL = "_PyEval_EvalFrameDefault"
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callgraph.py")


def hot_line():
    with open(SOURCE) as f:
        for n, line in enumerate(f, 1):
            if "# hot line" in line:
                return n
    raise SystemExit("no hot line in " + SOURCE)


def right_chain(frames):
    """Whether the Python frames of a stack (folded names, root first) are a known chain
    and each run of them comes right after the interpreter's eval function."""
    py = [f[:-4] for f in frames if f.endswith("_[p]")]
    if not any(chain[:len(py)] == py for chain in CHAINS):
        return False
    for i, f in enumerate(frames):
        if f.endswith("_[p]") and (i == 0 or not frames[i - 1].endswith("_[p]")):
            if i == 0 or frames[i - 1] != EVAL:
                return False
    return True


def main():
    args = sys.argv[1:]
    comm = None
    if args[:1] == ["--comm"]:
        comm, args = args[1], args[2:]
    samples = with_python = right = unnamed = 0
    wrong = {}
    with open(args[0]) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            frames = stack.split(";")
            if frames[0] != comm if comm else not frames[0].startswith("python3"):
                continue
            n = int(count)
            samples += n
            if any(x.endswith("_[p]") for x in frames):
                with_python += n
                if right_chain(frames[1:]):
                    right += n
                else:
                    wrong[stack] = wrong.get(stack, 0) + n
                unnamed += n * ("[unknown python code]_[p]" in frames)
    print("samples", samples)
    print("with_python %.4f" % (with_python / samples if samples else 0))
    print("right_chain %.4f" % (right / with_python if with_python else 0))
    print("unnamed", unnamed)
    for stack, n in sorted(wrong.items(), key=lambda kv: -kv[1])[:3]:
        print("wrong", n, stack)
    if len(args) > 1:
        spin, at_line = lines(args[1], hot_line())
        print("leaf_spin", spin)
        print("right_line %.4f" % (at_line / spin if spin else 0))


def lines(raw, hot):
    """Samples whose leaf Python frame is spin, and those of them at line @hot, from
    `go tool pprof -raw`: samples list location ids leaf first; locations their lines."""
    samples, locations, section = [], {}, None
    for line in open(raw):
        if line.startswith("Samples:"):
            section = "samples"
        elif line.startswith("Locations"):
            section = "locations"
        elif line.startswith("Mappings"):
            section = None
        elif section == "samples":
            m = re.match(r"\s+(\d+)\s+\d+: ([\d ]+)$", line)
            if m:
                samples.append((int(m.group(1)), [int(x) for x in m.group(2).split()]))
        elif section == "locations":
            m = re.match(r"\s+(\d+): 0x[0-9a-f]+ M=\d+ (.*) (\S+):(\d+) s=\d+$", line)
            if m:
                locations[int(m.group(1))] = (m.group(2), m.group(3), int(m.group(4)))
    spin = at_line = 0
    for count, locs in samples:
        for loc in locs:
            where = locations.get(loc)
            if where and where[1].endswith(".py"):
                if where[0] == "spin":
                    spin += count
                    at_line += count * (where[2] == hot)
                break
    return spin, at_line


main()
