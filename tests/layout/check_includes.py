#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The house's rules on includes, checked from the sources (docs/ARCHITECTURE.md).

The build enforces the layers (a layer's library sees only the include folders of the
libraries it links); this check says the same in words a reader can act on, catches what a
compiler cannot (an include by relative path), and finds circles: two modules (x.c + x.h)
that need each other, directly or through others, which no build catches.
Usage: check_includes.py [ROOT]; prints every breach, exits 1 if there is one.
"""
import os
import re
import sys

# Folder -> the folders its files may include from (besides itself and system headers).
LAYERS = {
    "output/base": [],
    "output": ["output/base", "output/formats"],
    "output/formats": ["output/base", "output"],
    "output/delivery": ["output/base", "output", "output/formats"],
    "symbolizer": ["output/base"],
    "bpf": [],
    "profiler/unwind": ["output/base", "symbolizer", "bpf"],
    "profiler/cli": ["output/base", "output", "output/formats"],
    "profiler/sampling": ["output/base", "output", "output/formats", "symbolizer", "bpf",
                          "profiler/unwind", "profiler/cli"],
    "profiler/commands": ["output/base", "output", "output/formats", "output/delivery",
                          "symbolizer", "bpf", "profiler/unwind", "profiler/cli",
                          "profiler/sampling"],
    "profiler": ["output/base", "profiler/cli", "profiler/commands"],
}
# Headers generated at build time, and the folder whose sources they stand for.
GENERATED = {"profile.pb-c.h": "output/formats", "profiles_service.pb-c.h": "output/formats",
             "profile.skel.h": "bpf", "vmlinux.h": "bpf"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module_of(folder, name):
    """x.c, x.h and x_internal.h are one module."""
    stem = os.path.splitext(name)[0]
    return f"{folder}/{stem[:-len('_internal')] if stem.endswith('_internal') else stem}"


def sources(root):
    for folder in LAYERS:
        path = os.path.join(root, folder)
        for name in sorted(os.listdir(path)):
            if name.endswith((".c", ".h")) and os.path.isfile(os.path.join(path, name)):
                yield folder, name


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../..")
    files = list(sources(root))
    home = {}  # header name -> folder
    for folder, name in files:
        if name.endswith(".h"):
            if name in home:
                print(f"{folder}/{name}: a second header of that name ({home[name]}/{name})")
            home[name] = folder
    home.update({h: f for h, f in GENERATED.items() if h not in home})
    breaches = 0
    needs = {}  # module "folder/stem" -> modules it includes
    for folder, name in files:
        module = module_of(folder, name)
        with open(os.path.join(root, folder, name), encoding="utf-8") as f:
            text = f.read()
        for header in INCLUDE.findall(text):
            where = home.get(header)
            if "/" in header or where is None:
                print(f"{folder}/{name}: includes \"{header}\", which is no header of a layer")
                breaches += 1
                continue
            if where != folder and where not in LAYERS[folder]:
                print(f"{folder}/{name}: includes {where}/{header}: {folder}/ may not see {where}/")
                breaches += 1
            if header not in GENERATED:
                target = module_of(where, header)
                if target != module:
                    needs.setdefault(module, set()).add(target)
    breaches += report_circles(needs)
    print(f"{len(files)} files: {breaches} breach(es) of the include rules")
    return 1 if breaches else 0


def report_circles(needs):
    """Prints each circle of modules once (depth-first search, back edges); returns their count."""
    state, stack, found = {}, [], set()

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for other in sorted(needs.get(module, ())):
            if state.get(other) == "open":
                circle = stack[stack.index(other):]
                found.add(" -> ".join(circle + [other]))
            elif other not in state:
                visit(other)
        stack.pop()
        state[module] = "done"

    for module in sorted(needs):
        if module not in state:
            visit(module)
    for circle in sorted(found):
        print(f"circle: {circle}")
    return len(found)


if __name__ == "__main__":
    sys.exit(main())
