/* SPDX-License-Identifier: GPL-2.0-only */
/* The name a table gave an address, against the one wanted (NULL: none); include after cmocka.h. */
#ifndef PROF_TEST_NAME_ASSERT_H
#define PROF_TEST_NAME_ASSERT_H

#include <stdint.h>

static inline void assert_found_name(uint64_t addr, const char *got, const char *want)
{
	if (!want) {
		if (got)
			fail_msg("0x%llx: want no name, got '%s'", (unsigned long long)addr, got);
		return;
	}
	if (!got)
		fail_msg("0x%llx: want '%s', got no name", (unsigned long long)addr, want);
	assert_string_equal(got, want);
}

#endif
