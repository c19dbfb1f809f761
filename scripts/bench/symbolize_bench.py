#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Symbolization benchmark: bpfprof symbolize --elf against eu-addr2line, addr2line and
llvm-symbolizer on the same addresses, in the same run.

  symbolize_bench.py --bpfprof PATH [--addresses N] [--functions N] [--workdir DIR]
                     [--binary FILE]... [--no-generated]

For each binary (a C program generated and compiled with -O2 -g here, thousands of functions
with inline helpers in several compile units; and every --binary, e.g. libc with its
libc6-dbg debug file found by build id), draws N addresses uniformly from .text (fixed
seed), asks every tool for function, file:line and the inline chain of each, and prints:
wall time, addresses per second, peak RSS of the tool's process, and how often bpfprof's
answer agrees with each tool's (outermost function; innermost function and line; the
whole chain). A last block shows how the reference tools agree among themselves.
"""
import argparse
import os
import re
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import symbolize_compare  # noqa: E402

SEED = 20261121


def gen_program(workdir, nfuncs, nfiles=8):
    """Writes and compiles a C program: nfuncs functions over nfiles files, a shared header
    of inline helpers, static functions the compiler inlines. Returns the binary's path."""
    src = os.path.join(workdir, "gen")
    os.makedirs(src, exist_ok=True)
    rnd = random.Random(SEED)
    with open(os.path.join(src, "helpers.h"), "w") as h:
        h.write("#include <stdint.h>\n")
        for k in range(16):
            h.write(f"static inline uint64_t mix{k}(uint64_t x)\n{{\n"
                    f"\tx ^= x >> {rnd.randint(7, 40)};\n"
                    f"\tx *= 0x{rnd.getrandbits(64) | 1:x}ULL;\n"
                    f"\treturn x ^ (x >> {rnd.randint(7, 40)});\n}}\n\n")
        for k in range(16):
            h.write(f"static inline __attribute__((always_inline)) uint64_t twice{k}(uint64_t x)\n{{\n"
                    f"\treturn mix{k}(mix{(k + 1) % 16}(x) + {rnd.randint(1, 1 << 30)});\n}}\n\n")
    per_file = (nfuncs + nfiles - 1) // nfiles
    sources = []
    for fi in range(nfiles):
        path = os.path.join(src, f"part{fi}.c")
        sources.append(path)
        with open(path, "w") as c:
            c.write('#include "helpers.h"\n\n')
            first, last = fi * per_file, min(nfuncs, (fi + 1) * per_file)
            for i in range(first, last):
                k = rnd.randrange(16)
                static = i % 4 == 3
                loops = rnd.randint(2, 9)
                callee = rnd.randrange(first, i) if i > first else None
                c.write(f"{'static ' if static else '__attribute__((noinline)) '}"
                        f"uint64_t f{i}(uint64_t x, uint64_t n)\n{{\n\tuint64_t s = x;\n\n")
                c.write(f"\tfor (uint64_t j = 0; j < n % {loops + 3}; j++) {{\n")
                c.write(f"\t\ts += twice{k}(s + j);\n")
                if rnd.random() < 0.5:
                    c.write(f"\t\tif (s & {1 << rnd.randint(1, 12)})\n\t\t\ts ^= mix{(k + 5) % 16}(s);\n")
                c.write("\t}\n")
                if callee is not None and (callee % 4 != 3 or callee < i - 1):
                    c.write(f"\tif (s % {rnd.randint(3, 17)} == 1)\n"
                            f"\t\ts += f{callee}(s, n >> 1);\n")
                c.write("\treturn s;\n}\n\n")
            # Keep every static function: a table the program can reach.
            c.write(f"uint64_t (*const table{fi}[])(uint64_t, uint64_t) = {{\n")
            for i in range(first, last):
                c.write(f"\tf{i},\n")
            c.write("};\n")
            c.write(f"const unsigned long table{fi}_len = {last - first};\n")
    with open(os.path.join(src, "main.c"), "w") as c:
        c.write("#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n\n")
        for fi in range(nfiles):
            c.write(f"extern uint64_t (*const table{fi}[])(uint64_t, uint64_t);\n"
                    f"extern const unsigned long table{fi}_len;\n")
        c.write("\nint main(int argc, char **argv)\n{\n\tuint64_t s = argc;\n\n")
        for fi in range(nfiles):
            c.write(f"\tfor (unsigned long i = 0; i < table{fi}_len; i++)\n"
                    f"\t\ts += table{fi}[i](s, argc > 1 ? strtoull(argv[1], NULL, 0) : 3);\n")
        c.write('\tprintf("%llx\\n", (unsigned long long)s);\n\treturn 0;\n}\n')
    sources.append(os.path.join(src, "main.c"))
    out = os.path.join(workdir, "generated")
    # gcc: its .debug_aranges let eu-addr2line find compile units (clang writes none).
    cc = ["gcc", "-O2", "-g", "-o", out] + sources
    t0 = time.time()
    subprocess.run(cc, check=True)
    print(f"generated {nfuncs} functions in {nfiles + 1} files, compiled in "
          f"{time.time() - t0:.1f} s: {out} ({os.path.getsize(out) / 1e6:.1f} MB)")
    return out


