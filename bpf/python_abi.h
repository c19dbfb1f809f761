/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ABI of the CPython frame walk, shared by profile.bpf.c and user space.
 *
 * User space finds the interpreter in each process it reads (python_procs.c: the binary's
 * _PyRuntime and Py_Version) and gives the walker the address of _PyRuntime and the offsets
 * of the fields it follows for that minor version. After the native walk of a sample, the
 * walker finds the thread's PyThreadState in the interpreter's list of threads (by its
 * native thread id, cached per thread), and follows its _PyInterpreterFrame chain from the
 * innermost frame out. The frames go into the user stack after the native ones
 * (prof_user_stack.native_nr); user space splices them into the native stack where it
 * passes through _PyEval_EvalFrameDefault, and names them by reading the code objects.
 */
#ifndef PROF_BPF_PYTHON_ABI_H
#define PROF_BPF_PYTHON_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PROF_PYTHON_MAX_FRAMES 128  /* Python frames the walker follows */
#define PROF_PYTHON_MAX_THREADS 128 /* PyThreadStates searched for the sampled thread */

/*
 * Value of python_procs[tgid]: where the interpreter's state is and how to read it. Offsets
 * are in bytes from the start of the structure named. 0xffff: the field is not there.
 */
struct prof_python_proc {
	__u64 runtime;	  /* address of _PyRuntime in the process */
	__u8 minor;	  /* 3.minor */
	__u8 entry_owner; /* 0: frame_entry is 3.11's bool is_entry; else frame_entry is the
			   * owner byte and this its value for the C stack's entry frame */
	__u16 runtime_interpreters; /* _PyRuntimeState.interpreters.head */
	__u16 interp_threads;	    /* PyInterpreterState.threads.head */
	__u16 thread_next;	    /* PyThreadState.next */
	__u16 thread_native_id;	    /* PyThreadState.native_thread_id */
	__u16 thread_frame;	    /* PyThreadState.cframe (3.11, 3.12) or .current_frame */
	__u16 cframe_frame;	    /* _PyCFrame.current_frame, 0xffff without a cframe */
	__u16 frame_code;	    /* _PyInterpreterFrame.f_code (f_executable in 3.13) */
	__u16 frame_previous;	    /* _PyInterpreterFrame.previous */
	__u16 frame_instr;	    /* .prev_instr (3.11, 3.12) or .instr_ptr (3.13) */
	__u16 frame_entry;	    /* .is_entry (3.11) or .owner (3.12 on) */
	__u16 code_first_line;	    /* PyCodeObject.co_firstlineno */
	__u16 code_filename;	    /* PyCodeObject.co_filename */
	__u16 code_qualname;	    /* PyCodeObject.co_qualname */
	__u16 code_linetable;	    /* PyCodeObject.co_linetable */
	__u16 frame_bytes;	    /* bytes of a frame to read: past its last field followed */
	__u16 code_bytes;	    /* bytes of a code object to read from co_firstlineno: past the
			   * last of the four fields above */
	__u16 pad[3];
};
_Static_assert(sizeof(struct prof_python_proc) == 48, "python_proc layout");

#define PROF_PYTHON_NO_FIELD 0xffff

/*
 * A code object's address alone may name another one later (a module's code runs once and
 * is freed): its check, made of co_firstlineno and the addresses of its file and qualified
 * name, tells them apart. Two code objects with the same check have the same names.
 */
static inline __u32 prof_python_code_check(__u32 first_line, __u64 filename, __u64 qualname)
{
	__u64 h = (filename * 0x9e3779b97f4a7c15ull) ^ (qualname * 0xc2b2ae3d27d4eb4full) ^
		  first_line;

	return (__u32)(h ^ (h >> 32));
}

/*
 * The Python part of a user stack, ips[native_nr .. nr): for each frame, innermost first,
 * two words: the code object's address, then (its check << 32 | the byte offset of the
 * frame's instruction pointer from the code object, 0xffffffff when out of range).
 * PROF_PYTHON_ENTRY alone marks the end of the frames one _PyEval_EvalFrameDefault call
 * runs: the frames after it belong to the next such call out (a C caller in between).
 */
#define PROF_PYTHON_ENTRY 1ull
#define PROF_PYTHON_NO_OFFSET 0xffffffffu

/* How the Python walk of a sample ended; counted by end in prof_sample_counters. */
enum prof_python_end {
	PROF_PYTHON_COMPLETE = 0,  /* reached the thread's outermost frame (or it had none) */
	PROF_PYTHON_NO_THREAD = 1, /* the thread has no PyThreadState (not a Python thread) */
	PROF_PYTHON_BAD_READ = 2,  /* the interpreter's memory could not be read */
	PROF_PYTHON_DEPTH = 3,	   /* PROF_PYTHON_MAX_FRAMES, or no room left in the stack */
	PROF_PYTHON_DEFERRED = 4,  /* the sample was deferred: native frames only */
	PROF_PYTHON_NR_ENDS = 5,
};

/*
 * A code object seen for the first time in a process, for user space to name it now: with
 * the fields the walker read, so that it can be named from them even once it is freed.
 */
struct prof_python_code_event {
	__u32 tgid;
	__u32 check; /* as in the stack */
	__u64 code;  /* the code object's address */
	__u64 filename;
	__u64 qualname;
	__u64 linetable;
	__s32 first_line;
	__u32 pad;
};
_Static_assert(sizeof(struct prof_python_code_event) == 48, "python_code_event layout");

#endif
