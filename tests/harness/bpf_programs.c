// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpf/profile.bpf.c as user-space C, with the BPF helpers it calls, its maps, and a runner
 * of its programs that makes tail calls as the kernel does: the implementation of
 * bpf_harness.h. The thread a sample interrupts is the harness's: its task_struct, its
 * user registers (in the perf context, or saved where a sample taken in the kernel finds
 * them), and its stack, the only user memory bpf_probe_read_user() can read.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The stand-ins of include/, before const goes away below. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf_harness.h"
#include "bpf_harness_internal.h"
#include "harness_map.h"

#ifdef __x86_64__
#define __TARGET_ARCH_x86 /* the program finds saved user registers as on x86-64 */
#endif

/*
 * libbpf lets user space set the programs' const volatile tunables (.rodata) until it
 * loads them; here they are plain volatile globals, which bpf_harness__load() sets.
 */
#define const
#include "profile.bpf.c"
#undef const

#define MAP_FD_BASE 0x7ff00000 /* above any descriptor the kernel hands out (nr_open) */
#define PROG_FD_BASE 0x7ff80000
#define MAX_TAIL_CALL_CNT 33 /* the kernel's limit on tail calls in a row */
#define CAPTURE_RING_BYTES (1u << 22)
#define USER_CS 0x33 /* x86-64 user code and stack segments: privilege level 3 */
#define USER_SS 0x2b
#define KERNEL_CS 0x10
#define KERNEL_STACK_SIZE 16384

/* A map of the programs: its declaration, read from the members' types as libbpf reads BTF. */
struct program_map {
	const char *name;
	void *def; /* the program's map object: what the programs pass to helpers */
	uint32_t type, key_size, value_size, max_entries; /* as declared */
	uint32_t loaded_entries;			  /* as user space sized it */
	struct harness_map *map;			  /* while loaded */
};

// clang-format off
#define MAP_DEF(m, key_size, value_size)                                                   \
	{ #m, &m, sizeof(*m.type) / sizeof(int), key_size, value_size,                     \
	  sizeof(*m.max_entries) / sizeof(int), 0, NULL }
// clang-format on
#define MAP(m) MAP_DEF(m, sizeof(*m.key), sizeof(*m.value))
#define SIZED_MAP(m)                                                                               \
	MAP_DEF(m, sizeof(*m.key_size) / sizeof(int), sizeof(*m.value_size) / sizeof(int))
#define RINGBUF(m) MAP_DEF(m, 0, 0)

/* Every map of profile.bpf.c, user_stack.bpf.h and python_stack.bpf.h. */
static struct program_map maps[] = {
	SIZED_MAP(stacks0),    SIZED_MAP(stacks1),  MAP(counts0),
	MAP(counts1),	       MAP(procs),	    MAP(pid_filter),
	MAP(cgroup_filter),    MAP(counters),	    RINGBUF(events),
	MAP(generations),      MAP(walk_programs),  MAP(unwind_procs),
	MAP(unwind_tables),    MAP(unwind_rows),    MAP(ustacks0),
	MAP(ustacks1),	       RINGBUF(captures),   MAP(walk_states),
	MAP(row_cache),	       RINGBUF(deferred),   MAP(deferred_scratch),
	MAP(python_procs),     MAP(python_threads), MAP(python_codes_seen),
	RINGBUF(python_codes), MAP(python_walks),
};

#define NR_MAPS (sizeof(maps) / sizeof(maps[0]))

typedef int (*program_fn)(struct bpf_perf_event_data *ctx);

/* The programs a prog array can hold; a program's descriptor is PROG_FD_BASE + its index. */
enum { PROG_ON_SAMPLE, PROG_ON_SAMPLE_TAIL, PROG_WALK_MORE, NR_PROGS };

static const program_fn programs[NR_PROGS] = {
	[PROG_ON_SAMPLE] = on_sample,
	[PROG_ON_SAMPLE_TAIL] = on_sample_tail,
	[PROG_WALK_MORE] = walk_more,
};

