// SPDX-License-Identifier: GPL-2.0-only
#include "sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/membarrier.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array.h"
#include "bpf_features.h"
#include "bpf_load_report.h"
#include "log.h"
#include "options.h"
#include "profile.skel.h"
#include "stack_keeper.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define ONLINE_CPUS "/sys/devices/system/cpu/online"
#define MAX_CPUS 8192
/* Far longer than a sample's program runs, for kernels without membarrier(GLOBAL). */
#define GRACE_PERIOD_FALLBACK_US 50000
/* Entries read or deleted by one batch operation on a hash map. */
#define BATCH_ENTRIES 1024u
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's own "operation not supported" */
#endif
/* Room for a few hundred captures (36 KiB each) between polls. */
#define CAPTURE_RING_BYTES (16u << 20)
/*
 * The deferred ring: about two seconds of every sample deferred, within these bounds: user
 * space drains it between the process reads of a busy host, which can take that long.
 * Records carry the stack bytes read, most far fewer than the most: counted at 16 KiB (a
 * new process's records average 13-15 KiB: its environment, ld.so's frames). At most
 * 64 MiB: two seconds of 999 Hz on 2 CPUs where every sample is a new process's.
 */
#define DEFERRED_RECORD_BYTES (16u << 10)
#define DEFERRED_RING_MIN (1u << 20)
#define DEFERRED_RING_MAX (64u << 20)
/* Processes the walker knows at once where its map must be preallocated (8 MiB). */
#define PREALLOCATED_UNWIND_PROCS 1024
/* Threads off the CPU followed at once (64 B each, preallocated): 1 MiB. */
#define OFF_CPU_THREADS_MAX 16384
/* Stacks of waits that outlast their interval, kept in user space at most. */
#define KEPT_STACK_BYTES (16u << 20)

/*
 * The BPF program's off_cpu_sampling for a probability in (0, 1]: whom it keeps, and the
 * scale of their times (256 / the probability, rounded as the keep threshold is).
 */
static uint64_t off_cpu_sampling(double probability)
{
	uint32_t keep;

	if (probability <= 0 || probability >= 1)
		return PROF_OFF_CPU_SAMPLING(UINT32_MAX, PROF_OFF_CPU_SCALE_ONE);
	keep = (uint32_t)(probability * UINT32_MAX);
	return PROF_OFF_CPU_SAMPLING(
		keep, (uint32_t)(PROF_OFF_CPU_SCALE_ONE * (double)UINT32_MAX / keep + 0.5));
}

struct sampler {
	struct profile_bpf *skel;
	struct bpf_program *on_sample; /* the skeleton's sample program this kernel runs */
	struct bpf_program *on_switch; /* its switch program (--off-cpu), or NULL */
	struct ring_buffer *events;
	uint32_t *cpus; /* owned */
	size_t ncpus;
	int *perf_fds; /* one per CPU, -1 when closed */
	struct bpf_link **perf_links;
	int ncpus_possible;
	uint32_t frequency;
	bool filter_pids;
	uint32_t read_buffer; /* the buffer for_each_count, stack and clear work on */
	sampler_event_fn on_event;
	void *event_ctx;
	sampler_capture_fn on_capture;
	void *capture_ctx;
	sampler_deferred_fn on_deferred;
	void *deferred_ctx;
	sampler_python_code_fn on_python_code;
	void *python_code_ctx;
	bool off_cpu; /* the switch programs run (--off-cpu) */
	uint64_t off_cpu_min_ns;
	int stats_fd;	     /* keeps the kernel's BPF run-time statistics on; -1: off */
	bool switches_ended; /* sampler__stop() detached the switch program */
	uint64_t pending_charged, pending_ns; /* charged at the stop, still off the CPU */
	uint64_t pending_short;		      /* still off the CPU then, for too short */
	bool off_cpu_auto;		      /* the probability follows the switch rate */
	double off_cpu_probability;	      /* now */
	uint64_t tuned_ns, tuned_switches;    /* the last tuning: when, switches seen then */
	uint64_t started_ns, stopped_ns;      /* CLOCK_MONOTONIC; 0 until then */
	uint32_t read_epoch;		      /* the interval of the read buffer */
	struct stack_keeper *kept;	      /* stacks of waits that outlast their interval */
	uint64_t stacks_not_kept;	      /* such stacks the keeper had no room for */
};

static int read_online_cpus(uint32_t **cpus, size_t *ncpus)
{
	char line[4096], err[256];
	FILE *f = fopen(ONLINE_CPUS, "re");
	int ret = -EIO;

	if (!f) {
		pr_err("cannot read %s: %s\n", ONLINE_CPUS, strerror(errno));
		return -errno;
	}
	if (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		ret = options__parse_number_list(line, ONLINE_CPUS, MAX_CPUS, cpus, ncpus, err,
						 sizeof(err));
		if (ret)
			pr_err("%s\n", err);
	}
	fclose(f);
	return ret;
}

static int select_cpus(struct sampler *s, const struct sampler_opts *opts)
{
	uint32_t *online = NULL;
	size_t nonline = 0;
	int ret;

	ret = read_online_cpus(&online, &nonline);
	if (ret)
		return ret;
	if (!opts->cpus) {
		s->cpus = online;
		s->ncpus = nonline;
		return 0;
	}
	s->cpus = calloc(opts->ncpus, sizeof(*s->cpus));
	if (!s->cpus) {
		ret = -ENOMEM;
		goto out_free_online;
	}
	for (size_t i = 0; i < opts->ncpus; i++) {
		bool found = false;

		for (size_t j = 0; j < nonline && !found; j++)
			found = online[j] == opts->cpus[i];
		if (!found) {
			pr_err("CPU %u is not online (online: see %s)\n", opts->cpus[i],
			       ONLINE_CPUS);
			ret = -EINVAL;
			goto out_free_online;
		}
		s->cpus[s->ncpus++] = opts->cpus[i];
	}
out_free_online:
	free(online);
	return ret;
}

