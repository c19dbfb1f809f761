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
#include <string.h>

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

/* The bytes of a 3.13 _Py_DebugOffsets that says @l's offsets. */
static void debug_offsets(const struct python_layout *l, uint8_t *bytes)
{
	const struct {
		size_t at;
		uint64_t value;
	} fields[] = {
		{ 8, 0x030d05f0 },	    { 40, l->runtime_interpreters },
		{ 72, l->interp_threads },  { 168, l->thread_next },
		{ 184, l->thread_frame },   { 200, l->thread_native_id },
		{ 232, l->frame_previous }, { 240, l->frame_code },
		{ 248, l->frame_instr },    { 264, l->frame_entry },
		{ 280, l->code_filename },  { 296, l->code_qualname },
		{ 304, l->code_linetable }, { 312, l->code_first_line },
		{ 344, l->code_adaptive },
	};

	memset(bytes, 0, PYTHON_DEBUG_OFFSETS_BYTES);
	memcpy(bytes, "xdebugpy", 8);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		memcpy(bytes + fields[i].at, &fields[i].value, sizeof(fields[i].value));
}

/*
 * 3.13's own debug offsets are checked: ours agree; a free-threaded build, another version,
 * another cookie or any offset moved does not (its frames are then not followed).
 */
static void test_debug_offsets(void **state)
{
	const struct python_layout *l = python_layout__of(13);
	uint8_t bytes[PYTHON_DEBUG_OFFSETS_BYTES];
	uint64_t one = 1, v312 = 0x030c05f0;

	(void)state;
	debug_offsets(l, bytes);
	assert_true(python_layout__agrees(l, bytes));
	memcpy(bytes + 16, &one, sizeof(one)); /* free_threaded */
	assert_false(python_layout__agrees(l, bytes));
	debug_offsets(l, bytes);
	memcpy(bytes + 8, &v312, sizeof(v312));
	assert_false(python_layout__agrees(l, bytes));
	debug_offsets(l, bytes);
	bytes[0] = 'X';
	assert_false(python_layout__agrees(l, bytes));
	for (size_t at = 40; at <= 344; at += 8) {
		debug_offsets(l, bytes);
		bytes[at] ^= 8;
		/* Offsets the profiler does not follow may move; those it follows may not. */
		if (at == 40 || at == 72 || at == 168 || at == 184 || at == 200 || at == 232 ||
		    at == 240 || at == 248 || at == 264 || at == 280 || at == 296 || at == 304 ||
		    at == 312 || at == 344)
			assert_false(python_layout__agrees(l, bytes));
		else
			assert_true(python_layout__agrees(l, bytes));
	}
	/* 3.11 and 3.12 have no debug offsets to agree with. */
	debug_offsets(python_layout__of(11), bytes);
	assert_false(python_layout__agrees(python_layout__of(11), bytes));
}

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
		cmocka_unit_test(test_debug_offsets),
		cmocka_unit_test(test_unknown_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
