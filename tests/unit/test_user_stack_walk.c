// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BPF user-stack walker (bpf/user_stack.bpf.h) without root or BPF: the BPF harness
 * runs profile.bpf.c as user-space C on test programs stopped under ptrace at known
 * instructions (their registers and stack bytes), with the unwind maps filled by the unwind
 * loader from their binaries, and the symbolizer names the walked PCs. Chains without frame
 * pointers, a deep recursion, a callback from libc's qsort, a signal handler, every
 * instruction of a prologue and a PLT stub, the frame-pointer walk and the fallback to it,
 * samples taken in the kernel, the raw captures of --debug-capture; every walk is made in
 * bpf_loop and in tail calls, which must agree. Then hostile input: a truncated stack, rows
 * and tables that point outside the stack or the maps, frame chains that loop or never end:
 * the walk stops within its bounds, for the reason it gives in the kernel.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>

#include "bpf_harness.h"
#include "tracee.h"

#include "symbolizer.h"
#include "unwind_loader.h"

#define UNWIND_ROWS (1u << 20) /* the budget: libc's table and more */
#define MAX_SYMBOLS 16
#define FRAMES_PER_TAIL_CALL 20 /* profile.bpf.c's: walk_more walks these, then tail-calls */

/*
 * Expected frames: @count of the function @func (0 meaning 1), or @count frames in a file
 * whose path holds @module (0 meaning one or more).
 */
struct frame_expect {
	const char *func;
	const char *module;
	unsigned int count;
	bool interrupted; /* the pc a signal interrupted, not a return address */
};

#define FUNC(name)                                                                                 \
	{                                                                                          \
		.func = (name)                                                                     \
	}
#define FUNCS(name, n)                                                                             \
	{                                                                                          \
		.func = (name), .count = (n)                                                       \
	}
#define INTERRUPTED(name)                                                                          \
	{                                                                                          \
		.func = (name), .interrupted = true                                                \
	}
#define IN(path)                                                                                   \
	{                                                                                          \
		.module = (path)                                                                   \
	}
#define IN_ONE(path)                                                                               \
	{                                                                                          \
		.module = (path), .count = 1                                                       \
	}
#define LIBC IN("/libc.so")
/* How every stack of the main thread ends: libc's start code, then the executable's. */
#define PROGRAM_START FUNC("main"), LIBC, FUNC("_start")

/* One test program, stopped under ptrace, and what a sample of it needs. */
struct walk_fixture {
	struct tracee *tracee;
	struct symbolizer *sym;
	struct proc_maps *maps; /* taken when the program stopped where the test wants it */
	struct unwind_loader *loader;
	struct unwind_maps unwind;
	struct tracee_capture capture;
	struct bpf_harness_thread thread;
	struct prof_user_stack stack; /* the last walk's */
	struct prof_user_stack tail;  /* the same walk in tail calls */
};

/* Harness tunables as record sets them by default; tests change what they test. */
static struct bpf_harness_opts default_opts(void)
{
	return (struct bpf_harness_opts){ .dwarf_unwind = true,
					  .use_task_pt_regs = true,
					  .unwind_rows = UNWIND_ROWS };
}

/*
 * Loads the harness with @opts, and makes the fixture the test's state (freed by
 * fixture__teardown()).
 */
static struct walk_fixture *fixture__new(void **state, const struct bpf_harness_opts *opts)
{
	struct walk_fixture *f;

#ifndef __x86_64__
	skip(); /* the walker and its ABI are x86-64's */
#endif
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	*state = f;
	assert_int_equal(bpf_harness__load(opts), 0);
	f->sym = symbolizer__new(&(struct symbolizer_opts){ 0 });
	assert_non_null(f->sym);
	return f;
}

/* Also starts programs/@program with @arg, not running yet. */
static struct walk_fixture *fixture__start(void **state, const char *program, const char *arg,
					   const struct bpf_harness_opts *opts)
{
	char path[4096];
	struct walk_fixture *f;
	int err;

	snprintf(path, sizeof(path), "%s/%s", TEST_PROGRAM_DIR, program);
	if (access(path, X_OK)) {
		print_message("%s was not built: skipped\n", program);
		skip();
	}
	f = fixture__new(state, opts);
	err = tracee__start(path, arg, &f->tracee);
	if (err == -EPERM) {
		print_message("this process may not trace its children: skipped\n");
		skip();
	}
	assert_int_equal(err, 0);
	bpf_harness__unwind_maps(&f->unwind);
	f->loader = unwind_loader__new(&f->unwind, NULL);
	assert_non_null(f->loader);
	return f;
}

