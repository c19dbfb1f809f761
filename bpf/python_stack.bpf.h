/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPython frame walk, included by profile.bpf.c after the user-stack walker: for a
 * process user space found an interpreter in (python_procs), the sampled thread's Python
 * frames go into its user stack after the native ones (see python_abi.h). Code objects
 * seen for the first time in a process are sent to user space (python_codes), which names
 * them while the process lives.
 */
#ifndef PROF_PYTHON_STACK_BPF_H
#define PROF_PYTHON_STACK_BPF_H

#include "python_abi.h"
#include "user_stack.bpf.h" /* the walk state the frames go into */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32); /* tgid */
	__type(value, struct prof_python_proc);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} python_procs SEC(".maps");

/* A thread's PyThreadState as last found, or 0 and when it was looked for (none then). */
struct python_thread {
	__u64 state;
	__u64 searched_ns;
};

/* Searching a thread without a state again after this: threads bind their state late. */
#define PYTHON_THREAD_RETRY_NS 1000000000ull

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32); /* thread id */
	__type(value, struct python_thread);
	__uint(max_entries, 8192);
} python_threads SEC(".maps");

/* A code object of a process, as the stack names it. */
struct python_code_key {
	__u32 tgid;
	__u32 check;
	__u64 code;
};

/* The code objects sent to user space already. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct python_code_key);
	__type(value, __u8);
	__uint(max_entries, 16384);
} python_codes_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} python_codes SEC(".maps");

/* Bytes of an _PyInterpreterFrame, and of a code object, read at once. */
#define PYTHON_FRAME_BYTES 128

/*
 * The frame and the code object being read, on this CPU: fields at offsets the verifier
 * cannot know; and the event of a code object met for the first time.
 */
struct python_frame_bytes {
	__u8 bytes[PYTHON_FRAME_BYTES];
	__u8 code[PYTHON_FRAME_BYTES];
	struct prof_python_code_event event;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct python_frame_bytes);
	__uint(max_entries, 1);
} python_frames SEC(".maps");

/* The word at @off of @bytes (PYTHON_FRAME_BYTES), 0 past its end. */
static __always_inline __u64 word_at(const __u8 *bytes, __u32 off)
{
	if (off > PYTHON_FRAME_BYTES - 8)
		return 0;
	return *(const __u64 *)&bytes[off];
}

static __always_inline bool read_user_word(__u64 addr, __u64 *val)
{
	return bpf_probe_read_user(val, sizeof(*val), (const void *)addr) == 0;
}

/*
 * The PyThreadState of thread @tid: the cached one if it still names @tid, else searched
 * in the interpreter's list of threads. Returns its address, 0 when the thread has none,
 * or 1 when the interpreter's memory could not be read.
 */
static __always_inline __u64 python_thread_state(const struct prof_python_proc *py, __u32 tid)
{
	struct python_thread *cached = bpf_map_lookup_elem(&python_threads, &tid);
	struct python_thread found = { .searched_ns = bpf_ktime_get_ns() };
	__u64 state, id;

	if (cached) {
		if (cached->state && read_user_word(cached->state + py->thread_native_id, &id) &&
		    id == tid)
			return cached->state;
		if (!cached->state &&
		    found.searched_ns - cached->searched_ns < PYTHON_THREAD_RETRY_NS)
			return 0;
	}
	if (!read_user_word(py->runtime + py->runtime_interpreters, &state) || !state ||
	    !read_user_word(state + py->interp_threads, &state))
		return 1;
	for (int i = 0; i < PROF_PYTHON_MAX_THREADS && state; i++) {
		if (!read_user_word(state + py->thread_native_id, &id))
			return 1;
		if (id == tid) {
			found.state = state;
			break;
		}
		if (!read_user_word(state + py->thread_next, &state))
			return 1;
	}
	bpf_map_update_elem(&python_threads, &tid, &found, BPF_ANY);
	return found.state;
}

/* Appends @word to the stack being walked and to its hash. */
static __always_inline void push_word(struct walk_state *st, __u64 word)
{
	__u16 nr = st->stack.nr;

	st->stack.ips[nr & (PROF_MAX_USER_DEPTH - 1)] = word;
	st->stack.nr = nr + 1;
	st->hash = (st->hash ^ word) * 0x100000001b3ull;
	st->hash ^= st->hash >> 29;
}

/*
 * Reads the fields of code object @code that name it into f->event, with its check.
 * Returns false when they cannot be read.
 */
static __always_inline bool read_code(const struct prof_python_proc *py, __u64 code,
				      struct python_frame_bytes *f)
{
	struct prof_python_code_event *e = &f->event;
	__u32 size = py->code_bytes, base = py->code_first_line;

	if (size > PYTHON_FRAME_BYTES)
		size = PYTHON_FRAME_BYTES;
	if (!code || bpf_probe_read_user(f->code, size, (const void *)(code + base)))
		return false;
	e->first_line = (__s32)word_at(f->code, 0);
	e->filename = word_at(f->code, py->code_filename - base);
	e->qualname = word_at(f->code, py->code_qualname - base);
	e->linetable = word_at(f->code, py->code_linetable - base);
	e->code = code;
	e->check = prof_python_code_check(e->first_line, e->filename, e->qualname);
	return true;
}

