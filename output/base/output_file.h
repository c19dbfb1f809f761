/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An output file that appears only when complete: written under a temporary name in the
 * target's folder and renamed over the target on commit. What is not a regular file (a
 * device such as /dev/null, a FIFO, "-" for standard output, and /dev/stdout when it is a
 * file, written at stdout's offset as ">>" asked) is written in place instead, and stays
 * what it is. A symbolic link is followed, as a shell's ">" does: the file it
 * leads to is replaced (or created) and the link stays. Paths other users may have planted
 * are refused (see output_file__open).
 */
#ifndef PROF_OUTPUT_FILE_H
#define PROF_OUTPUT_FILE_H

#include <stdio.h>

struct output_file;

/*
 * Opens @path for writing: creates the temporary file ".NAME.XXXXXX" beside the file that
 * will be replaced now (O_EXCL: never through a link), or opens a device or FIFO (which
 * may wait for a reader, as a shell's ">" does), so an unwritable path fails before any
 * work is done. A new file gets mode 0666 minus the umask, as any new file does; an
 * existing one keeps its permission bits and its owner. In a sticky folder other users may
 * write to (/tmp), a link, FIFO or device that belongs neither to us nor to the folder's
 * owner is refused with EACCES (the kernel's fs.protected_symlinks and protected_fifos
 * rules, applied whatever the sysctls say). @path is copied. Returns an object owned by
 * the caller, to be ended with commit or abort, or NULL with errno set (EACCES, ENOENT for
 * a missing folder, EISDIR for a folder, ELOOP, ...).
 */
struct output_file *output_file__open(const char *path);
/*
 * Logs in one line why output_file__open(@path) failed with -@err: for a path refused as
 * another user's in a sticky folder, what it is and whose.
 */
void output_file__report_open_error(const char *path, int err);
/*
 * The same for data other users must not read: a new file is created 0600, and an
 * existing file loses its group and other permission bits.
 */
struct output_file *output_file__open_private(const char *path);
/* The stream to write to; borrowed until commit or abort: never fclose it. */
FILE *output_file__stream(struct output_file *file);
/* The target path as given to open; borrowed until commit or abort. */
const char *output_file__path(const struct output_file *file);
/*
 * The first error a write to the stream met (-ENOSPC, -EDQUOT, -EFBIG...), or 0. Writers
 * see only that stdio failed and say -EIO: this is the cause to report.
 */
int output_file__error(const struct output_file *file);
/*
 * Flushes, fsyncs, closes and renames the temporary file over the target, then fsyncs the
 * folder; a file written in place is only flushed (standard output is never closed).
 * Frees @file in every case. Returns 0 or -errno of the first step that failed (a write's
 * own error, such as -ENOSPC, before all); when a step before the rename fails, the
 * temporary file is removed and the target is left as it was.
 */
int output_file__commit(struct output_file *file);
/* Closes and removes the temporary file (nothing more for a file written in place), and
 * frees @file. NULL-safe. */
void output_file__abort(struct output_file *file);

#endif