static void fixture__free(struct walk_fixture *f)
{
	if (!f)
		return;
	proc_maps__free(f->maps);
	symbolizer__free(f->sym);
	unwind_loader__free(f->loader);
	tracee__free(f->tracee);
	free(f);
	bpf_harness__unload();
}

static int fixture__teardown(void **state)
{
	fixture__free(*state);
	*state = NULL;
	return 0;
}

static uint64_t fixture__address(struct walk_fixture *f, const char *function)
{
	uint64_t addr;

	assert_int_equal(tracee__address(f->tracee, function, &addr), 0);
	return addr;
}

static void fixture__run_to(struct walk_fixture *f, const char *function)
{
	assert_int_equal(tracee__run_to(f->tracee, fixture__address(f, function)), 0);
}

/*
 * Reads the program's mappings, once, as the profiler does when it first sees a process:
 * the snapshot for the symbolizer, the unwind tables and mappings for the walker.
 */
static void fixture__read_process(struct walk_fixture *f)
{
	pid_t pid = tracee__pid(f->tracee);

	if (f->maps)
		return;
	assert_int_equal(symbolizer__snapshot(f->sym, pid, &f->maps), 0);
	assert_int_equal(unwind_loader__add_process(f->loader, pid, f->maps), 0);
}

/* Captures the program where it stopped, and makes it the thread samples find. */
static void fixture__capture(struct walk_fixture *f)
{
	struct tracee_capture *c = &f->capture;

	fixture__read_process(f);
	assert_int_equal(tracee__capture(f->tracee, c), 0);
	assert_true(c->stack_len > c->sp - c->stack_addr);
	f->thread = (struct bpf_harness_thread){
		.tgid = tracee__pid(f->tracee),
		.pid = tracee__pid(f->tracee),
		.ip = c->ip,
		.sp = c->sp,
		.bp = c->bp,
		.stack_addr = c->stack_addr,
		.stack = c->stack,
		.stack_len = c->stack_len,
	};
}

/* Names @pc: the function (not inlined) and the file holding it. */
static void fixture__name(struct walk_fixture *f, uint64_t pc, bool return_addr, const char **func,
			  const char **module)
{
	struct sym_frame frames[MAX_SYMBOLS];
	int n;

	n = symbolizer__resolve_user(f->sym, f->maps, pc, return_addr, frames, MAX_SYMBOLS);
	assert_true(n >= 1);
	*func = frames[n - 1].func;
	*module = frames[n - 1].module ? frames[n - 1].module : "";
}

static const char *const end_names[] = {
	"complete", "no_table", "no_row", "bad_read", "depth", "unsupported", "bad_frame",
};

static void fixture__print(struct walk_fixture *f, const struct prof_user_stack *stack)
{
	const char *func, *module;

	print_message("walked %u frames, end %s:\n", stack->nr,
		      stack->end < PROF_UNWIND_NR_ENDS ? end_names[stack->end] : "?");
	for (unsigned int i = 0; i < stack->nr; i++) {
		fixture__name(f, stack->ips[i], i > 0, &func, &module);
		print_message("  #%-3u 0x%012llx %s (%s)\n", i, (unsigned long long)stack->ips[i],
			      func, module);
	}
}

/* Whether the frames from *@i on match @want; moves *@i past the frames it took. */
static bool frames_match(struct walk_fixture *f, const struct prof_user_stack *stack,
			 unsigned int *i, const struct frame_expect *want)
{
	unsigned int start = *i, most = want->count ? want->count : want->module ? UINT_MAX : 1;
	const char *func, *module;

	for (; *i < stack->nr && *i - start < most; ++*i) {
		fixture__name(f, stack->ips[*i], *i > 0 && !want->interrupted, &func, &module);
		if (want->module ? !strstr(module, want->module) : strcmp(func, want->func))
			break;
	}
	return most == UINT_MAX ? *i > start : *i - start == most;
}

/*
 * Checks that @stack is @want's frames, all (@whole) or as many as @want has, and ends
 * with @end when @whole; prints the stack when it is not.
 */
static void fixture__expect(struct walk_fixture *f, const struct prof_user_stack *stack,
			    const struct frame_expect *want, size_t nwant, bool whole,
			    enum prof_unwind_end end)
{
	unsigned int i = 0;
	size_t w = 0;