/* Opens a cgroup v2 folder given absolute, relative, or relative to the cgroup mount. */
static int open_cgroup(const char *path)
{
	static const char *const roots[] = { "", CGROUP_ROOT "/", CGROUP_ROOT "/unified/" };
	char full[4096];
	struct statfs fs;
	int fd = -1;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]) && fd < 0; i++) {
		if (i > 0 && path[0] == '/')
			break;
		snprintf(full, sizeof(full), "%s%s", roots[i], path);
		fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0) {
		pr_err("cannot open cgroup '%s': %s (give a folder under %s)\n", path,
		       strerror(errno), CGROUP_ROOT);
		return -ENOENT;
	}
	if (fstatfs(fd, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC) {
		pr_err("'%s' is not a cgroup v2 folder (--cgroup needs the unified hierarchy)\n",
		       path);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

static int set_filters(struct sampler *s, const struct sampler_opts *opts)
{
	int fd, ret;
	__u32 zero = 0;

	for (size_t i = 0; i < opts->npids; i++) {
		ret = sampler__add_pid(s, opts->pids[i]);
		if (ret)
			return ret;
	}
	if (!opts->cgroup)
		return 0;
	fd = open_cgroup(opts->cgroup);
	if (fd < 0)
		return fd;
	ret = bpf_map__update_elem(s->skel->maps.cgroup_filter, &zero, sizeof(zero), &fd,
				   sizeof(fd), BPF_ANY);
	close(fd);
	if (ret)
		pr_err("cannot set the cgroup filter: %s\n", strerror(-ret));
	return ret;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct sampler *s = ctx;

	if (size >= sizeof(struct prof_proc_event) && s->on_event)
		s->on_event(data, s->event_ctx);
	return 0;
}

static int handle_python_code(void *ctx, void *data, size_t size)
{
	struct sampler *s = ctx;

	if (size >= sizeof(struct prof_python_code_event))
		s->on_python_code(data, s->python_code_ctx);
	return 0;
}

static int handle_capture(void *ctx, void *data, size_t size)
{
	struct sampler *s = ctx;

	if (size >= sizeof(struct prof_stack_capture))
		s->on_capture(data, s->capture_ctx);
	return 0;
}

static int handle_deferred(void *ctx, void *data, size_t size)
{
	const size_t head = offsetof(struct prof_deferred_sample, stack);
	const struct prof_deferred_sample *d = data;
	struct sampler *s = ctx;

	if (size >= head && d->stack_bytes <= size - head &&
	    d->stack_bytes <= PROF_DEFERRED_STACK_BYTES)
		s->on_deferred(d, size, s->deferred_ctx);
	return 0;
}

/* The deferred ring's size for @opts: a power of two in [DEFERRED_RING_MIN, _MAX]. */
static uint32_t deferred_ring_bytes(const struct sampler_opts *opts, size_t ncpus)
{
	uint64_t want = (uint64_t)opts->frequency * ncpus * 2 * DEFERRED_RECORD_BYTES;
	uint32_t bytes = DEFERRED_RING_MIN;

	while (bytes < want && bytes < DEFERRED_RING_MAX)
		bytes *= 2;
	return bytes;
}

/* Puts @walk where the program tail-calls it (@programs), if that is the way loaded. */
static int set_walk_program(struct bpf_map *programs, struct bpf_program *walk)
{
	__u32 zero = 0;
	int fd = bpf_program__fd(walk);
	int err;

	if (!bpf_program__autoload(walk))
		return 0;
	err = bpf_map__update_elem(programs, &zero, sizeof(zero), &fd, sizeof(fd), BPF_ANY);
	if (err)
		pr_err("cannot set up the user stack walk: %s\n", strerror(-err));
	return err;
}

/*
 * Picks the ways of the BPF program this kernel can run (bpf_features.h): the user stack
 * walk in bpf_loop or in tail calls, the user registers of a sample taken in the kernel from
 * bpf_task_pt_regs() or from the task's kernel stack, and hash maps allocated as they fill
 * or preallocated. @fallbacks takes the older ways everywhere (for tests).
 */
static void choose_kernel_paths(struct sampler *s, bool fallbacks)
{
	struct bpf_features f;
	struct bpf_map *dynamic[] = { s->skel->maps.unwind_procs, s->skel->maps.ustacks0,
				      s->skel->maps.ustacks1, s->skel->maps.python_procs };

	bpf_features__probe(&f);
	if (fallbacks)
		f = (struct bpf_features){ 0 };
	s->on_sample = f.loop ? s->skel->progs.on_sample : s->skel->progs.on_sample_tail;
	bpf_program__set_autoload(s->skel->progs.on_sample, f.loop);
	bpf_program__set_autoload(s->skel->progs.on_sample_tail, !f.loop);
	bpf_program__set_autoload(s->skel->progs.walk_more, !f.loop);
	/* The same two ways for the switches of --off-cpu; the walk program is not attached. */
	bpf_program__set_autoload(s->skel->progs.on_switch, s->off_cpu && f.loop);
	bpf_program__set_autoload(s->skel->progs.on_switch_tail, s->off_cpu && !f.loop);
	bpf_program__set_autoload(s->skel->progs.off_cpu_walk_more, s->off_cpu && !f.loop);
	bpf_program__set_autoattach(s->skel->progs.off_cpu_walk_more, false);
	if (s->off_cpu)
		s->on_switch = f.loop ? s->skel->progs.on_switch : s->skel->progs.on_switch_tail;
	s->skel->rodata->use_task_pt_regs = f.task_pt_regs;
	if (!f.dynamic_hash) {
		for (size_t i = 0; i < sizeof(dynamic) / sizeof(dynamic[0]); i++)
			bpf_map__set_map_flags(dynamic[i],
					       bpf_map__map_flags(dynamic[i]) & ~BPF_F_NO_PREALLOC);
		/* Preallocated, 8 KiB a process: the walker knows fewer processes at once. */
		bpf_map__set_max_entries(s->skel->maps.unwind_procs, PREALLOCATED_UNWIND_PROCS);
	}
	pr_info("%s; user registers %s; %s\n",
		f.loop ? "walking user stacks in bpf_loop" :
			 "walking user stacks in tail calls (no bpf_loop)",
		f.task_pt_regs ? "from bpf_task_pt_regs" :
				 "from the task's kernel stack (no bpf_task_pt_regs)",
		f.dynamic_hash ? "hash maps filled on demand" :
				 "hash maps preallocated (perf-event programs need them so here)");
}

int sampler__open(const struct sampler_opts *opts, struct sampler **out)
{
	struct sampler *s;
	int err;

	bpf_load_report__start();
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->frequency = opts->frequency;
	s->filter_pids = opts->filter_pids;
	s->on_event = opts->on_event;
	s->event_ctx = opts->event_ctx;
	s->on_capture = opts->on_capture;
	s->capture_ctx = opts->capture_ctx;
	s->on_python_code = opts->user_stacks ? opts->on_python_code : NULL;
	s->off_cpu = opts->off_cpu;
	s->off_cpu_min_ns = opts->off_cpu_min_ns;
	s->stats_fd = -1;
	s->python_code_ctx = opts->python_code_ctx;
	if (opts->dwarf_unwind && opts->user_stacks && opts->deferred_per_sec) {
		s->on_deferred = opts->on_deferred;
		s->deferred_ctx = opts->deferred_ctx;
	}
	err = select_cpus(s, opts);
	if (err)
		goto out_free;
	s->ncpus_possible = libbpf_num_possible_cpus();
	if (s->ncpus_possible <= 0) {
		err = s->ncpus_possible ? s->ncpus_possible : -EINVAL;
		pr_err("cannot count the possible CPUs: %s\n", strerror(-err));
		goto out_free;
	}
	s->perf_fds = malloc(s->ncpus * sizeof(*s->perf_fds));
	s->perf_links = calloc(s->ncpus, sizeof(*s->perf_links));
	if (!s->perf_fds || !s->perf_links) {
		err = -ENOMEM;
		goto out_free;
	}
	for (size_t i = 0; i < s->ncpus; i++)
		s->perf_fds[i] = -1;

	s->skel = profile_bpf__open();
	if (!s->skel) {
		err = -errno;
		pr_err("cannot open the BPF program: %s\n", strerror(-err));
		goto out_free;
	}
	s->skel->rodata->nr_cpus = s->ncpus_possible;
	s->skel->rodata->filter_pids = opts->filter_pids;
	s->skel->rodata->filter_cgroup = opts->cgroup != NULL;
	s->skel->rodata->follow_forks = opts->follow_forks;
	s->skel->rodata->include_idle = opts->include_idle;
	s->skel->rodata->kernel_stacks = opts->kernel_stacks;
	s->skel->rodata->user_stacks = opts->user_stacks;
	s->skel->rodata->time_slot_ns = opts->time_slot_ns;
	s->skel->rodata->dwarf_unwind = opts->dwarf_unwind;
	s->skel->rodata->capture_stacks = opts->on_capture != NULL;
	s->skel->rodata->deferred_per_sec = s->on_deferred ? opts->deferred_per_sec : 0;
	s->skel->rodata->off_cpu = s->off_cpu;
	s->skel->rodata->off_cpu_min_ns = opts->off_cpu_min_ns;
	s->off_cpu_auto = opts->off_cpu_probability == SAMPLER_OFF_CPU_AUTO;
	s->off_cpu_probability = s->off_cpu_auto ? 1 : opts->off_cpu_probability;
	s->skel->data->off_cpu_sampling = off_cpu_sampling(s->off_cpu_probability);
	bpf_map__set_max_entries(s->skel->maps.off_cpu_starts,
				 s->off_cpu ? OFF_CPU_THREADS_MAX : 1);
	if (s->on_deferred) {
		bpf_map__set_max_entries(s->skel->maps.deferred,
					 deferred_ring_bytes(opts, s->ncpus));
		bpf_map__set_max_entries(s->skel->maps.deferred_scratch, s->ncpus_possible);
	}
	choose_kernel_paths(s, opts->fallback_paths);
	bpf_map__set_max_entries(s->skel->maps.stacks0, opts->stack_map_size);
	bpf_map__set_max_entries(s->skel->maps.ustacks0, opts->stack_map_size);
	bpf_map__set_max_entries(s->skel->maps.counts0, opts->counts_map_size);
	/* Buffer 1 is only used when buffers switch; a map cannot be empty. */
	bpf_map__set_max_entries(s->skel->maps.stacks1,
				 opts->double_buffer ? opts->stack_map_size : 1);
	bpf_map__set_max_entries(s->skel->maps.ustacks1,
				 opts->double_buffer ? opts->stack_map_size : 1);
	bpf_map__set_max_entries(s->skel->maps.counts1,
				 opts->double_buffer ? opts->counts_map_size : 1);
	bpf_map__set_max_entries(s->skel->maps.unwind_rows,
				 opts->dwarf_unwind && opts->unwind_rows ? opts->unwind_rows : 1);
	if (opts->on_capture)
		bpf_map__set_max_entries(s->skel->maps.captures, CAPTURE_RING_BYTES);
	/* The fork handler costs every fork on the host; load it only when it has work. */
	bpf_program__set_autoload(s->skel->progs.on_fork, opts->follow_forks);

	err = profile_bpf__load(s->skel);
	if (err) {
		bpf_load_report__failed(err, opts->dwarf_unwind);
		goto out_free;
	}
	err = set_filters(s, opts);
	if (err)
		goto out_free;
	err = set_walk_program(s->skel->maps.walk_programs, s->skel->progs.walk_more) ?:
		      set_walk_program(s->skel->maps.off_cpu_walk_programs,
				       s->skel->progs.off_cpu_walk_more);
	if (err)
		goto out_free;
	s->events = ring_buffer__new(bpf_map__fd(s->skel->maps.events), handle_event, s, NULL);
	if (!s->events ||
	    (s->on_capture &&
	     ring_buffer__add(s->events, bpf_map__fd(s->skel->maps.captures), handle_capture, s)) ||
	    (s->on_deferred && ring_buffer__add(s->events, bpf_map__fd(s->skel->maps.deferred),
						handle_deferred, s)) ||
	    (s->on_python_code &&
	     ring_buffer__add(s->events, bpf_map__fd(s->skel->maps.python_codes),
			      handle_python_code, s))) {
		err = -errno;
		pr_err("cannot open the event ring buffer: %s\n", strerror(-err));
		goto out_free;
	}
	*out = s;
	return 0;

out_free:
	sampler__free(s);
	return err;
}

int sampler__add_pid(struct sampler *s, uint32_t tgid)
{
	__u8 yes = 1;
	int err;

	err = bpf_map__update_elem(s->skel->maps.pid_filter, &tgid, sizeof(tgid), &yes, sizeof(yes),
				   BPF_ANY);
	if (err)
		pr_err("cannot add pid %u to the filter: %s\n", tgid, strerror(-err));
	return err;
}

void sampler__forget_process(struct sampler *s, uint32_t tgid)
{
	bpf_map__delete_elem(s->skel->maps.procs, &tgid, sizeof(tgid), 0);
}

/*
 * Why perf_event_open() was refused. Above 2, kernel.perf_event_paranoid (Debian's and
 * Ubuntu's default is 3, a patch of theirs) allows perf events to CAP_SYS_ADMIN only, so
 * CAP_PERFMON alone (the systemd unit) is not enough.
 */
static void report_perf_denied(uint32_t cpu)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int paranoid = -1;

	if (f) {
		if (fscanf(f, "%d", &paranoid) != 1)
			paranoid = -1;
		fclose(f);
	}
	if (paranoid > 2)
		pr_err("cannot open a perf event on CPU %u: permission denied: "
		       "kernel.perf_event_paranoid is %d, which allows them to CAP_SYS_ADMIN only "
		       "(run as root, or set it to 2: sysctl -w kernel.perf_event_paranoid=2, kept "
		       "across boots by the agent's /etc/sysctl.d/60-bpfprof.conf)\n",
		       cpu, paranoid);
	else
		pr_err("cannot open a perf event on CPU %u: permission denied "
		       "(run as root, or grant CAP_PERFMON)\n",
		       cpu);
}

static int open_perf_event(uint32_t cpu, uint32_t frequency)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr),
		.freq = 1,
		.sample_freq = frequency,
	};
	int fd;

	fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0)
		return fd;
	fd = -errno;
	if (fd == -EACCES || fd == -EPERM)
		report_perf_denied(cpu);
	else if (fd == -EINVAL)
		pr_err("cannot sample CPU %u at %u Hz: check kernel.perf_event_max_sample_rate\n",
		       cpu, frequency);
	else
		pr_err("cannot open a cpu-clock perf event on CPU %u: %s\n", cpu, strerror(-fd));
	return fd;
}

/* CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns(). */
static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int sampler__start(struct sampler *s)
{
	int err;

	s->started_ns = now_ns();
	s->tuned_ns = s->started_ns; /* auto's first rate: that of the first second */
	/* The switch program's cost for the summary; kernels before 5.8 do not tell it. */
	if (s->on_switch)
		s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	/* Tracepoints first, so that no exec between the first sample and them goes unseen. */
	err = profile_bpf__attach(s->skel);
	if (err) {
		pr_err("cannot attach the process tracepoints: %s\n", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < s->ncpus; i++) {
		s->perf_fds[i] = open_perf_event(s->cpus[i], s->frequency);
		if (s->perf_fds[i] < 0) {
			err = s->perf_fds[i];
			goto out_stop;
		}
		s->perf_links[i] = bpf_program__attach_perf_event(s->on_sample, s->perf_fds[i]);
		if (!s->perf_links[i]) {
			err = -errno;
			pr_err("cannot attach the sampler to CPU %u: %s\n", s->cpus[i],
			       strerror(-err));
			goto out_stop;
		}
	}
	return 0;

out_stop:
	sampler__stop(s);
	return err;
}

/* The link of the switch program, if one is loaded. */
static struct bpf_link **switch_link(struct sampler *s)
{
	if (!s->on_switch)
		return NULL;
	return s->on_switch == s->skel->progs.on_switch ? &s->skel->links.on_switch :
							  &s->skel->links.on_switch_tail;
}

/*
 * Adds the time of every thread still off the CPU to the counts of the buffer written now, as
 * the switch program would when it runs again: nothing is charged for it later (the program
 * is detached), and a recording's waits that outlast it are kept.
 */
/* Calls @fn for every thread off the CPU whose switch was followed, with @ctx. */
static void for_each_off_cpu_start(struct sampler *s,
				   void (*fn)(const struct prof_off_cpu_start *start, void *ctx),
				   void *ctx)
{
	int starts = bpf_map__fd(s->skel->maps.off_cpu_starts);
	struct prof_off_cpu_start start;
	__u32 tid, next;
	bool first = true;

	while (!bpf_map_get_next_key(starts, first ? NULL : &tid, &next)) {
		first = false;
		tid = next;
		if (!bpf_map_lookup_elem(starts, &tid, &start))
			fn(&start, ctx);
	}
}

/* charge_pending_off_cpu()'s state: the interval written now, its counts, the time. */
struct pending_charge {
	struct sampler *s;
	uint32_t epoch;
	int counts;
	uint64_t now;
};

/* Adds the time of @start so far to the counts, as the switch program would. */
static void charge_pending(const struct prof_off_cpu_start *start, void *ctx)
{
	struct pending_charge *p = ctx;
	struct prof_sample_key key = start->key;
	uint64_t time, count;

	if (p->epoch - start->epoch > PROF_MAX_STACKS_LAG)
		return;
	if (p->now < start->start_ns + p->s->off_cpu_min_ns) {
		p->s->pending_short++;
		return;
	}
	key.stacks_lag = p->epoch - start->epoch;
	time = prof_off_cpu_scaled(p->now - start->start_ns, start->scale);
	if (!bpf_map_lookup_elem(p->counts, &key, &count))
		time += count;
	p->s->pending_charged++;
	p->s->pending_ns += p->now - start->start_ns;
	bpf_map_update_elem(p->counts, &key, &time, BPF_ANY);
}

static void charge_pending_off_cpu(struct sampler *s)
{
	struct pending_charge p = { .s = s, .epoch = s->skel->bss->active_epoch, .now = now_ns() };

	p.counts = bpf_map__fd(p.epoch & 1 ? s->skel->maps.counts1 : s->skel->maps.counts0);
	for_each_off_cpu_start(s, charge_pending, &p);
}

void sampler__stop(struct sampler *s)
{
	struct bpf_link **link = s->skel ? switch_link(s) : NULL;

	if (s->started_ns && !s->stopped_ns)
		s->stopped_ns = now_ns();
	if (link && *link && !s->switches_ended) {
		bpf_link__destroy(*link);
		*link = NULL;
		s->switches_ended = true;
		charge_pending_off_cpu(s);
	}
	for (size_t i = 0; i < s->ncpus; i++) {
		bpf_link__destroy(s->perf_links[i]);
		s->perf_links[i] = NULL;
		if (s->perf_fds[i] >= 0)
			close(s->perf_fds[i]);
		s->perf_fds[i] = -1;
	}
}

static int sum_counters(struct sampler *s, __u32 entry, struct prof_sample_counters *sum);

/*
 * --off-cpu-probability auto: once a second, the share of switches followed becomes what
 * keeps them near SAMPLER_OFF_CPU_AUTO_RATE a second at the rate just seen.
 */
static void tune_off_cpu(struct sampler *s)
{
	struct prof_sample_counters c;
	uint64_t now = now_ns(), switches;
	double rate, p;

	if (!s->off_cpu_auto || now - s->tuned_ns < 1000000000ull ||
	    sum_counters(s, PROF_COUNTERS_OFF_CPU, &c))
		return;
	switches = c.samples - s->tuned_switches;
	rate = switches / ((now - s->tuned_ns) * 1e-9);
	s->tuned_ns = now;
	s->tuned_switches = c.samples;
	p = rate > SAMPLER_OFF_CPU_AUTO_RATE ? SAMPLER_OFF_CPU_AUTO_RATE / rate : 1;
	if (p < PROF_OFF_CPU_MIN_PROBABILITY)
		p = PROF_OFF_CPU_MIN_PROBABILITY;
	if (p == s->off_cpu_probability)
		return;
	s->off_cpu_probability = p;
	__atomic_store_n(&s->skel->data->off_cpu_sampling, off_cpu_sampling(p), __ATOMIC_RELAXED);
}

int sampler__poll(struct sampler *s, int timeout_ms)
{
	int n = ring_buffer__poll(s->events, timeout_ms);

	tune_off_cpu(s);
	return n == -EINTR ? 0 : n;
}

void sampler__unwind_maps(struct sampler *s, struct unwind_maps *maps)
{
	maps->procs_fd = bpf_map__fd(s->skel->maps.unwind_procs);
	maps->tables_fd = bpf_map__fd(s->skel->maps.unwind_tables);
	maps->max_tables = bpf_map__max_entries(s->skel->maps.unwind_tables);
	maps->rows_fd = bpf_map__fd(s->skel->maps.unwind_rows);
	maps->max_rows = bpf_map__max_entries(s->skel->maps.unwind_rows);
	maps->generation = &s->skel->bss->unwind_generation;
}

int sampler__python_procs_fd(struct sampler *s)
{
	return bpf_map__fd(s->skel->maps.python_procs);
}

size_t sampler__cpu_count(const struct sampler *s)
{
	return s->ncpus;
}

const uint32_t *sampler__cpus(const struct sampler *s)
{
	return s->cpus;
}

/* The "memlock:" line of the fdinfo of map @fd, or -errno. */
static int64_t map_memlock(int fd)
{
	char path[64], line[128];
	long long bytes = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (bytes < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &bytes) != 1)
			bytes = -1;
	fclose(f);
	return bytes < 0 ? -ENOENT : bytes;
}

