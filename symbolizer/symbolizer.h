/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names addresses: kernel addresses through /proc/kallsyms, user addresses through a
 * snapshot of the process's mappings and the ELF symbol tables of the mapped files.
 *
 * Files are cached once per (device, inode, mtime) and shared by every process that maps
 * them. A snapshot opens the files it maps while the process is alive (through
 * /proc/PID/map_files and /proc/PID/root), so its addresses can still be named after the
 * process has exited or the file was deleted.
 *
 * Not thread-safe: one symbolizer is used by one thread at a time.
 */
#ifndef PROF_SYMBOLIZER_H
#define PROF_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symbolizer;
struct proc_maps;

struct symbolizer_opts {
	const char *proc_root; /* where procfs is mounted; NULL means "/proc" (tests change it) */
	const char *kallsyms;  /* kernel symbol file; NULL means "/proc/kallsyms" */
};

/*
 * Frames point into the symbolizer's caches: valid until symbolizer__free().
 * addr is the ELF virtual address within the module (the file offset when the address is
 * in no PT_LOAD segment, the offset in [vdso]) and the runtime address for kernel frames;
 * for a return address it is the return address itself, though the name is that of ip - 1.
 */
struct sym_frame {
	const char *func;   /* never NULL: symbol name, "module+0xOFF" or "[unknown]" */
	const char *module; /* path of the mapped file, "[kernel.kallsyms]", NULL if unknown */
	const char *file;   /* source file, NULL without line info */
	uint64_t addr;      /* address within the module (ELF virtual address) */
	unsigned int line;  /* 0 without line info */
	bool named;         /* false when func is a placeholder built from module and addr */
	bool inlined;       /* inlined into the next frame of the output (its caller) */
};

/* Counters of what could not be done; shown to the user. */
struct symbolizer_stats {
	uint64_t unnamed_user;   /* user addresses resolved to module+offset or [unknown] */
	uint64_t unnamed_kernel; /* kernel addresses with no kallsyms symbol */
	uint64_t bad_files;      /* mapped files that could not be opened or parsed */
	uint64_t vanished;       /* processes gone before their mappings were read */
};

/* Returns NULL with errno set. Kernel symbols are loaded lazily on first use. */
struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts);
/* NULL-safe. Every proc_maps taken from @sym must be freed first. */
void symbolizer__free(struct symbolizer *sym);

/*
 * Reads the mappings of process @pid now and opens every mapped executable file.
 * Returns 0 and an owned snapshot in *@out (empty for a kernel thread), or -errno:
 * -ESRCH when there is no such process, or it exited (zombie) or vanished while its maps
 * were read; each such exit counts in stats.vanished (a pid <= 0 does not).
 */
int symbolizer__snapshot(struct symbolizer *sym, int pid, struct proc_maps **out);
/* NULL-safe. Files no other snapshot maps stay cached a while (bounded), then are closed. */
void proc_maps__free(struct proc_maps *maps);

/*
 * Names the user address @ip of the process @maps describes (NULL: unknown process).
 * @return_addr says @ip is a return address (every frame but the leaf): it is looked up
 * at ip - 1 so that a call at the end of a function names the caller.
 * Fills @out[0..cap), innermost (inlined) frame first. Returns frames written (>= 1) or
 * -errno (-EINVAL: @cap is 0; -ENOMEM); an address that cannot be named still yields one
 * placeholder frame: "BASENAME+0xVADDR" in a mapped file without a symbol there (module is
 * the file's path), "[vdso]+0xOFF", or "[unknown]" (module NULL) outside file mappings.
 * Strings in the frames are owned by @sym and valid until symbolizer__free().
 */
int symbolizer__resolve_user(struct symbolizer *sym, const struct proc_maps *maps, uint64_t ip,
			     bool return_addr, struct sym_frame *out, size_t cap);

/*
 * Same for a kernel address, named from kallsyms (read on the first call). Module is
 * "[modname]" or "[kernel.kallsyms]"; the placeholder is "0xADDR" (the absolute address).
 * An unreadable table, or one whose addresses are all zero (kptr_restrict), is reported
 * once through pr_warn and gives placeholders.
 */
int symbolizer__resolve_kernel(struct symbolizer *sym, uint64_t ip, bool return_addr,
			       struct sym_frame *out, size_t cap);

void symbolizer__stats(const struct symbolizer *sym, struct symbolizer_stats *stats);

#endif
