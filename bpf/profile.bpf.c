// SPDX-License-Identifier: GPL-2.0-only
/*
 * Samples kernel and user stacks on a perf event and aggregates them in the kernel:
 * counts[(tgid, pid, kernel stack, user stack, process image, time slot, comm)] += 1.
 * Kernel stacks come from bpf_get_stackid(), user stacks from our walker (user_stack.bpf.h).
 * Stacks and counts are double-buffered: user space moves active_epoch on (its low bit
 * names the buffer), waits for a grace period (no sample can still be writing the old pair),
 * then reads and clears it.
 * A process table assigns every process image a generation and reports first sightings
 * and execs on a ring buffer, so that user space reads its mappings while it is alive.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "profile_abi.h"

#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000
#define EEXIST 17
#define EFAULT 14

char LICENSE[] SEC("license") = "GPL";

/* Tunables, set by user space before load. */
const volatile bool filter_pids = false;   /* only tgids in pid_filter */
const volatile bool filter_cgroup = false; /* only tasks under cgroup_filter[0] */
const volatile bool follow_forks = false;  /* children of filtered processes join the filter */
const volatile bool include_idle = false;  /* keep samples of the idle task (pid 0) */
const volatile bool kernel_stacks = true;
const volatile bool user_stacks = true;
const volatile __u64 time_slot_ns = 0;	 /* width of a key's time slot; 0: no time in keys */
const volatile bool off_cpu = false;	 /* on_switch* charge the time threads spend off the CPU */
const volatile __u64 off_cpu_min_ns = 0; /* shorter blocks are not charged */

/* Counts intervals; samples go to buffer active_epoch & 1. Written by user space. */
__u32 active_epoch = 0;
/* Which switches are followed, and their times' scale (PROF_OFF_CPU_SAMPLING). */
__u64 off_cpu_sampling = PROF_OFF_CPU_SAMPLING(0xffffffff, PROF_OFF_CPU_SCALE_ONE);

/* Sizes below are defaults; user space sets them with bpf_map__set_max_entries(). */
#define STACK_MAP(name)                                                                            \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                                            \
		__uint(key_size, sizeof(__u32));                                                   \
		__uint(value_size, PROF_MAX_STACK_DEPTH * sizeof(__u64));                          \
		__uint(max_entries, 32768);                                                        \
	} name SEC(".maps")
#define COUNTS_MAP(name)                                                                           \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_HASH);                                                   \
		__type(key, struct prof_sample_key);                                               \
		__type(value, __u64);                                                              \
		__uint(max_entries, 65536);                                                        \
	} name SEC(".maps")

STACK_MAP(stacks0);
STACK_MAP(stacks1);
COUNTS_MAP(counts0);
COUNTS_MAP(counts1);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32); /* tgid */
	__type(value, struct prof_proc_state);
	__uint(max_entries, 32768);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32); /* tgid */
	__type(value, __u8);
	__uint(max_entries, 8192);
} pid_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} cgroup_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct prof_sample_counters);
	__uint(max_entries, 2); /* PROF_COUNTERS_CPU, PROF_COUNTERS_OFF_CPU */
} counters SEC(".maps");

/* Threads off the CPU whose switch was kept, by thread id; sized by user space (1 without
 * off_cpu). Preallocated: kernels before 5.13 want it so in tracing programs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct prof_off_cpu_start);
	__uint(max_entries, 16384);
} off_cpu_starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Possible CPUs (their ids are below it), set by user space. */
const volatile __u32 nr_cpus = 1;

/*
 * Generations handed out on this CPU, in two lanes: samples, and the exec tracepoint a
 * sample may interrupt. Nothing else runs a lane, so a plain increment cannot race.
 */
struct generation_lanes {
	__u32 next[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct generation_lanes);
	__uint(max_entries, 1);
} generations SEC(".maps");