size_t sampler__map_memory(struct sampler *s, struct sampler_map_memory *out, size_t cap)
{
	struct bpf_map *map;
	size_t n = 0;
	int64_t bytes;

	bpf_object__for_each_map(map, s->skel->obj)
	{
		if (n == cap)
			break;
		if (bpf_map__fd(map) < 0 || (bytes = map_memlock(bpf_map__fd(map))) < 0)
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_map__name(map));
		out[n++].bytes = bytes;
	}
	return n;
}

/* Sums entry @entry (PROF_COUNTERS_*) of the per-CPU counters into @sum. */
static int sum_counters(struct sampler *s, __u32 entry, struct prof_sample_counters *sum)
{
	struct prof_sample_counters *percpu;
	int err;

	memset(sum, 0, sizeof(*sum));
	percpu = calloc(s->ncpus_possible, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	err = bpf_map__lookup_elem(s->skel->maps.counters, &entry, sizeof(entry), percpu,
				   s->ncpus_possible * sizeof(*percpu), 0);
	for (int cpu = 0; !err && cpu < s->ncpus_possible; cpu++) {
		const __u64 *from = (const __u64 *)&percpu[cpu];
		__u64 *to = (__u64 *)sum;

		for (size_t i = 0; i < sizeof(*sum) / sizeof(__u64); i++)
			to[i] += from[i];
	}
	free(percpu);
	return err;
}

int sampler__counters(struct sampler *s, struct prof_sample_counters *sum)
{
	return sum_counters(s, PROF_COUNTERS_CPU, sum);
}

int sampler__off_cpu_stats(struct sampler *s, struct sampler_off_cpu_stats *stats)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct bpf_link **link;
	int err;

	memset(stats, 0, sizeof(*stats));
	err = sum_counters(s, PROF_COUNTERS_OFF_CPU, &stats->counters);
	if (err)
		return err;
	stats->counters.off_cpu_charged += s->pending_charged;
	stats->counters.off_cpu_ns += s->pending_ns;
	stats->counters.off_cpu_short += s->pending_short;
	stats->pending_charged = s->pending_charged;
	stats->probability = s->off_cpu_probability;
	stats->probability_auto = s->off_cpu_auto;
	if (s->started_ns)
		stats->seconds = ((s->stopped_ns ?: now_ns()) - s->started_ns) / 1e9;
	stats->stacks_kept = s->kept ? stack_keeper__count(s->kept) : 0;
	stats->stacks_kept_bytes = s->kept ? stack_keeper__bytes(s->kept) : 0;
	stats->stacks_not_kept = s->stacks_not_kept;
	link = switch_link(s);
	if (s->stats_fd >= 0 && link &&
	    !bpf_obj_get_info_by_fd(bpf_program__fd(s->on_switch), &info, &len)) {
		stats->runs = info.run_cnt;
		stats->run_ns = info.run_time_ns;
		stats->cost_known = true;
	}
	return 0;
}

