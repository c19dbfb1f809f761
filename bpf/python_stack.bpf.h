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
/* Code objects a CPU remembers announcing, direct-mapped: most frames hit, no map lookup. */
#define PYTHON_RECENT_CODES 256

/*
 * The Python walk in progress on this CPU: the interpreter's description, the next frame,
 * the frame and the code object being read (fields at offsets the verifier cannot know),
 * and the event of a code object met for the first time. Each frame is walked by a global
 * function of its own (python_frame_step): the verifier checks it once, not once per frame.
 */
struct python_walk {
	struct prof_python_proc py;
	__u64 frame; /* the next frame to walk, 0 past the outermost */
	__u32 end;   /* enum prof_python_end, once the walk stopped */
	__u32 pad;
	__u8 bytes[PYTHON_FRAME_BYTES];
	__u8 code[PYTHON_FRAME_BYTES];
	struct prof_python_code_event event;
	struct python_code_key recent[PYTHON_RECENT_CODES]; /* announced from this CPU */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct python_walk);
	__uint(max_entries, 1);
} python_walks SEC(".maps");

static __always_inline struct python_walk *python_walk_of_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&python_walks, &zero);
}

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
 * Finds the PyThreadState of the sampled thread, st->pid, and its innermost frame into
 * w->frame: the cached state if it still names the thread, else searched in the
 * interpreter's list of threads. Returns PROF_PYTHON_COMPLETE to walk on, else why not.
 * Global, checked once.
 */