/* A new generation: lane's count * lanes + lane + 1, never 0 (0 means "unknown"). */
static __always_inline __u32 new_generation(bool in_sample)
{
	__u32 zero = 0, lane = bpf_get_smp_processor_id() * 2 + in_sample;
	struct generation_lanes *lanes = bpf_map_lookup_elem(&generations, &zero);
	__u32 gen;

	if (!lanes)
		return 0;
	gen = lanes->next[in_sample & 1]++ * (nr_cpus * 2) + lane + 1;
	if (gen == 0) /* wrapped */
		gen = lanes->next[in_sample & 1]++ * (nr_cpus * 2) + lane + 1;
	return gen;
}

static __always_inline struct prof_sample_counters *counters_of_cpu(void)
{
	__u32 zero = PROF_COUNTERS_CPU;

	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline struct prof_sample_counters *off_cpu_counters_of_cpu(void)
{
	__u32 entry = PROF_COUNTERS_OFF_CPU;

	return bpf_map_lookup_elem(&counters, &entry);
}

static __always_inline void emit_event(__u32 type, __u32 tgid, __u32 gen, struct task_struct *task)
{
	struct prof_proc_event *e;
	struct prof_sample_counters *c;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		c = counters_of_cpu();
		if (c)
			c->events_lost++;
		return;
	}
	e->type = type;
	e->tgid = tgid;
	e->proc_gen = gen;
	e->pad = 0;
	e->time_ns = bpf_ktime_get_ns();
	BPF_CORE_READ_STR_INTO(&e->comm, task, group_leader, comm);
	bpf_ringbuf_submit(e, 0);
}

/* Starts a new image generation for @tgid and reports it. Returns it, or 0 if the table is full. */
static __always_inline __u32 start_generation(__u32 type, __u32 tgid, struct task_struct *task)
{
	struct prof_proc_state st = { .proc_gen = new_generation(type == PROF_PROC_SEEN) };
	struct prof_sample_counters *c;

	if (bpf_map_update_elem(&procs, &tgid, &st,
				type == PROF_PROC_SEEN ? BPF_NOEXIST : BPF_ANY)) {
		struct prof_proc_state *raced = bpf_map_lookup_elem(&procs, &tgid);

		/* Another CPU saw the process first: use its generation. */
		if (raced)
			return raced->proc_gen;
		c = counters_of_cpu();
		if (c)
			c->procs_full++;
		return 0;
	}
	emit_event(type, tgid, st.proc_gen, task);
	return st.proc_gen;
}

#include "python_stack.bpf.h"
#include "user_stack.bpf.h"

static __always_inline bool task_selected(__u32 tgid)
{
	if (filter_pids && !bpf_map_lookup_elem(&pid_filter, &tgid))
		return false;
	if (filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	return true;
}

/* A kernel stack id, or -1 when there is none or it was lost (and then counted). */
static __always_inline __s32 kernel_stack_id(void *ctx, __u32 buffer,
					     struct prof_sample_counters *c, bool *lost)
{
	long id = buffer ? bpf_get_stackid(ctx, &stacks1, 0) : bpf_get_stackid(ctx, &stacks0, 0);

	if (id >= 0)
		return id;
	/* Nothing to walk: the kernel stack of a sample taken in user mode. */
	if (id == -EFAULT)
		return -1;
	if (id == -EEXIST)
		c->kstack_collision++;
	else
		c->stack_errors++;
	*lost = true;
	return -1;
}

/* counts[key] += @value in @counts (one of counts0, counts1). */
static __always_inline void count_sample(void *counts, struct prof_sample_key *key, __u64 value,
					 struct prof_sample_counters *c)
{
	__u64 *count;
	long err;

	count = bpf_map_lookup_elem(counts, key);
	if (count) {
		__sync_fetch_and_add(count, value);
		return;
	}
	err = bpf_map_update_elem(counts, key, &value, BPF_NOEXIST);
	if (err == -EEXIST) {
		count = bpf_map_lookup_elem(counts, key);
		if (count)
			__sync_fetch_and_add(count, value);
	} else if (err) {
		c->counts_full++;
	}
}

/* A sample's process image (reported on first sight), name and time into @key. */
static __always_inline void finish_key(struct prof_sample_key *key)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct prof_proc_state *st = bpf_map_lookup_elem(&procs, &key->tgid);

	key->proc_gen = st ? st->proc_gen : start_generation(PROF_PROC_SEEN, key->tgid, task);
	bpf_get_current_comm(&key->comm, sizeof(key->comm));
	if (time_slot_ns)
		key->time_slot = bpf_ktime_get_ns() / time_slot_ns;
}

