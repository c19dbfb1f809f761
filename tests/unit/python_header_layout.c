// SPDX-License-Identifier: GPL-2.0-only
/*
 * The layout of the CPython whose headers this file is compiled against (with the include
 * path of one version: tests/CMakeLists.txt builds it once per version found), from the
 * headers themselves, for test_python_layout.c to compare with the profiler's table.
 * HEADER_LAYOUT names the struct, HEADER_STATE_BITS the function.
 */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "python_layout.h"

const struct python_layout HEADER_LAYOUT = {
	.minor = PY_MINOR_VERSION,
	.runtime_interpreters = offsetof(_PyRuntimeState, interpreters.head),
	.interp_threads = offsetof(PyInterpreterState, threads.head),
	.thread_next = offsetof(PyThreadState, next),
	.thread_native_id = offsetof(PyThreadState, native_thread_id),
#if PY_MINOR_VERSION < 13
	.thread_frame = offsetof(PyThreadState, cframe),
	.cframe_frame = offsetof(_PyCFrame, current_frame),
	.frame_code = offsetof(_PyInterpreterFrame, f_code),
	.frame_instr = offsetof(_PyInterpreterFrame, prev_instr),
#else
	.thread_frame = offsetof(PyThreadState, current_frame),
	.cframe_frame = PYTHON_LAYOUT_NO_FIELD,
	.frame_code = offsetof(_PyInterpreterFrame, f_executable),
	.frame_instr = offsetof(_PyInterpreterFrame, instr_ptr),
#endif
	.frame_previous = offsetof(_PyInterpreterFrame, previous),
#if PY_MINOR_VERSION < 12
	.frame_entry = offsetof(_PyInterpreterFrame, is_entry),
	.entry_owner = 0,
#else
	.frame_entry = offsetof(_PyInterpreterFrame, owner),
	.entry_owner = FRAME_OWNED_BY_CSTACK,
#endif
	.code_first_line = offsetof(PyCodeObject, co_firstlineno),
	.code_filename = offsetof(PyCodeObject, co_filename),
	.code_qualname = offsetof(PyCodeObject, co_qualname),
	.code_linetable = offsetof(PyCodeObject, co_linetable),
	.code_adaptive = offsetof(PyCodeObject, co_code_adaptive),
	.str_length = offsetof(PyASCIIObject, length),
	.str_state = offsetof(PyASCIIObject, state),
	.str_ascii_data = sizeof(PyASCIIObject),
	.str_compact_data = sizeof(PyCompactUnicodeObject),
	.bytes_size = offsetof(PyVarObject, ob_size),
	.bytes_data = offsetof(PyBytesObject, ob_sval),
};

/* The state bits, as the header's bit field sets them: kind 4, compact, ascii. */
uint32_t HEADER_STATE_BITS(void)
{
	PyASCIIObject o;

	memset(&o, 0, sizeof(o));
	o.state.kind = 4;
	o.state.compact = 1;
	o.state.ascii = 1;
	return *(const uint32_t *)&o.state;
}
