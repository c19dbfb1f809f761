/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-stack walker, included by profile.bpf.c. For each frame it finds the mapping of
 * the PC in the process's list (unwind_procs), the row for it in that binary's unwind table
 * (unwind_tables, unwind_rows: built by user space from .eh_frame), and from the row the
 * caller's SP, PC and rbp. Code without a table (JIT code, processes not loaded yet, the
 * whole walk with --unwind fp) is walked through its frame pointers. The frames go to the
 * user stack maps (ustacks0/1) under a hash of their addresses; how the walk ended is kept
 * with them and counted.
 */
#ifndef PROF_USER_STACK_BPF_H
#define PROF_USER_STACK_BPF_H

#include "unwind_abi.h"

const volatile bool dwarf_unwind = true;    /* follow unwind tables where there are some */
const volatile bool capture_stacks = false; /* send prof_stack_capture records */
/* Samples a CPU may defer each second (see struct prof_deferred_sample); 0: none. */
const volatile __u32 deferred_per_sec = 0;
/* bpf_task_pt_regs() (Linux 5.15); else the registers saved on the task's kernel stack. */
const volatile bool use_task_pt_regs = true;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32); /* tgid */
	__type(value, struct prof_unwind_proc);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} unwind_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct prof_unwind_table);
	__uint(max_entries, 4096);
} unwind_tables SEC(".maps");

/* Sized by user space (the unwind table budget). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct prof_unwind_row);
	__uint(max_entries, 1);
} unwind_rows SEC(".maps");

#define USTACK_MAP(name)                                                                           \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__type(key, __u64);                                                                \
		__type(value, struct prof_user_stack_chunk);                                       \
		__uint(max_entries, 16384);                                                        \
		__uint(map_flags, BPF_F_NO_PREALLOC);                                              \
	} name SEC(".maps")

USTACK_MAP(ustacks0);
USTACK_MAP(ustacks1);

/* Raw stacks for record --debug-capture; resized by user space when capturing. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} captures SEC(".maps");

#define STACK_PAGE_SIZE 4096

/* The walk in progress on this CPU: too big for the BPF stack. */
struct walk_state {
	__u64 pc;
	__u64 sp;
	__u64 bp;
	__u64 bx; /* 0: not known (PROF_BX_LOST) */
	__u64 di; /* the sampled frame's; 0 in the frames above it */
	__u64 hash;
	__u32 tgid;
	bool return_address; /* pc was read from a frame: look it up at pc - 1 */
	bool rescan_sent;
	bool pc_trusted;    /* pc is the sampled one or came through a table, not a guess */
	bool defer;	    /* the walk met code user space has not described yet */
	bool sampled_frame; /* st is the sampled frame still: first_ax is its rax */
	/* The mapping of the last frame, which the next one is likely in too. */
	__u64 map_start;
	__u64 map_end;
	__u64 map_bias;
	__u32 map_table;
	__u32 fp_frames;    /* frames walked through frame pointers for lack of a table */
	__u32 table_frames; /* frames walked through a table row */
	__u32 tail_calls;   /* walk_more calls so far (without bpf_loop) */
	__u32 buffer;	    /* the sample's buffer (0 or 1) */
	__u32 epoch;	    /* the interval it was taken in (active_epoch) */
	__u32 scale;	    /* a switch's: its time's scale (prof_off_cpu_start) */
	__u32 counters;	    /* the counters entry of the walk: PROF_COUNTERS_CPU or _OFF_CPU */
	__u32 deferred_now; /* samples deferred on this CPU since deferred_since_ns */
	__u64 deferred_since_ns;
	__u32 pid;
	__u64 ip; /* the registers the walk started from */
	__u64 first_sp;
	__u64 first_bp;
	__u64 first_bx;
	__u64 first_di;
	__u64 first_ax;
	struct prof_sample_key key; /* the sample's, while tail calls walk its stack */
	struct prof_user_stack stack;
	__u64 page_addr; /* the user stack page in page, 0 for none */
	__u8 page[STACK_PAGE_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct walk_state);
	__uint(max_entries, 1);
} walk_states SEC(".maps");

