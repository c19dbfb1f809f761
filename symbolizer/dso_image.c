// SPDX-License-Identifier: GPL-2.0-only
#include "dso_image.h"

#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"
#include "dwarf_lines.h"
#include "elf_image.h"
#include "elf_symbols.h"
#include "hash_table.h"
#include "log.h"

/* Images with a build id, found by it; the chains stay short with the dsos' idle bound. */
#define DSO_IMAGE_BUCKETS 1024
/* MiniDebugInfo is a few hundred KiB compressed, a few MiB decompressed. */
#define DSO_MINIDEBUG_MAX_IN (64u << 20)
#define DSO_MINIDEBUG_MAX_OUT (512u << 20)
/*
 * libdw keeps each unit's line table and DIEs it read until the end of its Dwarf: a binary
 * mapped for days (a big libpython, libc's debug file) would end up with all of them. Past
 * this many bytes of them (dwarf_lines__size() beyond the bare index), the DWARF is started
 * again from the sections still in memory; the symbolizer keeps the names found so far.
 */
#define DSO_DWARF_LINES_MAX (16u << 20)

struct dso_images {
	struct dso_image *buckets[DSO_IMAGE_BUCKETS];
	struct debuginfo_finder *finder; /* borrowed; NULL: no separate debug files */
	uint64_t bad_debuginfo;
	size_t lines_max; /* DSO_DWARF_LINES_MAX unless set */
	/*
	 * The DWARF held in memory (sections and units read) that can be read again, every
	 * image's together, within dwarf.max_bytes: past it, the least recently used image's is
	 * freed, to be read again when next needed. Those images, most recently used first.
	 */
	struct dso_image *dwarf_head, *dwarf_tail;
	struct dso_dwarf_stats dwarf;
};

/* Freed with the last dso that reads it. */
struct dso_image {
	struct dso_image *next_in_bucket; /* in images->buckets, when it has a build id */
	struct dso_images *images;	  /* borrowed; outlives every image */
	unsigned int refcount;
	struct elf_image *file; /* segments, build id; its Elf only while libdw reads from it */
	struct elf_symbols *symbols;
	bool has_symtab; /* a .symtab (the binary's or, after the debug stage, another's) */
	char *debuglink; /* .gnu_debuglink name, NULL without one */
	uint32_t debuglink_crc;
	void *minidebug; /* the compressed .gnu_debugdata, kept until the debug stage */
	size_t minidebug_len;
	/* DWARF: of the binary (file) or of its debug file (debug.elf); fds closed. */
	struct debuginfo_file debug;
	Dwarf *dwarf;
	struct dwarf_lines *lines;
	size_t dwarf_bytes; /* DWARF sections held in memory */
	size_t lines_base;  /* dwarf_lines__size() of the index before any unit was read */
	size_t dwarf_held;  /* what it adds to images->dwarf.bytes now */
	struct dso_image *dwarf_prev, *dwarf_next; /* in images' list while dwarf_held */
	bool debug_done;      /* the debug file was looked for, MiniDebugInfo read */
	bool dwarf_in_binary; /* its DWARF is the binary's own, not a debug file's */
	bool dwarf_dropped;   /* its DWARF freed for the budget, to be read again */
	bool bad_counted;     /* counted once in bad_debuginfo */
};

struct dso_images *dso_images__new(void)
{
	struct dso_images *images = calloc(1, sizeof(struct dso_images));

	if (images) {
		images->lines_max = DSO_DWARF_LINES_MAX;
		images->dwarf.max_bytes = SIZE_MAX;
	}
	return images;
}

void dso_images__set_lines_limit(struct dso_images *images, size_t bytes)
{
	images->lines_max = bytes;
}

void dso_images__set_dwarf_budget(struct dso_images *images, size_t bytes)
{
	images->dwarf.max_bytes = bytes;
}

void dso_images__dwarf_stats(const struct dso_images *images, struct dso_dwarf_stats *stats)
{
	*stats = images->dwarf;
}