	while (w < nwant && frames_match(f, stack, &i, &want[w]))
		w++;
	if (w == nwant && (!whole || (i == stack->nr && stack->end == end)))
		return;
	fixture__print(f, stack);
	if (w < nwant)
		fail_msg("frame %u is not %s", i, want[w].func ? want[w].func : want[w].module);
	fail_msg("%u frames ending %s, expected %u ending %s", stack->nr,
		 stack->end < PROF_UNWIND_NR_ENDS ? end_names[stack->end] : "?", i, end_names[end]);
}

/*
 * Walks the thread in bpf_loop, then in tail calls; the two stacks must be the same (the
 * second walk through the rows the first one cached). The stack is left in f->stack.
 */
static void fixture__walk(struct walk_fixture *f)
{
	assert_int_equal(bpf_harness__sample(BPF_HARNESS_LOOP, &f->thread, &f->stack), 0);
	assert_int_equal(bpf_harness__sample(BPF_HARNESS_TAIL_CALLS, &f->thread, &f->tail), 0);
	if (f->tail.nr != f->stack.nr || f->tail.end != f->stack.end ||
	    memcmp(f->tail.ips, f->stack.ips, f->stack.nr * sizeof(f->stack.ips[0]))) {
		fixture__print(f, &f->stack);
		fixture__print(f, &f->tail);
		fail_msg("bpf_loop and tail calls walked different stacks");
	}
}

/* Walks both ways and checks the whole stack. */
#define EXPECT_WALK(f, end, ...)                                                                   \
	do {                                                                                       \
		const struct frame_expect want_[] = { __VA_ARGS__ };                               \
		fixture__walk(f);                                                                  \
		fixture__expect(f, &(f)->stack, want_, sizeof(want_) / sizeof(want_[0]), true,     \
				end);                                                              \
	} while (0)

/* The tail calls of walk_more that walk @frames frames. */
static unsigned int tail_calls(unsigned int frames)
{
	return (frames + FRAMES_PER_TAIL_CALL - 1) / FRAMES_PER_TAIL_CALL;
}

static struct prof_sample_counters counters(void)
{
	struct prof_sample_counters c;

	bpf_harness__counters(&c);
	return c;
}

/* A fixture stopped at @function's first instruction in @program, captured. */
static struct walk_fixture *stopped_at(void **state, const char *program, const char *function,
				       const struct bpf_harness_opts *opts)
{
	struct walk_fixture *f = fixture__start(state, program, "5", opts);

	fixture__run_to(f, function);
	fixture__capture(f);
	return f;
}

/* main -> run -> a -> b -> c -> leaf, without frame pointers: only tables find the callers. */
static void test_chain_without_frame_pointers(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_nofp", "leaf", &opts);
	struct prof_sample_counters c;

	EXPECT_WALK(f, PROF_UNWIND_COMPLETE, FUNC("leaf"), FUNC("c"), FUNC("b"), FUNC("a"),
		    FUNC("run"), PROGRAM_START);
	/* Every frame but _start's, whose row ends the walk, through a table row. */
	c = counters();
	assert_int_equal(c.samples, 2);
	assert_int_equal(c.unwind_ends[PROF_UNWIND_COMPLETE], 2);
	assert_int_equal(c.unwind_table_frames, 2 * (f->stack.nr - 1));
	assert_int_equal(c.unwind_fp_frames, 0);
	assert_int_equal(bpf_harness__tail_calls(), tail_calls(f->stack.nr));
}

/* 300 frames of recursion: stored in ten chunks, walked in sixteen tail calls. */
static void test_recursion(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_recurse", "deep_leaf", &opts);

	EXPECT_WALK(f, PROF_UNWIND_COMPLETE, FUNC("deep_leaf"), FUNCS("recurse", 300),
		    PROGRAM_START);
	assert_int_equal(bpf_harness__tail_calls(), tail_calls(f->stack.nr));
}

/* A callback of libc's qsort: libc's frames, without frame pointers, lead back to ours. */
static void test_qsort_callback(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_qsort", "compare_items", &opts);

	EXPECT_WALK(f, PROF_UNWIND_COMPLETE, FUNC("compare_items"), LIBC, FUNC("sort_round"),
		    PROGRAM_START);
}

/*
 * A signal handler: through the kernel's signal frame (libc's __restore_rt) to the
 * interrupted function, at the very instruction the signal came at: its first.
 */
