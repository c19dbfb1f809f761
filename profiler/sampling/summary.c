// SPDX-License-Identifier: GPL-2.0-only
#include "summary.h"

#include <stdlib.h>
#include <string.h>

struct func_count {
	const char *func;
	const char *module;
	uint64_t count;
};

uint64_t summary__lost_samples(const struct prof_sample_counters *c)
{
	return c->kstack_collision + c->ustack_collision + c->stack_errors + c->counts_full;
}

static int by_name(const void *pa, const void *pb)
{
	const struct func_count *a = pa, *b = pb;

	return strcmp(a->func, b->func);
}

static int by_count_desc(const void *pa, const void *pb)
{
	const struct func_count *a = pa, *b = pb;

	return a->count < b->count ? 1 : a->count > b->count ? -1 : strcmp(a->func, b->func);
}

static const char *basename_of(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

/* Self samples per function name (the leaf frame of each sample), most first. */
static void print_top(FILE *out, const struct profile *prof, size_t top)
{
	size_t nframes = profile__frame_count(prof), n = 0;
	uint64_t total = profile__total(prof);
	struct func_count *funcs;
	uint64_t *self;

	if (!total || !top)
		return;
	self = calloc(nframes, sizeof(*self));
	funcs = calloc(nframes, sizeof(*funcs));
	if (!self || !funcs)
		goto out_free;
	for (size_t i = 0; i < profile__sample_count(prof); i++) {
		const struct profile_sample *sample = profile__sample(prof, i);

		if (sample->depth)
			self[sample->frames[sample->depth - 1]] += sample->count;
	}
	for (size_t id = 0; id < nframes; id++) {
		const struct profile_frame *f = profile__frame(prof, id);

		if (self[id])
			funcs[n++] = (struct func_count){ f->func, f->module, self[id] };
	}
	qsort(funcs, n, sizeof(*funcs), by_name);
	/* Frames of one function at different addresses count together. */
	size_t merged = 0;
	for (size_t i = 0; i < n; i++) {
		if (merged && !strcmp(funcs[merged - 1].func, funcs[i].func))
			funcs[merged - 1].count += funcs[i].count;
		else
			funcs[merged++] = funcs[i];
	}
	qsort(funcs, merged, sizeof(*funcs), by_count_desc);
	fprintf(out, "top functions by self samples:\n");
	for (size_t i = 0; i < merged && i < top; i++)
		fprintf(out, "  %6.2f%%  %8llu  %s%s%s%s\n", 100.0 * funcs[i].count / total,
			(unsigned long long)funcs[i].count, funcs[i].func,
			funcs[i].module ? "  (" : "",
			funcs[i].module ? basename_of(funcs[i].module) : "",
			funcs[i].module ? ")" : "");
out_free:
	free(self);
	free(funcs);
}

static void print_lost(FILE *out, const struct prof_sample_counters *c)
{
	uint64_t lost = summary__lost_samples(c);

	if (!lost)
		return;
	fprintf(out, "%llu of %llu samples lost (%.2f%%):", (unsigned long long)lost,
		(unsigned long long)c->samples, c->samples ? 100.0 * lost / c->samples : 0.0);
	if (c->kstack_collision || c->ustack_collision)
		fprintf(out,
			" %llu kernel stack-map collisions and %llu user stacks with their "
			"map full (raise --stack-map-size);",
			(unsigned long long)c->kstack_collision,
			(unsigned long long)c->ustack_collision);
	if (c->counts_full)
		fprintf(out, " %llu with the counts hash full (raise --counts-map-size);",
			(unsigned long long)c->counts_full);
	if (c->stack_errors)
		fprintf(out, " %llu stack walk errors;", (unsigned long long)c->stack_errors);
	fputc('\n', out);
}

void summary__print_unwinding(FILE *out, const struct session_stats *s)
{
	static const char *const why[PROF_UNWIND_NR_ENDS] = {
		[PROF_UNWIND_NO_TABLE] = "no table",
		[PROF_UNWIND_NO_ROW] = "no row",
		[PROF_UNWIND_BAD_READ] = "bad read",
		[PROF_UNWIND_DEPTH] = "depth limit",
		[PROF_UNWIND_UNSUPPORTED] = "unsupported rule",
		[PROF_UNWIND_BAD_FRAME] = "bad frame",
	};
	const struct prof_sample_counters *c = &s->counters;
	const struct unwind_loader_stats *u = &s->unwind;
	uint64_t stacks = 0, early;

	for (int i = 0; i < PROF_UNWIND_NR_ENDS; i++)
		stacks += c->unwind_ends[i];
	early = stacks - c->unwind_ends[PROF_UNWIND_COMPLETE];
	fprintf(out, "unwinding%s: %llu user stacks, %llu complete (%.1f%%)",
		s->dwarf_unwind ? "" : " (frame pointers only)", (unsigned long long)stacks,
		(unsigned long long)c->unwind_ends[PROF_UNWIND_COMPLETE],
		stacks ? 100.0 * c->unwind_ends[PROF_UNWIND_COMPLETE] / stacks : 0.0);
	if (early) {
		const char *sep = "";

		fprintf(out, ", %llu ended early (", (unsigned long long)early);
		for (int i = 1; i < PROF_UNWIND_NR_ENDS; i++) {
			if (!c->unwind_ends[i])
				continue;
			fprintf(out, "%s%s %llu", sep, why[i],
				(unsigned long long)c->unwind_ends[i]);
			sep = ", ";
		}
		fputc(')', out);
	}
	fprintf(out, "; frames: %llu through tables, %llu through frame pointers",
		(unsigned long long)c->unwind_table_frames,
		(unsigned long long)c->unwind_fp_frames);
	if (s->dwarf_unwind)
		fprintf(out,
			"; tables: %llu binaries (%llu built, %llu from the cache, %llu without "
			"CFI), %.1f of %.1f MiB (peak %.1f)%s",
			(unsigned long long)u->tables, (unsigned long long)u->built,
			(unsigned long long)u->from_cache, (unsigned long long)u->without_table,
			u->rows * 8.0 / (1 << 20), u->max_rows * 8.0 / (1 << 20),
			u->peak_rows * 8.0 / (1 << 20),
			u->over_budget ? ", some left out: raise --unwind-table-size" : "");
	/* Samples of code the walker did not know yet, unwound in user space (in the above). */
	if (c->deferred || c->deferred_refused_rate || c->deferred_refused_full)
		fprintf(out,
			"; deferred: %llu samples, %llu unwound in user space, refused %llu (rate) "
			"and %llu (ring full) walked in the kernel, %llu lost (queue full)",
			(unsigned long long)c->deferred, (unsigned long long)s->deferred_walked,
			(unsigned long long)c->deferred_refused_rate,
			(unsigned long long)c->deferred_refused_full,
			(unsigned long long)s->deferred_lost);
	fputc('\n', out);
}

void summary__print_user_stacks(FILE *out, const struct session_stats *st)
{
	const struct prof_sample_counters *c = &st->counters;

	if (c->user_missing)
		fprintf(out, "%llu samples of user processes had no user stack\n",
			(unsigned long long)c->user_missing);
	if (c->user_in_exec)
		fprintf(out,
			"%llu samples in execve once the old image was released: kernel stack "
			"only (no user stack exists then)\n",
			(unsigned long long)c->user_in_exec);
}

void summary__print_processes(FILE *out, const struct session_stats *st)
{
	const struct prof_sample_counters *c = &st->counters;

	if (c->events_lost || c->procs_full || st->procs.late)
		fprintf(out,
			"process tracking: %llu events lost, %llu table full, %llu processes "
			"read late (their frames may be unnamed)\n",
			(unsigned long long)c->events_lost, (unsigned long long)c->procs_full,
			(unsigned long long)st->procs.late);
}

void summary__print_unnamed(FILE *out, const struct session_stats *st)
{
	if (st->sym.unnamed_user || st->sym.unnamed_kernel || st->procs.vanished ||
	    st->sym.bad_files || st->sym.bad_debuginfo)
		fprintf(out,
			"unnamed: %llu user and %llu kernel addresses; %llu processes exited "
			"before their mappings were read; %llu files unreadable; %llu with unusable "
			"debug information\n",
			(unsigned long long)st->sym.unnamed_user,
			(unsigned long long)st->sym.unnamed_kernel,
			(unsigned long long)st->procs.vanished,
			(unsigned long long)st->sym.bad_files,
			(unsigned long long)st->sym.bad_debuginfo);
}

void summary__print_python(FILE *out, const struct session_stats *st)
{
	static const char *const why[PROF_PYTHON_NR_ENDS] = {
		[PROF_PYTHON_NO_THREAD] = "no thread state",
		[PROF_PYTHON_BAD_READ] = "memory unreadable",
		[PROF_PYTHON_DEPTH] = "depth limit",
		[PROF_PYTHON_DEFERRED] = "deferred: native frames only",
	};
	const struct prof_sample_counters *c = &st->counters;
	const struct python_procs_stats *py = &st->python;
	uint64_t walks = 0;

	for (int i = 0; i < PROF_PYTHON_NR_ENDS; i++)
		walks += c->python_ends[i];
	if (!walks && !py->found)
		return;
	fprintf(out,
		"python: %llu interpreters found (%llu of versions not followed); %llu stacks, "
		"%llu complete (%.1f%%)",
		(unsigned long long)py->found, (unsigned long long)py->unsupported,
		(unsigned long long)walks, (unsigned long long)c->python_ends[PROF_PYTHON_COMPLETE],
		walks ? 100.0 * c->python_ends[PROF_PYTHON_COMPLETE] / walks : 0.0);
	for (int i = 1; i < PROF_PYTHON_NR_ENDS; i++)
		if (c->python_ends[i])
			fprintf(out, ", %s %llu", why[i], (unsigned long long)c->python_ends[i]);
	fprintf(out, "; %llu frames; code objects: %llu read, %llu unreadable\n",
		(unsigned long long)c->python_frames, (unsigned long long)py->codes.read,
		(unsigned long long)py->codes.failed);
}

void summary__print_java(FILE *out, const struct session_stats *st)
{
	const struct java_procs_stats *j = &st->java;

	if (!j->found)
		return;
	fprintf(out,
		"java: %llu JVMs found, %llu perf maps written, %llu refused, %llu timed out, "
		"%llu failed",
		(unsigned long long)j->found, (unsigned long long)j->written,
		(unsigned long long)j->refused, (unsigned long long)j->timed_out,
		(unsigned long long)j->failed);
	if (j->dropped)
		fprintf(out, ", %llu not asked (too many at once)", (unsigned long long)j->dropped);
	if (j->pending)
		fprintf(out, ", %llu still being asked", (unsigned long long)j->pending);
	fputc('\n', out);
}

void summary__print_off_cpu(FILE *out, const struct session_stats *st)
{
	const struct sampler_off_cpu_stats *o = &st->off_cpu_stats;
	const struct prof_sample_counters *c = &o->counters;
	double duration_s = o->seconds;
	uint64_t lost;

	if (!st->off_cpu)
		return;
	fprintf(out,
		"off-cpu: %llu switches (%.0f/s), %llu followed (probability %.3g%s), %llu waits "
		"counted (%.3f s), %llu shorter than the minimum",
		(unsigned long long)c->samples, duration_s > 0 ? c->samples / duration_s : 0.0,
		(unsigned long long)c->off_cpu_walked, o->probability,
		o->probability_auto ? ", auto" : "", (unsigned long long)c->off_cpu_charged,
		c->off_cpu_ns / 1e9, (unsigned long long)c->off_cpu_short);
	if (o->pending_charged)
		fprintf(out, ", %llu still waiting at the end",
			(unsigned long long)o->pending_charged);
	lost = c->kstack_collision + c->ustack_collision + c->stack_errors;
	if (lost || c->user_missing || c->off_cpu_starts_full || c->off_cpu_crossed ||
	    c->counts_full || o->stacks_not_kept)
		fprintf(out,
			"; lost: %llu (stack maps full or colliding), %llu (too many threads "
			"waiting), %llu (longer than %u intervals), %llu (counts map full), %llu "
			"(stacks not kept past their interval); %llu without user registers",
			(unsigned long long)lost, (unsigned long long)c->off_cpu_starts_full,
			(unsigned long long)c->off_cpu_crossed, PROF_MAX_STACKS_LAG,
			(unsigned long long)c->counts_full, (unsigned long long)o->stacks_not_kept,
			(unsigned long long)c->user_missing);
	if (o->cost_known && o->runs)
		fprintf(out, "; cost %.0f ns a switch, %.3f%% of a CPU",
			(double)o->run_ns / o->runs,
			duration_s > 0 ? 100.0 * o->run_ns / 1e9 / duration_s : 0.0);
	fputc('\n', out);
}

void summary__print_journal(FILE *out, const struct session_stats *st)
{
	if (st->journal.lost || st->journal.malformed || st->journal.images_dropped ||
	    st->journal.mappings_dropped || st->sym.unverified_files)
		fprintf(out,
			"mapping journal: %llu records lost, %llu malformed; %llu process images "
			"and %llu mappings dropped past the limits; %llu mapped files not found "
			"again (their frames may be unnamed)\n",
			(unsigned long long)st->journal.lost,
			(unsigned long long)st->journal.malformed,
			(unsigned long long)st->journal.images_dropped,
			(unsigned long long)st->journal.mappings_dropped,
			(unsigned long long)st->sym.unverified_files);
}

void summary__print_perf_maps(FILE *out, const struct symbolizer_stats *sym)
{
	if (!sym->bad_perf_map_lines && !sym->dropped_perf_map_lines && !sym->truncated_perf_maps)
		return;
	fprintf(out,
		"perf maps: %llu malformed lines skipped, %llu lines dropped past the "
		"limits, %llu files read only in part (the JIT code they describe stays unnamed)\n",
		(unsigned long long)sym->bad_perf_map_lines,
		(unsigned long long)sym->dropped_perf_map_lines,
		(unsigned long long)sym->truncated_perf_maps);
}

void summary__print(FILE *out, const struct record_summary *s, size_t top)
{
	const struct session_stats *st = &s->session;
	const struct prof_sample_counters *c = &st->counters;

	fprintf(out, "recorded %.1f s on %zu CPU%s at %u Hz: %llu samples kept, %llu stacks\n",
		s->duration_s, st->ncpus, st->ncpus == 1 ? "" : "s", s->frequency,
		(unsigned long long)profile__total(s->prof), (unsigned long long)s->build.keys);
	print_lost(out, c);
	summary__print_user_stacks(out, st);
	summary__print_unwinding(out, st);
	summary__print_python(out, st);
	summary__print_java(out, st);
	summary__print_off_cpu(out, st);
	summary__print_processes(out, st);
	summary__print_journal(out, st);
	summary__print_unnamed(out, st);
	summary__print_perf_maps(out, &st->sym);
	if (s->build.python_unnamed)
		fprintf(out, "%llu Python frames unnamed (their code objects could not be read)\n",
			(unsigned long long)s->build.python_unnamed);
	if (s->build.missing_stacks)
		fprintf(out, "%llu stacks were missing from the stack map\n",
			(unsigned long long)s->build.missing_stacks);
	print_top(out, s->prof, top);
	for (size_t i = 0; i < s->noutputs; i++)
		if (strcmp(s->outputs[i], "-"))
			fprintf(out, "wrote %s\n", s->outputs[i]);
	if (s->noutputs)
		fprintf(out,
			"outputs written %.2f s after sampling ended (%.2f s naming, %.2f s writing)\n",
			s->finish_s + s->write_s, s->finish_s, s->write_s);
}
