// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPython layouts of python_layout.c against each version's own headers, compiled in
 * python_header_layout.c for every version whose headers are installed: 3.11 on the host
 * (libpython3.11-dev), 3.13 in the Debian 13 root of scripts/python-root.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "python_layout.h"

#define HEADERS(minor)                                                                             \
	extern const struct python_layout header_layout_##minor;                                   \
	uint32_t header_state_bits_##minor(void);
#ifdef HAVE_HEADERS_311
HEADERS(311)
#endif
#ifdef HAVE_HEADERS_313
HEADERS(313)
#endif

#define SAME(field)                                                                                \
	do {                                                                                       \
		if (ours->field != headers->field)                                                 \
			fail_msg("3.%u: " #field " is %u, the headers say %u", headers->minor,     \
				 (unsigned int)ours->field, (unsigned int)headers->field);         \
	} while (0)

static void check(const struct python_layout *headers, uint32_t state_bits)
{
	const struct python_layout *ours = python_layout__of(headers->minor);

	assert_non_null(ours);
	SAME(runtime_interpreters);
	SAME(interp_threads);
	SAME(thread_next);
	SAME(thread_native_id);
	SAME(thread_frame);
	SAME(cframe_frame);
	SAME(frame_code);
	SAME(frame_previous);
	SAME(frame_instr);
	SAME(frame_entry);
	SAME(entry_owner);
	SAME(code_first_line);
	SAME(code_filename);
	SAME(code_qualname);
	SAME(code_linetable);
	SAME(code_adaptive);
	SAME(str_length);
	SAME(str_state);
	SAME(str_ascii_data);
	SAME(str_compact_data);
	SAME(bytes_size);
	SAME(bytes_data);
	/* The state word the headers' bit field makes of kind 4, compact and ascii. */
	assert_int_equal(PYTHON_STR_KIND(state_bits), 4);
	assert_int_equal(PYTHON_STR_COMPACT(state_bits), 1);
	assert_int_equal(PYTHON_STR_ASCII(state_bits), 1);
	assert_int_equal(state_bits & ~(0x1cu | 0x20 | 0x40), 0);
}

#ifdef HAVE_HEADERS_311
static void test_python311(void **state)
{
	(void)state;
	check(&header_layout_311, header_state_bits_311());
}
#endif

#ifdef HAVE_HEADERS_313
static void test_python313(void **state)
{
	(void)state;
	check(&header_layout_313, header_state_bits_313());
}
#endif

/* Versions the profiler does not know get no layout, not a guess. */
static void test_unknown_versions(void **state)
{
	(void)state;
	assert_null(python_layout__of(10));
	assert_null(python_layout__of(14));
	assert_non_null(python_layout__of(12));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#ifdef HAVE_HEADERS_311
		cmocka_unit_test(test_python311),
#endif
#ifdef HAVE_HEADERS_313
		cmocka_unit_test(test_python313),
#endif
		cmocka_unit_test(test_unknown_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
