// SPDX-License-Identifier: GPL-2.0-only
#include "symbolizer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dso.h"
#include "kallsyms.h"
#include "log.h"
#include "proc_maps.h"
#include "symbolizer_internal.h"

struct symbolizer {
	char *proc_root;
	char *kallsyms_path;
	/* Loaded on the first kernel address; NULL after a failure, which is not retried. */
	struct kallsyms *kallsyms;
	bool kallsyms_tried;
	/*
	 * Every string a frame points at: names outlive the dsos they came from, which go
	 * away with the last snapshot that maps them.
	 */
	struct string_pool *names;
	struct dso_cache *dsos;
	struct symbolizer_stats stats; /* bad_files is kept by the dso cache */
};

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	const char *proc_root = opts && opts->proc_root ? opts->proc_root : "/proc";
	const char *kallsyms = opts && opts->kallsyms ? opts->kallsyms : "/proc/kallsyms";
	struct symbolizer *sym;
	int err = ENOMEM;

	sym = calloc(1, sizeof(*sym));
	if (!sym)
		return NULL;
	sym->proc_root = strdup(proc_root);
	sym->kallsyms_path = strdup(kallsyms);
	if (!sym->proc_root || !sym->kallsyms_path)
		goto out_free;
	sym->names = string_pool__new();
	if (!sym->names)
		goto out_free;
	sym->dsos = dso_cache__new();
	if (!sym->dsos) {
		err = errno;
		goto out_free;
	}
	return sym;

out_free:
	symbolizer__free(sym);
	errno = err;
	return NULL;
}

void symbolizer__free(struct symbolizer *sym)
{
	if (!sym)
		return;
	dso_cache__free(sym->dsos);
	string_pool__free(sym->names);
	kallsyms__free(sym->kallsyms);
	free(sym->kallsyms_path);
	free(sym->proc_root);
	free(sym);
}

int symbolizer__snapshot(struct symbolizer *sym, int pid, struct proc_maps **out)
{
	const struct proc_maps_env env = {
		.proc_root = sym->proc_root,
		.dsos = sym->dsos,
		.names = sym->names,
		.vanished = &sym->stats.vanished,
	};

	return proc_maps__read(&env, pid, out);
}

static const char *path__basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * A mapped file: the symbol at the ELF virtual address, or "BASENAME+0xVADDR". When the
 * offset is in no PT_LOAD segment (or the file is not ELF) the placeholder carries the
 * file offset instead.
 */
static int symbolizer__resolve_file(struct symbolizer *sym, const struct proc_map *map,
				    uint64_t ip, uint64_t lookup, struct sym_frame *frame)
{
	uint64_t off = lookup - map->start + map->pgoff, vaddr;
	const char *name = NULL;

	if (map->dso && !dso__vaddr(map->dso, off, &vaddr)) {
		name = dso__find_symbol(map->dso, vaddr, NULL);
		frame->addr = vaddr + (ip - lookup);
	} else {
		frame->addr = off + (ip - lookup);
	}
	frame->module = map->path;
	if (name) {
		frame->func = names__intern(sym->names, name, strlen(name));
		frame->named = true;
	} else {
		frame->func = names__printf(sym->names, "%s+0x%llx", path__basename(map->path),
					    (unsigned long long)frame->addr);
	}
	return frame->func ? 0 : -ENOMEM;
}

int symbolizer__resolve_user(struct symbolizer *sym, const struct proc_maps *maps, uint64_t ip,
			     bool return_addr, struct sym_frame *out, size_t cap)
{
	uint64_t lookup = return_addr && ip ? ip - 1 : ip;
	const struct proc_map *map = NULL;
	struct sym_frame *frame = out;
	int err = 0;

	if (!out || !cap)
		return -EINVAL;
	memset(frame, 0, sizeof(*frame));
	frame->addr = ip;
	if (maps)
		map = proc_maps__find(maps, lookup);

	switch (map ? map->kind : PROC_MAP_ANON) {
	case PROC_MAP_FILE:
		err = symbolizer__resolve_file(sym, map, ip, lookup, frame);
		break;
	case PROC_MAP_VDSO:
	case PROC_MAP_VSYSCALL:
		/* Not a file we can open; naming it needs a copy of the process's memory. */
		frame->addr = ip - map->start;
		frame->module = map->path;
		frame->func = names__printf(sym->names, "%s+0x%llx", map->path,
					    (unsigned long long)frame->addr);
		err = frame->func ? 0 : -ENOMEM;
		break;
	default:
		/* Anonymous memory (JIT code without a perf map), heap, stack, or nothing. */
		frame->func = "[unknown]";
		break;
	}
	if (err)
		return err;
	if (!frame->named)
		sym->stats.unnamed_user++;
	return 1;
}

static void symbolizer__load_kallsyms(struct symbolizer *sym)
{
	struct timespec t0, t1;
	int err;

	sym->kallsyms_tried = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = kallsyms__load(sym->kallsyms_path, &sym->kallsyms);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err == -EACCES) {
		pr_warn("kernel symbol addresses in %s are all zero (kernel.kptr_restrict): "
			"kernel frames stay unnamed; run as root or set kernel.kptr_restrict=0\n",
			sym->kallsyms_path);
	} else if (err) {
		pr_warn("cannot read kernel symbols from %s: %s; kernel frames stay unnamed\n",
			sym->kallsyms_path, strerror(-err));
	} else {
		pr_debug("%zu kernel symbols from %s in %.1f ms\n",
			 kallsyms__count(sym->kallsyms), sym->kallsyms_path,
			 (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
}

int symbolizer__resolve_kernel(struct symbolizer *sym, uint64_t ip, bool return_addr,
			       struct sym_frame *out, size_t cap)
{
	uint64_t lookup = return_addr && ip ? ip - 1 : ip;
	const char *name, *module;

	if (!out || !cap)
		return -EINVAL;
	if (!sym->kallsyms_tried)
		symbolizer__load_kallsyms(sym);
	memset(out, 0, sizeof(*out));
	out->addr = ip;
	if (sym->kallsyms && !kallsyms__find(sym->kallsyms, lookup, &name, &module, NULL)) {
		out->func = name;
		out->module = module;
		out->named = true;
		return 1;
	}
	out->func = names__printf(sym->names, "0x%llx", (unsigned long long)ip);
	if (!out->func)
		return -ENOMEM;
	out->module = KALLSYMS_KERNEL_MODULE;
	sym->stats.unnamed_kernel++;
	return 1;
}

void symbolizer__stats(const struct symbolizer *sym, struct symbolizer_stats *stats)
{
	*stats = sym->stats;
	stats->bad_files = dso_cache__bad_files(sym->dsos);
}