static void test_signal_handler(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = fixture__start(state, "unwind_signal", "5", &opts);
	uint64_t interrupted = fixture__address(f, "interrupted_fn");

	assert_int_equal(tracee__run_to(f->tracee, interrupted), 0);
	tracee__signal(f->tracee, SIGPROF);
	fixture__run_to(f, "in_handler");
	fixture__capture(f);
	EXPECT_WALK(f, PROF_UNWIND_COMPLETE, FUNC("in_handler"), IN_ONE("/libc.so"),
		    INTERRUPTED("interrupted_fn"), FUNC("run"), PROGRAM_START);
	assert_int_equal(f->stack.ips[2], interrupted);
}

/*
 * Every instruction from main's first to the library its first call goes to: each push and
 * stack adjustment of the prologue changes the row, and so does the PLT stub's push.
 */
static void test_every_instruction_of_a_prologue(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_nofp", "main", &opts);
	unsigned int in_main = 0, in_plt = 0;
	const char *func, *module;

	for (;;) {
		fixture__name(f, f->capture.ip, false, &func, &module);
		if (!strcmp(func, "main")) {
			EXPECT_WALK(f, PROF_UNWIND_COMPLETE, PROGRAM_START);
			in_main++;
		} else if (strstr(module, "unwind_nofp")) {
			/* A PLT stub: no symbol, but rows of the PLT's own. */
			EXPECT_WALK(f, PROF_UNWIND_COMPLETE, IN_ONE("unwind_nofp"), PROGRAM_START);
			in_plt++;
		} else {
			break;
		}
		assert_int_equal(tracee__step(f->tracee), 0);
		fixture__capture(f);
	}
	assert_true(in_main >= 5);
	assert_true(in_plt >= 1);
}

/*
 * Stops unwind_fpleaf (frame pointers, but not in leaf functions) in c, once c has set its
 * frame up (push %rbp; mov %rsp, %rbp).
 */
static struct walk_fixture *in_c_with_frame(void **state, const struct bpf_harness_opts *opts)
{
	struct walk_fixture *f = fixture__start(state, "unwind_fpleaf", "5", opts);

	fixture__run_to(f, "c");
	assert_int_equal(tracee__step(f->tracee), 0);
	assert_int_equal(tracee__step(f->tracee), 0);
	fixture__capture(f);
	return f;
}

/*
 * Frame pointers only (record --unwind fp): c's callers as far as main; what libc left in
 * rbp decides where the walk ends.
 */
static void test_frame_pointer_walk(void **state)
{
	const struct frame_expect want[] = {
		FUNC("c"), FUNC("b"), FUNC("a"), FUNC("run"), FUNC("main"), LIBC,
	};
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f;

	opts.dwarf_unwind = false;
	f = in_c_with_frame(state, &opts);
	fixture__walk(f);
	fixture__expect(f, &f->stack, want, sizeof(want) / sizeof(want[0]), false, 0);
	assert_int_equal(counters().unwind_table_frames, 0);
}

/* The value of unwind_procs for the fixture's process. */
static void proc_mappings(struct walk_fixture *f, struct prof_unwind_proc *proc)
{
	assert_int_equal(bpf_map_lookup_elem(f->unwind.procs_fd, &f->thread.tgid, proc), 0);
}

/* The mapping of @proc holding @addr. */
static struct prof_unwind_mapping *mapping_of(struct prof_unwind_proc *proc, uint64_t addr)
{
	for (uint32_t i = 0; i < proc->nr_mappings; i++)
		if (addr >= proc->mappings[i].start && addr < proc->mappings[i].end)
			return &proc->mappings[i];
	fail_msg("no mapping holds 0x%llx", (unsigned long long)addr);
	return NULL;
}

/* Writes @proc back, and makes the walker forget the rows it cached, as the loader does. */
static void set_proc_mappings(struct walk_fixture *f, const struct prof_unwind_proc *proc)
{
	assert_int_equal(bpf_map_update_elem(f->unwind.procs_fd, &f->thread.tgid, proc, BPF_ANY),
			 0);
	++*f->unwind.generation;
}

/*
 * Code without a table (as JIT code is): the walker follows its frame pointers, then the
 * tables again from libc on, to the end.
 */