#define WALKING 0xff /* stack.end while the walk goes on */

static __always_inline struct walk_state *walk_state_of_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&walk_states, &zero);
}

/* The counters of the walk on this CPU: a CPU sample's or an off-CPU switch's. */
static __always_inline struct prof_sample_counters *counters_of_walk(struct walk_state *st)
{
	__u32 entry = st->counters;

	return bpf_map_lookup_elem(&counters, &entry);
}

/*
 * Reads the user word at @addr through a copy of its stack page: frames are close together,
 * and one read of a page costs about what one read of a word does.
 */
static __always_inline bool read_user_u64(struct walk_state *st, __u64 addr, __u64 *val)
{
	__u64 page = addr & ~(__u64)(STACK_PAGE_SIZE - 1);
	__u32 off = addr & (STACK_PAGE_SIZE - 1);

	if (off > STACK_PAGE_SIZE - sizeof(*val))
		return bpf_probe_read_user(val, sizeof(*val), (const void *)addr) == 0;
	if (page != st->page_addr) {
		if (bpf_probe_read_user(st->page, STACK_PAGE_SIZE, (const void *)page)) {
			st->page_addr = 0;
			return bpf_probe_read_user(val, sizeof(*val), (const void *)addr) == 0;
		}
		st->page_addr = page;
	}
	*val = *(__u64 *)&st->page[off & (STACK_PAGE_SIZE - 1)];
	return true;
}

/*
 * All ones when a <= b, else 0 (both below 2^63), without a branch: the binary searches
 * below have none but their exits, so the verifier follows one path through them, and
 * they need no bpf_loop. The empty asm keeps the compiler from turning the mask back
 * into a branch.
 */
static __always_inline __u64 le_mask(__u64 a, __u64 b)
{
	__u64 mask = ((b - a) >> 63) - 1;

	asm volatile("" : "+r"(mask));
	return mask;
}

/*
 * A process is young for its first YOUNG_PROCESS_NS: it is still mapping its libraries, and
 * the snapshot user space read at its first sample lacks them for a while.
 */
#define YOUNG_PROCESS_NS 2000000000ull

static __always_inline bool process_is_young(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return bpf_ktime_get_ns() - BPF_CORE_READ(task, group_leader, start_time) <
	       YOUNG_PROCESS_NS;
}

/*
 * Finds the mapping of st->pc in the process's list and keeps it in st->map_*. Returns 1, or
 * 0 when no mapping holds it; then, if the PC is trusted, asks user space once per walk to
 * read the process again.
 * Global (not inlined) so that the verifier checks it once, not once per caller's state; it
 * takes no pointer because kernels before 5.12 allow global functions scalars only.
 */
__noinline int find_mapping(void)
{
	struct walk_state *st = walk_state_of_cpu();
	struct prof_unwind_proc *proc;
	__u32 base = 0, n, half, mid;
	__u64 pc;

	if (!st)
		return 0;
	pc = st->pc;
	proc = bpf_map_lookup_elem(&unwind_procs, &st->tgid);
	if (!proc) {
		/* Not read yet: once it is, user space can unwind this sample. */
		st->defer = deferred_per_sec != 0;
		return 0;
	}
	/* The last mapping starting at or below pc: base, if any does. */
	n = proc->nr_mappings;
	if (n == 0 || n > PROF_UNWIND_MAX_MAPPINGS)
		return 0;
	for (int i = 0; i < 8 && n > 1; i++) {
		half = n >> 1;
		mid = base + half;
		if (mid >= PROF_UNWIND_MAX_MAPPINGS)
			return 0;
		base += half & le_mask(proc->mappings[mid].start, pc);
		n -= half;
	}
	if (base >= PROF_UNWIND_MAX_MAPPINGS || proc->mappings[base].start > pc ||
	    pc >= proc->mappings[base].end)
		goto unknown;
	st->map_start = proc->mappings[base].start;
	st->map_end = proc->mappings[base].end;
	st->map_bias = proc->mappings[base].bias;
	st->map_table = proc->mappings[base].table_id;
	return 1;
unknown:
	/* Code mapped since user space read the process (dlopen, new JIT code): ask once. */
	if (st->pc_trusted && !st->rescan_sent && !proc->rescan) {
		proc->rescan = 1;
		st->rescan_sent = true;
		/* Only on the first ask: code never described (JIT) is not deferred forever. */
		st->defer = deferred_per_sec != 0;
		emit_event(PROF_PROC_UNKNOWN_PC, st->tgid, 0,
			   (struct task_struct *)bpf_get_current_task());
	} else if (st->pc_trusted && deferred_per_sec && process_is_young()) {
		/* The libraries the dynamic loader maps after exec, read on the ask above. */
		st->defer = true;
	}
	return 0;
}

