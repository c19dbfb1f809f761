#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The busy host of scripts/bench/agent.sh: one CPU-bound worker per CPU (a C program with a
# few distinct call trees, built here with frame pointers) plus process churn, about
# $CHURN_RATE short-lived commands a second from varied binaries (shell, coreutils, awk, sed,
# perl, python, gzip, ...) so that a profiler keeps meeting new processes and new mappings.
# Runs until SIGTERM/SIGINT, then stops everything it started.
# Usage: scripts/bench/agent_load.sh STATE_DIR
#   STATE_DIR/ready        written once the workers and the churn run
#   STATE_DIR/churn.count  commands launched so far and processes they forked, kept current
# Env: WORKERS (default: nproc), CHURN_RATE (commands per second, default 6: with the
# commands that fork more than once, about 7.5 processes a second).
set -uo pipefail
state=${1:?usage: agent_load.sh STATE_DIR}
workers=${WORKERS:-$(nproc)}
rate=${CHURN_RATE:-6}
[[ $rate =~ ^[1-9][0-9]*$ && $workers =~ ^[0-9]+$ ]] ||
	{ echo "agent_load: CHURN_RATE must be a whole number >= 1, WORKERS a whole number" >&2; exit 2; }
mkdir -p "$state"
rm -f "$state/ready" "$state/churn.count"

pids=()
stop() {
	trap - TERM INT EXIT
	[ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	exit 0
}
trap stop TERM INT EXIT

# The worker: three call trees of different depths and shapes, so a profile has real stacks.
cat >"$state/burn.c" <<'EOF'
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static volatile uint64_t sink;

__attribute__((noinline)) static uint64_t hash_block(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

__attribute__((noinline)) static uint64_t tree_walk(int depth, uint64_t seed)
{
	unsigned char buf[256];
	if (depth == 0) {
		memset(buf, (int)seed, sizeof(buf));
		return hash_block(buf, sizeof(buf));
	}
	return tree_walk(depth - 1, seed * 31 + 7) ^ (depth & 1 ? tree_walk(depth - 2 < 0 ? 0 : depth - 2, seed) : 0);
}

__attribute__((noinline)) static double integrate(double a, double b, int n)
{
	double s = 0, h = (b - a) / n;
	for (int i = 0; i < n; i++)
		s += sin(a + i * h) * exp(-(a + i * h)) * h;
	return s;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

__attribute__((noinline)) static uint64_t sort_round(uint32_t *v, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;
		v[i] = seed;
	}
	qsort(v, n, sizeof(*v), cmp_u32);
	return v[n / 2];
}

__attribute__((noinline)) static void phase_hash(uint64_t round) { sink += tree_walk(12, round); }
__attribute__((noinline)) static void phase_math(uint64_t round) { sink += (uint64_t)(integrate(0, 3, 20000) * 1e6) + round; }
__attribute__((noinline)) static void phase_sort(uint32_t *v, uint64_t round) { sink += sort_round(v, 4096, (uint32_t)round); }

int main(void)
{
	uint32_t *v = malloc(4096 * sizeof(*v));
	if (!v)
		return 1;
	for (uint64_t round = 0;; round++) {
		phase_hash(round);
		phase_math(round);
		phase_sort(v, round);
	}
}
EOF
gcc -O2 -g -fno-omit-frame-pointer -fno-inline-functions-called-once -o "$state/burn" "$state/burn.c" -lm ||
	{ echo "agent_load: cannot build the worker" >&2; exit 1; }

for _ in $(seq "$workers"); do
	"$state/burn" &
	pids+=($!)
done

# The churn: a varied list of short commands, one started every 1/rate s (a timed read on a
# private pipe waits without forking). forks[i]: the processes command i creates (dash forks
# even for its last command).
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
cmds=(
	"/bin/true"
	"sh -c 'ls /usr/bin >/dev/null'"
	"awk 'BEGIN { s = 0; for (i = 0; i < 20000; i++) s += i * i; print s }'"
	"sed -n '1,20p' /etc/services"
	"$py -c 'import json, hashlib; json.dumps({str(i): hashlib.sha1(bytes(i)).hexdigest() for i in range(200)})'"
	"grep -c tcp /etc/services"
	"date +%s.%N"
	"sh -c 'cat /proc/meminfo | sort | head -n 3'"
	"perl -e 'my \$s = 0; \$s += \$_ for 1 .. 20000; print \$s'"
	"gzip -c /etc/services"
	"md5sum /etc/passwd /etc/group"
	"find /etc -maxdepth 1 -name '*.conf'"
	"uname -a"
	"sort -r /etc/passwd"
	"sh -c 'ps -e >/dev/null'"
	"tr a-z A-Z </etc/hostname"
	"stat /etc /usr /var"
	"xz -c /etc/passwd"
	"id"
	"wc -l /etc/services"
)
forks=(1 2 1 1 1 1 1 4 1 1 1 1 1 1 2 1 1 1 1 1)
churn() {
	local fd n=0 p=0 i=0 start now gap frac
	trap 'echo "$n $p" >"$state/churn.count"; exit 0' TERM
	exec {fd}<> <(:)
	start=${EPOCHREALTIME/./}
	while :; do
		eval "${cmds[i]}" >/dev/null 2>&1 </dev/null
		n=$((n + 1))
		p=$((p + forks[i]))
		i=$(((i + 1) % ${#cmds[@]}))
		((n % 8)) || echo "$n $p" >"$state/churn.count"
		# Keep to the rate on a slow host: wait for the next slot, in microseconds.
		now=${EPOCHREALTIME/./}
		gap=$((start + n * 1000000 / rate - now))
		if ((gap > 0)); then
			printf -v frac %06d $((gap % 1000000))
			read -r -t "$((gap / 1000000)).$frac" -u "$fd"
		elif ((gap < -1000000)); then
			start=$((now - n * 1000000 / rate)) # more than a second late: no burst to catch up
		fi
	done
}
churn &
pids+=($!)

echo ready >"$state/ready"
wait
