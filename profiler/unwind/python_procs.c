// SPDX-License-Identifier: GPL-2.0-only
#include "python_procs.h"

#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "array.h"
#include "log.h"
#include "proc_maps.h"
#include "proc_mem.h"
#include "profile_abi.h"
#include "unwind_binary.h"

/* What a binary holds of an interpreter, by (device, inode): looked at once. */
struct interp_binary {
	uint64_t dev, ino;
	bool python;	  /* has the symbols below */
	uint64_t runtime; /* ELF virtual address of _PyRuntime */
	uint64_t version; /* of Py_Version */
	struct elf_segment segments[UNWIND_BINARY_MAX_SEGMENTS]; /* to place them in a process */
	size_t nr_segments;
};

/* Binaries remembered; past this many the list starts again (a host of ever new builds). */
#define MAX_BINARIES 256

struct python_proc {
	uint32_t tgid;
	const struct python_layout *layout;
};

struct python_procs {
	int procs_fd;
	struct interp_binary *binaries;
	size_t nbinaries, binaries_cap;
	struct python_proc *procs;
	size_t nprocs, procs_cap;
	struct python_codes *codes;
	struct python_procs_stats stats;
};

struct python_procs *python_procs__new(int procs_fd)
{
	struct python_procs *py = calloc(1, sizeof(*py));

	if (!py)
		return NULL;
	py->procs_fd = procs_fd;
	py->codes = python_codes__new(0);
	if (!py->codes) {
		free(py);
		return NULL;
	}
	return py;
}

void python_procs__free(struct python_procs *py)
{
	if (!py)
		return;
	python_codes__free(py->codes);
	free(py->binaries);
	free(py->procs);
	free(py);
}

/* Whether @path names an interpreter: python3.N, python3 or libpython3.N.so*. */
static bool interpreter_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!strncmp(base, "lib", 3))
		return !strncmp(base + 3, "python3.", 8) && strstr(base, ".so");
	return !strncmp(base, "python3", 7);
}

/* Reads the .dynsym of @elf for _PyRuntime and Py_Version into @b. */
static void read_symbols(Elf *elf, struct interp_binary *b)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	GElf_Sym sym;
	Elf_Data *data;
	const char *name;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNSYM || !shdr.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			return;
		for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; i++) {
			if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(elf, shdr.sh_link, sym.st_name);
			if (!name)
				continue;
			if (!strcmp(name, "_PyRuntime"))
				b->runtime = sym.st_value;
			else if (!strcmp(name, "Py_Version"))
				b->version = sym.st_value;
		}
	}
	b->python = b->runtime && b->version;
}

/* Reads the binary @map of @tgid maps into a new entry of the list. Returns it or NULL. */
static struct interp_binary *read_binary(struct python_procs *py, uint32_t tgid,
					 const struct proc_map *map)
{
	struct interp_binary *b;
	struct unwind_binary bin;

	if (py->nbinaries == MAX_BINARIES)
		py->nbinaries = 0;
	if (array__reserve(&py->binaries, &py->binaries_cap, py->nbinaries + 1,
			   sizeof(*py->binaries)))
		return NULL;
	b = &py->binaries[py->nbinaries];
	*b = (struct interp_binary){ .dev = map->dev, .ino = map->ino };
	/* A file that cannot be opened counts as no interpreter, once. */
	if (!unwind_binary__open(tgid, map, &bin)) {
		read_symbols(elf_image__elf(bin.image), b);
		memcpy(b->segments, bin.segments, sizeof(bin.segments));
		b->nr_segments = bin.nr_segments;
		unwind_binary__close(&bin);
	}
	py->nbinaries++;
	return b;
}

/*
 * The interpreter in the binary @map maps, looked at on first sight of the binary; its bias
 * in @tgid into *@bias. Returns NULL when the binary holds none.
 */
static const struct interp_binary *interpreter_of(struct python_procs *py, uint32_t tgid,
						  const struct proc_map *map, uint64_t *bias)
{
	struct interp_binary *b = NULL;

	for (size_t i = 0; i < py->nbinaries && !b; i++)
		if (py->binaries[i].dev == map->dev && py->binaries[i].ino == map->ino)
			b = &py->binaries[i];
	if (!b)
		b = read_binary(py, tgid, map);
	if (!b || !b->python ||
	    elf_segments__bias(b->segments, b->nr_segments, map->start, map->pgoff, bias))
		return NULL;
	return b;
}

/*
 * The layout of the interpreter whose Py_Version is @version and _PyRuntime at @runtime in
 * @tgid, or NULL when the profiler has none for it: another version, or (3.13 on) a build
 * whose own debug offsets say otherwise (free-threaded, patched).
 */
static const struct python_layout *layout_of(uint32_t tgid, uint32_t version, uint64_t runtime)
{
	const struct python_layout *l = (version >> 24) == 3 ?
						python_layout__of((version >> 16) & 0xff) :
						NULL;
	uint8_t offsets[PYTHON_DEBUG_OFFSETS_BYTES];

	if (!l || l->minor < PYTHON_DEBUG_OFFSETS_MINOR)
		return l;
	if (proc_mem__read(tgid, runtime, offsets, sizeof(offsets)) &&
	    python_layout__agrees(l, offsets))
		return l;
	pr_debug("pid %u: the interpreter's own debug offsets are not those of Python 3.%u\n", tgid,
		 l->minor);
	return NULL;
}

