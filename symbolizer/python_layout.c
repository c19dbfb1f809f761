// SPDX-License-Identifier: GPL-2.0-only
#include "python_layout.h"

#include <stddef.h>

/*
 * CPython 3.11: Include/internal/pycore_runtime.h, pycore_interp.h, pycore_frame.h,
 * Include/cpython/pystate.h, code.h, unicodeobject.h (v3.11.2, as Debian 12 ships it).
 */
static const struct python_layout python311 = {
	.minor = 11,
	.runtime_interpreters = 40,
	.interp_threads = 16,
	.thread_next = 8,
	.thread_native_id = 160,
	.thread_frame = 56,
	.cframe_frame = 8,
	.frame_code = 32,
	.frame_previous = 48,
	.frame_instr = 56,
	.frame_entry = 68,
	.entry_owner = 0,
	.code_first_line = 72,
	.code_filename = 112,
	.code_qualname = 128,
	.code_linetable = 136,
	.code_adaptive = 184,
	.str_length = 16,
	.str_state = 32,
	.str_ascii_data = 48,
	.str_compact_data = 72,
	.bytes_size = 16,
	.bytes_data = 32,
};

/*
 * CPython 3.12: the same headers of v3.12.5 (no Debian release ships 3.12: checked against
 * its source, not a binary). The frame's code moved to its start, the C stack's entry
 * frame (owner FRAME_OWNED_BY_CSTACK) replaced is_entry, str lost its wstr.
 */
static const struct python_layout python312 = {
	.minor = 12,
	.runtime_interpreters = 40,
	.interp_threads = 72,
	.thread_next = 8,
	.thread_native_id = 144,
	.thread_frame = 56,
	.cframe_frame = 0,
	.frame_code = 0,
	.frame_previous = 8,
	.frame_instr = 56,
	.frame_entry = 70,
	.entry_owner = 3,
	.code_first_line = 68,
	.code_filename = 112,
	.code_qualname = 128,
	.code_linetable = 136,
	.code_adaptive = 192,
	.str_length = 16,
	.str_state = 32,
	.str_ascii_data = 40,
	.str_compact_data = 56,
	.bytes_size = 16,
	.bytes_data = 32,
};

/*
 * CPython 3.13: the same headers of v3.13.5, as Debian 13 ships it (they agree with the
 * binary's own _Py_DebugOffsets). The thread state points at its frame without a cframe;
 * instr_ptr is the instruction executing (in a caller, its call: the line is the same).
 */
static const struct python_layout python313 = {
	.minor = 13,
	.runtime_interpreters = 632,
	.interp_threads = 7344,
	.thread_next = 8,
	.thread_native_id = 160,
	.thread_frame = 72,
	.cframe_frame = PYTHON_LAYOUT_NO_FIELD,
	.frame_code = 0,
	.frame_previous = 8,
	.frame_instr = 56,
	.frame_entry = 70,
	.entry_owner = 3,
	.code_first_line = 68,
	.code_filename = 112,
	.code_qualname = 128,
	.code_linetable = 136,
	.code_adaptive = 200,
	.str_length = 16,
	.str_state = 32,
	.str_ascii_data = 40,
	.str_compact_data = 56,
	.bytes_size = 16,
	.bytes_data = 32,
};

static const struct python_layout *const layouts[] = { &python311, &python312, &python313 };

const struct python_layout *python_layout__of(unsigned int minor)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i]->minor == minor)
			return layouts[i];
	return NULL;
}