__noinline int python_find_thread(void)
{
	struct walk_state *st = walk_state_of_cpu();
	struct python_walk *w = python_walk_of_cpu();
	struct python_thread *cached, found;
	__u64 state, id;
	__u32 tid;

	if (!st || !w)
		return PROF_PYTHON_BAD_READ;
	tid = st->pid;
	found.state = 0;
	found.searched_ns = bpf_ktime_get_ns();
	cached = bpf_map_lookup_elem(&python_threads, &tid);
	if (cached && cached->state &&
	    read_user_word(cached->state + w->py.thread_native_id, &id) && id == tid) {
		found.state = cached->state;
		goto frame;
	}
	if (cached && !cached->state &&
	    found.searched_ns - cached->searched_ns < PYTHON_THREAD_RETRY_NS)
		return PROF_PYTHON_NO_THREAD;
	if (!read_user_word(w->py.runtime + w->py.runtime_interpreters, &state) || !state ||
	    !read_user_word(state + w->py.interp_threads, &state))
		return PROF_PYTHON_BAD_READ;
	for (int i = 0; i < PROF_PYTHON_MAX_THREADS && state; i++) {
		if (!read_user_word(state + w->py.thread_native_id, &id))
			return PROF_PYTHON_BAD_READ;
		if (id == tid) {
			found.state = state;
			break;
		}
		if (!read_user_word(state + w->py.thread_next, &state))
			return PROF_PYTHON_BAD_READ;
	}
	bpf_map_update_elem(&python_threads, &tid, &found, BPF_ANY);
	if (!found.state)
		return PROF_PYTHON_NO_THREAD;
frame:
	if (!read_user_word(found.state + w->py.thread_frame, &w->frame))
		return PROF_PYTHON_BAD_READ;
	if (w->frame && w->py.cframe_frame != PROF_PYTHON_NO_FIELD &&
	    !read_user_word(w->frame + w->py.cframe_frame, &w->frame))
		return PROF_PYTHON_BAD_READ;
	return PROF_PYTHON_COMPLETE;
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
 * Reads the fields of code object @code that name it into w->event, with its check.
 * Returns false when they cannot be read.
 */
static __always_inline bool read_code(struct python_walk *w, __u64 code)
{
	struct prof_python_code_event *e = &w->event;
	__u32 size = w->py.code_bytes, base = w->py.code_first_line;

	if (size > PYTHON_FRAME_BYTES)
		size = PYTHON_FRAME_BYTES;
	if (!code || bpf_probe_read_user(w->code, size, (const void *)(code + base)))
		return false;
	e->first_line = (__s32)word_at(w->code, 0);
	e->filename = word_at(w->code, w->py.code_filename - base);
	e->qualname = word_at(w->code, w->py.code_qualname - base);
	e->linetable = word_at(w->code, w->py.code_linetable - base);
	e->code = code;
	e->check = prof_python_code_check(e->first_line, e->filename, e->qualname);
	return true;
}

/*
 * Sends the code object in w->event to user space unless it was sent already: this CPU's
 * recent ones first, then those of every CPU (python_codes_seen).
 */
static __always_inline void announce_code(struct walk_state *st, struct python_walk *w,
					  struct prof_sample_counters *c)
{
	struct python_code_key key = { .tgid = st->tgid,
				       .check = w->event.check,
				       .code = w->event.code };
	struct python_code_key *recent =
		&w->recent[((key.code >> 4) ^ key.check) & (PYTHON_RECENT_CODES - 1)];
	__u8 yes = 1;

	if (recent->code == key.code && recent->check == key.check && recent->tgid == key.tgid)
		return;
	/* Not in the map, and put there by this CPU first: this CPU sends it. */
	if (!bpf_map_lookup_elem(&python_codes_seen, &key) &&
	    !bpf_map_update_elem(&python_codes_seen, &key, &yes, BPF_NOEXIST)) {
		w->event.tgid = st->tgid;
		w->event.pad = 0;
		if (bpf_ringbuf_output(&python_codes, &w->event, sizeof(w->event), 0)) {
			c->events_lost++;
			bpf_map_delete_elem(&python_codes_seen, &key); /* to be sent again */
			return;
		}
	}
	*recent = key;
}

/*
 * Walks frame w->frame into the stack and moves w->frame to its caller. Returns 0 to go
 * on, 1 when the walk stopped (why in w->end). Global, checked once for every frame.
 */
__noinline int python_frame_step(void)
{
	struct walk_state *st = walk_state_of_cpu();
	struct prof_sample_counters *c = st ? counters_of_walk(st) : NULL;
	struct python_walk *w = python_walk_of_cpu();
	__u32 size;
	__u64 code, instr, offset;
	__u8 entry;

	if (!st || !c || !w)
		return 1;
	if (!w->frame) {
		w->end = PROF_PYTHON_COMPLETE;
		return 1;
	}
	w->end = PROF_PYTHON_DEPTH;
	if (st->stack.nr > PROF_MAX_USER_DEPTH - 3)
		return 1;
	w->end = PROF_PYTHON_BAD_READ;
	size = w->py.frame_bytes;
	if (size > PYTHON_FRAME_BYTES)
		size = PYTHON_FRAME_BYTES;
	if (bpf_probe_read_user(w->bytes, size, (const void *)w->frame))
		return 1;
	code = word_at(w->bytes, w->py.frame_code);
	instr = word_at(w->bytes, w->py.frame_instr);
	entry = w->bytes[w->py.frame_entry & (PYTHON_FRAME_BYTES - 1)];
	w->frame = word_at(w->bytes, w->py.frame_previous);
	/* 3.12 on: the C stack's entry frame stands between two calls of the loop. */
	if (w->py.entry_owner && entry == w->py.entry_owner) {
		push_word(st, PROF_PYTHON_ENTRY);
		return 0;
	}
	if (!read_code(w, code))
		return 1;
	offset = instr - code;
	if (instr < code || offset >= PROF_PYTHON_NO_OFFSET)
		offset = PROF_PYTHON_NO_OFFSET;
	push_word(st, code);
	push_word(st, (__u64)w->event.check << 32 | offset);
	c->python_frames++;
	announce_code(st, w, c);
	if (!w->py.entry_owner && entry)
		push_word(st, PROF_PYTHON_ENTRY);
	return 0;
}

/*
 * Appends the Python frames of the sampled thread to the user stack of the walk on this
 * CPU, when its process runs an interpreter user space described. Global, checked once,
 * without arguments as defer_sample().
 */
__noinline int walk_python(void)
{
	struct walk_state *st = walk_state_of_cpu();
	struct prof_sample_counters *c = st ? counters_of_walk(st) : NULL;
	struct python_walk *w = python_walk_of_cpu();
	const struct prof_python_proc *py;
	__u32 end; /* unsigned: the verifier must see it bounded as an index */

	if (!st || !c || !w)
		return 0;
	st->stack.native_nr = st->stack.nr;
	py = bpf_map_lookup_elem(&python_procs, &st->tgid);
	if (!py)
		return 0;
	w->py = *py;
	end = python_find_thread();
	if (end == PROF_PYTHON_COMPLETE) {
		end = PROF_PYTHON_DEPTH; /* unless a step says otherwise */
		for (int i = 0; i < PROF_PYTHON_MAX_FRAMES; i++) {
			if (python_frame_step()) {
				end = w->end;
				break;
			}
		}
		if (end == PROF_PYTHON_DEPTH && !w->frame)
			end = PROF_PYTHON_COMPLETE; /* the last step took the outermost frame */
	}
	if (end >= PROF_PYTHON_NR_ENDS)
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
