// SPDX-License-Identifier: GPL-2.0-only
/* The mapping-name convention for frame kinds; pprof_internal.h says why it exists. */
#include <stdbool.h>
#include <string.h>

#include "pprof_internal.h"

/* Names /proc/PID/maps gives user memory in brackets; no kernel module is called so. */
#define USER_PSEUDO_FILES "|vdso|vsyscall|vvar|vvar_vclock|heap|stack|uprobes|sigpage|vectors|anon|"

static bool is_user_pseudo_file(const char *name, size_t len)
{
	const char *p = USER_PSEUDO_FILES;

	while ((p = strchr(p, '|')) && p[1]) {
		p++;
		if (!strncmp(p, name, len) && p[len] == '|')
			return true;
	}
	return false;
}

static bool is_kernel_module(const char *name, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return !is_user_pseudo_file(name, len);
}

/* "perf-1234.map", the file JIT compilers write their symbols to (see symbolizer/perf_map). */
static bool is_perf_map(const char *path)
{
	const char *base = strrchr(path, '/'), *p;

	base = base ? base + 1 : path;
	if (strncmp(base, "perf-", 5))
		return false;
	for (p = base + 5; *p >= '0' && *p <= '9'; p++)
		;
	return p > base + 5 && !strcmp(p, ".map");
}

enum frame_kind pprof__mapping_kind(const char *filename)
{
	size_t len;

	if (!filename || !*filename)
		return FRAME_USER;
	if (!strncmp(filename, PPROF_KERNEL_MAPPING, strlen(PPROF_KERNEL_MAPPING)))
		return FRAME_KERNEL;
	if (!strcmp(filename, PPROF_JIT_MAPPING) || is_perf_map(filename))
		return FRAME_JIT;
	if (!strcmp(filename, PPROF_PYTHON_MAPPING))
		return FRAME_PYTHON;
	len = strlen(filename);
	if (len > 2 && filename[0] == '[' && filename[len - 1] == ']' &&
	    is_kernel_module(filename + 1, len - 2))
		return FRAME_KERNEL;
	return FRAME_USER;
}