void dso_images__free(struct dso_images *images)
{
	free(images);
}

void dso_images__set_debuginfo(struct dso_images *images, struct debuginfo_finder *finder)
{
	images->finder = finder;
}

uint64_t dso_images__bad_debuginfo(const struct dso_images *images)
{
	uint64_t rejected = images->finder ? debuginfo_finder__rejected(images->finder) : 0;

	return images->bad_debuginfo + rejected;
}

static struct dso_image **images__bucket(struct dso_images *images, const uint8_t *build_id,
					 size_t len)
{
	size_t b = hash__final(hash__bytes(HASH_SEED, build_id, len)) & (DSO_IMAGE_BUCKETS - 1);

	return &images->buckets[b];
}

static struct dso_image *images__find(struct dso_images *images, const uint8_t *build_id,
				      size_t len)
{
	struct dso_image *image = *images__bucket(images, build_id, len);
	const uint8_t *id;
	size_t id_len;

	for (; image; image = image->next_in_bucket) {
		id = elf_image__build_id(image->file, &id_len);
		if (id_len == len && !memcmp(id, build_id, len))
			return image;
	}
	return NULL;
}

/*
 * Whether the budget may free @image's DWARF: it can be read again from its debug file, or
 * from the binary itself when a build id tells that it is still the same file.
 */
static bool image__dwarf_freeable(const struct dso_image *image)
{
	size_t len;

	if (!image->dwarf || !image->images->finder)
		return false;
	if (!image->dwarf_in_binary)
		return true;
	return elf_image__build_id(image->file, &len) && len;
}

/*
 * What @image's DWARF takes now, counted in images->dwarf.bytes when the budget can free
 * it; unlinked when none.
 */
static void image__account_dwarf(struct dso_image *image)
{
	struct dso_images *images = image->images;
	size_t held = 0;

	if (image__dwarf_freeable(image))
		held = image->dwarf_bytes + (image->lines ? dwarf_lines__size(image->lines) : 0);

	images->dwarf.bytes += held - image->dwarf_held;
	if (held && !image->dwarf_held) {
		image->dwarf_prev = NULL;
		image->dwarf_next = images->dwarf_head;
		if (images->dwarf_head)
			images->dwarf_head->dwarf_prev = image;
		else
			images->dwarf_tail = image;
		images->dwarf_head = image;
	} else if (!held && image->dwarf_held) {
		if (image->dwarf_prev)
			image->dwarf_prev->dwarf_next = image->dwarf_next;
		else
			images->dwarf_head = image->dwarf_next;
		if (image->dwarf_next)
			image->dwarf_next->dwarf_prev = image->dwarf_prev;
		else
			images->dwarf_tail = image->dwarf_prev;
	}
	image->dwarf_held = held;
	if (images->dwarf.bytes > images->dwarf.peak_bytes)
		images->dwarf.peak_bytes = images->dwarf.bytes;
}

static void image__free_dwarf(struct dso_image *image)
{
	dwarf_lines__free(image->lines);
	image->lines = NULL;
	if (image->dwarf)
		dwarf_end(image->dwarf);
	image->dwarf = NULL;
	image->dwarf_bytes = 0;
	image__account_dwarf(image);
}

/* Moves @image, which holds DWARF, to the front of the least recently used order. */
static void image__touch_dwarf(struct dso_image *image)
{
	struct dso_images *images = image->images;

	if (!image->dwarf_held || images->dwarf_head == image)
		return;
	image->dwarf_prev->dwarf_next = image->dwarf_next;
	if (image->dwarf_next)
		image->dwarf_next->dwarf_prev = image->dwarf_prev;
	else
		images->dwarf_tail = image->dwarf_prev;
	image->dwarf_prev = NULL;
	image->dwarf_next = images->dwarf_head;
	images->dwarf_head->dwarf_prev = image;
	images->dwarf_head = image;
}

