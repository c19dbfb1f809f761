#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Stack fidelity under process churn: perf's stacks as folded ones, and a table per process
name comparing folded profiles (scripts/bench/churn.sh).

  churn_stacks.py collapse < PERF_SCRIPT_OUTPUT > FILE.folded
      perf script -F comm,pid,ip,sym,symoff,dso --no-inline output as folded stacks in
      bpfprof's form: "comm;outermost;...;leaf COUNT", user frames first, kernel frames
      suffixed _[k], an unnamed user frame as FILE+0xADDR (bpfprof: FILE+0xOFFSET).
  churn_stacks.py table [--top N] [--min-samples N] LABEL=FILE.folded...
      for each process name (the most sampled first) and each file: samples, and of the
      samples with user frames the shares below; then the same over all processes, and the
      names the first file roots less often than the second (20 samples or more in both).

Shares, of the samples with user frames (samples without any, kernel work after the
process's memory is gone, are left out of them):
  rooted   the outermost user frame is an entry point: _start, _dl_start_user,
           __libc_start_main, __libc_start_call_main (perf often ends there), clone, clone3,
           start_thread; an unnamed address right before __libc_start_main (the _start of a
           stripped program such as dash); or an unnamed address in the dynamic linker
           (ld-linux...+0x), which Debian ships without symbols: its entry code, before the
           program runs.
  own      rooted, and the first frame after the entry frames (_start, __libc_start_main,
           __libc_start_call_main) is the program's own: main, or an unnamed address in a file
           whose name holds no ".so" (a stripped program): the chain from the entry point
           reaches the executable's code, not only the dynamic linker's or libc's.
  unnamed  a user frame has no name: [unknown], a bare address, FILE+0xADDR.
  incompl  (bpfprof) the stack starts with an "[incomplete: ...]" marker: the walk ended
           early; "no table" the share of "[incomplete: no unwind table]".
"""
import argparse
import collections
import os
import re
import sys

ENTRY = {
    "_start", "_dl_start_user", "__libc_start_main", "__libc_start_main_impl",
    "__libc_start_main_alias_2", "__libc_start_call_main", "clone", "__clone", "clone3",
    "__clone3", "start_thread",
}
UNNAMED = re.compile(r"^(\[unknown\]|0x[0-9a-f]+|.+\+0x[0-9a-f]+)$")
SUFFIX = re.compile(r"_\[[a-z]\]$|@.*$")
START = {"_start", "__libc_start_main", "__libc_start_main_impl", "__libc_start_main_alias_2",
         "__libc_start_call_main"}
FRAME = re.compile(r"^\s+([0-9a-f]+) (.*?)(?: \(([^()]*)\))?$")


def collapse(src, out):
    """perf script's callchains (leaf first) to folded lines (root first)."""
    counts = collections.Counter()
    comm, frames = None, []

    def flush():
        if comm is not None:
            counts[";".join([comm] + frames[::-1])] += 1

    for line in src:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
            comm, frames = None, []
            continue
        if not line[0].isspace():
            flush()
            # "comm pid": the comm may hold spaces, the pid is the last field.
            comm, frames = line.rsplit(None, 1)[0].strip().replace(";", ":"), []
            continue
        m = FRAME.match(line)
        if not m or comm is None:
            continue
        addr, sym, dso = m.group(1), m.group(2), m.group(3) or "[unknown]"
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
        kernel = dso.startswith("[kernel") or dso.endswith(".ko") or dso.startswith("[bpf")
        if sym in ("", "[unknown]"):
            sym = "[unknown]" if dso.startswith("[") else "%s+0x%s" % (os.path.basename(dso), addr)
        frames.append(sym.replace(";", ":") + ("_[k]" if kernel else ""))
    flush()
    for stack, n in counts.items():
        out.write("%s %d\n" % (stack, n))


class Shares:
    """Sample counts of one process name in one profile."""

    def __init__(self):
        self.samples = self.user = self.rooted = self.own = 0
        self.unnamed = self.incomplete = self.no_table = 0

    def add(self, frames, n):
        self.samples += n
        user = [f for f in frames if not f.endswith("_[k]")]
        if not user:
            return
        self.user += n
        if user[0].startswith("[incomplete"):
            self.incomplete += n
            if user[0] == "[incomplete: no unwind table]":
                self.no_table += n
            user = user[1:]
        names = [SUFFIX.sub("", f) for f in user]
        root = names[0] if names else ""
        unnamed_root = bool(UNNAMED.match(root)) and root != "[unknown]"
        stripped_start = unnamed_root and len(names) > 1 and names[1] in START
        if frames[0].startswith("[incomplete") or not (
                root in ENTRY or stripped_start or (unnamed_root and root.startswith("ld-linux"))):
            return self.count_unnamed(names, n)
        self.rooted += n
        rest = [f for i, f in enumerate(names) if not (f in START or (i == 0 and stripped_start))]
        if rest and (rest[0] == "main" or (UNNAMED.match(rest[0]) and ".so" not in rest[0]
                                           and rest[0] != "[unknown]")):
            self.own += n
        self.count_unnamed(names, n)

    def count_unnamed(self, names, n):
        if any(UNNAMED.match(f) for f in names):
            self.unnamed += n

    def merge(self, other):
        for k, v in vars(other).items():
            setattr(self, k, getattr(self, k) + v)

    def pct(self, x):
        return "%5.1f" % (100.0 * x / self.user) if self.user else "    -"


def read_folded(path):
    by_comm = collections.defaultdict(Shares)
    with open(path, errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = stack.split(";")
            by_comm[frames[0]].add(frames[1:], int(count))
    return by_comm


def table(args):
    profiles = []
    for spec in args.profiles:
        label, _, path = spec.partition("=")
        profiles.append((label, read_folded(path)))
    weight = collections.Counter()
    for _, by_comm in profiles:
        for comm, s in by_comm.items():
            weight[comm] += s.samples
    comms = [c for c, w in weight.most_common() if w >= args.min_samples][: args.top]
    cols = "%8s %6s %6s %6s %7s %7s %8s"
    head = "%-16s" % "process" + "".join(
        " | " + cols % (label[:8], "user%", "rooted", "own", "unnamd", "incompl", "no table")
        for label, _ in profiles)
    print(head)

    def row(name, per_profile):
        line = "%-16s" % name[:16]
        for s in per_profile:
            user = "%5.1f" % (100.0 * s.user / s.samples) if s.samples else "-"
            line += " | " + cols % (s.samples, user, s.pct(s.rooted), s.pct(s.own),
                                    s.pct(s.unnamed), s.pct(s.incomplete), s.pct(s.no_table))
        print(line)

    for comm in comms:
        row(comm, [by_comm.get(comm, Shares()) for _, by_comm in profiles])
    totals = []
    for _, by_comm in profiles:
        t = Shares()
        for s in by_comm.values():
            t.merge(s)
        totals.append(t)
    row("(all)", totals)
    if len(profiles) < 2:
        return
    (a, pa), (b, pb) = profiles[:2]
    below = []
    for comm in weight:
        sa, sb = pa.get(comm), pb.get(comm)
        if sa and sb and sa.user >= 20 and sb.user >= 20 and \
                sa.rooted * sb.user < sb.rooted * sa.user:
            below.append("%s %s<%s" % (comm, sa.pct(sa.rooted).strip(), sb.pct(sb.rooted).strip()))
    print("rooted less often in %s than in %s: %s" % (a, b, ", ".join(below) or "none"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("collapse")
    t = sub.add_parser("table")
    t.add_argument("--top", type=int, default=20)
    t.add_argument("--min-samples", type=int, default=10)
    t.add_argument("profiles", nargs="+", metavar="LABEL=FILE")
    args = ap.parse_args()
    if args.cmd == "collapse":
        collapse(sys.stdin, sys.stdout)
    else:
        table(args)


if __name__ == "__main__":
    main()