/* The end of every counted sample: finish_key() and the count. */
static __always_inline void count_key(struct prof_sample_key *key, __u32 buffer,
				      struct prof_sample_counters *c)
{
	finish_key(key);
	if (buffer)
		count_sample(&counts1, key, 1, c);
	else
		count_sample(&counts0, key, 1, c);
}

/*
 * The current thread leaves the CPU in the stacks of @key (in the buffer of interval @epoch):
 * its time off the CPU is charged to them when it runs again (charge_off_cpu()).
 */
static __always_inline void start_off_cpu(struct prof_sample_key *key, __u32 epoch, __u32 scale,
					  struct prof_sample_counters *c)
{
	struct prof_off_cpu_start start = { .epoch = epoch, .scale = scale };

	finish_key(key);
	start.key = *key;
	start.start_ns = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&off_cpu_starts, &key->pid, &start, BPF_ANY))
		c->off_cpu_starts_full++;
}

/* Charges the time @next was off the CPU, if its switch was kept, as it runs again. */
static __always_inline void charge_off_cpu(struct task_struct *next)
{
	__u32 tid = BPF_CORE_READ(next, pid);
	struct prof_off_cpu_start *found, start;
	struct prof_sample_counters *c;
	__u64 now, time;
	__u32 epoch, lag;

	/* The idle task and kernel threads are never followed: half the switches of a host. */
	if (!tid || (BPF_CORE_READ(next, flags) & PF_KTHREAD))
		return;
	found = bpf_map_lookup_elem(&off_cpu_starts, &tid);
	if (!found)
		return;
	start = *found;
	bpf_map_delete_elem(&off_cpu_starts, &tid);
	c = off_cpu_counters_of_cpu();
	if (!c)
		return;
	now = bpf_ktime_get_ns();
	time = now > start.start_ns ? now - start.start_ns : 0;
	if (time < off_cpu_min_ns) {
		c->off_cpu_short++;
		return;
	}
	/* A wait that outlasted its interval: user space kept its stacks (stacks_lag). */
	epoch = *(volatile __u32 *)&active_epoch;
	lag = epoch - start.epoch;
	if (lag > PROF_MAX_STACKS_LAG) {
		c->off_cpu_crossed++;
		return;
	}
	start.key.stacks_lag = lag;
	count_sample(epoch & 1 ? (void *)&counts1 : (void *)&counts0, &start.key,
		     prof_off_cpu_scaled(time, start.scale), c);
	c->off_cpu_charged++;
	c->off_cpu_ns += time;
}

/* Deferred samples, sized by user space; the record being sent, too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} deferred SEC(".maps");

/* A record being made, one per CPU (nr_cpus, set by user space): larger than a per-CPU map's. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct prof_deferred_sample);
	__uint(max_entries, 1);
} deferred_scratch SEC(".maps");

/* Whether this CPU may defer one more sample in the current second (deferred_per_sec). */
static __always_inline bool deferral_allowed(struct walk_state *st, __u64 now)
{
	if (now - st->deferred_since_ns >= 1000000000ull) {
		st->deferred_since_ns = now;
		st->deferred_now = 0;
	}
	if (st->deferred_now >= deferred_per_sec)
		return false;
	st->deferred_now++;
	return true;
}

