// SPDX-License-Identifier: GPL-2.0-only
/*
 * deferred_walk: the BPF walker's rules over a deferred sample's captured stack bytes, on
 * hand-built mappings, rows and stacks. Each rule (CFA from SP, from FP, a PLT stub, a
 * signal frame, the outermost frame), frame pointers where a mapping has no table, and
 * every way a walk ends, with the exact frames walked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deferred_walk.h"

/* A position-independent executable: ELF vaddrs [0x1000, 0x2000) at BIAS. */
#define BIAS 0x5550000000ull
#define TABLE_BASE 0x1000ull
#define EXE(off) (BIAS + TABLE_BASE + (off))
/* Code without a table (JIT code): frame pointers. */
#define JIT(off) (0x7f0000000000ull + (off))
/* The captured stack: STACK_WORDS words from STACK_SP. */
#define STACK_SP 0x7ffc00000000ull
#define STACK_WORDS 1024
#define AT(off) (STACK_SP + (off))

#define ROW(at, type, off, fp)                                                                     \
	{                                                                                          \
		.pc = (at), .cfa_type = (type), .cfa_offset = (off), .fp_offset = (fp)             \
	}

/* Row pcs, relative to TABLE_BASE; a return address is looked up one byte before it. */
static const struct prof_unwind_row rows[] = {
	ROW(0x010, PROF_CFA_SP, 16, -2), /* after push %rbp: rbp saved at CFA - 16 */
	ROW(0x100, PROF_CFA_FP, 16, -2), /* after mov %rsp, %rbp */
	ROW(0x200, PROF_CFA_PLT, 8, 11), /* a PLT stub: CFA 8 further from PC & 15 >= 11 */
	ROW(0x300, PROF_CFA_SIGNAL, 0, 0), ROW(0x400, PROF_CFA_END, 0, 0),
	ROW(0x500, PROF_CFA_UNSUPPORTED, 0, 0), ROW(0x600, PROF_CFA_NONE, 0, 0),
	ROW(0x700, PROF_CFA_SP | PROF_CFA_OFFSET_X8, 1, 0), /* CFA = SP + 8, rbp kept */
	ROW(0x800, PROF_CFA_SP, 16, PROF_FP_LOST),
	ROW(0x900, PROF_CFA_SP, 0, 0), /* a CFA not above SP */
	/* _dl_runtime_resolve: CFA = rbx + 32, the caller's rbx at CFA - 32 */
	ROW(0xa00, PROF_CFA_BX | 3 << PROF_CFA_BX_SHIFT, 32, 0),
	ROW(0xb00, PROF_CFA_SP | 1 << PROF_CFA_BX_SHIFT, 16, 0), /* push %rbx */
	ROW(0xc00, PROF_CFA_RA_DI, 0, 0),			 /* __vfork: pop %rdi */
	ROW(0xd00, PROF_CFA_SP | PROF_BX_LOST << PROF_CFA_BX_SHIFT, 8, 0),
	ROW(0xe00, PROF_CFA_SP, 8, -2), /* an epilogue after pop %rbp: the save rule stays */
	ROW(0xf00, PROF_CFA_SP | 1 << PROF_CFA_BX_SHIFT, 8, 0), /* and after pop %rbx */
	ROW(0xf80, PROF_CFA_CLONE, 8, 0),			/* clone after its syscall */
};

static const struct deferred_mapping maps[] = {
	{ .start = EXE(0),
	  .end = EXE(0x1000),
	  .bias = BIAS,
	  .base = TABLE_BASE,
	  .rows = rows,
	  .nr_rows = sizeof(rows) / sizeof(rows[0]) },
	{ .start = JIT(0), .end = JIT(0x1000) },
};

static uint64_t stack[STACK_WORDS];
static struct captured_stack cs;
static struct prof_user_stack out;