static void test_frame_pointer_fallback(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = in_c_with_frame(state, &opts);
	struct prof_sample_counters c;
	struct prof_unwind_proc proc;

	proc_mappings(f, &proc);
	mapping_of(&proc, f->thread.ip)->table_id = PROF_NO_TABLE;
	set_proc_mappings(f, &proc);
	EXPECT_WALK(f, PROF_UNWIND_COMPLETE, FUNC("c"), FUNC("b"), FUNC("a"), FUNC("run"),
		    PROGRAM_START);
	/* c to main: five frames left through their frame pointers, per walk. */
	c = counters();
	assert_int_equal(c.unwind_fp_frames, 2 * 5);
	assert_int_equal(c.unwind_table_frames, 2 * (f->stack.nr - 1 - 5));
}

/* The registers of the last sample's capture are @t's. */
static void expect_captured_registers(const struct bpf_harness_thread *t)
{
	size_t n = bpf_harness__ringbuf_records("captures");
	const struct prof_stack_capture *e = bpf_harness__ringbuf_record("captures", n - 1);

	assert_non_null(e);
	assert_int_equal(e->ip, t->ip);
	assert_int_equal(e->sp, t->sp);
	assert_int_equal(e->bp, t->bp);
}

/*
 * A sample taken in a system call finds the user registers where the kernel saved them:
 * through bpf_task_pt_regs(), or on the task's kernel stack (kernels before 5.15).
 */
static void test_sampled_in_kernel(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct prof_user_stack user;
	struct walk_fixture *f;

	opts.capture_stacks = true;
	for (int task_pt_regs = 1; task_pt_regs >= 0; task_pt_regs--) {
		opts.use_task_pt_regs = task_pt_regs;
		f = stopped_at(state, "unwind_nofp", "leaf", &opts);
		fixture__walk(f);
		user = f->stack;
		f->thread.in_kernel = true;
		fixture__walk(f);
		assert_int_equal(f->stack.nr, user.nr);
		assert_int_equal(f->stack.end, PROF_UNWIND_COMPLETE);
		assert_memory_equal(f->stack.ips, user.ips, user.nr * sizeof(user.ips[0]));
		expect_captured_registers(&f->thread);
		fixture__teardown(state);
	}
}

/*
 * In execve once the old image is released, the user registers are the old image's and its
 * stack is gone: the sample is counted with its kernel stack only, not walked.
 */
static void test_sampled_in_exec(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_nofp", "leaf", &opts);
	struct prof_sample_counters c;

	f->thread.in_kernel = true;
	f->thread.in_exec = true;
	assert_int_equal(bpf_harness__sample(BPF_HARNESS_LOOP, &f->thread, &f->stack), -ENOENT);
	c = counters();
	assert_int_equal(c.samples, 1);
	assert_int_equal(c.user_in_exec, 1);
	for (int i = 0; i < PROF_UNWIND_NR_ENDS; i++)
		assert_int_equal(c.unwind_ends[i], 0);
	assert_int_equal(c.deferred, 0);
}

/* record --debug-capture: each sample also sends its registers, stack bytes and walk. */
static void test_stack_capture(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	const struct prof_stack_capture *e;
	struct walk_fixture *f;
	size_t above_sp;

	opts.capture_stacks = true;
	f = stopped_at(state, "unwind_nofp", "leaf", &opts);
	fixture__walk(f);
	assert_int_equal(bpf_harness__ringbuf_records("captures"), 2);
	expect_captured_registers(&f->thread);
	e = bpf_harness__ringbuf_record("captures", 1);
	assert_int_equal(e->tgid, f->thread.tgid);
	assert_int_equal(e->walked.nr, f->stack.nr);
	assert_memory_equal(e->walked.ips, f->stack.ips, f->stack.nr * sizeof(f->stack.ips[0]));
	/* The bytes from sp on: to sp's page's end, then whole pages while there are some. */
	above_sp = f->capture.stack_addr + f->capture.stack_len - f->capture.sp;
	assert_true(e->stack_bytes <= above_sp && e->stack_bytes + TRACEE_PAGE_SIZE > above_sp);
	assert_memory_equal(e->stack, f->capture.stack + (f->capture.sp - f->capture.stack_addr),
			    e->stack_bytes);
}

/*
 * The stack bytes end 16 bytes above sp: the return addresses of leaf and c are there, b's
 * is not. At leaf's first instruction every frame of the chain is 8 bytes.
 */