/* Sends the code object in f->event to user space unless it was sent already. */
static __always_inline void announce_code(struct walk_state *st, struct python_frame_bytes *f,
					  struct prof_sample_counters *c)
{
	struct python_code_key key = { .tgid = st->tgid,
				       .check = f->event.check,
				       .code = f->event.code };
	__u8 yes = 1;

	if (bpf_map_lookup_elem(&python_codes_seen, &key) ||
	    bpf_map_update_elem(&python_codes_seen, &key, &yes, BPF_NOEXIST))
		return;
	f->event.tgid = st->tgid;
	f->event.pad = 0;
	if (bpf_ringbuf_output(&python_codes, &f->event, sizeof(f->event), 0)) {
		c->events_lost++;
		bpf_map_delete_elem(&python_codes_seen, &key); /* to be sent again */
	}
}

/* Follows the frames from @frame out into the stack. Returns an enum prof_python_end. */
static __always_inline int walk_python_frames(struct walk_state *st,
					      const struct prof_python_proc *py, __u64 frame,
					      struct prof_sample_counters *c)
{
	struct python_frame_bytes *f;
	__u64 code, instr, offset;
	__u32 zero = 0, size = py->frame_bytes;
	__u8 entry;

	f = bpf_map_lookup_elem(&python_frames, &zero);
	if (!f)
		return PROF_PYTHON_BAD_READ;
	for (int i = 0; i < PROF_PYTHON_MAX_FRAMES; i++) {
		if (!frame)
			return PROF_PYTHON_COMPLETE;
		if (st->stack.nr > PROF_MAX_USER_DEPTH - 3)
			return PROF_PYTHON_DEPTH;
		if (size > PYTHON_FRAME_BYTES)
			size = PYTHON_FRAME_BYTES;
		if (bpf_probe_read_user(f->bytes, size, (const void *)frame))
			return PROF_PYTHON_BAD_READ;
		code = word_at(f->bytes, py->frame_code);
		instr = word_at(f->bytes, py->frame_instr);
		entry = f->bytes[py->frame_entry & (PYTHON_FRAME_BYTES - 1)];
		frame = word_at(f->bytes, py->frame_previous);
		/* 3.12 on: the C stack's entry frame stands between two calls of the loop. */
		if (py->entry_owner && entry == py->entry_owner) {
			push_word(st, PROF_PYTHON_ENTRY);
			continue;
		}
		if (!read_code(py, code, f))
			return PROF_PYTHON_BAD_READ;
		offset = instr - code;
		if (instr < code || offset >= PROF_PYTHON_NO_OFFSET)
			offset = PROF_PYTHON_NO_OFFSET;
		push_word(st, code);
		push_word(st, (__u64)f->event.check << 32 | offset);
		c->python_frames++;
		announce_code(st, f, c);
		if (!py->entry_owner && entry)
			push_word(st, PROF_PYTHON_ENTRY);
	}
	return frame ? PROF_PYTHON_DEPTH : PROF_PYTHON_COMPLETE;
}

/*
 * Appends the Python frames of the sampled thread to the user stack of the walk on this
 * CPU, when its process runs an interpreter user space described. Global, checked once,
 * without arguments as defer_sample().
 */
__noinline int walk_python(void)
{
	struct walk_state *st = walk_state_of_cpu();
	struct prof_sample_counters *c = counters_of_cpu();
	const struct prof_python_proc *py;
	__u64 state, frame;
	int end;

	if (!st || !c)
		return 0;
	st->stack.native_nr = st->stack.nr;
	py = bpf_map_lookup_elem(&python_procs, &st->tgid);
	if (!py)
		return 0;
	state = python_thread_state(py, st->pid);
	if (state == 1)
		end = PROF_PYTHON_BAD_READ;
	else if (!state)
		end = PROF_PYTHON_NO_THREAD;
	else if (!read_user_word(state + py->thread_frame, &frame) ||
		 (frame && py->cframe_frame != PROF_PYTHON_NO_FIELD &&
		  !read_user_word(frame + py->cframe_frame, &frame)))
		end = PROF_PYTHON_BAD_READ;
	else
		end = walk_python_frames(st, py, frame, c);
	if (end < 0 || end >= PROF_PYTHON_NR_ENDS)
		end = PROF_PYTHON_BAD_READ;
	c->python_ends[end]++;
	st->stack.python_end = end + 1;
	return 0;
}

/* Counts a deferred sample of a Python process: its Python frames are not walked. */
static __always_inline void count_python_deferred(__u32 tgid, struct prof_sample_counters *c)
{
	if (bpf_map_lookup_elem(&python_procs, &tgid))
		c->python_ends[PROF_PYTHON_DEFERRED]++;
}

#endif