/*
 * The index in unwind_rows of the row for the ELF address @vaddr in table @table_id, or -1.
 * Global for the same reason as find_mapping().
 */
__noinline long find_row(__u32 table_id, __u64 vaddr)
{
	struct prof_unwind_table *table = bpf_map_lookup_elem(&unwind_tables, &table_id);
	struct prof_unwind_row *row;
	__u32 base = 0, n, half, key;
	__u64 rel;

	if (!table || !table->nr_rows || vaddr < table->base)
		return -1;
	rel = vaddr - table->base;
	if (rel > 0xffffffffull)
		return -1;
	/* The last row whose pc is at or below rel: base, if any is. 2^25 rows, 25 halvings. */
	n = table->nr_rows;
	for (int i = 0; i < 25 && n > 1; i++) {
		half = n >> 1;
		key = table->first_row + base + half;
		row = bpf_map_lookup_elem(&unwind_rows, &key);
		if (!row)
			return -1;
		base += half & le_mask(row->pc, rel);
		n -= half;
	}
	key = table->first_row + base;
	row = bpf_map_lookup_elem(&unwind_rows, &key);
	if (!row || row->pc > rel)
		return -1;
	return key;
}

/*
 * Rows found lately, per CPU, by (process, address): a sample's frames are mostly the last
 * samples' frames, and one cache line beats two binary searches over cold memory. Entries
 * hold only while unwind_generation, which user space bumps whenever it changes a process's
 * mappings or unloads a table, stays what it was.
 */
#define ROW_CACHE_SIZE 1024

struct row_cache_entry {
	__u64 addr; /* the address looked up (pc, or pc - 1 for a return address) */
	__u32 tgid;
	__u32 generation;
	struct prof_unwind_row row;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct row_cache_entry);
	__uint(max_entries, ROW_CACHE_SIZE);
} row_cache SEC(".maps");

__u32 unwind_generation = 0;

/* The row for st->pc, or NULL: through the mapping of the last frame when it holds pc. */
static __always_inline struct prof_unwind_row *row_of_pc(struct walk_state *st, bool *no_table)
{
	__u64 addr = st->pc - (st->return_address ? 1 : 0);
	__u32 generation = *(volatile __u32 *)&unwind_generation;
	__u32 slot = ((addr ^ ((__u64)st->tgid << 40)) * 0x9e3779b97f4a7c15ull) >> 54;
	struct row_cache_entry *cached = bpf_map_lookup_elem(&row_cache, &slot);
	struct prof_unwind_row *row;
	__u32 key;
	long index;

	*no_table = false;
	if (cached && cached->addr == addr && cached->tgid == st->tgid &&
	    cached->generation == generation)
		return &cached->row;
	if ((st->pc < st->map_start || st->pc >= st->map_end) && !find_mapping()) {
		*no_table = true;
		return NULL;
	}
	if (st->map_table == PROF_NO_TABLE) {
		*no_table = true;
		return NULL;
	}
	index = find_row(st->map_table, addr - st->map_bias);
	if (index < 0)
		return NULL;
	key = index;
	row = bpf_map_lookup_elem(&unwind_rows, &key);
	if (row && cached) {
		cached->addr = addr;
		cached->tgid = st->tgid;
		cached->generation = generation;
		cached->row = *row;
	}
	return row;
}