static int setup(void **state)
{
	(void)state;
	memset(stack, 0, sizeof(stack));
	cs = (struct captured_stack){ .sp = STACK_SP,
				      .bytes = (const uint8_t *)stack,
				      .size = sizeof(stack) };
	memset(&out, 0xaa, sizeof(out));
	return 0;
}

/* Writes the stack word at address @addr. */
static void put(uint64_t addr, uint64_t val)
{
	assert_true(addr >= STACK_SP && addr < STACK_SP + sizeof(stack) && addr % 8 == 0);
	stack[(addr - STACK_SP) / 8] = val;
}

static void walk(uint64_t ip, uint64_t sp, uint64_t bp)
{
	cs.ip = ip;
	cs.sp = sp;
	cs.bp = bp;
	deferred_walk(maps, sizeof(maps) / sizeof(maps[0]), &cs, &out);
}

/* The walk was @nr frames, @... (uint64_t), and ended with @end. */
static void expect(unsigned int end, unsigned int nr, ...)
{
	va_list ap;

	assert_int_equal(out.end, end);
	assert_int_equal(out.nr, nr);
	va_start(ap, nr);
	for (unsigned int i = 0; i < nr; i++)
		assert_int_equal(out.ips[i], va_arg(ap, uint64_t));
	va_end(ap);
	assert_int_equal(out.python_end, 0);
	assert_int_equal(out.native_nr, nr);
	assert_int_equal(out.pad, 0);
}

/* CFA = SP + 16 with rbp saved, then CFA = rbp + 16 from the restored rbp, then the end. */
static void test_cfa_sp_then_fp(void **state)
{
	uint64_t frame = AT(0x40);

	(void)state;
	put(AT(0), frame);	/* the caller's rbp */
	put(AT(8), EXE(0x150)); /* in the FP row */
	put(frame, 0);
	put(frame + 8, EXE(0x401)); /* in the END row */
	walk(EXE(0x20), AT(0), 0x1234);
	expect(PROF_UNWIND_COMPLETE, 3, EXE(0x20), EXE(0x150), EXE(0x401));
}

/* A CFA from rbp = 0: the rule cannot hold. */
static void test_cfa_fp_without_rbp(void **state)
{
	(void)state;
	walk(EXE(0x150), AT(0), 0);
	expect(PROF_UNWIND_BAD_READ, 1, EXE(0x150));
}

/* The PLT rule: below the threshold the return address is at SP, from it on at SP + 8. */
static void test_plt(void **state)
{
	(void)state;
	put(AT(0), EXE(0x402));
	put(AT(8), EXE(0x403));
	walk(EXE(0x206), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 2, EXE(0x206), EXE(0x402));
	walk(EXE(0x20b), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 2, EXE(0x20b), EXE(0x403));
}

/*
 * A signal frame: the interrupted registers from the ucontext at SP; the interrupted pc is
 * looked up as it is (at a row's first byte), not as a return address.
 */
static void test_signal_frame(void **state)
{
	uint64_t interrupted_sp = AT(0x200);

	(void)state;
	put(AT(PROF_SIGFRAME_RIP), EXE(0x10));
	put(AT(PROF_SIGFRAME_RBP), 0x5678);
	put(AT(PROF_SIGFRAME_RSP), interrupted_sp);
	put(interrupted_sp + 8, EXE(0x401));
	walk(EXE(0x300), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 3, EXE(0x300), EXE(0x10), EXE(0x401));
}

/*
 * A frame whose CFA is in rbx, under a callee that saved rbx, then sampled in it with rbx in
 * the registers, then with rbx unknown (not sent, or lost by a callee).
 */
