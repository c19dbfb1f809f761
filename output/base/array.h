/* SPDX-License-Identifier: GPL-2.0-only */
/* Growable arrays: geometric growth so that n appends cost O(n) in total. */
#ifndef PROF_ARRAY_H
#define PROF_ARRAY_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Makes room for at least @need elements of @size bytes in the array *@itemsp (a pointer to
 * any object pointer; capacity *@cap), moving the array if it has to grow: pointers into the
 * old array are then invalid. On failure the array is left as it was. Returns 0 or -ENOMEM.
 */
static inline int array__reserve(void *itemsp, size_t *cap, size_t need, size_t size)
{
	size_t new_cap = *cap ? *cap : 16;
	void *items, *p;

	if (need <= *cap)
		return 0;
	while (new_cap < need) {
		if (new_cap > SIZE_MAX / 2)
			return -ENOMEM;
		new_cap *= 2;
	}
	if (new_cap > SIZE_MAX / size)
		return -ENOMEM;
	/* memcpy: *itemsp is a T *, which may not be accessed as a void * directly. */
	memcpy(&items, itemsp, sizeof(items));
	p = realloc(items, new_cap * size);
	if (!p)
		return -ENOMEM;
	memcpy(itemsp, &p, sizeof(p));
	*cap = new_cap;
	return 0;
}

#endif
