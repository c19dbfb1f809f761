// SPDX-License-Identifier: GPL-2.0-only
#include "symbol_names.h"

#include <errno.h>
#include <string.h>

#include "array.h"

int name_buffer__add(struct name_buffer *nb, const char *name, size_t len, uint32_t limit,
		     uint32_t *off)
{
	int err;

	if (nb->len + len + 1 >= limit)
		return -E2BIG;
	err = array__reserve(&nb->data, &nb->cap, nb->len + len + 1, 1);
	if (err)
		return err;
	memcpy(nb->data + nb->len, name, len);
	nb->data[nb->len + len] = '\0';
	*off = nb->len;
	nb->len += len + 1;
	return 0;
}

static size_t leading_underscores(const char *name)
{
	size_t n = 0;

	while (name[n] == '_')
		n++;
	return n;
}

int symbol_name__cmp_alias(const char *a, const char *b)
{
	size_t ua = leading_underscores(a), ub = leading_underscores(b);

	if (ua != ub)
		return ua < ub ? -1 : 1;
	return strcmp(a, b);
}