def text_range(binary):
    """(start, size) of .text, from readelf."""
    out = subprocess.run(["readelf", "-SW", binary], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 5 and f[1] == ".text":
            return int(f[3], 16), int(f[5], 16)
    raise SystemExit(f"no .text in {binary}")


def draw_addresses(binary, n, path):
    start, size = text_range(binary)
    rnd = random.Random(SEED)
    with open(path, "w") as f:
        for _ in range(n):
            f.write(f"0x{start + rnd.randrange(size):x}\n")
    return start, size


MEASURE_C = r"""
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* measure OUT CMD...: runs CMD, writes "WALL_SECONDS PEAK_RSS_KB EXIT" to OUT. */
int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *f;

	if (argc < 3)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "%.6f %ld %d\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9,
		ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return fclose(f) != 0;
}
"""


def build_measure(workdir):
    """A small C runner: the peak RSS the kernel reports for a child includes what the
    process had before exec, so the child must come from a small process, not Python."""
    src, exe = os.path.join(workdir, "measure.c"), os.path.join(workdir, "measure")
    with open(src, "w") as f:
        f.write(MEASURE_C)
    subprocess.run(["gcc", "-O2", "-static", "-o", exe, src], check=True,
                   stderr=subprocess.DEVNULL)
    return exe


def run_measured(measure, cmd, stdin_path, stdout_path):
    """Runs cmd; returns (wall seconds, peak RSS in MB, exit status)."""
    res = stdout_path + ".measure"
    with open(stdin_path) as fin, open(stdout_path, "w") as fout:
        subprocess.run([measure, res] + cmd, stdin=fin, stdout=fout,
                       stderr=subprocess.DEVNULL, check=True)
    with open(res) as f:
        wall, rss_kb, code = f.read().split()
    return float(wall), int(rss_kb) / 1024.0, int(code)


def tools(bpfprof, binary):
    llvm = shutil.which("llvm-symbolizer-14") or shutil.which("llvm-symbolizer")
    t = [("bpfprof", [bpfprof, "symbolize", "-a", "--elf", binary])]
    if shutil.which("eu-addr2line"):
        t.append(("eu-addr2line", ["eu-addr2line", "-a", "-f", "-i", "-e", binary]))
    if shutil.which("addr2line"):
        t.append(("addr2line", ["addr2line", "-a", "-f", "-i", "-e", binary]))
    if llvm:
        t.append((os.path.basename(llvm), [llvm, "--obj=" + binary, "--print-address",
                                           "--inlines", "--functions=linkage"]))
    return t


CLONE_SUFFIX = re.compile(r"\.(constprop|isra|part|cold|lto_priv)\.\d+$|\.cold$")


def debug_file(binary):
    """The separate debug file of @binary under /usr/lib/debug/.build-id, or None."""
    out = subprocess.run(["readelf", "-n", binary], capture_output=True, text=True).stdout
    m = re.search(r"Build ID: ([0-9a-f]+)", out)
    if not m:
        return None
    path = f"/usr/lib/debug/.build-id/{m.group(1)[:2]}/{m.group(1)[2:]}.debug"
    return path if os.path.exists(path) else None


def alias_canon(binary):
    """A function that maps a function name to one key per address: names of one address
    in the symbol tables (the binary's and its debug file's) are aliases of one function;
    "@VERSION" and compiler clone suffixes (.constprop.0, .isra.0, .cold) are dropped."""
    addr_of = {}
    for f in filter(None, [binary, debug_file(binary)]):
        out = subprocess.run(["readelf", "-Ws", f], capture_output=True, text=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) >= 8 and p[3] in ("FUNC", "IFUNC") and p[6] != "UND":
                name = p[7].split("@")[0]
                addr_of.setdefault(name, int(p[1], 16))

    def canon(name):
        name = CLONE_SUFFIX.sub("", name.split("@")[0])
        return addr_of.get(name, name)
    return canon


def bench_binary(measure, bpfprof, binary, naddrs, workdir):
    tag = os.path.basename(binary).replace(".", "_")
    addrs = os.path.join(workdir, f"{tag}.addrs")
    start, size = draw_addresses(binary, naddrs, addrs)
    print(f"\n== {binary}: {naddrs} addresses from .text [{start:#x}, {start + size:#x}), "
          f"{size / 1024:.0f} KiB")
    results = {}
    for name, cmd in tools(bpfprof, binary):
        out = os.path.join(workdir, f"{tag}.{name}.txt")
        wall, rss, code = run_measured(measure, cmd, addrs, out)
        results[name] = (wall, rss, code, out)
    parsed = {name: symbolize_compare.parse(r[3]) for name, r in results.items()}
    ours = parsed["bpfprof"]
    print(f"{'tool':<20} {'seconds':>8} {'addr/s':>10} {'peak MB':>8}   "
          f"agreement of bpfprof with it: {'outer fn':>8} {'fn+line':>8} {'chain':>8} "
          f"{'line':>8}")
    for name, (wall, rss, code, _) in results.items():
        answered = len(parsed[name])
        note = "" if answered == naddrs else f"  (answered {answered}, exit {code})"
        if name == "bpfprof":
            agree = ""
        else:
            a = symbolize_compare.agreement(parsed[name], ours)
            agree = (f"{'':30}{a['outer']:8.4f} {a['inner']:8.4f} {a['chain']:8.4f} "
                     f"{a['line']:8.4f}")
        print(f"{name:<20} {wall:8.3f} {naddrs / wall:10.0f} {rss:8.1f}   {agree}{note}")
    canon = alias_canon(binary)
    print("the same, with the names of one address as one function (aliases, clones):")
    for name in results:
        if name != "bpfprof":
            a = symbolize_compare.agreement(parsed[name], ours, canon)
            print(f"  {name:<18} {a['outer']:8.4f} {a['inner']:8.4f} {a['chain']:8.4f} "
                  f"{a['line']:8.4f}")
    refs = [n for n in parsed if n != "bpfprof"]
    if len(refs) > 1:
        print("reference tools among themselves (outer fn, fn+line, chain, line):")
        for i, a in enumerate(refs):
            for b in refs[i + 1:]:
                r = symbolize_compare.agreement(parsed[a], parsed[b])
                print(f"  {a} vs {b}: {r['outer']:.4f} {r['inner']:.4f} {r['chain']:.4f} "
                      f"{r['line']:.4f}")
    with_lines = sum(1 for _, fr in ours if fr and fr[0][1])
    inlined = sum(1 for _, fr in ours if len(fr) > 1)
    print(f"bpfprof answers with a line: {with_lines / naddrs:.4f}; with inline frames: "
          f"{inlined / naddrs:.4f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpfprof", required=True)
    ap.add_argument("--addresses", type=int, default=100000)
    ap.add_argument("--functions", type=int, default=4000)
    ap.add_argument("--workdir")
    ap.add_argument("--binary", action="append", default=[])
    ap.add_argument("--no-generated", action="store_true")
    a = ap.parse_args()
    workdir = a.workdir or tempfile.mkdtemp(prefix="bench-symbolize.")
    os.makedirs(workdir, exist_ok=True)
    try:
        measure = build_measure(workdir)
        binaries = [] if a.no_generated else [gen_program(workdir, a.functions)]
        binaries += a.binary
        for b in binaries:
            bench_binary(measure, a.bpfprof, b, a.addresses, workdir)
    finally:
        if not a.workdir:
            shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