/*
 * Frees DWARF, least recently used first, until what can be read again holds no more than
 * the budget or only @keep's is left (the one being read: its strings are in use).
 */
static void images__enforce_dwarf(struct dso_images *images, struct dso_image *keep)
{
	struct dso_image *image = images->dwarf_tail, *prev;

	for (; image && images->dwarf.bytes > images->dwarf.max_bytes; image = prev) {
		prev = image->dwarf_prev;
		if (image == keep)
			continue;
		image__free_dwarf(image);
		/* The Elf that holds the sections: the debug file's, or the binary's own. */
		if (image->debug.elf)
			debuginfo_file__close(&image->debug);
		else
			elf_image__end_elf(image->file);
		image->dwarf_dropped = true;
		images->dwarf.dropped++;
	}
}

void dso_image__put(struct dso_image *image)
{
	const uint8_t *build_id;
	struct dso_image **p;
	size_t len;

	if (!image || --image->refcount)
		return;
	build_id = elf_image__build_id(image->file, &len);
	if (build_id) {
		for (p = images__bucket(image->images, build_id, len); *p;
		     p = &(*p)->next_in_bucket) {
			if (*p == image) {
				*p = image->next_in_bucket;
				break;
			}
		}
	}
	image__free_dwarf(image);
	elf_image__free(image->file);
	debuginfo_file__close(&image->debug);
	elf_symbols__free(image->symbols);
	free(image->debuglink);
	free(image->minidebug);
	free(image);
}

size_t dso_image__bytes(const struct dso_image *image)
{
	return sizeof(*image) + elf_image__bytes(image->file) + elf_symbols__size(image->symbols) +
	       image->minidebug_len + image->dwarf_bytes +
	       (image->lines ? dwarf_lines__size(image->lines) : 0);
}

const char *dso_image__build_id(const struct dso_image *image)
{
	const char *hex = elf_image__build_id_hex(image->file);

	return hex[0] ? hex : NULL;
}

int dso_image__vaddr(const struct dso_image *image, uint64_t off, uint64_t *vaddr)
{
	return elf_image__vaddr(image->file, off, vaddr);
}

static bool elf__has_symtab(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB && shdr.sh_size)
			return true;
	}
	return false;
}

static bool elf__has_dwarf(Elf *elf)
{
	GElf_Shdr shdr;
	Elf_Scn *scn;

	scn = debuginfo__section(elf, ".debug_info", NULL);
	if (!scn)
		scn = debuginfo__section(elf, ".zdebug_info", NULL);
	return scn && gelf_getshdr(scn, &shdr) && shdr.sh_type != SHT_NOBITS && shdr.sh_size;
}

/* Bytes of the DWARF sections libdw read from @elf (decompressed ones at their new size). */
static size_t elf__dwarf_bytes(Elf *elf)
{
	Elf_Scn *scn = NULL;
	const char *name;
	GElf_Shdr shdr;
	size_t shstrndx, bytes = 0;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (name && (!strncmp(name, ".debug_", 7) || !strncmp(name, ".zdebug_", 8)))
			bytes += shdr.sh_size;
	}
	return bytes;
}

/*
 * Whether the DWARF string sections of @elf (as libdw read them, decompressed) end with a
 * NUL: libdw reads their strings with strlen(), so a last string without one would be
 * read past the section.
 */
static bool elf__strings_terminated(Elf *elf)
{
	static const char *const names[] = { ".debug_str", ".debug_line_str", ".zdebug_str",
					     ".zdebug_line_str" };
	Elf_Data *data;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (debuginfo__section(elf, names[i], &data) && data && data->d_size &&
		    ((const char *)data->d_buf)[data->d_size - 1] != '\0')
			return false;
	}
	return true;
}

static void image__count_bad(struct dso_image *image, const char *path, const char *what)
{
	if (image->bad_counted)
		return;
	image->bad_counted = true;
	image->images->bad_debuginfo++;
	pr_warn("%s: %s; its frames may lack names or lines\n", path, what);
}

