/* SPDX-License-Identifier: GPL-2.0-only */
/* Removing a test's temporary folder and all it holds. */
#ifndef PROF_TEST_TEMP_DIR_H
#define PROF_TEST_TEMP_DIR_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static inline int temp_dir__remove_entry(const char *path, const struct stat *st, int flag,
					 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes @dir and everything below it, without following symbolic links. */
static inline void temp_dir__remove(const char *dir)
{
	nftw(dir, temp_dir__remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
