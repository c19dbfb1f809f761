// SPDX-License-Identifier: GPL-2.0-only
#include "profile_builder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proc_table.h"
#include "profile.h"
#include "python_procs.h"
#include "sampler.h"
#include "symbolizer.h"

#define MAX_INLINE_FRAMES 32
#define MAX_FRAMES ((PROF_MAX_USER_DEPTH + PROF_MAX_STACK_DEPTH + 1) * MAX_INLINE_FRAMES)

struct count_entry {
	struct prof_sample_key key;
	uint64_t count;
};

/* Frame ids of one resolved stack, root first. */
struct frame_list {
	uint32_t *ids;
	size_t len;
	bool resolved;
};

struct builder {
	struct sampler *sampler;
	struct symbolizer *sym;
	struct proc_table *procs;
	struct python_procs *python;
	const struct sample_clock *clock;
	struct profile *prof;
	bool off_cpu; /* the pass of off-CPU keys (else of CPU samples) */
	struct profile_builder_stats *stats;
	struct count_entry *entries;
	size_t nentries, cap;
	struct frame_list *kernel_stacks; /* indexed by kernel stack id */
	size_t nkernel_stacks;
	uint64_t ips[PROF_MAX_STACK_DEPTH];
	struct prof_user_stack ustack;
	uint32_t scratch[MAX_FRAMES];  /* the sample being built: user frames, then kernel */
	uint32_t kscratch[MAX_FRAMES]; /* a kernel stack being resolved */
	/* A Python process's native frames: their ids, and where each address's begin. */
	uint32_t nscratch[MAX_FRAMES];
	uint32_t native_start[PROF_MAX_USER_DEPTH];
	bool native_eval[PROF_MAX_USER_DEPTH];
	/* Its Python frames, innermost first: words of the stack, and where each group begins. */
	uint32_t python_word[PROF_MAX_USER_DEPTH];
	uint32_t group_start[PROF_MAX_USER_DEPTH + 1];
	size_t ngroups;
	const char *python_cut; /* why the outermost group misses its outer frames, or NULL */
};

/* The interpreter's function that runs Python frames (python_abi.h). */
#define PYTHON_EVAL_FUNCTION "_PyEval_EvalFrameDefault"