static struct python_proc *find_proc(struct python_procs *py, uint32_t tgid)
{
	for (size_t i = 0; i < py->nprocs; i++)
		if (py->procs[i].tgid == tgid)
			return &py->procs[i];
	return NULL;
}

static uint16_t larger(uint16_t a, uint16_t b)
{
	return a > b ? a : b;
}

/* The walker's description of an interpreter of layout @l whose _PyRuntime is at @runtime. */
static void describe(const struct python_layout *l, uint64_t runtime, struct prof_python_proc *out)
{
	*out = (struct prof_python_proc){
		.runtime = runtime,
		.minor = l->minor,
		.entry_owner = l->entry_owner,
		.runtime_interpreters = l->runtime_interpreters,
		.interp_threads = l->interp_threads,
		.thread_next = l->thread_next,
		.thread_native_id = l->thread_native_id,
		.thread_frame = l->thread_frame,
		.cframe_frame = l->cframe_frame,
		.frame_code = l->frame_code,
		.frame_previous = l->frame_previous,
		.frame_instr = l->frame_instr,
		.frame_entry = l->frame_entry,
		.code_first_line = l->code_first_line,
		.code_filename = l->code_filename,
		.code_qualname = l->code_qualname,
		.code_linetable = l->code_linetable,
		/* Past the last field read, a word each (is_entry and owner are one byte). */
		.code_bytes = larger(larger(l->code_filename, l->code_qualname),
				     l->code_linetable) +
			      8 - l->code_first_line,
		.frame_bytes = larger(larger(l->frame_previous, l->frame_code),
				      larger(l->frame_instr, l->frame_entry)) +
			       8,
	};
}

void python_procs__add_process(struct python_procs *py, uint32_t tgid, const struct proc_maps *maps)
{
	const struct interp_binary *b = NULL;
	const struct python_layout *layout;
	struct prof_python_proc value;
	struct python_proc *p;
	uint64_t bias = 0;
	uint32_t version;

	for (size_t i = 0; i < proc_maps__count(maps) && !b; i++) {
		const struct proc_map *map = proc_maps__get(maps, i);

		if (map->kind == PROC_MAP_FILE && map->exec && interpreter_name(map->path))
			b = interpreter_of(py, tgid, map, &bias);
	}
	p = find_proc(py, tgid);
	if (!b) {
		if (p)
			python_procs__remove_process(py, tgid);
		return;
	}
	if (!proc_mem__read(tgid, b->version + bias, &version, sizeof(version)))
		return;
	layout = layout_of(tgid, version, b->runtime + bias);
	py->stats.found += !p;
	if (!layout) {
		py->stats.unsupported += !p;
		pr_debug("pid %u runs Python %u.%u, whose frames are not followed\n", tgid,
			 version >> 24, (version >> 16) & 0xff);
		return;
	}
	if (!p) {
		if (array__reserve(&py->procs, &py->procs_cap, py->nprocs + 1, sizeof(*py->procs)))
			return;
		p = &py->procs[py->nprocs++];
		*p = (struct python_proc){ .tgid = tgid };
		py->stats.processes = py->nprocs;
	}
	p->layout = layout;
	/* Again on every read: an exec may have brought another interpreter at other places. */
	describe(layout, b->runtime + bias, &value);
	if (bpf_map_update_elem(py->procs_fd, &tgid, &value, BPF_ANY))
		pr_debug("cannot give the walker the interpreter of pid %u: %s\n", tgid,
			 strerror(errno));
}

void python_procs__remove_process(struct python_procs *py, uint32_t tgid)
{
	struct python_proc *p = find_proc(py, tgid);

	if (!p)
		return;
	bpf_map_delete_elem(py->procs_fd, &tgid);
	*p = py->procs[--py->nprocs];
	py->stats.processes = py->nprocs;
}

void python_procs__code_seen(struct python_procs *py, const struct prof_python_code_event *event)
{
	const struct python_proc *p = find_proc(py, event->tgid);
	struct python_code_ref ref = {
		.code = event->code,
		.first_line = event->first_line,
		.filename = event->filename,
		.qualname = event->qualname,
		.linetable = event->linetable,
	};

	if (p)
		python_codes__add(py->codes, event->tgid, event->check, &ref, p->layout);
}

const struct python_code *python_procs__code(struct python_procs *py, uint32_t tgid, uint64_t code,
					     uint32_t check)
{
	const struct python_code *names = python_codes__find(py->codes, tgid, code, check);
	const struct python_proc *p;
	struct python_code_ref ref;

	if (names)
		return names;
	/* Not announced (the event was lost): the code object may still be there. */
	p = find_proc(py, tgid);
	if (!p || python_codes__read_ref(tgid, code, p->layout, &ref) ||
	    prof_python_code_check(ref.first_line, ref.filename, ref.qualname) != check)
		return NULL;
	return python_codes__add(py->codes, tgid, check, &ref, p->layout);
}

void python_procs__stats(const struct python_procs *py, struct python_procs_stats *stats)
{
	*stats = py->stats;
	python_codes__stats(py->codes, &stats->codes);
}
