// SPDX-License-Identifier: GPL-2.0-only
/*
 * Inline chains, lines, and a call at the very end of a function, for the DWARF and
 * debug-file tests. Built in several variants (compilers, DWARF versions, debug info split
 * off in the ways distributions do), each printing its own addresses.
 *
 * Each probe records the return address of a call to dbg_probe()/dbg_jump(), as a stack
 * sample would see it. Prints "probe NAME RUNTIME_ADDRESS ELF_VADDR" (hex) for each, then
 * "end"; with "wait", blocks until stdin is closed so a test can snapshot it alive.
 * A comment "LINE:name" marks the line a test expects a frame to point at.
 * Usage: dbg_fixture [print|wait]
 */
#define _GNU_SOURCE
#include <link.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef DBG_VARIANT
#define DBG_VARIANT "plain"
#endif

#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

enum { PROBE_INLINE, PROBE_PLAIN, PROBE_LAST, NR_PROBES };

static const char *const probe_names[NR_PROBES] = { "inline", "plain", "last" };
static uintptr_t probes[NR_PROBES];
static volatile uint64_t sink;
static jmp_buf jump;

NOINLINE void dbg_probe(int i)
{
	probes[i] = (uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

ALWAYS_INLINE void dbg_inner(int i)
{
	sink += i;
	dbg_probe(PROBE_INLINE); /* LINE:inner */
	sink -= 1;
}

ALWAYS_INLINE void dbg_middle(int i)
{
	dbg_inner(i); /* LINE:middle */
	sink ^= 3;
}

NOINLINE void dbg_outer(int i)
{
	dbg_middle(i); /* LINE:outer */
	sink++;
}

NOINLINE void dbg_plain(int i)
{
	sink += i;
	dbg_probe(PROBE_PLAIN); /* LINE:plain */
	sink++;
}

/* Never returns: the call to it is the last instruction of its caller. */
NOINLINE __attribute__((noreturn)) void dbg_jump(void)
{
	probes[PROBE_LAST] = (uintptr_t)__builtin_return_address(0);
	longjmp(jump, 1);
}

NOINLINE void dbg_last_call(int i)
{
	sink += i;
	dbg_jump(); /* LINE:last */
}

/* Right after dbg_last_call: its return address is here, or in the padding before. */
NOINLINE void dbg_after_last(void)
{
	sink++;
}

static uintptr_t load_bias;

static int find_main_program(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	(void)ctx;
	load_bias = info->dlpi_addr;
	return 1;
}

int main(int argc, char **argv)
{
	char buf[64];

	dl_iterate_phdr(find_main_program, NULL);
	dbg_outer(argc);
	dbg_plain(argc);
	if (!setjmp(jump))
		dbg_last_call(argc);
	dbg_after_last();
	for (int i = 0; i < NR_PROBES; i++)
		printf("probe %s %lx %lx\n", probe_names[i], (unsigned long)probes[i],
		       (unsigned long)(probes[i] - load_bias));
	printf("variant %s\nend\n", DBG_VARIANT);
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "wait")) {
		while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			;
	}
	return 0;
}
