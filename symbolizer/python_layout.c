// SPDX-License-Identifier: GPL-2.0-only
#include "python_layout.h"

#include <stddef.h>
#include <string.h>

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

/*
 * Where 3.13's _Py_DebugOffsets (Include/internal/pycore_runtime.h, v3.13.5) keeps the
 * offsets compared: each a u64, after char cookie[8], version and free_threaded.
 */
enum {
	DEBUG_VERSION = 8,
	DEBUG_FREE_THREADED = 16,
	DEBUG_INTERPRETERS_HEAD = 40, /* runtime_state (from 24): size, finalizing, ... */
	DEBUG_THREADS_HEAD = 72,      /* interpreter_state (from 48): size, id, next, ... */
	DEBUG_THREAD_NEXT = 168,      /* thread_state (from 152): size, prev, next, interp, */
	DEBUG_THREAD_FRAME = 184,     /* current_frame, thread_id, native_thread_id */
	DEBUG_THREAD_NATIVE_ID = 200,
	DEBUG_FRAME_PREVIOUS = 232, /* interpreter_frame (from 224): size, previous, */
	DEBUG_FRAME_CODE = 240,	    /* executable, instr_ptr, localsplus, owner */
	DEBUG_FRAME_INSTR = 248,
	DEBUG_FRAME_OWNER = 264,
	DEBUG_CODE_FILENAME = 280,  /* code_object (from 272): size, filename, name, */
	DEBUG_CODE_QUALNAME = 296,  /* qualname, linetable, firstlineno, argcount, */
	DEBUG_CODE_LINETABLE = 304, /* localsplusnames, localspluskinds, co_code_adaptive */
	DEBUG_CODE_FIRST_LINE = 312,
	DEBUG_CODE_ADAPTIVE = 344,
};

static uint64_t debug_u64(const uint8_t *bytes, size_t off)
{
	uint64_t v;

	memcpy(&v, bytes + off, sizeof(v));
	return v;
}

bool python_layout__agrees(const struct python_layout *l, const uint8_t *bytes)
{
	static const struct {
		size_t debug;
		size_t ours; /* offsetof(struct python_layout, ...) */
	} fields[] = {
		{ DEBUG_INTERPRETERS_HEAD, offsetof(struct python_layout, runtime_interpreters) },
		{ DEBUG_THREADS_HEAD, offsetof(struct python_layout, interp_threads) },
		{ DEBUG_THREAD_NEXT, offsetof(struct python_layout, thread_next) },
		{ DEBUG_THREAD_FRAME, offsetof(struct python_layout, thread_frame) },
		{ DEBUG_THREAD_NATIVE_ID, offsetof(struct python_layout, thread_native_id) },
		{ DEBUG_FRAME_PREVIOUS, offsetof(struct python_layout, frame_previous) },
		{ DEBUG_FRAME_CODE, offsetof(struct python_layout, frame_code) },
		{ DEBUG_FRAME_INSTR, offsetof(struct python_layout, frame_instr) },
		{ DEBUG_FRAME_OWNER, offsetof(struct python_layout, frame_entry) },
		{ DEBUG_CODE_FILENAME, offsetof(struct python_layout, code_filename) },
		{ DEBUG_CODE_QUALNAME, offsetof(struct python_layout, code_qualname) },
		{ DEBUG_CODE_LINETABLE, offsetof(struct python_layout, code_linetable) },
		{ DEBUG_CODE_FIRST_LINE, offsetof(struct python_layout, code_first_line) },
		{ DEBUG_CODE_ADAPTIVE, offsetof(struct python_layout, code_adaptive) },
	};
	uint16_t ours;

	if (l->minor != PYTHON_DEBUG_OFFSETS_MINOR || memcmp(bytes, "xdebugpy", 8) ||
	    (debug_u64(bytes, DEBUG_VERSION) >> 16) != (0x0300u | l->minor) ||
	    debug_u64(bytes, DEBUG_FREE_THREADED))
		return false;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		memcpy(&ours, (const uint8_t *)l + fields[i].ours, sizeof(ours));
		if (debug_u64(bytes, fields[i].debug) != ours)
			return false;
	}
	return true;
}