/* One step through the frame pointer chain. Returns an end, or WALKING. */
static __always_inline __u8 step_frame_pointer(struct walk_state *st)
{
	__u64 frame[2];

	if (st->bp == 0)
		return PROF_UNWIND_COMPLETE; /* the ABI's outermost frame has rbp = 0 */
	if (st->bp < st->sp || !read_user_u64(st, st->bp, &frame[0]) ||
	    !read_user_u64(st, st->bp + 8, &frame[1]))
		return PROF_UNWIND_NO_TABLE;
	st->sp = st->bp + 16;
	st->bp = frame[0];
	st->bx = 0; /* wherever the callee saved it: not known */
	st->di = 0;
	st->sampled_frame = false;
	st->pc = frame[1];
	st->return_address = true;
	st->pc_trusted = false;
	st->fp_frames++;
	return st->pc ? WALKING : PROF_UNWIND_COMPLETE;
}

/*
 * The caller's rbx by the row's cfa_type (see PROF_CFA_BX_SHIFT) into *@bx: false when it
 * could not be read.
 */
static __always_inline bool caller_bx(struct walk_state *st, __u8 cfa_type, __u64 cfa, __u64 *bx)
{
	__u8 where = (cfa_type & PROF_CFA_BX_MASK) >> PROF_CFA_BX_SHIFT;

	*bx = st->bx;
	if (where == PROF_BX_LOST)
		*bx = 0;
	else if (where)
		return read_user_u64(st, cfa - 8 * (where + 1), bx);
	return true;
}

/* One step through the row @row. Returns an end, or WALKING. */
static __always_inline __u8 step_row(struct walk_state *st, struct prof_unwind_row *row)
{
	__u8 type = row->cfa_type & PROF_CFA_TYPE_MASK;
	__s64 offset = row->cfa_offset;
	__u64 cfa, ra = 0, bp = st->bp, bx;

	if (row->cfa_type & PROF_CFA_OFFSET_X8)
		offset *= 8;
	switch (type) {
	case PROF_CFA_SP:
		cfa = st->sp + offset;
		break;
	case PROF_CFA_FP:
		if (st->bp == 0)
			return PROF_UNWIND_BAD_READ;
		cfa = st->bp + offset;
		break;
	case PROF_CFA_PLT:
		cfa = st->sp + offset + ((st->pc & 15) >= (__u64)row->fp_offset ? 8 : 0);
		break;
	case PROF_CFA_BX:
		if (st->bx == 0)
			return PROF_UNWIND_BAD_READ;
		cfa = st->bx + offset;
		break;
	case PROF_CFA_RA_DI:
		/* rdi is known in the sampled frame only; the return address was popped. */
		if (st->di == 0)
			return PROF_UNWIND_UNSUPPORTED;
		cfa = st->sp + offset;
		ra = st->di;
		break;
	case PROF_CFA_CLONE:
		/* Only rax tells the parent from the child, which runs here on its new stack. */
		if (!st->sampled_frame)
			return PROF_UNWIND_UNSUPPORTED;
		if (st->first_ax == 0)
			return PROF_UNWIND_COMPLETE;
		cfa = st->sp + offset;
		break;
	case PROF_CFA_SIGNAL:
		/* The kernel's rt_sigframe: the interrupted registers are in its ucontext. */
		if (!read_user_u64(st, st->sp + PROF_SIGFRAME_RIP, &st->pc) ||
		    !read_user_u64(st, st->sp + PROF_SIGFRAME_RBP, &st->bp) ||
		    !read_user_u64(st, st->sp + PROF_SIGFRAME_RBX, &st->bx) ||
		    !read_user_u64(st, st->sp + PROF_SIGFRAME_RSP, &cfa))
			return PROF_UNWIND_BAD_READ;
		st->sp = cfa;
		st->di = 0;
		st->sampled_frame = false;
		st->return_address = false;
		st->table_frames++;
		return WALKING;
	case PROF_CFA_END:
		return PROF_UNWIND_COMPLETE;
	case PROF_CFA_UNSUPPORTED:
		return PROF_UNWIND_UNSUPPORTED;
	default:
		return PROF_UNWIND_NO_ROW;
	}
	/* The stack grows down: a caller's frame lies above its callee's (or at it, when the
	 * return address is not on the stack). */
	if (cfa < st->sp || (cfa == st->sp && !ra))
		return PROF_UNWIND_BAD_FRAME;
	if (!ra && !read_user_u64(st, cfa - 8, &ra))
		return PROF_UNWIND_BAD_READ;
	if (row->fp_offset == PROF_FP_LOST)
		bp = 0;
	else if (row->fp_offset < 0 && !read_user_u64(st, cfa + row->fp_offset * 8, &bp))
		return PROF_UNWIND_BAD_READ;
	if (!caller_bx(st, row->cfa_type, cfa, &bx))
		return PROF_UNWIND_BAD_READ;
	st->sp = cfa;
	st->bp = bp;
	st->bx = bx;
	st->di = 0;
	st->sampled_frame = false;
	st->pc = ra;
	st->return_address = true;
	st->pc_trusted = true;
	st->table_frames++;
	return ra ? WALKING : PROF_UNWIND_COMPLETE;
}