static struct {
	bool loaded;
	const struct bpf_harness_thread *thread; /* the one sampled now, or NULL */
	struct task_struct task;
	struct signal_struct signal;
	struct mm_struct mm;
	struct pt_regs user_regs; /* what bpf_task_pt_regs() gives */
	/* The kernel stack of the task, with the user registers at its top. */
	_Alignas(16) unsigned char kernel_stack[KERNEL_STACK_SIZE];
	jmp_buf tail_call; /* where a tail call goes: the runner, which starts next */
	program_fn next;
	unsigned int tail_calls;
} h;

static struct program_map *program_map_of(void *def)
{
	for (size_t i = 0; i < NR_MAPS; i++)
		if (maps[i].def == def && maps[i].map)
			return &maps[i];
	/* A map added to the programs and not to maps[], or a helper called before load. */
	fprintf(stderr, "bpf harness: a program used a map the harness has not made\n");
	abort();
}

static struct harness_map *map_named(const char *name)
{
	for (size_t i = 0; i < NR_MAPS; i++)
		if (!strcmp(maps[i].name, name))
			return maps[i].map;
	return NULL;
}

/* The helpers, as the kernel answers them for a sample of h.thread. */

static void *bpf_map_lookup_elem(void *map, const void *key)
{
	return harness_map__lookup(program_map_of(map)->map, key);
}

static long bpf_map_update_elem(void *map, const void *key, const void *value, __u64 flags)
{
	return harness_map__update(program_map_of(map)->map, key, value, flags);
}

static long bpf_map_delete_elem(void *map, const void *key)
{
	return harness_map__delete(program_map_of(map)->map, key);
}

/* Reads the thread's stack bytes; anything else faults, and the kernel zeroes @dst then. */
static long bpf_probe_read_user(void *dst, __u32 size, const void *unsafe_ptr)
{
	const struct bpf_harness_thread *t = h.thread;
	uint64_t addr = (uintptr_t)unsafe_ptr;

	if (t && addr >= t->stack_addr && size <= t->stack_len &&
	    addr - t->stack_addr <= t->stack_len - size) {
		memcpy(dst, t->stack + (addr - t->stack_addr), size);
		return 0;
	}
	memset(dst, 0, size);
	return -EFAULT;
}

static long bpf_probe_read_kernel(void *dst, __u32 size, const void *unsafe_ptr)
{
	memcpy(dst, unsafe_ptr, size);
	return 0;
}

static long bpf_loop(__u32 nr_loops, long (*callback_fn)(__u32 index, void *ctx),
		     void *callback_ctx, __u64 flags)
{
	for (__u32 i = 0; i < nr_loops; i++)
		if (callback_fn(i, callback_ctx))
			return i + 1;
	return nr_loops;
}

/* On success the caller is gone, as in the kernel: the runner starts the program called. */
static long bpf_tail_call(void *ctx, void *prog_array_map, __u32 index)
{
	__u32 *fd = harness_map__lookup(program_map_of(prog_array_map)->map, &index);
	__u32 prog;

	if (!fd || *fd < PROG_FD_BASE || h.tail_calls >= MAX_TAIL_CALL_CNT)
		return -ENOENT;
	prog = *fd - PROG_FD_BASE;
	if (prog >= NR_PROGS)
		return -ENOENT;
	h.tail_calls++;
	h.next = programs[prog];
	longjmp(h.tail_call, 1);
}

static void *bpf_ringbuf_reserve(void *ringbuf, __u64 size, __u64 flags)
{
	return harness_map__reserve(program_map_of(ringbuf)->map, size);
}

/* Records are readable from their reservation on (bpf_harness__ringbuf_record()). */
static void bpf_ringbuf_submit(void *data, __u64 flags) {}

static long bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags)
{
	void *record = bpf_ringbuf_reserve(ringbuf, size, flags);

	if (!record)
		return -EAGAIN;
	memcpy(record, data, size);
	return 0;
}