static struct bpf_map *counts_map(struct sampler *s)
{
	return s->read_buffer ? s->skel->maps.counts1 : s->skel->maps.counts0;
}

static struct bpf_map *stacks_map(struct sampler *s)
{
	return s->read_buffer ? s->skel->maps.stacks1 : s->skel->maps.stacks0;
}

static struct bpf_map *user_stacks_map(struct sampler *s)
{
	return s->read_buffer ? s->skel->maps.ustacks1 : s->skel->maps.ustacks0;
}

/* Whether a batch operation's errno says the map (or the kernel) has none. */
static bool no_batches(int err)
{
	return err == EINVAL || err == ENOTSUPP || err == EOPNOTSUPP;
}

/* bpf_map_lookup_batch() or bpf_map_lookup_and_delete_batch(). */
typedef int batch_op_fn(int fd, void *in_batch, void *out_batch, void *keys, void *values,
			__u32 *count, const struct bpf_map_batch_opts *opts);
/* Given each batch read: its @n keys and values. Returns 0 to go on. */
typedef int batch_fn(void *ctx, const void *keys, const void *values, __u32 n);

/*
 * Walks the hash map @fd with @op (5.6+), BATCH_ENTRIES entries a system call, into @keys
 * and @values (room for as many), giving each batch to @fn (NULL: none). Returns 0, what
 * @fn returned, -errno, or 1 when the map has no batches (before any batch was given).
 */
