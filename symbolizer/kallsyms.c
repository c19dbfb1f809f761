// SPDX-License-Identifier: GPL-2.0-only
#include "kallsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "symbol_names.h"

/*
 * Non-text symbols (data, rodata, bss) are kept as nameless "barriers": they end the text
 * symbol before them, so an address in data after the last function of a section is not
 * named after that function. kallsyms has no sizes; this is the best end it offers.
 */
#define KSYM_BARRIER UINT32_MAX
/* The last symbol of the file has nothing after it; assume it is at most a page long. */
#define KSYM_LAST_EXTENT 4096
/* kallsyms lines are short (KSYM_NAME_LEN is 512); a longer one is garbage and skipped. */
#define KSYM_READ_SIZE (1024 * 1024)

/* Preference among symbols at one address: lower wins. */
enum ksym_rank {
	KSYM_GLOBAL,
	KSYM_WEAK,
	KSYM_LOCAL,
	KSYM_NOT_TEXT,
};

struct ksym {
	uint64_t addr;
	uint32_t name;	 /* offset in kallsyms.names, or KSYM_BARRIER */
	uint16_t module; /* index in kallsyms.modules; 0 is the core kernel */
	uint8_t rank;	 /* enum ksym_rank */
	uint8_t pad;
};

struct kallsyms {
	struct ksym *syms;
	size_t nr_syms;
	size_t nr_text;
	struct name_buffer names; /* symbol and module names; offsets are 32 bits */
	uint32_t *modules; /* offsets in names of "[modname]" */
	size_t nr_modules;
};

/* Growable state used only while loading. */
struct kallsyms_loader {
	struct kallsyms *ks;
	size_t syms_cap;
	size_t modules_cap;
	size_t last_module; /* module lines come in runs: try the previous one first */
	size_t nr_zero;	    /* lines whose address reads as 0 */
};

