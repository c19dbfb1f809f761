// SPDX-License-Identifier: GPL-2.0-only
#include "name_buffer.h"

#include <errno.h>
#include <stdlib.h>
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

void name_buffer__trim(struct name_buffer *nb)
{
	char *data;

	if (!nb->len || nb->cap == nb->len)
		return;
	data = realloc(nb->data, nb->len);
	if (data) {
		nb->data = data;
		nb->cap = nb->len;
	}
}