static void test_truncated_stack(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_nofp", "leaf", &opts);

	f->thread.stack_len = f->thread.sp - f->thread.stack_addr + 16;
	EXPECT_WALK(f, PROF_UNWIND_BAD_READ, FUNC("leaf"), FUNC("c"), FUNC("b"));
	assert_int_equal(counters().unwind_ends[PROF_UNWIND_BAD_READ], 2);
}

/* The table of the executable (the id and the entry) as the walker finds it. */
static void exe_table(struct walk_fixture *f, uint32_t *id, struct prof_unwind_table *table)
{
	struct prof_unwind_proc proc;

	proc_mappings(f, &proc);
	*id = mapping_of(&proc, f->thread.ip)->table_id;
	assert_int_not_equal(*id, PROF_NO_TABLE);
	assert_int_equal(bpf_map_lookup_elem(f->unwind.tables_fd, id, table), 0);
}

static void set_exe_table(struct walk_fixture *f, uint32_t id,
			  const struct prof_unwind_table *table)
{
	assert_int_equal(bpf_map_update_elem(f->unwind.tables_fd, &id, table, BPF_ANY), 0);
	++*f->unwind.generation;
}

/* Gives every row of the executable's table @rule (keeping their pcs). */
static void rewrite_rows(struct walk_fixture *f, struct prof_unwind_row rule)
{
	struct prof_unwind_table table;
	struct prof_unwind_row row;
	uint32_t id;

	exe_table(f, &id, &table);
	for (uint32_t i = table.first_row; i < table.first_row + table.nr_rows; i++) {
		assert_int_equal(bpf_map_lookup_elem(f->unwind.rows_fd, &i, &row), 0);
		rule.pc = row.pc;
		assert_int_equal(bpf_map_update_elem(f->unwind.rows_fd, &i, &rule, BPF_ANY), 0);
	}
	++*f->unwind.generation;
}

/*
 * Rows whose rule leads outside the stack bytes (which start at sp here), to or below sp,
 * or nowhere the walker goes. Every row of the executable has the rule: the walk ends on
 * leaf's frame, or on c's when the rule holds.
 */
static void test_hostile_rows(void **state)
{
	static const struct {
		struct prof_unwind_row rule;
		size_t stack_bytes; /* above sp; 0: all there are */
		unsigned int frames;
		enum prof_unwind_end end;
	} cases[] = {
		/* The CFA 256 KiB above sp. */
		{ { .cfa_type = PROF_CFA_SP | PROF_CFA_OFFSET_X8, .cfa_offset = 0x7fff },
		  0,
		  1,
		  PROF_UNWIND_BAD_READ },
		/* CFA = sp + 1 * 8 holds: c's return address is in the 8 bytes, b's is not. */
		{ { .cfa_type = PROF_CFA_SP | PROF_CFA_OFFSET_X8, .cfa_offset = 1 },
		  8,
		  2,
		  PROF_UNWIND_BAD_READ },
		/* rbp saved 1016 bytes below the CFA: below sp. */
		{ { .cfa_type = PROF_CFA_SP, .cfa_offset = 8, .fp_offset = -127 },
		  0,
		  1,
		  PROF_UNWIND_BAD_READ },
		{ { .cfa_type = PROF_CFA_SP, .cfa_offset = 0 }, 0, 1, PROF_UNWIND_BAD_FRAME },
		{ { .cfa_type = PROF_CFA_SP, .cfa_offset = -64 }, 0, 1, PROF_UNWIND_BAD_FRAME },
		/* rbp - 256 KiB. */
		{ { .cfa_type = PROF_CFA_FP | PROF_CFA_OFFSET_X8, .cfa_offset = -0x8000 },
		  0,
		  1,
		  PROF_UNWIND_BAD_FRAME },
		/* A signal frame's registers past the end of the stack. */
		{ { .cfa_type = PROF_CFA_SIGNAL }, PROF_SIGFRAME_RIP, 1, PROF_UNWIND_BAD_READ },
		{ { .cfa_type = PROF_CFA_UNSUPPORTED }, 0, 1, PROF_UNWIND_UNSUPPORTED },
		{ { .cfa_type = PROF_CFA_NONE }, 0, 1, PROF_UNWIND_NO_ROW },
		{ { .cfa_type = 0x7e }, 0, 1, PROF_UNWIND_NO_ROW },
		{ { .cfa_type = PROF_CFA_END }, 0, 1, PROF_UNWIND_COMPLETE },
	};
	const struct frame_expect want[] = { FUNC("leaf"), FUNC("c") };
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_nofp", "leaf", &opts);
	size_t below_sp = f->thread.sp - f->thread.stack_addr;
	size_t above_sp = f->thread.stack_len - below_sp;

	f->thread.stack += below_sp;
	f->thread.stack_addr = f->thread.sp;
	f->thread.bp = f->thread.sp + 64; /* a frame above; only the rbp rule reads it */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("rule %zu\n", i);
		f->thread.stack_len = cases[i].stack_bytes ? cases[i].stack_bytes : above_sp;
		rewrite_rows(f, cases[i].rule);
		fixture__walk(f);
		fixture__expect(f, &f->stack, want, cases[i].frames, true, cases[i].end);
	}
}

