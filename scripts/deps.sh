#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs the Debian packages bpfprof needs that are missing. Quiet when none is.
# Usage: scripts/deps.sh [build|test]   (test adds what the test suite needs)
set -euo pipefail

build_packages=(cmake make gcc libc6-dev pkg-config clang bpftool libbpf-dev libelf-dev libdw-dev
	zlib1g-dev libzstd-dev libprotobuf-c-dev protobuf-c-compiler libiberty-dev liblzma-dev
	libdebuginfod-dev libcurl4-openssl-dev)
test_packages=(libcmocka-dev gcc g++ python3 util-linux procps binutils golang-go xz-utils
	elfutils llvm-14 libc6-dbg openssl)

packages=("${build_packages[@]}")
[ "${1:-build}" = test ] && packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "bpfprof: missing packages: ${missing[*]}; run this script as root to install them" >&2
	exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt or dpkg (an unattended upgrade, say) instead of failing at once.
apt_wait=(-o DPkg::Lock::Timeout=300)
# One update per machine is enough, unless the lists are gone.
if [ ! -d /var/lib/apt/lists ] || [ -z "$(ls /var/lib/apt/lists/*_Packages 2>/dev/null | head -n 1)" ]; then
	apt-get "${apt_wait[@]}" update -qq >/dev/null
fi
if ! apt-get "${apt_wait[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/tmp/bpfprof-apt.log 2>&1; then
	apt-get "${apt_wait[@]}" update -qq >/dev/null
	apt-get "${apt_wait[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/tmp/bpfprof-apt.log 2>&1 ||
		{ tail -n 20 /tmp/bpfprof-apt.log >&2; exit 1; }
fi