/*
 * Finds the caller of the frame at st->pc and moves st to it. Returns an end, or WALKING.
 * Global, so that the verifier checks it once rather than for every state of the loop;
 * without a pointer argument, as find_mapping().
 */
__noinline int step_frame(void)
{
	struct walk_state *st = walk_state_of_cpu();
	struct prof_unwind_row *row;
	bool no_table = true;

	if (!st)
		return PROF_UNWIND_NO_TABLE;
	row = dwarf_unwind ? row_of_pc(st, &no_table) : NULL;
	if (row)
		return step_row(st, row);
	if (!dwarf_unwind || no_table)
		return step_frame_pointer(st);
	return PROF_UNWIND_NO_ROW;
}

/* bpf_loop body: records st->pc, then finds its caller. Returns 1 to stop. */
static long walk_one_frame(__u32 index, void *unused)
{
	struct walk_state *st = walk_state_of_cpu();
	int end;
	__u16 nr;

	if (!st)
		return 1;
	nr = st->stack.nr;
	if (nr >= PROF_MAX_USER_DEPTH) {
		st->stack.end = PROF_UNWIND_DEPTH;
		return 1;
	}
	st->stack.ips[nr & (PROF_MAX_USER_DEPTH - 1)] = st->pc;
	st->stack.nr = nr + 1;
	st->hash = (st->hash ^ st->pc) * 0x100000001b3ull;
	st->hash ^= st->hash >> 29;

	end = step_frame();
	if (end == WALKING)
		return 0;
	st->stack.end = end;
	return 1;
}

/*
 * Reads the user stack from @sp up into @dst, @size bytes at most (a constant multiple of
 * PROF_CAPTURE_CHUNK), page by page. A page that cannot be read is left zero (the helper
 * zeroes it) and the next is tried: a large local buffer never written is not present, and
 * the frames above it are. Returns the bytes up to the last page read (past the stack's top,
 * reads fail).
 */
static __always_inline __u32 read_stack_pages(__u8 *dst, const __u32 size, __u64 sp)
{
	__u32 first = PROF_CAPTURE_CHUNK - (sp & (PROF_CAPTURE_CHUNK - 1));
	__u32 n;

	if (first > PROF_CAPTURE_CHUNK)
		first = PROF_CAPTURE_CHUNK;
	if (bpf_probe_read_user(dst, first, (const void *)sp))
		return 0;
	n = first;
#pragma unroll
	for (int i = 0; i < (int)(size / PROF_CAPTURE_CHUNK) - 1; i++) {
		if (!bpf_probe_read_user(dst + first + i * PROF_CAPTURE_CHUNK, PROF_CAPTURE_CHUNK,
					 (const void *)(sp + first + i * PROF_CAPTURE_CHUNK)))
			n = first + (i + 1) * PROF_CAPTURE_CHUNK;
	}
	return n;
}