/*
 * glibc's clone after its syscall (PROF_CFA_CLONE, here every row of the executable): rax 0
 * is the child, the outermost frame; else the parent's return address is at rsp. rax is the
 * sampled one in user mode, the saved one in the kernel (-ENOSYS in the parent's system
 * call). Above the sampled frame the rule cannot hold: c's return address is in such a row.
 */
static void test_clone_rows(void **state)
{
	const struct frame_expect want[] = { FUNC("leaf"), FUNC("c") };
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_nofp", "leaf", &opts);

	rewrite_rows(f, (struct prof_unwind_row){ .cfa_type = PROF_CFA_CLONE, .cfa_offset = 8 });
	for (int in_kernel = 0; in_kernel < 2; in_kernel++) {
		f->thread.in_kernel = in_kernel;
		f->thread.ax = 0;
		fixture__walk(f);
		fixture__expect(f, &f->stack, want, 1, true, PROF_UNWIND_COMPLETE);
		f->thread.ax = in_kernel ? (uint64_t)-ENOSYS : 4243;
		fixture__walk(f);
		fixture__expect(f, &f->stack, want, 2, true, PROF_UNWIND_UNSUPPORTED);
	}
}

/* A table whose rows, or a mapping whose table, lie past the end of their maps. */
static void test_tables_outside_maps(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_nofp", "leaf", &opts);
	struct prof_unwind_table table;
	struct prof_unwind_proc proc;
	uint32_t id;

	exe_table(f, &id, &table);
	table.first_row = UNWIND_ROWS - 2;
	set_exe_table(f, id, &table);
	EXPECT_WALK(f, PROF_UNWIND_NO_ROW, FUNC("leaf"));
	/* Row indexes that wrap around 2^32 into other tables' rows: bounded all the same. */
	table.first_row = UINT32_MAX - 8;
	table.nr_rows = 18;
	set_exe_table(f, id, &table);
	fixture__walk(f);
	assert_true(f->stack.nr >= 1 && f->stack.nr <= PROF_MAX_USER_DEPTH);
	assert_true(f->stack.end < PROF_UNWIND_NR_ENDS);
	proc_mappings(f, &proc);
	mapping_of(&proc, f->thread.ip)->table_id = f->unwind.max_tables + 7;
	set_proc_mappings(f, &proc);
	EXPECT_WALK(f, PROF_UNWIND_NO_ROW, FUNC("leaf"));
}

/*
 * A PC in no mapping the walker knows: it asks user space, once, to read the process again
 * (an event, and the process's rescan flag), and walks the frame pointers meanwhile.
 */
static void test_pc_outside_mappings(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_nofp", "leaf", &opts);
	const struct prof_proc_event *e;
	struct prof_unwind_proc proc;
	unsigned int unknown = 0;

	f->thread.ip = 0x1000;
	f->thread.bp = 0;
	fixture__walk(f);
	assert_int_equal(f->stack.nr, 1);
	assert_int_equal(f->stack.end, PROF_UNWIND_COMPLETE);
	for (size_t i = 0; (e = bpf_harness__ringbuf_record("events", i)); i++)
		if (e->type == PROF_PROC_UNKNOWN_PC && e->tgid == f->thread.tgid)
			unknown++;
	assert_int_equal(unknown, 1);
	proc_mappings(f, &proc);
	assert_int_equal(proc.rescan, 1);
}

/*
 * A thread of no process, whose stack is @words at @addr, sampled at @ip: frame pointers
 * only, no files needed.
 */