static int collect(const struct prof_sample_key *key, uint64_t count, void *ctx)
{
	struct builder *b = ctx;
	struct count_entry *grown;

	if (!key->off_cpu != !b->off_cpu)
		return 0;
	if (b->nentries == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 4096;
		grown = realloc(b->entries, b->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		b->entries = grown;
	}
	b->entries[b->nentries].key = *key;
	b->entries[b->nentries].count = count;
	b->nentries++;
	return 0;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static bool same_user_stack(const struct prof_sample_key *a, const struct prof_sample_key *b)
{
	return a->has_ustack == b->has_ustack && a->ustack_hash == b->ustack_hash &&
	       a->stacks_lag == b->stacks_lag;
}

/* Groups the entries of one process image and one user stack, which resolve alike. */
static int cmp_entries(const void *pa, const void *pb)
{
	const struct prof_sample_key *a = &((const struct count_entry *)pa)->key;
	const struct prof_sample_key *b = &((const struct count_entry *)pb)->key;

	return cmp_u32(a->proc_gen, b->proc_gen)	       ?:
		       cmp_u32(a->tgid, b->tgid)	       ?:
		       cmp_u32(a->has_ustack, b->has_ustack)   ?:
		       cmp_u32(a->stacks_lag, b->stacks_lag)   ?:
		       cmp_u64(a->ustack_hash, b->ustack_hash) ?:
								 cmp_u32(a->kstack_id, b->kstack_id);
}

static int intern(struct builder *b, const struct sym_frame *sf, enum frame_kind kind)
{
	struct profile_frame frame = {
		.func = sf->func,
		.mangled = sf->mangled,
		.module = sf->module,
		.build_id = sf->build_id,
		.file = sf->file,
		.line = sf->line,
		.addr = sf->addr,
		.kind = sf->inlined ? FRAME_INLINE :
			sf->jit	    ? FRAME_JIT :
				      kind,
	};

	return profile__intern_frame(b->prof, &frame);
}

/* Appends a frame named @name (a marker, not an address) to out[*len..MAX_FRAMES). */
static int append_marker(struct builder *b, const char *name, enum frame_kind kind, uint32_t *out,
			 size_t *len)
{
	struct sym_frame marker = { .func = name };
	int64_t frame_id = intern(b, &marker, kind);

	if (frame_id < 0)
		return frame_id;
	out[(*len)++] = frame_id;
	return 0;
}

/*
 * Appends the frames of @ips[0..depth) (innermost first), root first, to out[*len..). With
 * @eval (NULL: not wanted), eval[i] tells whether address i is in PYTHON_EVAL_FUNCTION and
 * start[i] where its frames begin in @out.
 */
static int resolve_ips(struct builder *b, const uint64_t *ips, int depth, bool kernel,
		       const struct proc_maps *maps, uint32_t *out, size_t *len, bool *eval,
		       uint32_t *start)
{
	struct sym_frame sf[MAX_INLINE_FRAMES];
	int64_t frame_id;
	int n;

	for (int i = depth - 1; i >= 0; i--) {
		/* Every address but the leaf is a return address. */
		if (kernel)
			n = symbolizer__resolve_kernel(b->sym, ips[i], i > 0, sf,
						       MAX_INLINE_FRAMES);
		else
			n = symbolizer__resolve_user(b->sym, maps, ips[i], i > 0, sf,
						     MAX_INLINE_FRAMES);
		if (n < 0)
			return n;
		if (eval) {
			eval[i] = n > 0 && !strcmp(sf[n - 1].func, PYTHON_EVAL_FUNCTION);
			start[i] = *len;
		}
		/* sf[] is innermost first; the profile wants the caller first. */
		for (int j = n - 1; j >= 0 && *len < MAX_FRAMES; j--) {
			frame_id = intern(b, &sf[j], kernel ? FRAME_KERNEL : FRAME_USER);
			if (frame_id < 0)
				return frame_id;
			out[(*len)++] = frame_id;
		}
	}
	return 0;
}

/* Whether kernel function @func is the tracing that took an off-CPU stack, not the wait. */
static bool off_cpu_tracing(const char *func)
{
	static const char *const prefixes[] = { "bpf_prog_", "bpf_trace_run", "__bpf_trace_",
						"__traceiter_" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(func, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/*
 * Appends the frames of kernel stack @id (of the interval @lag before the read buffer's),
 * root first, to out[*len..MAX_FRAMES).
 */
static int resolve_kernel_stack(struct builder *b, uint16_t lag, int32_t id, uint32_t *out,
				size_t *len)
{
	int depth = sampler__stack(b->sampler, lag, id, b->ips);
	int err;

	if (depth < 0) {
		b->stats->missing_stacks++;
		return append_marker(b, "[lost stack]", FRAME_KERNEL, out, len);
	}
	err = resolve_ips(b, b->ips, depth, true, NULL, out, len, NULL, NULL);
	/* A switch's stack was taken in the scheduler's tracepoint: its leaf frames are ours. */
	while (!err && b->off_cpu && *len &&
	       off_cpu_tracing(profile__frame(b->prof, out[*len - 1])->func))
		(*len)--;
	return err;
}

/*
 * Splits the Python words of @st into frames (b->python_word: the word of each code object)
 * and groups of them run by one call of PYTHON_EVAL_FUNCTION (b->group_start), innermost
 * first. Returns the number of groups.
 */
static size_t python_groups(struct builder *b, const struct prof_user_stack *st)
{
	size_t groups = 0, frames = 0;

	b->group_start[0] = 0;
	for (uint32_t i = st->native_nr; i < st->nr; i++) {
		if (st->ips[i] == PROF_PYTHON_ENTRY) {
			b->group_start[++groups] = frames;
			continue;
		}
		if (i + 1 >= st->nr)
			break; /* half a frame */
		b->python_word[frames++] = i++;
	}
	if (frames > b->group_start[groups])
		b->group_start[++groups] = frames;
	return groups;
}

/* Appends the Python frame at word @w of @st (of process @tgid) to out[*len..). */
static int append_python_frame(struct builder *b, const struct prof_user_stack *st, uint32_t w,
			       uint32_t tgid, uint32_t *out, size_t *len)
{
	uint64_t code = st->ips[w], info = st->ips[w + 1];
	const struct python_code *pc = b->python ? python_procs__code(b->python, tgid, code,
								      info >> 32) :
						   NULL;
	struct profile_frame frame = { .func = "[unknown python code]",
				       .module = PROFILE_PYTHON_MODULE,
				       .kind = FRAME_PYTHON };
	int64_t id;

	if (pc) {
		frame.func = pc->qualname;
		frame.file = pc->filename;
		frame.module = PROFILE_PYTHON_MODULE;
		frame.line = python_code__line(pc, (uint32_t)info);
	} else {
		b->stats->python_unnamed++;
	}
	if (*len >= MAX_FRAMES)
		return 0;
	id = profile__intern_frame(b->prof, &frame);
	if (id < 0)
		return id;
	out[(*len)++] = id;
	return 0;
}

/*
 * Appends the frames of Python groups [@from, @to) of @st, outermost first, to out[*len..);
 * the outermost group after a marker when the walk did not reach its outermost frame.
 */
static int append_python_groups(struct builder *b, const struct prof_user_stack *st, uint32_t tgid,
				size_t from, size_t to, uint32_t *out, size_t *len)
{
	int err;

	if (to == b->ngroups && b->python_cut) {
		err = append_marker(b, b->python_cut, FRAME_PYTHON, out, len);
		if (err)
			return err;
	}
	for (size_t g = to; g-- > from;)
		for (uint32_t f = b->group_start[g + 1]; f-- > b->group_start[g];) {
			err = append_python_frame(b, st, b->python_word[f], tgid, out, len);
			if (err)
				return err;
		}
	return 0;
}

/*
 * Appends the native frames of a Python process's stack @st with its Python frames
 * spliced in: the frames each call of PYTHON_EVAL_FUNCTION runs go just above it, the
 * innermost group above the innermost call. Groups beyond the calls the native walk found
 * (it ended early) go with the outermost call, or at the root when it found none.
 */
static int splice_python(struct builder *b, const struct prof_user_stack *st, uint32_t tgid,
			 const struct proc_maps *maps, uint32_t *out, size_t *len)
{
	static const char *const cut[PROF_PYTHON_NR_ENDS] = {
		[PROF_PYTHON_BAD_READ] = "[incomplete: python memory unreadable]",
		[PROF_PYTHON_DEPTH] = "[incomplete: python too deep]",
	};
	int native = st->native_nr <= st->nr ? st->native_nr : st->nr;
	size_t groups = python_groups(b, st), evals = 0, outer = 0, nlen = 0, inner;
	int err;

	/* python_end is 1 + how the walk ended (the caller saw it is not 0). */
	b->python_cut = st->python_end <= PROF_PYTHON_NR_ENDS ? cut[st->python_end - 1] : NULL;
	/* A walk cut before its first frame still says so, above the innermost call. */
	if (!groups && b->python_cut)
		b->group_start[++groups] = 0;
	b->ngroups = groups;

	err = resolve_ips(b, (const uint64_t *)st->ips, native, false, maps, b->nscratch, &nlen,
			  b->native_eval, b->native_start);
	if (err)
		return err;
	for (int i = 0; i < native; i++)
		evals += b->native_eval[i];
	if (!evals) {
		err = append_python_groups(b, st, tgid, 0, groups, out, len);
		if (err)
			return err;
	}
	/* native_start[i] is where address i's frames begin: the outermost, i = native - 1, first. */
	for (int i = native - 1; i >= 0; i--) {
		for (uint32_t f = b->native_start[i]; f < (i ? b->native_start[i - 1] : nlen); f++)
			if (*len < MAX_FRAMES)
				out[(*len)++] = b->nscratch[f];
		if (!b->native_eval[i])
			continue;
		/* The calls inside this one: those at addresses below i. */
		inner = evals - ++outer;
		if (inner < groups) {
			err = append_python_groups(b, st, tgid, inner,
						   inner + 1 == evals ? groups : inner + 1, out,
						   len);
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * Appends the frames of the user stack @st of process @tgid, root first, to
 * out[*len..MAX_FRAMES). A stack whose walk ended early starts with a marker that says
 * why, so that its frames are not mistaken for a root.
 */
static int resolve_walked_stack(struct builder *b, const struct prof_user_stack *st, uint32_t tgid,
				const struct proc_maps *maps, uint32_t *out, size_t *len)
{
	static const char *const incomplete[PROF_UNWIND_NR_ENDS] = {
		[PROF_UNWIND_NO_TABLE] = "[incomplete: no unwind table]",
		[PROF_UNWIND_NO_ROW] = "[incomplete: no unwind row]",
		[PROF_UNWIND_BAD_READ] = "[incomplete: stack unreadable]",
		[PROF_UNWIND_DEPTH] = "[incomplete: too deep]",
		[PROF_UNWIND_UNSUPPORTED] = "[incomplete: unsupported unwind rule]",
		[PROF_UNWIND_BAD_FRAME] = "[incomplete: bad frame]",
	};
	int err;

	if (st->end < PROF_UNWIND_NR_ENDS && incomplete[st->end]) {
		b->stats->incomplete_stacks++;
		err = append_marker(b, incomplete[st->end], FRAME_USER, out, len);
		if (err)
			return err;
	}
	if (st->python_end)
		return splice_python(b, st, tgid, maps, out, len);
	return resolve_ips(b, (const uint64_t *)st->ips, st->nr, false, maps, out, len, NULL, NULL);
}

/*
 * Appends the frames of the user stack @hash of the read buffer (or of the interval @lag
 * before), as resolve_walked_stack().
 */
static int resolve_user_stack(struct builder *b, uint16_t lag, uint64_t hash, uint32_t tgid,
			      const struct proc_maps *maps, uint32_t *out, size_t *len)
{
	if (sampler__user_stack(b->sampler, lag, hash, &b->ustack)) {
		b->stats->missing_stacks++;
		return append_marker(b, "[lost stack]", FRAME_USER, out, len);
	}
	return resolve_walked_stack(b, &b->ustack, tgid, maps, out, len);
}

static int kernel_stack(struct builder *b, int32_t id, struct frame_list **out)
{
	struct frame_list *fl;
	size_t len = 0;
	int err;

	if ((size_t)id >= b->nkernel_stacks) {
		size_t n = (size_t)id + 1 > 2 * b->nkernel_stacks ? (size_t)id + 1 :
								    2 * b->nkernel_stacks;
		struct frame_list *grown = realloc(b->kernel_stacks, n * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		memset(grown + b->nkernel_stacks, 0, (n - b->nkernel_stacks) * sizeof(*grown));
		b->kernel_stacks = grown;
		b->nkernel_stacks = n;
	}
	fl = &b->kernel_stacks[id];
	if (!fl->resolved) {
		err = resolve_kernel_stack(b, 0, id, b->kscratch, &len);
		if (err)
			return err;
		fl->ids = malloc(len * sizeof(*fl->ids) + 1);
		if (!fl->ids)
			return -ENOMEM;
		memcpy(fl->ids, b->kscratch, len * sizeof(*fl->ids));
		fl->len = len;
		fl->resolved = true;
	}
	*out = fl;
	return 0;
}

/* Adds the sample @e of process @proc, whose user frames are b->scratch[0..user_len). */
static int add_sample(struct builder *b, const struct count_entry *e, const struct proc_entry *proc,
		      size_t user_len)
{
	struct profile_labels labels;
	struct frame_list *kfl;
	char thread[PROF_COMM_LEN + 1] = { 0 };
	size_t len = user_len;
	int err;

	if (e->key.kstack_id >= 0 && e->key.stacks_lag) {
		/* A wait's stack kept from an earlier interval: its id is that interval's. */
		err = resolve_kernel_stack(b, e->key.stacks_lag, e->key.kstack_id, b->scratch,
					   &len);
		if (err)
			return err;
	} else if (e->key.kstack_id >= 0) {
		err = kernel_stack(b, e->key.kstack_id, &kfl);
		if (err)
			return err;
		for (size_t i = 0; i < kfl->len && len < MAX_FRAMES; i++)
			b->scratch[len++] = kfl->ids[i];
	}
	/* A thread preempted waited for a CPU, not for something it asked for. */
	if (e->key.off_cpu == PROF_OFF_CPU_RUNNABLE && len < MAX_FRAMES) {
		err = append_marker(b, "[waiting for a CPU]", FRAME_KERNEL, b->scratch, &len);
		if (err)
			return err;
	}
	memcpy(thread, e->key.comm, PROF_COMM_LEN);
	labels.pid = e->key.tgid;
	labels.tid = e->key.pid;
	labels.thread = thread;
	labels.comm = proc->comm[0] ? proc->comm : thread;
	labels.time_ns = 0;
	if (b->clock && e->key.time_slot)
		labels.time_ns = e->key.time_slot * b->clock->slot_ns +
				 b->clock->realtime_offset_ns;
	return profile__add_sample(b->prof, b->scratch, len, &labels, e->count);
}

static int add_entry(struct builder *b, const struct count_entry *e, size_t *user_len,
		     const struct count_entry *prev)
{
	const struct proc_entry *proc;
	int err;

	proc = proc_table__lookup(b->procs, e->key.proc_gen, e->key.tgid);
	if (!proc)
		return -ENOMEM;
	/* Entries come grouped by image and user stack: reuse the user frames when they repeat. */
	if (!prev || cmp_u32(prev->key.proc_gen, e->key.proc_gen) ||
	    cmp_u32(prev->key.tgid, e->key.tgid) || !same_user_stack(&prev->key, &e->key)) {
		*user_len = 0;
		if (e->key.has_ustack) {
			err = resolve_user_stack(b, e->key.stacks_lag, e->key.ustack_hash,
						 e->key.tgid, proc->maps, b->scratch, user_len);
			if (err)
				return err;
		}
	}
	return add_sample(b, e, proc, *user_len);
}

/* Adds the walked samples, one count each. */
static int add_walked(struct builder *b, const struct walked_samples *walked)
{
	struct count_entry e = { .count = 1 };
	const struct proc_entry *proc;
	size_t user_len;
	int err = 0;

	for (size_t i = 0; i < walked->n && !err; i++) {
		if (walked->get(walked->ctx, i, &e.key, &b->ustack))
			continue;
		proc = proc_table__lookup(b->procs, e.key.proc_gen, e.key.tgid);
		if (!proc)
			return -ENOMEM;
		user_len = 0;
		err = resolve_walked_stack(b, &b->ustack, e.key.tgid, proc->maps, b->scratch, &user_len) ?:
			      add_sample(b, &e, proc, user_len);
	}
	return err;
}

int profile_builder__build(struct sampler *s, struct symbolizer *sym, struct proc_table *procs,
			   struct python_procs *python, const struct sample_clock *clock,
			   const struct walked_samples *walked, struct profile *prof, bool off_cpu,
			   struct profile_builder_stats *stats)
{
	struct builder *b;
	size_t user_len = 0;
	int err;

	memset(stats, 0, sizeof(*stats));
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->sampler = s;
	b->sym = sym;
	b->procs = procs;
	b->python = python;
	b->clock = clock;
	b->prof = prof;
	b->stats = stats;
	b->off_cpu = off_cpu;
	if (off_cpu)
		walked = NULL;
	err = sampler__for_each_count(s, collect, b);
	if (err)
		goto out_free;
	stats->keys = b->nentries;
	qsort(b->entries, b->nentries, sizeof(*b->entries), cmp_entries);
	for (size_t i = 0; i < b->nentries && !err; i++)
		err = add_entry(b, &b->entries[i], &user_len, i ? &b->entries[i - 1] : NULL);
	if (!err && walked)
		err = add_walked(b, walked);
	if (err)
		pr_err("cannot build the profile: %s\n", strerror(-err));
out_free:
	for (size_t i = 0; i < b->nkernel_stacks; i++)
		free(b->kernel_stacks[i].ids);
	free(b->kernel_stacks);
	free(b->entries);
	free(b);
	return err;
}