/*
 * Sends the sample of the walk on this CPU (st->key, its registers and stack bytes) to the
 * deferred ring instead of counting it (st->defer: see find_mapping()). Returns 1 when sent,
 * 0 when refused (rate limit, ring full: counted), and the sample is then counted as walked.
 * Global, checked once, without arguments as find_mapping().
 */
__noinline int defer_sample(void)
{
	struct walk_state *st = walk_state_of_cpu();
	struct prof_sample_counters *c = counters_of_cpu();
	struct prof_deferred_sample *d;
	__u64 now = bpf_ktime_get_ns();
	__u32 cpu = bpf_get_smp_processor_id(), size;

	if (!st || !c)
		return 0;
	if (!deferral_allowed(st, now)) {
		c->deferred_refused_rate++;
		return 0;
	}
	d = bpf_map_lookup_elem(&deferred_scratch, &cpu);
	if (!d)
		return 0;
	finish_key(&st->key);
	d->key = st->key;
	d->time_ns = now;
	d->ip = st->ip;
	d->sp = st->first_sp;
	d->bp = st->first_bp;
	d->bx = st->first_bx;
	d->di = st->first_di;
	d->ax = st->first_ax;
	d->buffer = st->buffer;
	d->stack_bytes = read_stack_pages(d->stack, PROF_DEFERRED_STACK_BYTES, st->first_sp);
	size = __builtin_offsetof(struct prof_deferred_sample, stack) + d->stack_bytes;
	if (size > sizeof(*d))
		size = sizeof(*d);
	if (bpf_ringbuf_output(&deferred, d, size, 0)) {
		c->deferred_refused_full++;
		return 0;
	}
	c->deferred++;
	count_python_deferred(st->tgid, c);
	return 1;
}

/* Without bpf_loop, the walk goes on here: a tail call walks FRAMES_PER_TAIL_CALL frames. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} walk_programs SEC(".maps");

#define FRAMES_PER_TAIL_CALL 20
/* The kernel allows 33 tail calls in a row: 26 walk PROF_MAX_USER_DEPTH frames. */
#define MAX_TAIL_CALLS ((PROF_MAX_USER_DEPTH + FRAMES_PER_TAIL_CALL) / FRAMES_PER_TAIL_CALL)

/*
 * Whether @task is inside execve past the point of no return: its memory is the new image's,
 * its user registers still the old one's, whose stack is gone. The ELF loader sets the new
 * mm's start_code only once the image is mapped, just before the task returns to it.
 */
static __always_inline bool image_released(struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);

	return mm && !BPF_CORE_READ(mm, start_code);
}

/*
 * Ends the walk on this CPU: the deferral of a sample, the Python frames, the user stack
 * stored, and the key counted (a sample) or kept until the thread runs again (a switch).
 */
static __always_inline void finish_walk(struct walk_state *st, struct prof_sample_counters *c)
{
	struct prof_sample_key key;

	if (st->counters == PROF_COUNTERS_CPU && st->defer && defer_sample())
		return;
	walk_python();
	key = st->key;
	if (end_user_walk(st, c, &key.ustack_hash))
		return;
	key.has_ustack = 1;
	if (key.off_cpu)
		start_off_cpu(&key, st->epoch, st->scale, c);
	else
		count_key(&key, st->buffer, c);
}

/*
 * The kernel stack and the user stack walk of the current task, for a sample or a switch
 * (@key->off_cpu), then the count or the start of its time off the CPU (its time to count
 * @scale 256ths). With @tail_calls, the walk goes on in the walk program of @programs and
 * ends there.
 */
