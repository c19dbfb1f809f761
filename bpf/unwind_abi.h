/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ABI of user-stack unwinding, shared by profile.bpf.c and user space: unwind rows,
 * the tables and process mappings that find them, and the stacks the walker stores.
 *
 * User space turns each mapped binary's call-frame information (.eh_frame) into a sorted
 * array of rows, one per address range with one rule, and loads it into unwind_rows; a
 * table (unwind_tables[id]) names its slice. Each process has the list of its executable
 * mappings with the table of each (unwind_procs[tgid]). For every frame the walker finds
 * the mapping of the PC, the last row at or below it, and from the row the caller's
 * registers. x86-64 only: the return address is always at CFA - 8.
 */
#ifndef PROF_BPF_UNWIND_ABI_H
#define PROF_BPF_UNWIND_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PROF_MAX_USER_DEPTH 512 /* user frames the walker follows; a power of two */

/* How a row finds the canonical frame address (CFA): the caller's SP before its call. */
enum prof_cfa_type {
	PROF_CFA_NONE = 0,   /* no CFI covers these addresses (a gap between functions) */
	PROF_CFA_SP = 1,     /* CFA = SP + offset */
	PROF_CFA_FP = 2,     /* CFA = FP (rbp) + offset */
	PROF_CFA_PLT = 3,    /* PLT stub: CFA = SP + offset + ((PC & 15) >= fp_offset ? 8 : 0) */
	PROF_CFA_SIGNAL = 4, /* signal trampoline: the interrupted registers are in the
			      * ucontext at SP (see PROF_SIGFRAME_*) */
	PROF_CFA_END = 5,    /* the return address is undefined: the outermost frame */
	PROF_CFA_UNSUPPORTED = 6, /* a rule the walker does not follow (DWARF expression) */
	PROF_CFA_BX = 7,	  /* CFA = rbx + offset: glibc's _dl_runtime_resolve realigns
				   * the stack and keeps the frame in rbx */
	PROF_CFA_RA_DI = 8,	  /* CFA = SP + offset, the return address in rdi (glibc's
				   * __vfork around its syscall); the sampled frame only */
	PROF_CFA_CLONE = 9,	  /* glibc's clone and clone3 after their syscall: rax 0, the
				   * child, is the outermost frame; else CFA = SP + offset.
				   * The sampled frame only */
	PROF_CFA_NR_TYPES = 10,
};

/* Set in cfa_type: offset is in units of 8 bytes (frames of 32 KiB and more). */
#define PROF_CFA_OFFSET_X8 0x80
#define PROF_CFA_TYPE_MASK 0x0f

/*
 * Bits 4-6 of cfa_type: where the caller's rbx is, for the PROF_CFA_BX frames above. 0: in
 * rbx still; 1 to 6: saved at CFA - 8 * (n + 1); PROF_BX_LOST: anywhere else (then unknown).
 */
#define PROF_CFA_BX_SHIFT 4
#define PROF_CFA_BX_MASK 0x70
#define PROF_BX_LOST 7

/* fp_offset of a row whose saved rbp cannot be found (a rule other than "at CFA + N"). */
#define PROF_FP_LOST (-128)

/*
 * One row: from pc (relative to the table's base) up to the next row's pc, this rule holds.
 * The caller's registers are: SP = CFA, PC = *(CFA - 8), rbp = *(CFA + 8 * fp_offset) when
 * fp_offset is negative (it was saved), unchanged when it is 0, and rbx as bits 4-6 of
 * cfa_type say.
 */
struct prof_unwind_row {
	__u32 pc;
	__u8 cfa_type;	/* enum prof_cfa_type, maybe | PROF_CFA_OFFSET_X8 */
	__s8 fp_offset; /* see above; for PROF_CFA_PLT, the PC & 15 threshold */
	__s16 cfa_offset;
};
_Static_assert(sizeof(struct prof_unwind_row) == 8, "unwind_row layout");

/* A table: rows[first_row .. first_row + nr_rows) of unwind_rows, sorted by pc. */
struct prof_unwind_table {
	__u64 base; /* ELF virtual address that row pcs are relative to */
	__u32 first_row;
	__u32 nr_rows;
};
_Static_assert(sizeof(struct prof_unwind_table) == 16, "unwind_table layout");

#define PROF_NO_TABLE 0xffffffffu /* prof_unwind_mapping.table_id: no table for this file */

/* An executable mapping of a process: addresses [start, end) are ELF vaddr + bias. */
struct prof_unwind_mapping {
	__u64 start;
	__u64 end;
	__u64 bias;
	__u32 table_id; /* index in unwind_tables, or PROF_NO_TABLE */
	__u32 pad;
};
_Static_assert(sizeof(struct prof_unwind_mapping) == 32, "unwind_mapping layout");

