// SPDX-License-Identifier: GPL-2.0-only
#include "stack_capture_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct stack_capture_file {
	FILE *f;
	char *path;
	int err; /* first write error */
	uint64_t records;
};

int stack_capture_file__open(const char *path, struct stack_capture_file **out)
{
	uint32_t header[2] = { sizeof(struct prof_stack_capture), 0 };
	struct stack_capture_file *file = calloc(1, sizeof(*file));
	int err;

	if (!file)
		return -ENOMEM;
	file->path = strdup(path);
	file->f = fopen(path, "we");
	if (!file->path || !file->f) {
		err = -errno;
		pr_err("cannot write '%s': %s\n", path, strerror(-err));
		goto out_free;
	}
	/* x86-64 only: native order is little-endian. */
	if (fwrite(PROF_CAPTURE_MAGIC, 8, 1, file->f) != 1 ||
	    fwrite(header, sizeof(header), 1, file->f) != 1) {
		err = -EIO;
		pr_err("cannot write '%s': %s\n", path, strerror(errno));
		goto out_free;
	}
	*out = file;
	return 0;

out_free:
	if (file->f)
		fclose(file->f);
	free(file->path);
	free(file);
	return err;
}

void stack_capture_file__write_fn(const struct prof_stack_capture *capture, void *ctx)
{
	struct stack_capture_file *file = ctx;

	if (file->err)
		return;
	if (fwrite(capture, sizeof(*capture), 1, file->f) != 1) {
		file->err = errno ? -errno : -EIO;
		pr_err("cannot write '%s': %s; capturing stops\n", file->path,
		       strerror(-file->err));
		return;
	}
	file->records++;
}

int stack_capture_file__close(struct stack_capture_file *file)
{
	int err;

	if (!file)
		return 0;
	err = file->err;
	if (fclose(file->f) && !err) {
		err = -errno;
		pr_err("cannot write '%s': %s\n", file->path, strerror(-err));
	}
	if (!err)
		pr_info("%llu stacks captured in %s\n", (unsigned long long)file->records,
			file->path);
	free(file->path);
	free(file);
	return err;
}