static struct walk_fixture *synthetic(void **state, uint64_t addr, const uint64_t *words, size_t n)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f;

	opts.dwarf_unwind = false;
	f = fixture__new(state, &opts);
	assert_true(n * sizeof(*words) <= sizeof(f->capture.stack));
	memcpy(f->capture.stack, words, n * sizeof(*words));
	f->thread = (struct bpf_harness_thread){ .tgid = 4242,
						 .pid = 4242,
						 .ip = 0x401000,
						 .sp = addr,
						 .bp = addr,
						 .stack_addr = addr,
						 .stack = f->capture.stack,
						 .stack_len = n * sizeof(*words) };
	return f;
}

#define SYNTHETIC_STACK 0x7ffd00000000ull

/* Frame pointers that point to their own frame, or back down the stack: the walk stops. */
static void test_frame_pointer_loop(void **state)
{
	const uint64_t base = SYNTHETIC_STACK;
	uint64_t words[] = { base + 16, 0x401111, base + 16, 0x402222 };
	struct walk_fixture *f = synthetic(state, base, words, 4);

	/* The frame at base + 16 names itself as its caller's. */
	fixture__walk(f);
	assert_int_equal(f->stack.nr, 3);
	assert_int_equal(f->stack.end, PROF_UNWIND_NO_TABLE);
	assert_int_equal(f->stack.ips[1], 0x401111);
	assert_int_equal(f->stack.ips[2], 0x402222);
	/* Two frames that name each other. */
	words[2] = base;
	memcpy(f->capture.stack, words, sizeof(words));
	fixture__walk(f);
	assert_int_equal(f->stack.nr, 3);
	assert_int_equal(f->stack.end, PROF_UNWIND_NO_TABLE);
}

/* A frame-pointer chain that goes on past PROF_MAX_USER_DEPTH frames. */
static void test_endless_frame_pointers(void **state)
{
	enum { WORDS = 2 * PROF_MAX_USER_DEPTH + 64 };
	const uint64_t base = SYNTHETIC_STACK;
	static uint64_t words[WORDS];
	struct walk_fixture *f;

	for (size_t i = 0; i < WORDS; i += 2) {
		words[i] = base + (i + 2) * 8;
		words[i + 1] = 0x401000 + i;
	}
	f = synthetic(state, base, words, WORDS);
	fixture__walk(f);
	assert_int_equal(f->stack.nr, PROF_MAX_USER_DEPTH);
	assert_int_equal(f->stack.end, PROF_UNWIND_DEPTH);
	assert_int_equal(bpf_harness__tail_calls(), tail_calls(PROF_MAX_USER_DEPTH));
}

/*
 * A stack of one return address over and over, longer than the walker goes, whose row says
 * CFA = sp + 8: a chain without end.
 */
static void test_endless_rows(void **state)
{
	struct bpf_harness_opts opts = default_opts();
	struct walk_fixture *f = stopped_at(state, "unwind_nofp", "leaf", &opts);
	uint64_t in_c;

	fixture__walk(f);
	in_c = f->stack.ips[1]; /* after c's call of leaf */
	for (size_t off = 0; off < sizeof(f->capture.stack); off += 8)
		memcpy(f->capture.stack + off, &in_c, 8);
	f->thread.stack_len = sizeof(f->capture.stack);
	f->thread.ip = in_c;
	fixture__walk(f);
	assert_int_equal(f->stack.nr, PROF_MAX_USER_DEPTH);
	assert_int_equal(f->stack.end, PROF_UNWIND_DEPTH);
	assert_int_equal(bpf_harness__tail_calls(), tail_calls(PROF_MAX_USER_DEPTH));
}

#define WALK_TEST(test) cmocka_unit_test_teardown(test, fixture__teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		WALK_TEST(test_chain_without_frame_pointers),
		WALK_TEST(test_recursion),
		WALK_TEST(test_qsort_callback),
		WALK_TEST(test_signal_handler),
		WALK_TEST(test_every_instruction_of_a_prologue),
		WALK_TEST(test_frame_pointer_walk),
		WALK_TEST(test_frame_pointer_fallback),
		WALK_TEST(test_sampled_in_kernel),
		WALK_TEST(test_sampled_in_exec),
		WALK_TEST(test_stack_capture),
		WALK_TEST(test_truncated_stack),
		WALK_TEST(test_hostile_rows),
		WALK_TEST(test_clone_rows),
		WALK_TEST(test_tables_outside_maps),
		WALK_TEST(test_pc_outside_mappings),
		WALK_TEST(test_frame_pointer_loop),
		WALK_TEST(test_endless_frame_pointers),
		WALK_TEST(test_endless_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
