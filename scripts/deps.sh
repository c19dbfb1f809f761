#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs what bpfprof needs that is missing, from Debian's packages. Quiet when nothing is.
# Usage: scripts/deps.sh [build|test]
#   build  what building and running the profiler needs
#   test   also everything the test suite uses, so that no test skips for want of a tool:
#          cmocka, compilers and binutils for the test programs, go (pprof), Node.js, npm and
#          Chromium with playwright-core and speedscope from tests/browser/package-lock.json
#          (the browser tests), clang's fuzzing runtime, bc, zstd, openssl, tzdata (zones with daylight
#          saving for the time tests), what the kernel tests boot their guests with
#          (qemu, a static busybox, cpio, kmod, the archive keyring, capsh), CPython 3.11's
#          headers (its layout test), mmdebstrap (the CPython 3.13 root, python-root.sh)
#          OpenJDK 17 (javac and a HotSpot JVM: the Java perf map test), Prometheus (a real
#          server scraping the agent's /metrics, and promtool), protoc (protobuf-compiler:
#          the OTLP receiver decodes requests with our .proto files) and curl (scrapes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_packages=(cmake make gcc libc6-dev pkg-config clang bpftool libbpf-dev libelf-dev libdw-dev
	zlib1g-dev libzstd-dev libprotobuf-c-dev protobuf-c-compiler libiberty-dev liblzma-dev
	libdebuginfod-dev libcurl4-openssl-dev libmicrohttpd-dev)
test_packages=(libcmocka-dev gcc g++ python3 util-linux procps binutils golang-go xz-utils
	elfutils llvm-14 libc6-dbg openssl bc zstd tzdata chromium libclang-rt-14-dev
	qemu-system-x86 busybox-static cpio kmod debian-archive-keyring libcap2-bin clang-format-14
	libpython3-dev mmdebstrap openjdk-17-jdk-headless prometheus protobuf-compiler curl)

mode=${1:-build}
case $mode in
build) packages=("${build_packages[@]}") ;;
test) packages=("${build_packages[@]}" "${test_packages[@]}") ;;
*) echo "usage: scripts/deps.sh [build|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
# Node.js and npm by their commands: a machine with its own (nodesource, nvm) keeps it.
if [ "$mode" = test ] && ! { command -v node && command -v npm; } >/dev/null; then
	missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
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
	# Debian's prometheus starts a server of its own on :9090 where services may start (no
	# policy-rc.d forbids it). The tests run theirs on ports they choose: the package's
	# would only hold a port and memory, so the one this install started is stopped.
	if [[ " ${missing[*]} " == *" prometheus "* ]]; then
		if [ -d /run/systemd/system ]; then
			systemctl disable --now --quiet prometheus.service >/dev/null 2>&1 || true
		elif [ -x /etc/init.d/prometheus ]; then
			/etc/init.d/prometheus stop >/dev/null 2>&1 || true
			update-rc.d prometheus disable >/dev/null 2>&1 || true
		fi
	fi
fi
[ "$mode" = test ] || exit 0

# The browser tests' npm packages (playwright-core, speedscope), at the versions the lock file
# pins, unless those are there already.
browser=$root/tests/browser
# The packages whose installed version is not the one the lock file pins, as "NAME VERSION".
stale=$(node -e '
	const {dependencies} = require(process.argv[1] + "/package.json");
	const lock = require(process.argv[1] + "/package-lock.json").packages;
	for (const name of Object.keys(dependencies)) {
		const want = lock["node_modules/" + name].version;
		let have;
		try { have = require(process.argv[1] + "/node_modules/" + name + "/package.json").version } catch { }
		if (have !== want) console.log(name + " " + want);
	}' "$browser")
if [ -n "$stale" ]; then
	echo "installing: ${stale//$'\n'/, } (npm ci in tests/browser)" >&2
	# Node trusts only its own certificate list unless told otherwise: the system's as well,
	# so that npm reaches the registry wherever apt does (a local CA, a proxy's).
	ca=/etc/ssl/certs/ca-certificates.crt
	[ -n "${NODE_EXTRA_CA_CERTS:-}" ] || [ ! -f "$ca" ] || export NODE_EXTRA_CA_CERTS=$ca
	(cd "$browser" && npm ci --no-audit --no-fund --loglevel=error >/tmp/bpfprof-npm.log 2>&1) ||
		{ tail -n 20 /tmp/bpfprof-npm.log >&2; exit 1; }
fi