/* Sends the registers, the stack bytes and the walk of this sample (capture_stacks). */
static __always_inline void capture_stack(struct walk_state *st, struct prof_sample_counters *c)
{
	struct prof_stack_capture *e = bpf_ringbuf_reserve(&captures, sizeof(*e), 0);
	__u64 sp = st->first_sp;

	if (!e) {
		c->events_lost++;
		return;
	}
	e->tgid = st->tgid;
	e->pid = st->pid;
	e->ip = st->ip;
	e->sp = sp;
	e->bp = st->first_bp;
	e->pad = 0;
	bpf_probe_read_kernel(&e->walked, sizeof(e->walked), &st->stack);
	e->stack_bytes = read_stack_pages(e->stack, PROF_CAPTURE_STACK_BYTES, sp);
	bpf_ringbuf_submit(e, 0);
}

#ifdef __TARGET_ARCH_x86
/*
 * The user registers of the current task, saved at the top of its kernel stack on entry
 * (x86-64's task_pt_regs()), for kernels without bpf_task_pt_regs(). The stack is 16 KiB, or
 * 32 KiB with KASAN: the first place whose segment registers are user ones is taken.
 */
static __always_inline struct pt_regs *saved_user_regs(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 size = bpf_core_type_size(struct pt_regs);
	void *stack = BPF_CORE_READ(task, stack);
	struct pt_regs *regs;

	if (!stack)
		return NULL;
	for (int shift = 14; shift <= 15; shift++) {
		regs = stack + (1u << shift) - size;
		if ((BPF_CORE_READ(regs, cs) & 3) == 3 && (BPF_CORE_READ(regs, ss) & 3) == 3)
			return regs;
	}
	return NULL;
}
#else
static __always_inline struct pt_regs *saved_user_regs(void)
{
	return NULL;
}
#endif

/* The walk state of this CPU, set to walk from the registers in it (ip, first_*). */
static __always_inline struct walk_state *start_walk(struct walk_state *st, __u32 tgid, __u32 pid,
						     __u32 counters)
{
	if (!st->ip)
		return NULL;
	st->pc = st->ip;
	st->sp = st->first_sp;
	st->bp = st->first_bp;
	st->bx = st->first_bx;
	st->di = st->first_di;
	st->hash = 0xcbf29ce484222325ull;
	st->tgid = tgid;
	st->pid = pid;
	st->counters = counters;
	st->return_address = false;
	st->rescan_sent = false;
	st->pc_trusted = true;
	st->defer = false;
	st->sampled_frame = true;
	st->map_start = 0;
	st->map_end = 0;
	st->fp_frames = 0;
	st->table_frames = 0;
	st->tail_calls = 0;
	st->page_addr = 0;
	st->stack.nr = 0;
	st->stack.end = WALKING;
	st->stack.python_end = 0;
	st->stack.native_nr = 0;
	st->stack.pad = 0;
	return st;
}

/*
 * Takes the current task's user registers, saved at its entry into the kernel, into @st.
 * Returns false when it has none.
 */
static __always_inline bool take_saved_user_regs(struct walk_state *st)
{
	struct pt_regs *regs;

	if (use_task_pt_regs)
		regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	else
		regs = saved_user_regs();
	if (!regs)
		return false;
	st->ip = BPF_CORE_READ(regs, ip);
	st->first_sp = BPF_CORE_READ(regs, sp);
	st->first_bp = BPF_CORE_READ(regs, bp);
	st->first_bx = BPF_CORE_READ(regs, bx);
	st->first_di = BPF_CORE_READ(regs, di);
	/* In a system call, -ENOSYS until it returns; 0 in a new child's. */
	st->first_ax = BPF_CORE_READ(regs, ax);
	return true;
}