static int map_batches(int fd, batch_op_fn *op, void *keys, void *values, batch_fn *fn, void *ctx)
{
	__u32 in_batch, out_batch;
	bool first = true, last = false;
	int ret = 0;

	while (!ret && !last) {
		__u32 n = BATCH_ENTRIES;

		if (op(fd, first ? NULL : &in_batch, &out_batch, keys, values, &n, NULL)) {
			if (first && no_batches(errno))
				return 1;
			if (errno != ENOENT)
				return -errno;
			last = true; /* ENOENT: these are the last (n may be 0) */
		}
		if (fn && n)
			ret = fn(ctx, keys, values, n);
		in_batch = out_batch;
		first = false;
	}
	return ret;
}

struct count_batches {
	sampler_count_fn fn;
	void *ctx;
};

/* batch_fn: each key and count of a batch of the counts map, to the caller's function. */
static int give_counts(void *ctx, const void *keys, const void *values, __u32 n)
{
	const struct count_batches *c = ctx;
	const struct prof_sample_key *k = keys;
	const __u64 *counts = values;
	int ret = 0;

	for (__u32 i = 0; !ret && i < n; i++)
		ret = c->fn(&k[i], counts[i], c->ctx);
	return ret;
}

/*
 * The counts of @fd read in batches: a system call per BATCH_ENTRIES keys, not two per key.
 * Returns as map_batches().
 */