/*
 * Reads the DWARF sections of @elf, which must still have its descriptor, into memory
 * (libdw reads every debug section when it starts, decompressing as needed), so the
 * descriptor can be closed after. Returns true when there is DWARF to use.
 */
static bool image__begin_dwarf(struct dso_image *image, Elf *elf, const char *path)
{
	image->dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!image->dwarf || !elf__strings_terminated(elf)) {
		if (image->dwarf)
			dwarf_end(image->dwarf);
		image->dwarf = NULL;
		image__count_bad(image, path, "malformed DWARF");
		return false;
	}
	image->dwarf_bytes = elf__dwarf_bytes(elf);
	/* Nothing more is read from the file: libelf must not touch the descriptor again. */
	elf_cntl(elf, ELF_C_FDDONE);
	return true;
}

/* Keeps a copy of .gnu_debugdata for the debug stage, when the binary has no .symtab. */
static int image__keep_minidebug(struct dso_image *image, Elf *elf)
{
	Elf_Data *data;

	if (!debuginfo__section(elf, ".gnu_debugdata", &data) || !data || !data->d_size ||
	    data->d_size > DSO_MINIDEBUG_MAX_IN)
		return 0;
	image->minidebug = malloc(data->d_size);
	if (!image->minidebug)
		return -ENOMEM;
	memcpy(image->minidebug, data->d_buf, data->d_size);
	image->minidebug_len = data->d_size;
	return 0;
}

/*
 * Reads what the binary holds into @image, and ends its Elf unless libdw reads from it.
 * Returns 0 or -errno.
 */
static int image__read(struct dso_image *image, const char *path)
{
	Elf *elf = elf_image__elf(image->file);
	char link[256];
	int err;

	err = elf_symbols__read(elf, &image->symbols);
	if (err)
		return err;
	image->has_symtab = elf__has_symtab(elf);
	if (!debuginfo__debuglink(elf, link, sizeof(link), &image->debuglink_crc)) {
		image->debuglink = strdup(link);
		if (!image->debuglink)
			return -ENOMEM;
	}
	if (!image->has_symtab) {
		err = image__keep_minidebug(image, elf);
		if (err)
			return err;
	}
	/* The image keeps the Elf (without its descriptor) while libdw reads from it. */
	if (!elf__has_dwarf(elf) || !image__begin_dwarf(image, elf, path))
		elf_image__end_elf(image->file);
	else
		image->dwarf_in_binary = true;
	return 0;
}

/*
 * Reads the binary @file (taken over) into a new image, found by its build id from now
 * on. Returns 0 and the image's first reference in *@out, or -errno.
 */
static int image__new(struct dso_images *images, struct elf_image *file, const char *path,
		      struct dso_image **out)
{
	struct dso_image *image, **bucket;
	const uint8_t *build_id;
	size_t len;
	int err;

	image = calloc(1, sizeof(*image));
	if (!image) {
		elf_image__free(file);
		return -ENOMEM;
	}
	image->images = images;
	image->refcount = 1;
	image->file = file;
	image->debug.fd = -1;
	err = image__read(image, path);
	if (err) {
		dso_image__put(image);
		return err;
	}
	build_id = elf_image__build_id(file, &len);
	if (build_id) {
		bucket = images__bucket(images, build_id, len);
		image->next_in_bucket = *bucket;
		*bucket = image;
	}
	*out = image;
	return 0;
}

int dso_images__read(struct dso_images *images, int fd, const char *path, struct dso_image **out)
{
	struct dso_image *image = NULL;
	const uint8_t *build_id;
	struct elf_image *file;
	size_t len;
	int err;

	err = elf_image__open(fd, &file);
	if (err)
		return err;
	/* A copy of a file already read (another container's, say) shares what was read. */
	build_id = elf_image__build_id(file, &len);
	if (build_id)
		image = images__find(images, build_id, len);
	if (!image)
		return image__new(images, file, path, out);
	image->refcount++;
	elf_image__free(file);
	*out = image;
	return 0;
}