static __u64 bpf_get_current_pid_tgid(void)
{
	return (__u64)h.task.tgid << 32 | (__u32)h.task.pid;
}

static __u64 bpf_get_current_task(void)
{
	return (uintptr_t)&h.task;
}

static struct task_struct *bpf_get_current_task_btf(void)
{
	return &h.task;
}

static long bpf_task_pt_regs(struct task_struct *task)
{
	return (long)&h.user_regs;
}

static long bpf_get_current_comm(void *buf, __u32 size_of_buf)
{
	snprintf(buf, size_of_buf, "%s", h.task.comm);
	return 0;
}

/* The harness has no kernel: every sample has no kernel stack, as one taken in user mode. */
static long bpf_get_stackid(void *ctx, void *map, __u64 flags)
{
	return -EFAULT;
}

/* Nor cgroups. */
static long bpf_current_task_under_cgroup(void *map, __u32 index)
{
	return 0;
}

static __u64 bpf_ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static __u32 bpf_get_smp_processor_id(void)
{
	return 0;
}

/* The harness does not run the switch programs: any number will do. */
static __u32 bpf_get_prandom_u32(void)
{
	return 0;
}

/* The harness's side. */

struct harness_map *bpf_harness__map_of_fd(int fd)
{
	if (!h.loaded || fd < MAP_FD_BASE || (size_t)(fd - MAP_FD_BASE) >= NR_MAPS)
		return NULL;
	return maps[fd - MAP_FD_BASE].map;
}

int bpf_harness__map_fd(const char *name)
{
	for (size_t i = 0; i < NR_MAPS; i++)
		if (!strcmp(maps[i].name, name))
			return MAP_FD_BASE + i;
	return -ENOENT;
}

void bpf_harness__unwind_maps(struct unwind_maps *m)
{
	m->procs_fd = bpf_harness__map_fd("unwind_procs");
	m->tables_fd = bpf_harness__map_fd("unwind_tables");
	m->max_tables = maps[m->tables_fd - MAP_FD_BASE].loaded_entries;
	m->rows_fd = bpf_harness__map_fd("unwind_rows");
	m->max_rows = maps[m->rows_fd - MAP_FD_BASE].loaded_entries;
	m->generation = &unwind_generation;
}

/* The size user space gives map @pm before load, as the sampler does. */
static uint32_t loaded_size(const struct program_map *pm, const struct bpf_harness_opts *opts)
{
	if (pm->def == &unwind_rows)
		return opts->unwind_rows ? opts->unwind_rows : 1; /* a map cannot be empty */
	if (pm->def == &captures && opts->capture_stacks)
		return CAPTURE_RING_BYTES;
	return pm->max_entries;
}

static void free_maps(void)
{
	for (size_t i = 0; i < NR_MAPS; i++) {
		harness_map__free(maps[i].map);
		maps[i].map = NULL;
	}
}

int bpf_harness__load(const struct bpf_harness_opts *opts)
{
	__u32 zero = 0, walk_more_fd = PROG_FD_BASE + PROG_WALK_MORE;

	if (h.loaded)
		return -EBUSY;
	for (size_t i = 0; i < NR_MAPS; i++) {
		maps[i].loaded_entries = loaded_size(&maps[i], opts);
		maps[i].map = harness_map__new(maps[i].type, maps[i].key_size, maps[i].value_size,
					       maps[i].loaded_entries);
		if (!maps[i].map) {
			free_maps();
			return -ENOMEM;
		}
	}
	h.loaded = true;
	dwarf_unwind = opts->dwarf_unwind;
	use_task_pt_regs = opts->use_task_pt_regs;
	capture_stacks = opts->capture_stacks;
	unwind_generation = 0;
	/* Where on_sample_tail continues, as the sampler's set_walk_program() does. */
	harness_map__update(map_named("walk_programs"), &zero, &walk_more_fd, BPF_ANY);
	return 0;
}

void bpf_harness__unload(void)
{
	if (!h.loaded)
		return;
	free_maps();
	h.loaded = false;
}

