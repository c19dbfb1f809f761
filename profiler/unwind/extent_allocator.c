// SPDX-License-Identifier: GPL-2.0-only
#include "extent_allocator.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

struct extent {
	uint32_t start;
	uint32_t len;
};

struct extent_allocator {
	struct extent *free; /* sorted by start, never adjacent (merged) */
	size_t nfree, cap;
};

struct extent_allocator *extent_allocator__new(uint32_t size)
{
	struct extent_allocator *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	if (size) {
		if (array__reserve(&a->free, &a->cap, 1, sizeof(*a->free))) {
			free(a);
			errno = ENOMEM;
			return NULL;
		}
		a->free[a->nfree++] = (struct extent){ .start = 0, .len = size };
	}
	return a;
}

void extent_allocator__free(struct extent_allocator *a)
{
	if (!a)
		return;
	free(a->free);
	free(a);
}

int64_t extent_allocator__alloc(struct extent_allocator *a, uint32_t n)
{
	for (size_t i = 0; i < a->nfree; i++) {
		struct extent *e = &a->free[i];
		uint32_t start = e->start;

		if (e->len < n)
			continue;
		e->start += n;
		e->len -= n;
		if (!e->len) {
			memmove(e, e + 1, (a->nfree - i - 1) * sizeof(*e));
			a->nfree--;
		}
		return start;
	}
	return -ENOSPC;
}

void extent_allocator__free_range(struct extent_allocator *a, uint32_t start, uint32_t n)
{
	size_t at = 0;
	bool merged = false;

	if (!n)
		return;
	while (at < a->nfree && a->free[at].start < start)
		at++;
	/* Merge with the extent before, the one after, or both. */
	if (at > 0 && a->free[at - 1].start + a->free[at - 1].len == start) {
		a->free[at - 1].len += n;
		merged = true;
	}
	if (at < a->nfree && start + n == a->free[at].start) {
		if (merged) {
			a->free[at - 1].len += a->free[at].len;
			memmove(&a->free[at], &a->free[at + 1],
				(a->nfree - at - 1) * sizeof(*a->free));
			a->nfree--;
		} else {
			a->free[at].start = start;
			a->free[at].len += n;
		}
		return;
	}
	if (merged)
		return;
	/* Without memory for a new extent the range is lost to the budget, nothing worse. */
	if (array__reserve(&a->free, &a->cap, a->nfree + 1, sizeof(*a->free)))
		return;
	memmove(&a->free[at + 1], &a->free[at], (a->nfree - at) * sizeof(*a->free));
	a->free[at] = (struct extent){ .start = start, .len = n };
	a->nfree++;
}