static void test_cfa_rbx(void **state)
{
	uint64_t frame = AT(0x100);

	(void)state;
	put(AT(0), frame);	/* the callee's push %rbx */
	put(AT(8), EXE(0xa50)); /* into the rbx frame */
	put(frame, 0x9999);	/* its caller's rbx */
	put(frame + 24, EXE(0x401));
	walk(EXE(0xb20), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 3, EXE(0xb20), EXE(0xa50), EXE(0x401));
	cs.bx = frame;
	walk(EXE(0xa20), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 2, EXE(0xa20), EXE(0x401));
	cs.bx = 0;
	walk(EXE(0xa20), AT(0), 0);
	expect(PROF_UNWIND_BAD_READ, 1, EXE(0xa20));
	put(AT(0), EXE(0xa50));
	cs.bx = frame;
	walk(EXE(0xd20), AT(0), 0);
	expect(PROF_UNWIND_BAD_READ, 2, EXE(0xd20), EXE(0xa50));
}

/* The return address in rdi: taken in the sampled frame, refused in any other. */
static void test_ra_in_rdi(void **state)
{
	(void)state;
	cs.di = EXE(0x401);
	walk(EXE(0xc10), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 2, EXE(0xc10), EXE(0x401));
	put(AT(8), EXE(0xc11));
	walk(EXE(0x20), AT(0), 0);
	expect(PROF_UNWIND_UNSUPPORTED, 2, EXE(0x20), EXE(0xc11));
}

/*
 * clone after its syscall: rax 0 is the child, the outermost frame; else CFA = SP + 8. In a
 * frame above the sampled one, the rule cannot hold.
 */
static void test_clone(void **state)
{
	(void)state;
	put(AT(0), EXE(0x401));
	cs.ax = 0;
	walk(EXE(0xf82), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 1, EXE(0xf82));
	cs.ax = (uint64_t)-38; /* -ENOSYS: the parent, sampled in its system call */
	walk(EXE(0xf82), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 2, EXE(0xf82), EXE(0x401));
	cs.ax = 4243; /* the parent, with the child's id */
	walk(EXE(0xf82), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 2, EXE(0xf82), EXE(0x401));
	put(AT(0), EXE(0xf84));
	walk(EXE(0xd10), AT(0), 0);
	expect(PROF_UNWIND_UNSUPPORTED, 2, EXE(0xd10), EXE(0xf84));
}

/* A return address is looked up one byte before it: at 0x600 it is in the row of 0x500. */
static void test_return_address_row(void **state)
{
	(void)state;
	put(AT(8), EXE(0x600));
	walk(EXE(0x20), AT(0), 0);
	expect(PROF_UNWIND_UNSUPPORTED, 2, EXE(0x20), EXE(0x600));
}

/* The outermost frame's row ends the walk at once. */
static void test_end(void **state)
{
	(void)state;
	walk(EXE(0x400), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 1, EXE(0x400));
}

/* A return address of 0 ends the walk too, without a frame of its own. */
static void test_zero_return_address(void **state)
{
	(void)state;
	walk(EXE(0x20), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 1, EXE(0x20));
}

/* A rule's read past the captured bytes, or below them. */
static void test_read_outside_capture(void **state)
{
	(void)state;
	put(AT(8), EXE(0x401));
	cs.size = 8;
	walk(EXE(0x20), AT(0), 0);
	expect(PROF_UNWIND_BAD_READ, 1, EXE(0x20));
	/* FP_LOST taken for an offset would read 1 KiB below the capture. */
	cs.size = sizeof(stack);
	walk(EXE(0x800), AT(0), AT(0x40));
	expect(PROF_UNWIND_COMPLETE, 2, EXE(0x800), EXE(0x401));
	/* A frame pointer past the capture. */
	walk(JIT(0x10), AT(0), AT(sizeof(stack)));
	expect(PROF_UNWIND_BAD_READ, 1, JIT(0x10));
}

/*
 * In an epilogue, past pop %rbp, the rule still says rbp is saved at CFA - 16, now below SP
 * (not captured): rbp holds the caller's value again, and the walk goes on with it. The
 * same for rbx.
 */