/* Puts the symbols of @elf (a debug file's, or MiniDebugInfo) over the binary's. */
static int image__add_symbols(struct dso_image *image, Elf *elf, const char *path)
{
	struct elf_symbols *syms, *merged;
	int err;

	if (!elf__has_symtab(elf))
		return 0;
	err = elf_symbols__read(elf, &syms);
	if (err) {
		if (err == -EINVAL)
			image__count_bad(image, path, "unreadable symbol table");
		return err == -EINVAL ? 0 : err;
	}
	err = elf_symbols__merge(syms, image->symbols, &merged);
	elf_symbols__free(syms);
	if (err)
		return err;
	elf_symbols__free(image->symbols);
	image->symbols = merged;
	image->has_symtab = true;
	return 0;
}

static int image__read_minidebug(struct dso_image *image, const char *path)
{
	size_t len;
	void *buf;
	Elf *elf;
	int err;

	err = debuginfo__xz_decode(image->minidebug, image->minidebug_len, DSO_MINIDEBUG_MAX_OUT,
				   &buf, &len);
	if (err == -ENOTSUP) {
		pr_debug("%s: MiniDebugInfo needs liblzma, which this build lacks\n", path);
		return 0;
	}
	if (err) {
		if (err != -ENOMEM)
			image__count_bad(image, path, "malformed MiniDebugInfo (.gnu_debugdata)");
		return err == -ENOMEM ? err : 0;
	}
	elf = elf_memory(buf, len);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		err = image__add_symbols(image, elf, path);
	else
		image__count_bad(image, path, "malformed MiniDebugInfo (.gnu_debugdata)");
	if (elf)
		elf_end(elf);
	free(buf);
	return err;
}

/* Begins the DWARF of image->debug when the image has none, else closes that file. */
static void image__use_debug_dwarf(struct dso_image *image)
{
	if (!image->dwarf && elf__has_dwarf(image->debug.elf) &&
	    image__begin_dwarf(image, image->debug.elf, image->debug.path)) {
		/* Keep the Elf for libdw, not the descriptor. */
		close(image->debug.fd);
		image->debug.fd = -1;
		return;
	}
	debuginfo_file__close(&image->debug);
}

/* Finds the debug file and reads what the binary lacked from it. */
static int image__read_debug_file(struct dso_image *image, const char *path,
				  struct debuginfo_root *root)
{
	struct debuginfo_query query = {
		.path = path,
		.root = root,
		.debuglink = image->debuglink,
		.debuglink_crc = image->debuglink_crc,
	};
	int err;

	query.build_id = elf_image__build_id(image->file, &query.build_id_len);
	err = debuginfo_finder__open(image->images->finder, &query, &image->debug);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (!image->has_symtab) {
		err = image__add_symbols(image, image->debug.elf, image->debug.path);
		if (err)
			return err;
	}
	image__use_debug_dwarf(image);
	return 0;
}

/* Reads the binary's own DWARF again, from the file its path names if it is the same. */
static int image__reopen_binary(struct dso_image *image, const char *path,
				struct debuginfo_root *root)
{
	struct debuginfo_query query = { .path = path, .root = root };
	int err;

	query.build_id = elf_image__build_id(image->file, &query.build_id_len);
	err = debuginfo_finder__open_binary(image->images->finder, &query, &image->debug);
	if (err)
		return err == -ENOENT ? 0 : err;
	image__use_debug_dwarf(image);
	return 0;
}

/* Where malformed DWARF came from: the debug file's path, else the binary's @path. */
static const char *image__dwarf_path(const struct dso_image *image, const char *path)
{
	return image->debug.path ? image->debug.path : path;
}

