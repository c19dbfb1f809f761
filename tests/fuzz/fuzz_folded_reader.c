// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for folded__read(): any input must give 0 or -EINVAL, never a crash, a
 * leak or undefined behaviour. What reads must write and read back to the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "folded_reader.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* @prof folded into a malloc'ed buffer; aborts when our own writer fails. */
static char *fold(const struct profile *prof, size_t *len)
{
	char *text = NULL;
	FILE *out = open_memstream(&text, len);

	if (!out || folded__write(prof, out))
		abort();
	fclose(out);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *prof = profile__new(), *again = profile__new();
	struct folded_read_stats stats, stats2;
	char *first, *second;
	size_t len, len2;

	if (!prof || !again)
		abort();
	if (folded__read((const char *)data, size, prof, &stats) == 0) {
		first = fold(prof, &len);
		if (folded__read(first, len, again, &stats2) || stats2.malformed ||
		    profile__total(again) != profile__total(prof))
			abort(); /* what we wrote does not read back */
		second = fold(again, &len2);
		if (len != len2 || memcmp(first, second, len))
			abort(); /* writing is not a fixed point */
		free(first);
		free(second);
	}
	profile__free(prof);
	profile__free(again);
	return 0;
}
