// SPDX-License-Identifier: GPL-2.0-only
#include "kallsyms.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "name_buffer.h"
#include "symbol_table.h"

/* kallsyms lines are short (KSYM_NAME_LEN is 512); a longer one is garbage and skipped. */
#define KSYM_READ_SIZE (1024 * 1024)

/* Preference among symbols at one address: lower wins. */
enum ksym_rank {
	KSYM_GLOBAL,
	KSYM_WEAK,
	KSYM_LOCAL,
	KSYM_NOT_TEXT,
};

/*
 * kallsyms has no sizes: a text symbol reaches the next symbol of any type. Non-text
 * symbols (data, rodata, bss) are gaps: they end the text symbol before them, so an address
 * in data after the last function of a section is not named after that function. The last
 * symbol of the file has nothing after it: it is assumed to be a page long at most.
 */
static const struct symbol_table_opts kallsyms_opts = {
	.rule = SYMBOL_TABLE_ALIASES,
	.last_extent = 4096,
};

struct kallsyms {
	struct symbol_table *syms;	 /* text symbols, tagged with their module */
	struct name_buffer module_names; /* "[modname]" of each module */
	uint32_t *modules;		 /* offsets in module_names; 0 is the core kernel */
	size_t nr_modules;
};

/* Growable state used only while loading. */
struct kallsyms_loader {
	struct kallsyms *ks;
	size_t modules_cap;
	size_t last_module; /* module lines come in runs: try the previous one first */
	size_t nr_zero;	    /* lines whose address reads as 0 */
};

/* @name is "[modname]" */
static int module__index(struct kallsyms_loader *ld, const char *name, size_t len, uint16_t *index)
{
	struct kallsyms *ks = ld->ks;
	uint32_t off;
	size_t i;
	int err;

	if (ld->last_module < ks->nr_modules) {
		const char *m = ks->module_names.data + ks->modules[ld->last_module];

		if (!strncmp(m, name, len) && m[len] == '\0') {
			*index = ld->last_module;
			return 0;
		}
	}
	for (i = 0; i < ks->nr_modules; i++) {
		const char *m = ks->module_names.data + ks->modules[i];

		if (!strncmp(m, name, len) && m[len] == '\0')
			goto found;
	}
	if (ks->nr_modules > UINT16_MAX)
		return -E2BIG;
	err = array__reserve(&ks->modules, &ld->modules_cap, ks->nr_modules + 1,
			     sizeof(*ks->modules));
	if (err)
		return err;
	err = name_buffer__add(&ks->module_names, name, len, UINT32_MAX, &off);
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
	struct symbol_spec spec = { 0 };
	uint64_t addr = 0;
	bool skip;
	int d, err;

	while (p < end && (d = hex_digit(*p)) >= 0) {
		addr = addr << 4 | d;
		p++;
		digits++;
	}
	if (!digits || digits > 16 || end - p < 4 || p[0] != ' ' || p[2] != ' ')
		return 0;
	spec.rank = type__rank(p[1], &skip);
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
		err = module__index(ld, mod, mod_len, &spec.tag);
		if (err)
			return err;
	}
	spec.start = addr;
	/*
	 * The linker's end-of-text markers are typed T but mark where text stops; naming the
	 * bytes after them "_etext" would be wrong.
	 */
	if ((name_len == 6 && !memcmp(name, "_etext", 6)) ||
	    (name_len == 10 && !memcmp(name, "_einittext", 10)))
		spec.rank = KSYM_NOT_TEXT;
	return symbol_table__add(ks->syms, &spec, spec.rank == KSYM_NOT_TEXT ? NULL : name,
				 name_len);
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
	ks->syms = symbol_table__new(&kallsyms_opts);
	/* Module 0 is the core kernel; lines without "[module]" belong to it. */
	ks->modules = malloc(sizeof(*ks->modules));
	if (!ks->syms || !ks->modules) {
		err = -ENOMEM;
		goto out_free;
	}
	ld.modules_cap = 1;
	err = name_buffer__add(&ks->module_names, KALLSYMS_KERNEL_MODULE,
			       strlen(KALLSYMS_KERNEL_MODULE), UINT32_MAX, &kernel);
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
	err = symbol_table__seal(ks->syms);
	if (err)
		goto out_close;
	if (!symbol_table__count(ks->syms)) {
		err = ld.nr_zero ? -EACCES : -ENODATA;
		goto out_close;
	}
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
	symbol_table__free(ks->syms);
	free(ks->module_names.data);
	free(ks->modules);
	free(ks);
}

int kallsyms__find(const struct kallsyms *ks, uint64_t addr, const char **name, const char **module,
		   uint64_t *start)
{
	const char *found;
	uint16_t tag;

	found = symbol_table__find(ks->syms, addr, start, &tag);
	if (!found)
		return -ENOENT;
	*name = found;
	*module = ks->module_names.data + ks->modules[tag];
	return 0;
}

size_t kallsyms__count(const struct kallsyms *ks)
{
	return symbol_table__count(ks->syms);
}