/*
 * Starts walking the user stack of the current task at a sample: its registers into the walk
 * state. Returns the walk state, or NULL when the task has no user registers.
 */
static __always_inline struct walk_state *begin_user_walk(struct bpf_perf_event_data *ctx,
							  __u32 tgid, __u32 pid)
{
	struct walk_state *st = walk_state_of_cpu();

	if (!st)
		return NULL;
	/* The context allows only 8-byte reads of the registers: cs is read whole. */
	if (*(__u64 *)((void *)&ctx->regs + __builtin_offsetof(struct pt_regs, cs)) & 3) {
		st->ip = ctx->regs.ip;
		st->first_sp = ctx->regs.sp;
		st->first_bp = ctx->regs.bp;
		st->first_bx = ctx->regs.bx;
		st->first_di = ctx->regs.di;
		st->first_ax = ctx->regs.ax;
	} else if (!take_saved_user_regs(st)) {
		/* Sampled in the kernel: the user registers were saved at its entry. */
		return NULL;
	}
	return start_walk(st, tgid, pid, PROF_COUNTERS_CPU);
}

/*
 * Starts walking the user stack of the current task as it leaves the CPU (in the kernel:
 * from the registers saved at its entry). Returns the walk state, or NULL.
 */
static __always_inline struct walk_state *begin_off_cpu_walk(__u32 tgid, __u32 pid)
{
	struct walk_state *st = walk_state_of_cpu();

	if (!st || !take_saved_user_regs(st))
		return NULL;
	return start_walk(st, tgid, pid, PROF_COUNTERS_OFF_CPU);
}

/*
 * Stores the walked stack in @ustacks under @hash, chunk by chunk, the last first: once
 * chunk 0 is there, so are the others. Returns 0, or -1 when the map had no room.
 */
static __always_inline int store_user_stack(struct walk_state *st, void *ustacks, __u64 hash)
{
	__u32 chunks = (st->stack.nr + PROF_USTACK_CHUNK_FRAMES - 1) / PROF_USTACK_CHUNK_FRAMES;
	__u64 key;
	long err;

	if (bpf_map_lookup_elem(ustacks, &hash))
		return 0;
	for (int i = PROF_USTACK_CHUNKS - 1; i >= 0; i--) {
		if (i > 0 && (__u32)i >= chunks)
			continue;
		key = hash | i;
		err = bpf_map_update_elem(ustacks, &key,
					  (char *)&st->stack + i * 8 * PROF_USTACK_CHUNK_FRAMES,
					  BPF_NOEXIST);
		if (err && err != -EEXIST)
			return -1;
	}
	return 0;
}

/*
 * Ends the walk: counts how it ended and stores the stack in the buffer's user stacks map.
 * Returns 0 and the stack's key in *@hash, or -1 when the stack was lost (counted).
 */
static __always_inline int end_user_walk(struct walk_state *st, struct prof_sample_counters *c,
					 __u64 *hash)
{
	void *ustacks = st->buffer ? (void *)&ustacks1 : (void *)&ustacks0;
	__u8 end = st->stack.end;

	if (end >= PROF_UNWIND_NR_ENDS)
		end = PROF_UNWIND_DEPTH;
	st->stack.end = end;
	c->unwind_ends[end]++;
	c->unwind_fp_frames += st->fp_frames;
	c->unwind_table_frames += st->table_frames;
	/* Stacks that differ only in how they ended are different stacks. */
	if (!st->stack.python_end)
		st->stack.native_nr = st->stack.nr;
	st->hash ^= ((__u64)end << 56) ^ ((__u64)st->stack.python_end << 48) ^
		    ((__u64)st->stack.nr << 40);
	st->hash *= 0x9e3779b97f4a7c15ull;
	*hash = st->hash & PROF_USTACK_HASH_MASK;
	if (store_user_stack(st, ustacks, *hash)) {
		c->ustack_collision++;
		return -1;
	}
	if (capture_stacks)
		capture_stack(st, c);
	return 0;
}

#endif
