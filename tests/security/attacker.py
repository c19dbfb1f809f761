#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""What an unprivileged local user can put in front of a root profiler, one mode each:

  names SECONDS          spins in threads whose names (comm) are hostile bytes: invalid
                         UTF-8, markup, folded and CSV separators, control characters
  mapped DIR SECONDS     maps DIR/libhostile.so (ELF magic over garbage: headers pointing
                         past the end) executable, then swaps the path for a FIFO, and spins
  flood PID BYTES        appends BYTES of perf-map lines to /tmp/perf-PID.map: names of
                         64 KiB, control characters, invalid UTF-8, markup, bad numbers
  sparse PID GIB         makes /tmp/perf-PID.map a sparse file of GIB GiB with no newline

Prints "ready" once the trap is set. Runs until SECONDS have passed (names, mapped).
"""
import ctypes
import mmap
import os
import sys
import threading
import time

PR_SET_NAME = 15
# At most 15 bytes each: the kernel keeps 16 with the terminating NUL.
HOSTILE_NAMES = [
    b"!\xff\xfe<svg>",
    b"a;b c 99",
    b"</text><x&y\"'",
    b"\x1b[31m\x07tab\there",
    b"%s%n%x{}\\",
    b"\xe2\x82",  # a UTF-8 sequence cut short
    b"line\nbreak 1",
]


def set_name(name):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)


def spin_until(end):
    x = 0
    while time.time() < end:
        for i in range(20000):
            x = (x * 31 + i) & 0xFFFFFFFF


def names(seconds):
    end = time.time() + seconds
    threads = []
    for name in HOSTILE_NAMES[1:]:
        def run(n=name):
            set_name(n)
            spin_until(end)
        threads.append(threading.Thread(target=run, daemon=True))
    set_name(HOSTILE_NAMES[0])
    for t in threads:
        t.start()
    print("ready", flush=True)
    spin_until(end)


def mapped(folder, seconds):
    path = os.path.join(folder, "libhostile.so")
    # An ELF header whose section and program header tables lie far past the file's end,
    # with absurd counts, then garbage.
    header = bytearray(64)
    header[0:4] = b"\x7fELF"
    header[4] = 2  # 64-bit
    header[5] = 1  # little endian
    header[6] = 1
    header[16:18] = (3).to_bytes(2, "little")  # ET_DYN
    header[18:20] = (62).to_bytes(2, "little")  # x86-64
    header[32:40] = (1 << 62).to_bytes(8, "little")  # e_phoff
    header[40:48] = (0xFFFFFFFFFFFF0000).to_bytes(8, "little")  # e_shoff
    header[54:56] = (56).to_bytes(2, "little")
    header[56:58] = (0xFFFF).to_bytes(2, "little")  # e_phnum
    header[58:60] = (64).to_bytes(2, "little")
    header[60:62] = (0xFFFF).to_bytes(2, "little")  # e_shnum
    header[62:64] = (0xFFFE).to_bytes(2, "little")  # e_shstrndx
    with open(path, "wb") as f:
        f.write(bytes(header) + os.urandom(8192 - len(header)))
    fd = os.open(path, os.O_RDONLY)
    region = mmap.mmap(fd, 8192, mmap.MAP_PRIVATE, mmap.PROT_READ | mmap.PROT_EXEC)
    os.close(fd)
    os.unlink(path)
    os.mkfifo(path, 0o644)
    print("ready", flush=True)
    spin_until(time.time() + seconds)
    region.close()


def flood(pid, size):
    pieces = [
        "{:x} 10 " + "A" * 65536 + "\n",
        "{:x} 10 ctl\x01\x1b[2J\x7f\n",
        "{:x} 10 <script>alert(1)</script>&amp;\n",
        "{:x} 10 semi;colon 42\n",
        "zz 10 not a number\n",
        "{:x} ffffffffffffffff wraps\n",
    ]
    done = 0
    addr = 0x7F0000000000
    with open(f"/tmp/perf-{pid}.map", "ab") as f:
        f.write(b"%x 10 bad\xff\xfeutf8\n" % addr)
        while done < size:
            chunk = "".join(p.format(addr + 16 * i) for i, p in enumerate(pieces * 200))
            f.write(chunk.encode())
            done += len(chunk)
            addr += 16 * len(pieces) * 200
    print("ready", flush=True)


def sparse(pid, gib):
    path = f"/tmp/perf-{pid}.map"
    with open(path, "ab") as f:
        f.truncate(gib << 30)
    print("ready", flush=True)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "names":
        names(float(sys.argv[2]))
    elif mode == "mapped":
        mapped(sys.argv[2], float(sys.argv[3]))
    elif mode == "flood":
        flood(int(sys.argv[2]), int(sys.argv[3]))
    elif mode == "sparse":
        sparse(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