static void test_epilogue_popped_rbp(void **state)
{
	uint64_t frame = AT(0x40);

	(void)state;
	put(AT(0), EXE(0x150)); /* in the FP row: its CFA is rbp + 16 */
	put(frame + 8, EXE(0x401));
	walk(EXE(0xe00), AT(0), frame);
	expect(PROF_UNWIND_COMPLETE, 3, EXE(0xe00), EXE(0x150), EXE(0x401));
	/* So for rbx: kept, it finds the caller's CFA (rbx + 32). */
	put(AT(0), EXE(0xa50));
	put(frame + 24, EXE(0x401));
	cs.bx = frame;
	walk(EXE(0xf00), AT(0), 0);
	expect(PROF_UNWIND_COMPLETE, 3, EXE(0xf00), EXE(0xa50), EXE(0x401));
}

/* Without a table, or outside every mapping: frame pointers, back into the table. */
static void test_no_table(void **state)
{
	(void)state;
	put(AT(0x20), AT(0x60));
	put(AT(0x28), 0x1000); /* outside every mapping */
	put(AT(0x60), 0);
	put(AT(0x68), EXE(0x401));
	walk(JIT(0x10), AT(0), AT(0x20));
	expect(PROF_UNWIND_COMPLETE, 3, JIT(0x10), 0x1000, EXE(0x401));
	/* rbp = 0: the ABI's outermost frame. */
	walk(JIT(0x10), AT(0x100), 0);
	expect(PROF_UNWIND_COMPLETE, 1, JIT(0x10));
	/* rbp below SP is no frame. */
	walk(JIT(0x10), AT(0x100), AT(0x20));
	expect(PROF_UNWIND_NO_TABLE, 1, JIT(0x10));
}

/* Before the first row, in a gap (CFA NONE); a rule not followed; a CFA not above SP. */
static void test_no_row(void **state)
{
	(void)state;
	walk(EXE(0x5), AT(0), 0);
	expect(PROF_UNWIND_NO_ROW, 1, EXE(0x5));
	walk(EXE(0x600), AT(0), 0);
	expect(PROF_UNWIND_NO_ROW, 1, EXE(0x600));
	walk(EXE(0x500), AT(0), 0);
	expect(PROF_UNWIND_UNSUPPORTED, 1, EXE(0x500));
	walk(EXE(0x900), AT(0), 0);
	expect(PROF_UNWIND_BAD_FRAME, 1, EXE(0x900));
}

/* A frame calling itself, 8 bytes a frame (an X8 offset), past the depth limit. */
static void test_depth(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < STACK_WORDS; i++)
		stack[i] = EXE(0x701);
	walk(EXE(0x700), AT(0), 0);
	assert_int_equal(out.end, PROF_UNWIND_DEPTH);
	assert_int_equal(out.nr, PROF_MAX_USER_DEPTH);
	assert_int_equal(out.ips[0], EXE(0x700));
	for (unsigned int i = 1; i < PROF_MAX_USER_DEPTH; i++)
		assert_int_equal(out.ips[i], EXE(0x701));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cfa_sp_then_fp, setup),
		cmocka_unit_test_setup(test_cfa_fp_without_rbp, setup),
		cmocka_unit_test_setup(test_plt, setup),
		cmocka_unit_test_setup(test_signal_frame, setup),
		cmocka_unit_test_setup(test_cfa_rbx, setup),
		cmocka_unit_test_setup(test_ra_in_rdi, setup),
		cmocka_unit_test_setup(test_clone, setup),
		cmocka_unit_test_setup(test_return_address_row, setup),
		cmocka_unit_test_setup(test_end, setup),
		cmocka_unit_test_setup(test_zero_return_address, setup),
		cmocka_unit_test_setup(test_read_outside_capture, setup),
		cmocka_unit_test_setup(test_epilogue_popped_rbp, setup),
		cmocka_unit_test_setup(test_no_table, setup),
		cmocka_unit_test_setup(test_no_row, setup),
		cmocka_unit_test_setup(test_depth, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