static int for_each_count_batched(int fd, sampler_count_fn fn, void *ctx)
{
	struct prof_sample_key *keys = malloc(BATCH_ENTRIES * sizeof(*keys));
	__u64 *counts = malloc(BATCH_ENTRIES * sizeof(*counts));
	struct count_batches c = { .fn = fn, .ctx = ctx };
	int ret = keys && counts ?
			  map_batches(fd, bpf_map_lookup_batch, keys, counts, give_counts, &c) :
			  -ENOMEM;

	free(keys);
	free(counts);
	return ret;
}

/* Calls @fn for every entry of the counts map @fd, in batches where the kernel has them. */
static int for_each_count_of(int fd, sampler_count_fn fn, void *ctx)
{
	struct prof_sample_key key, next;
	void *prev = NULL;
	__u64 count;
	int ret;

	ret = for_each_count_batched(fd, fn, ctx);
	if (ret != 1)
		return ret;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &count))
			continue;
		ret = fn(&key, count, ctx);
		if (ret)
			return ret;
	}
	return errno == ENOENT ? 0 : -errno;
}

int sampler__for_each_count(struct sampler *s, sampler_count_fn fn, void *ctx)
{
	return for_each_count_of(bpf_map__fd(counts_map(s)), fn, ctx);
}

/* Kernel stack @id of the buffer @map into @ips. Returns its depth or -ENOENT. */
static int read_kernel_stack(struct bpf_map *map, int32_t id, uint64_t *ips)
{
	int depth = 0;

	if (id < 0)
		return -ENOENT;
	memset(ips, 0, PROF_MAX_STACK_DEPTH * sizeof(*ips));
	if (bpf_map__lookup_elem(map, &id, sizeof(id), ips, PROF_MAX_STACK_DEPTH * sizeof(*ips), 0))
		return -ENOENT;
	while (depth < PROF_MAX_STACK_DEPTH && ips[depth])
		depth++;
	return depth;
}

int sampler__stack(struct sampler *s, uint16_t lag, int32_t id, uint64_t *ips)
{
	const uint64_t *kept;
	size_t len;

	if (!lag)
		return read_kernel_stack(stacks_map(s), id, ips);
	kept = s->kept ? stack_keeper__find(s->kept, s->read_epoch - lag, KEPT_KERNEL_STACK,
					    (uint32_t)id, &len) :
			 NULL;
	if (!kept)
		return -ENOENT;
	memcpy(ips, kept, len);
	return len / sizeof(*ips);
}

/* User stack @hash of the buffer @map into @stack. Returns 0 or -ENOENT. */
static int read_user_stack(struct bpf_map *map, uint64_t hash, struct prof_user_stack *stack)
{
	struct prof_user_stack_chunk chunk;
	unsigned int chunks = 1;
	uint64_t key;

	/* Chunk c is bytes [c * 256, c * 256 + 264) of the stack (unwind_abi.h). */
	for (unsigned int c = 0; c < chunks; c++) {
		key = (hash & PROF_USTACK_HASH_MASK) | c;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), &chunk, sizeof(chunk), 0))
			return -ENOENT;
		if (c == 0) {
			memcpy(stack, &chunk.head, sizeof(chunk.head));
			if (stack->nr > PROF_MAX_USER_DEPTH)
				stack->nr = PROF_MAX_USER_DEPTH;
			chunks = (stack->nr + PROF_USTACK_CHUNK_FRAMES - 1) /
				 PROF_USTACK_CHUNK_FRAMES;
			chunks = chunks ? chunks : 1;
		}
		memcpy(&stack->ips[c * PROF_USTACK_CHUNK_FRAMES], chunk.ips, sizeof(chunk.ips));
	}
	return 0;
}

int sampler__user_stack(struct sampler *s, uint16_t lag, uint64_t hash,
			struct prof_user_stack *stack)
{
	const void *kept;
	size_t len;

	if (!lag)
		return read_user_stack(user_stacks_map(s), hash, stack);
	kept = s->kept ? stack_keeper__find(s->kept, s->read_epoch - lag, KEPT_USER_STACK, hash,
					    &len) :
			 NULL;
	if (!kept)
		return -ENOENT;
	memcpy(stack, kept, len);
	return 0;
}

/*
 * Waits until every sample program that started before now has returned. They run with
 * RCU read-side protection, and membarrier(GLOBAL) is a synchronize_rcu().
 */
static void wait_for_running_samples(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return;
	usleep(GRACE_PERIOD_FALLBACK_US);
}

int sampler__switch_buffer(struct sampler *s)
{
	uint32_t old = s->skel->bss->active_epoch;

	__atomic_store_n(&s->skel->bss->active_epoch, old + 1, __ATOMIC_SEQ_CST);
	wait_for_running_samples();
	s->read_buffer = old & 1;
	s->read_epoch = old;
	return 0;
}

uint32_t sampler__read_buffer(const struct sampler *s)
{
	return s->read_buffer;
}

/* Collects every key of @fd (key size @size) into a malloc'ed array. Returns a count or -errno. */
static long collect_keys(int fd, size_t size, void **keys)
{
	size_t n = 0, cap = 0;
	char *all = NULL;
	void *prev = NULL;

	for (;;) {
		if (array__reserve(&all, &cap, (n + 1) * size, 1)) {
			free(all);
			return -ENOMEM;
		}
		if (bpf_map_get_next_key(fd, prev, all + n * size))
			break;
		prev = all + n * size;
		n++;
	}
	if (errno != ENOENT) {
		free(all);
		return -errno;
	}
	*keys = all;
	return n;
}