/* @name is "[modname]" */
static int module__index(struct kallsyms_loader *ld, const char *name, size_t len,
			 uint16_t *index)
{
	struct kallsyms *ks = ld->ks;
	uint32_t off;
	size_t i;
	int err;

	if (ld->last_module < ks->nr_modules) {
		const char *m = ks->names.data + ks->modules[ld->last_module];

		if (!strncmp(m, name, len) && m[len] == '\0') {
			*index = ld->last_module;
			return 0;
		}
	}
	for (i = 0; i < ks->nr_modules; i++) {
		const char *m = ks->names.data + ks->modules[i];

		if (!strncmp(m, name, len) && m[len] == '\0')
			goto found;
	}
	if (ks->nr_modules > UINT16_MAX)
		return -E2BIG;
	err = array__reserve(&ks->modules, &ld->modules_cap, ks->nr_modules + 1,
		   sizeof(*ks->modules));
	if (err)
		return err;
	err = name_buffer__add(&ks->names, name, len, KSYM_BARRIER, &off);
	if (err)
		return err;
	ks->modules[ks->nr_modules++] = off;
found:
	ld->last_module = i;
	*index = i;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static enum ksym_rank type__rank(char type, bool *skip)
{
	*skip = false;
	switch (type) {
	case 'T':
		return KSYM_GLOBAL;
	case 'W':
	case 'w':
		return KSYM_WEAK;
	case 't':
		return KSYM_LOCAL;
	case 'A':
	case 'a':
	case 'U':
	case 'u':
	case 'N':
	case 'n':
		/* Absolute, undefined or debugging symbols are not places in the image. */
		*skip = true;
		return KSYM_NOT_TEXT;
	default:
		return KSYM_NOT_TEXT;
	}
}

/* Parses "ADDR TYPE NAME[\t[MODULE]]" (without the newline); malformed lines are skipped. */
static int kallsyms__parse_line(struct kallsyms_loader *ld, const char *line, size_t len)
{
	struct kallsyms *ks = ld->ks;
	const char *p = line, *end = line + len, *name, *mod = NULL;
	size_t name_len, mod_len = 0, digits = 0;
	uint64_t addr = 0;
	struct ksym *sym;
	enum ksym_rank rank;
	uint16_t module = 0;
	bool skip;
	int d, err;

	while (p < end && (d = hex_digit(*p)) >= 0) {
		addr = addr << 4 | d;
		p++;
		digits++;
	}
	if (!digits || digits > 16 || end - p < 4 || p[0] != ' ' || p[2] != ' ')
		return 0;
	rank = type__rank(p[1], &skip);
	if (skip)
		return 0;
	if (!addr) {
		ld->nr_zero++;
		return 0;
	}
	name = p + 3;
	for (p = name; p < end && *p != '\t' && *p != ' '; p++)
		;
	name_len = p - name;
	if (!name_len)
		return 0;
	while (p < end && (*p == '\t' || *p == ' '))
		p++;
	if (p < end && *p == '[') {
		mod = p;
		while (p < end && *p != ']')
			p++;
		if (p == end)
			return 0;
		mod_len = p + 1 - mod;
	}

	err = array__reserve(&ks->syms, &ld->syms_cap, ks->nr_syms + 1, sizeof(*ks->syms));
	if (err)
		return err;
	if (mod) {
		err = module__index(ld, mod, mod_len, &module);
		if (err)
			return err;
	}
	sym = &ks->syms[ks->nr_syms];
	sym->addr = addr;
	sym->module = module;
	sym->rank = rank;
	sym->pad = 0;
	sym->name = KSYM_BARRIER;
	if (rank != KSYM_NOT_TEXT) {
		/*
		 * The linker's end-of-text markers are typed T but mark where text stops;
		 * naming the bytes after them "_etext" would be wrong.
		 */
		if ((name_len == 6 && !memcmp(name, "_etext", 6)) ||
		    (name_len == 10 && !memcmp(name, "_einittext", 10))) {
			sym->rank = KSYM_NOT_TEXT;
		} else {
			err = name_buffer__add(&ks->names, name, name_len, KSYM_BARRIER, &sym->name);
			if (err)
				return err;
		}
	}
	ks->nr_syms++;
	return 0;
}

static int kallsyms__read(struct kallsyms_loader *ld, int fd)
{
	size_t have = 0, start, i;
	bool skipping = false; /* inside an overlong line */
	ssize_t n;
	char *buf;
	int err = 0;

	buf = malloc(KSYM_READ_SIZE);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = read(fd, buf + have, KSYM_READ_SIZE - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out_free_buf;
		}
		if (n == 0) {
			/* A last line without a newline still counts. */
			if (have && !skipping)
				err = kallsyms__parse_line(ld, buf, have);
			break;
		}
		have += n;
		start = 0;
		for (i = have - n; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			if (!skipping) {
				err = kallsyms__parse_line(ld, buf + start, i - start);
				if (err)
					goto out_free_buf;
			}
			skipping = false;
			start = i + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == KSYM_READ_SIZE) {
			skipping = true;
			have = 0;
		}
	}
out_free_buf:
	free(buf);
	return err;
}

/*
 * Among symbols at one address, whether @x is a better name than @y: text before
 * barriers, global before weak before local, fewer leading underscores ("schedule" over
 * "__schedule"), then by name so the choice does not depend on the order of the file.
 */
static bool ksym__better(const struct ksym *x, const struct ksym *y, const char *names)
{
	if (x->rank != y->rank)
		return x->rank < y->rank;
	if (x->name == KSYM_BARRIER || y->name == KSYM_BARRIER)
		return false;
	return symbol_name__cmp_alias(names + x->name, names + y->name) < 0;
}

static int ksym__cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

/*
 * Sorts by address. /proc/kallsyms is sorted but for what follows the core kernel
 * (module, BPF and ftrace symbols), so only the part after the sorted prefix is sorted,
 * then merged: a linear pass instead of an O(n log n) sort of 100k+ symbols.
 */
