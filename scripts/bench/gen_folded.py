#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes a large synthetic folded profile for the rendering benchmark.

Stacks grow from a random call tree, so that they share prefixes as real ones do; names
are long C++ names. Usage: gen_folded.py OUT [STACKS] [TARGET_MB] [SEED]
"""
import random
import sys

NAMESPACES = ["std", "asio", "folly", "absl", "app::core", "app::net", "grpc", "llvm", "v8",
              "tf::ops"]
CLASSES = ["Vector", "HashMap", "Scheduler", "Connection", "Parser", "Allocator", "Executor",
           "Tensor", "Buffer", "Future", "Session", "Handler", "Codec", "Registry"]
METHODS = ["run", "dispatch", "operator()", "emplace_back", "resize", "poll", "decode",
           "encode", "try_lock", "wait_for", "invoke", "visit", "flush", "compute"]
TYPES = ["int", "unsigned long", "std::string", "char const*", "double", "Task*",
         "std::vector<float>"]


def cxx_name(rng):
    ns = rng.choice(NAMESPACES)
    cls = rng.choice(CLASSES)
    if rng.random() < 0.4:
        cls += "<" + rng.choice(TYPES) + ">"
    args = ", ".join(rng.choice(TYPES) for _ in range(rng.randint(0, 2)))
    return f"{ns}::{cls}::{rng.choice(METHODS)}({args})"


def main(argv):
    out = argv[1]
    stacks = int(argv[2]) if len(argv) > 2 else 300000
    target = (int(argv[3]) if len(argv) > 3 else 100) << 20
    rng = random.Random(int(argv[4]) if len(argv) > 4 else 1)
    vocabulary = [cxx_name(rng) for _ in range(20000)]
    name_len = sum(map(len, vocabulary)) / len(vocabulary) + 1
    children = {}  # prefix tuple -> list of next names, so that stacks share prefixes
    seen = set()
    size = 0
    with open(out, "w") as f:
        while len(seen) < stacks:
            # Depth 5..60 with the mean that lands the file on its target size:
            # r**k has the mean 1/(k+1).
            left = stacks - len(seen)
            mean = (target - size) / max(left, 1) / name_len
            k = max(0.2, 55 / max(mean - 5, 0.5) - 1)
            depth = 5 + int(55 * rng.random() ** k)
            stack = []
            for _ in range(depth):
                key = tuple(stack[-3:])
                nxt = children.setdefault(key, [])
                if not nxt or (len(nxt) < 24 and rng.random() < 0.3):
                    nxt.append(rng.choice(vocabulary))
                stack.append(rng.choice(nxt))
            comm = f"worker-{rng.randint(0, 15)}"
            line = comm + ";" + ";".join(stack)
            if line in seen:
                continue
            seen.add(line)
            text = f"{line} {rng.randint(1, 500)}\n"
            size += len(text)
            f.write(text)
    print(f"wrote {out}: {len(seen)} stacks, {size / 1048576:.1f} MB")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