/* Runs @prog and the programs it tail-calls, each in place of the last. */
static int run_program(program_fn prog, struct bpf_perf_event_data *ctx)
{
	h.next = prog;
	h.tail_calls = 0;
	setjmp(h.tail_call);
	return h.next(ctx);
}

/* Makes @t the current task, and its user registers those a sample finds. */
static void enter_thread(const struct bpf_harness_thread *t, struct bpf_perf_event_data *ctx)
{
	struct pt_regs regs = {
		.ip = t->ip, .sp = t->sp, .bp = t->bp, .ax = t->ax, .cs = USER_CS, .ss = USER_SS
	};

	h.thread = t;
	h.task = (struct task_struct){ .pid = t->pid,
				       .tgid = t->tgid,
				       .comm = "harness",
				       .group_leader = &h.task,
				       .signal = &h.signal,
				       .mm = &h.mm,
				       .stack = h.kernel_stack };
	h.signal.live.counter = 1;
	h.mm.start_code = t->in_exec ? 0 : t->ip;
	memset(ctx, 0, sizeof(*ctx));
	if (!t->in_kernel) {
		ctx->regs = regs;
		return;
	}
	/* In the kernel: the user registers are saved at entry, at the top of its stack. */
	ctx->regs.cs = KERNEL_CS;
	h.user_regs = regs;
	memcpy(h.kernel_stack + KERNEL_STACK_SIZE - sizeof(regs), &regs, sizeof(regs));
}

/* The user stack under @hash in @ustacks, chunk by chunk, as sampler__user_stack() reads it. */
static int read_user_stack(struct harness_map *ustacks, uint64_t hash,
			   struct prof_user_stack *stack)
{
	const struct prof_user_stack_chunk *chunk;
	unsigned int chunks = 1;
	uint64_t key;

	for (unsigned int c = 0; c < chunks; c++) {
		key = (hash & PROF_USTACK_HASH_MASK) | c;
		chunk = harness_map__lookup(ustacks, &key);
		if (!chunk)
			return -ENOENT;
		if (c == 0) {
			memcpy(stack, &chunk->head, sizeof(chunk->head));
			if (stack->nr > PROF_MAX_USER_DEPTH)
				return -EINVAL;
			chunks = (stack->nr + PROF_USTACK_CHUNK_FRAMES - 1) /
				 PROF_USTACK_CHUNK_FRAMES;
		}
		memcpy(&stack->ips[c * PROF_USTACK_CHUNK_FRAMES], chunk->ips, sizeof(chunk->ips));
	}
	return 0;
}

/* Samples go to buffer 0: the harness never switches buffers. */
int bpf_harness__sample(enum bpf_harness_way way, const struct bpf_harness_thread *thread,
			struct prof_user_stack *out)
{
	struct harness_map *counts = map_named("counts0"), *ustacks = map_named("ustacks0");
	const struct prof_sample_key *key;
	struct bpf_perf_event_data ctx;

	harness_map__clear(counts);
	harness_map__clear(ustacks);
	enter_thread(thread, &ctx);
	run_program(way == BPF_HARNESS_LOOP ? on_sample : on_sample_tail, &ctx);
	h.thread = NULL;
	key = harness_map__key_at(counts, 0);
	if (!key || !key->has_ustack)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	return read_user_stack(ustacks, key->ustack_hash, out);
}

unsigned int bpf_harness__tail_calls(void)
{
	return h.tail_calls;
}

void bpf_harness__counters(struct prof_sample_counters *out)
{
	__u32 zero = 0;

	memcpy(out, harness_map__lookup(map_named("counters"), &zero), sizeof(*out));
}

size_t bpf_harness__ringbuf_records(const char *name)
{
	struct harness_map *map = map_named(name);

	return map ? harness_map__records(map) : 0;
}

const void *bpf_harness__ringbuf_record(const char *name, size_t i)
{
	struct harness_map *map = map_named(name);

	return map ? harness_map__record(map, i) : NULL;
}