/* Indexes the lines of the DWARF begun. Returns 0 or -errno. */
static int image__open_lines(struct dso_image *image, const char *path)
{
	int err = dwarf_lines__open(image->dwarf, &image->lines);

	if (err)
		return err;
	image->lines_base = dwarf_lines__size(image->lines);
	if (!dwarf_lines__units(image->lines) || dwarf_lines__errors(image->lines))
		image__count_bad(image, image__dwarf_path(image, path), "malformed DWARF");
	return 0;
}

/* Counts what @image's DWARF holds now and keeps every image's within the budget. */
static void image__settle_dwarf(struct dso_image *image)
{
	image__account_dwarf(image);
	image__touch_dwarf(image);
	images__enforce_dwarf(image->images, image);
}

/* Reads again the DWARF freed for the budget. Returns 0 or -errno. */
static int image__reload_dwarf(struct dso_image *image, const char *path,
			       struct debuginfo_root *root)
{
	int err;

	image->dwarf_dropped = false;
	image->images->dwarf.reread++;
	if (image->dwarf_in_binary)
		err = image__reopen_binary(image, path, root);
	else
		err = image__read_debug_file(image, path, root);
	if (!err && image->dwarf)
		err = image__open_lines(image, path);
	else if (!err)
		pr_debug("%s: its DWARF could not be read again\n", path);
	image__settle_dwarf(image);
	return err;
}

int dso_image__load_debug(struct dso_image *image, const char *path, struct debuginfo_root *root)
{
	int err = 0;

	if (image->dwarf_dropped && image->images->finder)
		return image__reload_dwarf(image, path, root);
	if (image->debug_done)
		return 0;
	image->debug_done = true;
	if ((!image->has_symtab || !image->dwarf) && image->images->finder)
		err = image__read_debug_file(image, path, root);
	if (!err && !image->has_symtab && image->minidebug)
		err = image__read_minidebug(image, path);
	free(image->minidebug);
	image->minidebug = NULL;
	image->minidebug_len = 0;
	if (!err && image->dwarf)
		err = image__open_lines(image, path);
	image__settle_dwarf(image);
	if (err)
		pr_debug("%s: cannot read its debug information: %s\n", path, strerror(-err));
	return err;
}

const char *dso_image__find_symbol(const struct dso_image *image, uint64_t vaddr, uint64_t *start)
{
	return elf_symbols__find(image->symbols, vaddr, start);
}

/*
 * Drops what libdw and the index read of the units and starts them again from the sections
 * read at first, which stay with the Elf: memory back to what the first lookup needed.
 */
static void image__restart_dwarf(struct dso_image *image, const char *path)
{
	Elf *elf = dwarf_getelf(image->dwarf);
	size_t bytes = image->dwarf_bytes;

	pr_debug("%s: DWARF read again, its %zu KiB of units read so far forgotten\n",
		 image__dwarf_path(image, path),
		 (dwarf_lines__size(image->lines) - image->lines_base) >> 10);
	image__free_dwarf(image);
	image->dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (!image->dwarf)
		return;
	if (dwarf_lines__open(image->dwarf, &image->lines)) {
		image__free_dwarf(image);
		return;
	}
	image->lines_base = dwarf_lines__size(image->lines);
	image->dwarf_bytes = bytes;
	image__account_dwarf(image);
}

int dso_image__find_lines(struct dso_image *image, const char *path, uint64_t vaddr,
			  struct dwarf_frame *out, size_t cap)
{
	int n;

	if (image->lines &&
	    dwarf_lines__size(image->lines) - image->lines_base > image->images->lines_max)
		image__restart_dwarf(image, path);
	if (!image->lines)
		return 0;
	n = dwarf_lines__find(image->lines, vaddr, out, cap);
	if (dwarf_lines__errors(image->lines))
		image__count_bad(image, image__dwarf_path(image, path), "malformed DWARF");
	image__settle_dwarf(image);
	return n < 0 ? 0 : n;
}