static __always_inline void take_stacks(void *ctx, struct bpf_perf_event_data *sample_ctx,
					struct prof_sample_key *key, __u32 scale,
					struct prof_sample_counters *c, void *programs,
					bool tail_calls)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct walk_state *st;
	bool lost = false;
	__u32 epoch, buffer;

	/* Read once: the stacks and the count of a sample go to the same buffer. */
	epoch = *(volatile __u32 *)&active_epoch;
	buffer = epoch & 1;
	key->kstack_id = kernel_stacks ? kernel_stack_id(ctx, buffer, c, &lost) : -1;
	/* A sample with a lost stack would land in the wrong place in the graph: drop it. */
	if (lost)
		return;
	/* An exiting task's user memory is being torn down: it has no user stack left. */
	if (!user_stacks || key->pid == 0 ||
	    (BPF_CORE_READ(task, flags) & (PF_KTHREAD | PF_EXITING)))
		goto count;
	if (image_released(task)) {
		c->user_in_exec++;
		goto count;
	}
	st = sample_ctx ? begin_user_walk(sample_ctx, key->tgid, key->pid) :
			  begin_off_cpu_walk(key->tgid, key->pid);
	if (!st) {
		c->user_missing++;
		goto count;
	}
	st->buffer = buffer;
	st->epoch = epoch;
	st->scale = scale;
	st->key = *key;
	if (tail_calls) {
		bpf_tail_call(ctx, programs, 0);
		c->stack_errors++; /* the walk program is not there */
		return;
	}
	bpf_loop(PROF_MAX_USER_DEPTH + 1, walk_one_frame, NULL, 0);
	finish_walk(st, c);
	return;
count:
	if (key->off_cpu)
		start_off_cpu(key, epoch, scale, c);
	else
		count_key(key, buffer, c);
}

/* The user-stack walk of a program without bpf_loop, continued in tail calls of @programs. */
static __always_inline int walk_on(void *ctx, void *programs)
{
	struct walk_state *st = walk_state_of_cpu();
	struct prof_sample_counters *c;

	if (!st)
		return 0;
	c = counters_of_walk(st);
	if (!c)
		return 0;
	for (int i = 0; i < FRAMES_PER_TAIL_CALL; i++)
		if (walk_one_frame(i, NULL))
			goto done;
	if (++st->tail_calls < MAX_TAIL_CALLS)
		bpf_tail_call(ctx, programs, 0);
	st->stack.end = PROF_UNWIND_DEPTH;
done:
	finish_walk(st, c);
	return 0;
}

/* One sample: filters, then take_stacks(). */
static __always_inline int sample(struct bpf_perf_event_data *ctx, bool tail_calls)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct prof_sample_key key = {};
	struct prof_sample_counters *c;

	key.tgid = pid_tgid >> 32;
	key.pid = (__u32)pid_tgid;
	if (key.pid == 0 && !include_idle)
		return 0;
	if (!task_selected(key.tgid))
		return 0;
	c = counters_of_cpu();
	if (!c)
		return 0;
	c->samples++;
	take_stacks(ctx, ctx, &key, PROF_OFF_CPU_SCALE_ONE, c, &walk_programs, tail_calls);
	return 0;
}

/*
 * User space loads one of the two: on_sample where the kernel has bpf_loop (5.17), else
 * on_sample_tail with walk_more. A program that merely names a bpf_loop callback is
 * refused before 5.13, even where that code can never run.
 */
SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	return sample(ctx, false);
}

SEC("perf_event")
int on_sample_tail(struct bpf_perf_event_data *ctx)
{
	return sample(ctx, true);
}

/* The user-stack walk of on_sample_tail, continued in tail calls. */
SEC("perf_event")
int walk_more(struct bpf_perf_event_data *ctx)
{
	return walk_on(ctx, &walk_programs);
}

/* The walk of on_switch_tail goes on here (tracing programs tail-call tracing programs). */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} off_cpu_walk_programs SEC(".maps");

/* TASK_RUNNING: a thread switched out in it was preempted, not blocked. */
#define TASK_RUNNING 0

