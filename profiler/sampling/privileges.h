/* SPDX-License-Identifier: GPL-2.0-only */
/* What sampling needs from the system, checked before anything is opened. */
#ifndef PROF_PRIVILEGES_H
#define PROF_PRIVILEGES_H

#include <stddef.h>

/*
 * Checks for root or the capabilities BPF sampling needs, and for kernel BTF.
 * Returns 0, or -EPERM / -ENOENT with a one-line reason in @err.
 */
int privileges__check_sampling(char *err, size_t errlen);

#endif