static int kallsyms__sort(struct kallsyms_loader *ld)
{
	struct kallsyms *ks = ld->ks;
	size_t prefix = 1, i, j, k, n = ks->nr_syms;
	struct ksym *merged;

	while (prefix < n && ks->syms[prefix - 1].addr <= ks->syms[prefix].addr)
		prefix++;
	if (prefix >= n)
		return 0;
	qsort(ks->syms + prefix, n - prefix, sizeof(*ks->syms), ksym__cmp_addr);
	merged = malloc(n * sizeof(*merged));
	if (!merged)
		return -ENOMEM;
	for (i = 0, j = prefix, k = 0; i < prefix || j < n; k++) {
		if (j == n || (i < prefix && ks->syms[i].addr <= ks->syms[j].addr))
			merged[k] = ks->syms[i++];
		else
			merged[k] = ks->syms[j++];
	}
	free(ks->syms);
	ks->syms = merged;
	ld->syms_cap = n;
	return 0;
}

/* Keeps the best symbol per address and drops barriers that end nothing. */
static int kallsyms__finish(struct kallsyms_loader *ld)
{
	struct kallsyms *ks = ld->ks;
	size_t i, j, n = 0;
	int err;

	err = kallsyms__sort(ld);
	if (err)
		return err;
	ks->nr_text = 0;
	for (i = 0; i < ks->nr_syms; i = j) {
		struct ksym best = ks->syms[i];

		for (j = i + 1; j < ks->nr_syms && ks->syms[j].addr == best.addr; j++) {
			if (ksym__better(&ks->syms[j], &best, ks->names.data))
				best = ks->syms[j];
		}
		if (best.name == KSYM_BARRIER && (!n || ks->syms[n - 1].name == KSYM_BARRIER))
			continue;
		if (best.name != KSYM_BARRIER)
			ks->nr_text++;
		ks->syms[n++] = best;
	}
	ks->nr_syms = n;
	return 0;
}

static void kallsyms__shrink(struct kallsyms *ks)
{
	void *p;

	p = realloc(ks->syms, (ks->nr_syms ? ks->nr_syms : 1) * sizeof(*ks->syms));
	if (p)
		ks->syms = p;
	p = realloc(ks->names.data, ks->names.len ? ks->names.len : 1);
	if (p) {
		ks->names.data = p;
		ks->names.cap = ks->names.len;
	}
}

int kallsyms__load(const char *path, struct kallsyms **out)
{
	struct kallsyms_loader ld = { 0 };
	struct kallsyms *ks;
	uint32_t kernel;
	int fd, err;

	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return -ENOMEM;
	ld.ks = ks;
	/* Module 0 is the core kernel; lines without "[module]" belong to it. */
	ks->modules = malloc(sizeof(*ks->modules));
	if (!ks->modules) {
		err = -ENOMEM;
		goto out_free;
	}
	ld.modules_cap = 1;
	err = name_buffer__add(&ks->names, KALLSYMS_KERNEL_MODULE, strlen(KALLSYMS_KERNEL_MODULE),
			       KSYM_BARRIER, &kernel);
	if (err)
		goto out_free;
	ks->modules[ks->nr_modules++] = kernel;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	err = kallsyms__read(&ld, fd);
	if (err)
		goto out_close;
	err = kallsyms__finish(&ld);
	if (err)
		goto out_close;
	if (!ks->nr_text) {
		err = ld.nr_zero ? -EACCES : -ENODATA;
		goto out_close;
	}
	kallsyms__shrink(ks);
	close(fd);
	*out = ks;
	return 0;

out_close:
	close(fd);
out_free:
	kallsyms__free(ks);
	return err;
}

void kallsyms__free(struct kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names.data);
	free(ks->modules);
	free(ks);
}

int kallsyms__find(const struct kallsyms *ks, uint64_t addr, const char **name,
		   const char **module, uint64_t *start)
{
	size_t lo = 0, hi = ks->nr_syms;
	const struct ksym *sym;

	/* The last symbol whose address is <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -ENOENT;
	sym = &ks->syms[lo - 1];
	if (sym->name == KSYM_BARRIER)
		return -ENOENT;
	if (lo == ks->nr_syms && addr - sym->addr >= KSYM_LAST_EXTENT)
		return -ENOENT;
	*name = ks->names.data + sym->name;
	*module = ks->names.data + ks->modules[sym->module];
	if (start)
		*start = sym->addr;
	return 0;
}

size_t kallsyms__count(const struct kallsyms *ks)
{
	return ks->nr_text;
}