/* A CO-RE flavour of a kernel structure (the BPF harness, built by gcc, reads it plainly). */
#ifndef PROF_CORE_FLAVOR
#define PROF_CORE_FLAVOR __attribute__((preserve_access_index))
#endif

/* task_struct before 5.14, whose __state was named state. */
struct task_struct___before_5_14 {
	long state;
} PROF_CORE_FLAVOR;

static __always_inline bool still_runnable(struct task_struct *prev, bool preempt)
{
	struct task_struct___before_5_14 *old = (void *)prev;

	if (preempt)
		return true;
	if (bpf_core_field_exists(prev->__state))
		return BPF_CORE_READ(prev, __state) == TASK_RUNNING;
	return BPF_CORE_READ(old, state) == TASK_RUNNING;
}

/*
 * A context switch: charges the time @next spent off the CPU, then, for a kept switch of a
 * selected user thread, takes the stacks @prev (the current task) leaves the CPU in.
 * Charging first: the walk may end in a tail call.
 */
static __always_inline int off_cpu_switch(void *ctx, bool preempt, struct task_struct *prev,
					  struct task_struct *next, bool tail_calls)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct prof_sample_key key = {};
	struct prof_sample_counters *c;
	__u64 sampling;
	__u32 keep;

	charge_off_cpu(next);
	key.tgid = pid_tgid >> 32;
	key.pid = (__u32)pid_tgid;
	if (key.pid == 0 || (BPF_CORE_READ(prev, flags) & (PF_KTHREAD | PF_EXITING)))
		return 0;
	if (!task_selected(key.tgid))
		return 0;
	c = off_cpu_counters_of_cpu();
	if (!c)
		return 0;
	c->samples++;
	sampling = *(volatile __u64 *)&off_cpu_sampling;
	keep = (__u32)sampling;
	if (keep != 0xffffffff && bpf_get_prandom_u32() > keep)
		return 0;
	c->off_cpu_walked++;
	key.off_cpu = still_runnable(prev, preempt) ? PROF_OFF_CPU_RUNNABLE : PROF_OFF_CPU_BLOCKED;
	take_stacks(ctx, NULL, &key, sampling >> 32, c, &off_cpu_walk_programs, tail_calls);
	return 0;
}

/* As on_sample and on_sample_tail: user space loads one of the two, with --off-cpu. */
SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return off_cpu_switch(ctx, preempt, prev, next, false);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch_tail, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return off_cpu_switch(ctx, preempt, prev, next, true);
}

/* The user-stack walk of on_switch_tail, continued in tail calls (loaded, never attached). */
SEC("tp_btf/sched_switch")
int BPF_PROG(off_cpu_walk_more)
{
	return walk_on(ctx, &off_cpu_walk_programs);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	/*
	 * Only a process already sampled needs a new generation: one never sampled gets its
	 * first on its first sample. Most execs of a busy host are never sampled, and reading
	 * each one's mappings would cost user space more than the sampling does.
	 */
	if (!bpf_map_lookup_elem(&procs, &tgid) || !task_selected(tgid))
		return 0;
	start_generation(PROF_PROC_EXEC, tgid, task);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 parent_tgid = BPF_CORE_READ(parent, tgid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	__u8 yes = 1;

	if (!follow_forks || parent_tgid == child_tgid)
		return 0;
	if (bpf_map_lookup_elem(&pid_filter, &parent_tgid))
		bpf_map_update_elem(&pid_filter, &child_tgid, &yes, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct prof_proc_state *st;

	/* Only the last thread's exit ends the process. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	st = bpf_map_lookup_elem(&procs, &tgid);
	if (!st)
		return 0;
	emit_event(PROF_PROC_EXIT, tgid, st->proc_gen, task);
	bpf_map_delete_elem(&procs, &tgid);
	if (follow_forks)
		bpf_map_delete_elem(&pid_filter, &tgid);
	return 0;
}
