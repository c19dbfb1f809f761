// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frames whose rules need a register besides rsp and rbp, with the CFI glibc's assembly has:
 * realign_call keeps its frame in rbx and aligns rsp down (ld.so's _dl_runtime_resolve:
 * CFA = rbx + N), under in_resolver, which saves rbx; spin_ra_in_rdi pops its return address
 * into rdi (__vfork around its syscall). main -> realign_call -> in_resolver, and
 * main -> spin_ra_in_rdi, half the time each.
 * Usage: unwind_regs [SECONDS]   (default 5)
 */
#include "burn.h"

#define NOINLINE __attribute__((noinline, noclone))

uint64_t realign_call(uint64_t (*fn)(uint64_t), uint64_t arg);
void spin_ra_in_rdi(uint64_t rounds);

asm(".text\n"
    ".globl realign_call\n"
    ".type realign_call, @function\n"
    "realign_call:\n"
    ".cfi_startproc\n"
    "	push %rbx\n"
    ".cfi_adjust_cfa_offset 8\n"
    ".cfi_rel_offset %rbx, 0\n"
    "	mov %rsp, %rbx\n"
    ".cfi_def_cfa_register %rbx\n"
    "	and $-64, %rsp\n"
    "	sub $0x240, %rsp\n"
    "	mov %rdi, %rax\n"
    "	mov %rsi, %rdi\n"
    "	call *%rax\n"
    "	mov %rbx, %rsp\n"
    ".cfi_def_cfa_register %rsp\n"
    "	pop %rbx\n"
    ".cfi_adjust_cfa_offset -8\n"
    ".cfi_restore %rbx\n"
    "	ret\n"
    ".cfi_endproc\n"
    ".size realign_call, .-realign_call\n"
    ".globl spin_ra_in_rdi\n"
    ".type spin_ra_in_rdi, @function\n"
    "spin_ra_in_rdi:\n"
    ".cfi_startproc\n"
    "	mov %rdi, %rcx\n"
    "	pop %rdi\n"
    ".cfi_adjust_cfa_offset -8\n"
    ".cfi_register %rip, %rdi\n"
    "1:	dec %rcx\n"
    "	jnz 1b\n"
    "	push %rdi\n"
    ".cfi_adjust_cfa_offset 8\n"
    ".cfi_offset %rip, -8\n"
    "	ret\n"
    ".cfi_endproc\n"
    ".size spin_ra_in_rdi, .-spin_ra_in_rdi\n");

static volatile uint64_t sink;

/* Saves and uses rbx, which realign_call's frame needs back. */
NOINLINE uint64_t in_resolver(uint64_t x)
{
	asm volatile("mov %0, %%rbx" : : "r"(x) : "rbx");
	BURN(x, 200000);
	return x;
}

int main(int argc, char **argv)
{
	double end = deadline_from_args(argc, argv, 5);

	while (now(CLOCK_MONOTONIC) < end) {
		sink = realign_call(in_resolver, sink);
		spin_ra_in_rdi(200000);
	}
	return 0;
}
