// SPDX-License-Identifier: GPL-2.0-only
#include "dso.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"
#include "dso_image.h"
#include "dso_internal.h"
#include "dwarf_lines.h"
#include "log.h"

/* Inline chains are a handful deep; deeper ones are cut. */
#define DSO_MAX_CHAIN 64

int dso__dup_fd(const struct dso *dso)
{
	int fd;

	if (dso->fd < 0)
		return -EBADF;
	fd = fcntl(dso->fd, F_DUPFD_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

struct dso *dso__new(struct dso_shared *shared, const char *path, int fd, const struct stat *st)
{
	struct dso *dso;

	dso = calloc(1, sizeof(*dso));
	if (!dso)
		return NULL;
	dso->path = strdup(path);
	if (!dso->path) {
		free(dso);
		return NULL;
	}
	dso->shared = shared;
	dso->id = ++shared->last_id;
	dso->state = DSO_OPEN;
	dso->fd = fd;
	if (fd >= 0)
		shared->open_fds++;
	if (st) {
		dso->has_stat = true;
		dso->mtime = st->st_mtim;
		dso->size = st->st_size;
	}
	return dso;
}

static void dso__close(struct dso *dso)
{
	if (dso->fd < 0)
		return;
	close(dso->fd);
	dso->fd = -1;
	dso->shared->open_fds--;
}

void dso__free(struct dso *dso)
{
	dso__close(dso);
	dso_image__put(dso->image);
	debuginfo_root__put(dso->root);
	free(dso->path);
	free(dso);
}

void dso__mark_bad(struct dso *dso, int err, const char *what)
{
	dso->state = DSO_BAD;
	dso->shared->bad_files++;
	pr_debug("%s %s: %s\n", what, dso->path, strerror(-err));
}

size_t dso__bytes(const struct dso *dso)
{
	return sizeof(*dso) + (dso->image ? dso_image__bytes(dso->image) : 0);
}

bool dso__same_file(const struct dso *dso, const struct stat *st)
{
	if (!dso->has_stat)
		return true;
	return dso->mtime.tv_sec == st->st_mtim.tv_sec &&
	       dso->mtime.tv_nsec == st->st_mtim.tv_nsec && dso->size == st->st_size;
}

const char *dso__path(const struct dso *dso)
{
	return dso->path;
}

const char *dso__build_id(const struct dso *dso)
{
	return dso->state == DSO_LOADED ? dso_image__build_id(dso->image) : NULL;
}

uint64_t dso__id(const struct dso *dso)
{
	return dso->id;
}

void dso__set_root(struct dso *dso, struct debuginfo_root *root)
{
	if (!dso->root && root)
		dso->root = debuginfo_root__get(root);
}

int dso__load(struct dso *dso)
{
	int err;

	if (dso->state == DSO_LOADED)
		return 0;
	if (dso->state == DSO_BAD)
		return -ENOEXEC;
	err = dso_images__read(dso->shared->images, dso->fd, dso->path, &dso->image);
	dso__close(dso);
	if (err) {
		dso__mark_bad(dso, err, "cannot read ELF file");
		return err;
	}
	dso->state = DSO_LOADED;
	return 0;
}

int dso__vaddr(struct dso *dso, uint64_t off, uint64_t *vaddr)
{
	int err;

	err = dso__load(dso);
	if (err)
		return err;
	return dso_image__vaddr(dso->image, off, vaddr);
}

const char *dso__find_symbol(struct dso *dso, uint64_t vaddr, uint64_t *start)
{
	if (dso__load(dso))
		return NULL;
	/* Without memory for the debug file, the binary's own symbols still answer. */
	dso_image__load_debug(dso->image, dso->path, dso->root);
	return dso_image__find_symbol(dso->image, vaddr, start);
}

int dso__find_frames(struct dso *dso, uint64_t vaddr, struct dso_frame *out, size_t cap)
{
	struct dwarf_frame frames[DSO_MAX_CHAIN];
	const char *symbol;
	int n;

	if (!cap)
		return -EINVAL;
	if (dso__load(dso))
		return 0;
	dso_image__load_debug(dso->image, dso->path, dso->root);
	symbol = dso_image__find_symbol(dso->image, vaddr, NULL);
	n = dso_image__find_lines(dso->image, dso->path, vaddr, frames,
				  cap < DSO_MAX_CHAIN ? cap : DSO_MAX_CHAIN);
	if (!n) {
		if (!symbol)
			return 0;
		out[0] = (struct dso_frame){ .name = symbol };
		return 1;
	}
	for (int i = 0; i < n; i++) {
		out[i].name = frames[i].name;
		out[i].file = frames[i].file;
		out[i].line = frames[i].line;
	}
	/*
	 * The function holding the code is named by its symbol, as when there is no DWARF:
	 * that name has the linker's suffixes (.cold, .isra.0) and is the one other tools show.
	 */
	if (symbol)
		out[n - 1].name = symbol;
	return n;
}
