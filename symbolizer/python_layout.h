/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where CPython keeps what the profiler reads, per minor version: the fields the BPF walker
 * follows from _PyRuntime to each frame, and those user space reads to name a code object.
 * Taken from each version's own headers (Include/internal/pycore_*.h and Include/cpython/);
 * tests/unit/test_python_layout.c checks them against the headers installed.
 */
#ifndef PROF_PYTHON_LAYOUT_H
#define PROF_PYTHON_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#define PYTHON_LAYOUT_NO_FIELD 0xffff

struct python_layout {
	unsigned int minor; /* 3.minor */
	/* What the walker follows (struct prof_python_proc). */
	uint16_t runtime_interpreters; /* _PyRuntimeState.interpreters.head */
	uint16_t interp_threads;       /* PyInterpreterState.threads.head */
	uint16_t thread_next;	       /* PyThreadState.next */
	uint16_t thread_native_id;     /* PyThreadState.native_thread_id */
	uint16_t thread_frame;	       /* PyThreadState.cframe, or .current_frame (3.13) */
	uint16_t cframe_frame;	       /* _PyCFrame.current_frame; NO_FIELD without cframe */
	uint16_t frame_code;	       /* _PyInterpreterFrame.f_code / f_executable */
	uint16_t frame_previous;
	uint16_t frame_instr; /* prev_instr (3.11, 3.12) / instr_ptr (3.13) */
	uint16_t frame_entry; /* is_entry (3.11) / owner (3.12 on) */
	uint8_t entry_owner;  /* owner of the C stack's entry frame; 0 for is_entry */
	/* The code object. */
	uint16_t code_first_line; /* co_firstlineno (int) */
	uint16_t code_filename;	  /* co_filename (str) */
	uint16_t code_qualname;	  /* co_qualname (str) */
	uint16_t code_linetable;  /* co_linetable (bytes) */
	uint16_t code_adaptive;	  /* co_code_adaptive: the first instruction */
	/* Strings and bytes. */
	uint16_t str_length;	   /* PyASCIIObject.length */
	uint16_t str_state;	   /* PyASCIIObject.state */
	uint16_t str_ascii_data;   /* sizeof(PyASCIIObject): a compact ASCII string's data */
	uint16_t str_compact_data; /* sizeof(PyCompactUnicodeObject): other compact strings' */
	uint16_t bytes_size;	   /* PyVarObject.ob_size */
	uint16_t bytes_data;	   /* PyBytesObject.ob_sval */
};

/* The layout of 3.@minor, or NULL for a version the profiler does not know. */
const struct python_layout *python_layout__of(unsigned int minor);

/* From 3.13, _PyRuntime starts with the interpreter's own _Py_DebugOffsets: its first bytes. */
#define PYTHON_DEBUG_OFFSETS_MINOR 13
#define PYTHON_DEBUG_OFFSETS_BYTES 352

/*
 * Whether an interpreter's own _Py_DebugOffsets (@bytes, PYTHON_DEBUG_OFFSETS_BYTES of them,
 * read from its _PyRuntime) agree with @l: the cookie, the version 3.@l->minor, a build with
 * the GIL, and every offset the profiler follows. A build of another configuration
 * (free-threaded) or a patched one does not.
 */
bool python_layout__agrees(const struct python_layout *l, const uint8_t *bytes);

/* Bits of PyASCIIObject.state (the same from 3.11 to 3.13). */
#define PYTHON_STR_KIND(state) (((state) >> 2) & 7)
#define PYTHON_STR_COMPACT(state) (((state) >> 5) & 1)
#define PYTHON_STR_ASCII(state) (((state) >> 6) & 1)

#endif