#define PROF_UNWIND_MAX_MAPPINGS 250

/* Value of unwind_procs: a process's executable mappings, sorted by start. */
struct prof_unwind_proc {
	__u32 nr_mappings;
	__u32 rescan; /* set by BPF when it asked user space to read the process again */
	struct prof_unwind_mapping mappings[PROF_UNWIND_MAX_MAPPINGS];
};
_Static_assert(sizeof(struct prof_unwind_proc) == 8 + 32 * PROF_UNWIND_MAX_MAPPINGS,
	       "unwind_proc layout");

/* Why a user stack ended; the walker stores one in prof_user_stack.end. */
enum prof_unwind_end {
	PROF_UNWIND_COMPLETE = 0,    /* reached the outermost frame */
	PROF_UNWIND_NO_TABLE = 1,    /* no table for the PC, and no frame pointer to follow */
	PROF_UNWIND_NO_ROW = 2,	     /* the binary's table has no rule for the PC */
	PROF_UNWIND_BAD_READ = 3,    /* the stack could not be read where the rule said */
	PROF_UNWIND_DEPTH = 4,	     /* PROF_MAX_USER_DEPTH frames and more */
	PROF_UNWIND_UNSUPPORTED = 5, /* the rule was one the walker does not follow */
	PROF_UNWIND_BAD_FRAME = 6,   /* the caller's SP was not above the callee's */
	PROF_UNWIND_NR_ENDS = 7,
};

/* Offsets in the signal frame's ucontext (at SP in the trampoline) of saved registers. */
#define PROF_SIGFRAME_RBP 120
#define PROF_SIGFRAME_RBX 128
#define PROF_SIGFRAME_RSP 160
#define PROF_SIGFRAME_RIP 168

/*
 * A user stack: the frames innermost first. Frame 0 is the sampled PC, the others return
 * addresses (or, after a signal frame, the interrupted PC). A Python process's stack goes
 * on with its Python frames (python_abi.h).
 */
struct prof_user_stack {
	__u16 nr;	 /* words used in ips */
	__u8 end;	 /* enum prof_unwind_end */
	__u8 python_end; /* 0: no Python walk; else 1 + enum prof_python_end (python_abi.h) */
	__u16 native_nr; /* ips[0 .. native_nr) are native frames, the rest Python ones */
	__u16 pad;
	__u64 ips[PROF_MAX_USER_DEPTH];
};
_Static_assert(sizeof(struct prof_user_stack) == 8 + 8 * PROF_MAX_USER_DEPTH, "user_stack layout");

/*
 * The user stack maps (ustacks0/1) hold a stack in chunks of PROF_USTACK_CHUNK_FRAMES frames,
 * so that a short stack takes a small entry (and kernels that want the map preallocated
 * can have it). Chunk c of the stack whose hash is H (low bits 0) is under the key H | c;
 * its value is bytes [c * 256, c * 256 + 264) of the stack's struct prof_user_stack: chunk 0
 * starts with nr and end, and a later chunk's head is the frame before its first, ignored.
 */
#define PROF_USTACK_CHUNK_FRAMES 32
#define PROF_USTACK_CHUNKS (PROF_MAX_USER_DEPTH / PROF_USTACK_CHUNK_FRAMES)
#define PROF_USTACK_HASH_MASK (~(__u64)(PROF_USTACK_CHUNKS - 1))

struct prof_user_stack_chunk {
	__u64 head;
	__u64 ips[PROF_USTACK_CHUNK_FRAMES];
};
_Static_assert(sizeof(struct prof_user_stack_chunk) == 8 + 8 * PROF_USTACK_CHUNK_FRAMES,
	       "user_stack_chunk layout");
_Static_assert((PROF_USTACK_CHUNKS * PROF_USTACK_CHUNK_FRAMES) == PROF_MAX_USER_DEPTH,
	       "whole chunks");

/*
 * With capture_stacks set (a debugging aid, record --debug-capture), every sample of a user
 * stack also sends its registers, the bytes of its stack from SP up, and what the walker
 * made of them, so that another unwinder can be run on the same data.
 */
#define PROF_CAPTURE_STACK_BYTES 32768
#define PROF_CAPTURE_CHUNK 4096

struct prof_stack_capture {
	__u32 tgid;
	__u32 pid;
	__u64 ip;
	__u64 sp;
	__u64 bp;
	__u32 stack_bytes; /* bytes of stack read from sp (to a page boundary, then pages) */
	__u32 pad;
	struct prof_user_stack walked;
	__u8 stack[PROF_CAPTURE_STACK_BYTES];
};
_Static_assert(sizeof(struct prof_stack_capture) ==
		       40 + sizeof(struct prof_user_stack) + PROF_CAPTURE_STACK_BYTES,
	       "stack_capture layout");

#endif
