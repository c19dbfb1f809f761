// SPDX-License-Identifier: GPL-2.0-only
#include "stack_capture_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "output_file.h"

struct stack_capture_file {
	struct output_file *out;
	char *path;
	int err; /* first write error */
	uint64_t records;
};

/* Records a failed write's cause, which stdio does not keep; -errno. */
static int stack_capture_file__write_error(struct stack_capture_file *file)
{
	file->err = output_file__error(file->out) ?: -EIO;
	return file->err;
}

int stack_capture_file__open(const char *path, struct stack_capture_file **out)
{
	uint32_t header[2] = { sizeof(struct prof_stack_capture), 0 };
	struct stack_capture_file *file = calloc(1, sizeof(*file));
	FILE *f;
	int err;

	if (!file)
		return -ENOMEM;
	err = -ENOMEM;
	file->path = strdup(path);
	if (!file->path)
		goto out_free;
	/* Raw stack memory of every process: for root's eyes only. */
	file->out = output_file__open_private(path);
	if (!file->out) {
		err = -errno;
		output_file__report_open_error(path, err);
		goto out_free;
	}
	f = output_file__stream(file->out);
	/* x86-64 only: native order is little-endian. */
	if (fwrite(PROF_CAPTURE_MAGIC, 8, 1, f) != 1 || fwrite(header, sizeof(header), 1, f) != 1) {
		err = stack_capture_file__write_error(file);
		pr_err("cannot write '%s': %s\n", path, strerror(-err));
		goto out_free;
	}
	*out = file;
	return 0;

out_free:
	output_file__abort(file->out);
	free(file->path);
	free(file);
	return err;
}

void stack_capture_file__write_fn(const struct prof_stack_capture *capture, void *ctx)
{
	struct stack_capture_file *file = ctx;

	if (file->err)
		return;
	if (fwrite(capture, sizeof(*capture), 1, output_file__stream(file->out)) != 1) {
		stack_capture_file__write_error(file);
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
	if (err) {
		output_file__abort(file->out);
		goto out_free;
	}
	err = output_file__commit(file->out);
	if (err)
		pr_err("cannot write '%s': %s\n", file->path, strerror(-err));
	else
		pr_info("%llu stacks captured in %s\n", (unsigned long long)file->records,
			file->path);
out_free:
	free(file->path);
	free(file);
	return err;
}
