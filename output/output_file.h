/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An output file that appears only when complete: written under a temporary name in the
 * target's folder and renamed over the target on commit. "-" means standard output.
 */
#ifndef PROF_OUTPUT_FILE_H
#define PROF_OUTPUT_FILE_H

#include <stdio.h>

struct output_file;

/*
 * Creates the temporary file ".NAME.XXXXXX" in the target's folder now, so an unwritable
 * path fails before any work is done. The file gets mode 0666 minus the umask, as any new
 * file does. @path is copied. Returns an object owned by the caller, to be ended with
 * commit or abort, or NULL with errno set (EACCES, ENOENT for a missing folder, EISDIR
 * for a folder, ...).
 */
struct output_file *output_file__open(const char *path);
/* The stream to write to (stdout for "-"); borrowed until commit or abort: never fclose it. */
FILE *output_file__stream(struct output_file *file);
/* The target path as given to open; borrowed until commit or abort. */
const char *output_file__path(const struct output_file *file);
/*
 * Flushes, fsyncs, closes and renames the temporary file over the target, then fsyncs the
 * folder; for "-" only flushes stdout (never closes it). Frees @file in every case. Returns
 * 0 or -errno of the step that failed (-EIO for a write error stdio kept from earlier);
 * when a step before the rename fails, the temporary file is removed and the target is left
 * as it was.
 */
int output_file__commit(struct output_file *file);
/* Closes and removes the temporary file (nothing for "-"), and frees @file. NULL-safe. */
void output_file__abort(struct output_file *file);

#endif