/*
 * Empties the hash map @map by batches of lookup-and-delete, the values dropped. Returns as
 * map_batches().
 */
static int clear_map_batched(struct bpf_map *map)
{
	void *keys = malloc(BATCH_ENTRIES * bpf_map__key_size(map));
	void *values = malloc(BATCH_ENTRIES * bpf_map__value_size(map));
	int ret = keys && values ? map_batches(bpf_map__fd(map), bpf_map_lookup_and_delete_batch,
					       keys, values, NULL, NULL) :
				   -ENOMEM;

	free(keys);
	free(values);
	return ret;
}

/* Deletes every entry of @map. Returns 0 or -errno. */
static int clear_map(struct bpf_map *map)
{
	int fd = bpf_map__fd(map);
	size_t size = bpf_map__key_size(map);
	void *keys = NULL;
	long n;
	int err = 0;

	if (bpf_map__type(map) == BPF_MAP_TYPE_HASH) {
		err = clear_map_batched(map);
		if (err != 1)
			return err;
		err = 0;
	}
	n = collect_keys(fd, size, &keys);
	if (n < 0)
		return n;
	/* Deleting while walking would restart the walk: collect first. */
	for (long i = 0; i < n && !err; i++)
		if (bpf_map_delete_elem(fd, (char *)keys + i * size) && errno != ENOENT)
			err = -errno;
	free(keys);
	return err;
}

/*
 * Copies the stack @id of @kind of interval @epoch into @to: from the read buffer when it is
 * that interval's, else from what was kept before. Counts what does not fit.
 */
static void keep_stack(struct sampler *s, struct stack_keeper *to, uint32_t epoch,
		       enum kept_stack_kind kind, uint64_t id)
{
	uint64_t ips[PROF_MAX_STACK_DEPTH];
	struct prof_user_stack user;
	const void *data = NULL;
	size_t len = 0;
	int depth;

	if (epoch == s->read_epoch && kind == KEPT_KERNEL_STACK) {
		depth = read_kernel_stack(stacks_map(s), (int32_t)id, ips);
		if (depth >= 0) {
			data = ips;
			len = depth * sizeof(*ips);
		}
	} else if (epoch == s->read_epoch) {
		if (!read_user_stack(user_stacks_map(s), id, &user)) {
			data = &user;
			len = offsetof(struct prof_user_stack, ips) + user.nr * sizeof(user.ips[0]);
		}
	} else if (s->kept) {
		data = stack_keeper__find(s->kept, epoch, kind, id, &len);
	}
	if (data && stack_keeper__add(to, epoch, kind, id, data, len))
		s->stacks_not_kept++;
}

/* Keeps the stacks of off-CPU key @key, whose stacks are those of interval @epoch. */
static void keep_key_stacks(struct sampler *s, struct stack_keeper *to, uint32_t epoch,
			    const struct prof_sample_key *key)
{
	if (key->kstack_id >= 0)
		keep_stack(s, to, epoch, KEPT_KERNEL_STACK, (uint32_t)key->kstack_id);
	if (key->has_ustack)
		keep_stack(s, to, epoch, KEPT_USER_STACK, key->ustack_hash);
}

/* keep_waiting_stacks()'s state: the sampler, and the keeper being filled. */
struct keeping {
	struct sampler *s;
	struct stack_keeper *kept;
};

/* A wait still pending: its stacks, unless it is too old to be charged. */
static void keep_pending(const struct prof_off_cpu_start *start, void *ctx)
{
	struct keeping *k = ctx;

	if (k->s->read_epoch - start->epoch <= PROF_MAX_STACKS_LAG)
		keep_key_stacks(k->s, k->kept, start->epoch, &start->key);
}

/* sampler_count_fn: a wait charged in the next interval: its lag counts from there. */
static int keep_charged(const struct prof_sample_key *key, uint64_t count, void *ctx)
{
	struct keeping *k = ctx;

	(void)count;
	if (key->off_cpu && key->stacks_lag)
		keep_key_stacks(k->s, k->kept, k->s->read_epoch + 1 - key->stacks_lag, key);
	return 0;
}

/*
 * Before the read buffer is emptied: keeps the stacks that off-CPU waits of its interval or
 * earlier ones still refer to, those still pending and those charged since the switch into
 * the buffer written now (not read yet). Pending ones first: a wait that ends meanwhile is
 * charged before the walk of the counts begins, and that walk sees every key there at its
 * start.
 */
static void keep_waiting_stacks(struct sampler *s)
{
	struct keeping k = { .s = s, .kept = stack_keeper__new(KEPT_STACK_BYTES) };
	struct bpf_map *active = s->read_buffer ? s->skel->maps.counts0 : s->skel->maps.counts1;

	if (!k.kept) {
		s->stacks_not_kept++;
		return;
	}
	for_each_off_cpu_start(s, keep_pending, &k);
	for_each_count_of(bpf_map__fd(active), keep_charged, &k);
	stack_keeper__free(s->kept);
	s->kept = k.kept;
}

int sampler__clear_read_buffer(struct sampler *s)
{
	int err;

	if (s->off_cpu)
		keep_waiting_stacks(s);
	err = clear_map(counts_map(s));

	return err ?: clear_map(stacks_map(s)) ?: clear_map(user_stacks_map(s));
}

void sampler__free(struct sampler *s)
{
	if (!s)
		return;
	if (s->perf_fds && s->perf_links)
		sampler__stop(s);
	ring_buffer__free(s->events);
	profile_bpf__destroy(s->skel);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	stack_keeper__free(s->kept);
	free(s->perf_links);
	free(s->perf_fds);
	free(s->cpus);
	free(s);
}
