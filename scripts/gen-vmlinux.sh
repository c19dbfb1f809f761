#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Regenerates bpf/vmlinux/<arch>/vmlinux.h from the running kernel's BTF.
# CO-RE relocates field offsets at load time, so one header serves every kernel.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "$(uname -m)" in
x86_64) arch=x86 ;;
aarch64) arch=arm64 ;;
*) echo "gen-vmlinux: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
btf=${1:-/sys/kernel/btf/vmlinux}
[ -r "$btf" ] || { echo "gen-vmlinux: $btf is missing: the kernel has no BTF" >&2; exit 1; }
mkdir -p "$root/bpf/vmlinux/$arch"
bpftool btf dump file "$btf" format c >"$root/bpf/vmlinux/$arch/vmlinux.h"
echo "wrote bpf/vmlinux/$arch/vmlinux.h"
