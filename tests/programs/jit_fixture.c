// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generated code for the JIT tests: copies a small loop into anonymous executable memory
 * three times and describes two copies in /tmp/perf-PID.map, as a JIT compiler would
 * (one name with spaces and 0x-prefixed numbers, plus one malformed line). Prints
 *   jit RUNTIME_ADDRESS SIZE NAME      for each described copy
 *   vdso RUNTIME_ADDRESS NAME          for __vdso_clock_gettime in its own vDSO, if any
 *   end
 * Modes:
 *   wait   then reads commands on stdin: "grow" describes the third copy (appended to the
 *          map; answers "jit ..." and "end"); at EOF removes the map and exits 0.
 *   spin S runs the first copy for S seconds (main -> jit_fixture_spin -> the copy), then
 *          removes the map and exits 0.
 * Exits 3 on machines whose code it cannot generate (not x86-64).
 * Usage: jit_fixture wait | jit_fixture spin SECONDS
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define REGION_SIZE 4096

typedef uint64_t (*jit_fn)(uint64_t seed, uint64_t rounds);

struct jit_func {
	size_t offset;
	const char *name;
	const char *format; /* of the perf map line: address, size, name */
};

static const struct jit_func funcs[] = {
	{ 0x100, "jit_fixture_hot_loop", "%lx %zx %s\n" },
	{ 0x180, "JS:*compute value /srv/app.js:12", "0x%lx 0x%zX %s\n" },
	{ 0x300, "jit_fixture_grown", "%lx %zx %s\n" }, /* described on "grow" */
};

#if defined(__x86_64__)
/*
 * rax = seed; do { rax = rax * 33 + 7; } while (--rounds); return rax.
 * Position independent: the only jump is relative and inside the copy.
 */
static const unsigned char loop_code[] = {
	0x48, 0x89, 0xf8,	/* mov rax, rdi */
	0x48, 0x6b, 0xc0, 0x21, /* 1: imul rax, rax, 33 */
	0x48, 0x83, 0xc0, 0x07, /* add rax, 7 */
	0x48, 0xff, 0xce,	/* dec rsi */
	0x75, 0xf3,		/* jnz 1b */
	0xc3,			/* ret */
};
#else
static const unsigned char loop_code[1];
#endif

static char map_path[64];
static volatile uint64_t sink;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static void describe(FILE *map, const char *region, const struct jit_func *f)
{
	fprintf(map, f->format, (unsigned long)(region + f->offset), sizeof(loop_code), f->name);
	printf("jit %lx %zx %s\n", (unsigned long)(region + f->offset), sizeof(loop_code), f->name);
}

static void print_vdso(void)
{
	void *vdso = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
	void *fn = vdso ? dlsym(vdso, "__vdso_clock_gettime") : NULL;

	if (fn)
		printf("vdso %lx __vdso_clock_gettime\n", (unsigned long)fn);
}

/* Killed by a test's cleanup: no perf map left behind in /tmp. */
static void on_signal(int sig)
{
	(void)sig;
	unlink(map_path);
	_exit(0);
}

__attribute__((noinline)) uint64_t jit_fixture_spin(jit_fn fn, double secs)
{
	double end = now() + secs;
	uint64_t x = 1;

	while (now() < end)
		x += fn(x, 1 << 20);
	__asm__ volatile("" ::: "memory");
	return x;
}

int main(int argc, char **argv)
{
	char *region, line[64];
	FILE *map;
	size_t i;

	if (argc < 2)
		return 2;
#if !defined(__x86_64__)
	return 3;
#endif
	region = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		      0);
	if (region == MAP_FAILED)
		return 1;
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		memcpy(region + funcs[i].offset, loop_code, sizeof(loop_code));
	if (mprotect(region, REGION_SIZE, PROT_READ | PROT_EXEC))
		return 1;
	sink = ((jit_fn)(region + funcs[0].offset))(1, 10);

	snprintf(map_path, sizeof(map_path), "/tmp/perf-%d.map", getpid());
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	map = fopen(map_path, "w");
	if (!map)
		return 1;
	describe(map, region, &funcs[0]);
	fputs("this line is not a perf map line\n", map);
	describe(map, region, &funcs[1]);
	fflush(map);
	print_vdso();
	printf("end\n");
	fflush(stdout);

	if (!strcmp(argv[1], "spin") && argc > 2) {
		sink = jit_fixture_spin((jit_fn)(region + funcs[0].offset), atof(argv[2]));
	} else if (!strcmp(argv[1], "wait")) {
		while (fgets(line, sizeof(line), stdin)) {
			if (strcmp(line, "grow\n"))
				continue;
			describe(map, region, &funcs[2]);
			fflush(map);
			printf("end\n");
			fflush(stdout);
		}
	}
	fclose(map);
	unlink(map_path);
	return 0;
}
