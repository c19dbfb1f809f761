/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names addresses: kernel addresses through /proc/kallsyms, user addresses through a
 * snapshot of the process's mappings, the ELF symbol tables of the mapped files and their
 * DWARF (file, line, inlined functions), from the files or their separate debug files.
 *
 * Files are cached once per (device, inode, mtime) and shared by every process that maps
 * them; what is read from them is shared by build id. Each distinct address of a file is
 * named once (a bounded cache). A snapshot opens the files it maps while the process is
 * alive (through /proc/PID/map_files and /proc/PID/root), so its addresses can still be
 * named after the process has exited or the file was deleted.
 *
 * Not thread-safe: one symbolizer is used by one thread at a time.
 */
#ifndef PROF_SYMBOLIZER_H
#define PROF_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The snapshots symbolizer__snapshot() returns, and proc_maps__free(). */
#include "proc_maps.h"

struct symbolizer;

struct symbolizer_opts {
	const char *proc_root; /* where procfs is mounted; NULL means "/proc" (tests change it) */
	const char *kallsyms;  /* kernel symbol file; NULL means "/proc/kallsyms" */
	/*
	 * Roots searched for separate debug files ("DIR[:DIR...]", each holding
	 * .build-id/xx/rest.debug), before /usr/lib/debug; NULL for none. See debuginfo.h.
	 */
	const char *debuginfo_path;
	/* Bytes of files no process maps any more kept for reuse; 0 for the default (64 MiB). */
	size_t idle_cache_bytes;
	/*
	 * Bytes the DWARF of binaries (theirs or their debug files') may take together before
	 * the least recently used is freed, to be read again when needed; 0 for no bound.
	 */
	size_t dwarf_budget;
	/*
	 * Bytes the perf maps of all processes may take together (their users write them);
	 * 0 for the default, PERF_MAP_TOTAL_MEMORY (64 MiB). See perf_map.h.
	 */
	size_t perf_map_memory;
};

/* The module of frames named by a perf map (JIT code): one for every process and runtime. */
#define SYMBOLIZER_JIT_MODULE "[jit]"

/*
 * Frames point into the symbolizer's caches: valid until symbolizer__free().
 * addr is the ELF virtual address within the module (the file offset when the address is
 * in no PT_LOAD segment, the offset in [vdso]) and the runtime address for kernel frames;
 * for a return address it is the return address itself, though the name is that of ip - 1.
 */
struct sym_frame {
	const char *func; /* never NULL: symbol name (demangled), "module+0xOFF" or "[unknown]" */
	const char *mangled;  /* the symbol as the file spells it, NULL when equal to func */
	const char *module;   /* path of the mapped file, "[kernel.kallsyms]", NULL if unknown */
	const char *build_id; /* the mapped file's build id in hex, NULL without one */
	const char *file;     /* source file, NULL without line info */
	uint64_t addr;	      /* address within the module (ELF virtual address) */
	unsigned int line;    /* 0 without line info */
	bool named;	      /* false when func is a placeholder built from module and addr */
	bool inlined;	      /* inlined into the next frame of the output (its caller) */
	bool jit;	      /* named by the process's perf map: module is "[jit]" and addr is
			     * the runtime address */
};

/* Counters of what could not be done; shown to the user. */
struct symbolizer_stats {
	uint64_t unnamed_user;	     /* user addresses resolved to module+offset or [unknown] */
	uint64_t unnamed_kernel;     /* kernel addresses with no kallsyms symbol */
	uint64_t bad_files;	     /* mapped files that could not be opened or parsed */
	uint64_t bad_debuginfo;	     /* debug information that could not be used (malformed DWARF,
				  * debug files with the wrong build id or CRC), once per file */
	uint64_t vanished;	     /* processes gone before their mappings were read */
	uint64_t unverified_files;   /* recorded mappings whose file was not found again with
				      * its device and inode (symbolizer__snapshot_of) */
	uint64_t bad_perf_map_lines; /* malformed lines skipped in perf maps */
	uint64_t dropped_perf_map_lines; /* good perf map lines not kept: past the limits */
	uint64_t truncated_perf_maps;	 /* perf maps read only in part (too big) */
	size_t dwarf_bytes;		 /* DWARF held now that opts.dwarf_budget bounds */
	size_t dwarf_peak_bytes;	 /* the most held at once */
	uint64_t dwarf_dropped;		 /* times one was freed for the budget */
	uint64_t dwarf_reread;		 /* times one was read again after */
	/* The caches now: entries, and the bytes they hold. */
	size_t files;		/* mapped files known, in use and idle */
	size_t idle_files;	/* of those, files no process maps any more */
	size_t idle_file_bytes; /* what the idle files hold (their DWARF included) */
	size_t addr_entries;	/* addresses named, kept for the next lookup */
	size_t addr_bytes;	/* the address cache's arrays and index */
	size_t names;		/* interned names (functions, files, modules) */
	size_t name_bytes;	/* the names' pool */
};

/* Returns NULL with errno set. Kernel symbols are loaded lazily on first use. */
struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts);
/* NULL-safe. Every proc_maps taken from @sym must be freed first. */
void symbolizer__free(struct symbolizer *sym);

/*
 * Reads the mappings of process @pid now and opens every mapped executable file.
 * Returns 0 and an owned snapshot in *@out (empty for a kernel thread), freed with
 * proc_maps__free(), or -errno: -ESRCH when there is no such process, or it exited
 * (zombie) or vanished while its maps were read; each such exit counts in stats.vanished
 * (a pid <= 0 does not).
 */
int symbolizer__snapshot(struct symbolizer *sym, int pid, struct proc_maps **out);
/*
 * Whether process @pid exists in the symbolizer's procfs (a zombie does). An error other
 * than the process's absence counts as existing: callers forget what is surely gone only.
 */
bool symbolizer__process_exists(const struct symbolizer *sym, int pid);

/*
 * The same from mappings known otherwise (recorded by the kernel as they were made): see
 * proc_maps__from_mappings(); @maps borrowed for the call. Works after the process exited.
 * Returns 0 and an owned snapshot in *@out, or -ENOMEM.
 */
int symbolizer__snapshot_of(struct symbolizer *sym, int pid, const struct proc_map *maps, size_t n,
			    struct proc_maps **out);

/*
 * Names the user address @ip of the process @maps describes (NULL: unknown process).
 * @return_addr says @ip is a return address (every frame but the leaf): it is looked up
 * at ip - 1 so that a call at the end of a function names the caller.
 * Fills @out[0..cap), innermost (inlined) frame first: from DWARF, every function inlined
 * at the address (inlined set on all but the last frame) with the line executing in it,
 * each caller with the line of its call, the last named after the ELF symbol; or the ELF
 * symbol alone. Separate debug files are looked for on the first address of a file.
 * C++ and Rust names are demangled (mangled keeps the original). A chain longer than @cap
 * loses its innermost frames. Returns frames written (>= 1) or
 * -errno (-EINVAL: @cap is 0; -ENOMEM); an address that cannot be named still yields one
 * placeholder frame: "BASENAME+0xVADDR" in a mapped file without a symbol there (module is
 * the file's path), "[vdso]+0xOFF", or "[unknown]" (module NULL) outside file mappings.
 * The vDSO is named from our own copy of it (the same image in every process of our ABI).
 * An address no ELF symbol names is looked up in the process's perf map (JIT code): a
 * frame with jit set, module "[jit]" and the runtime address.
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

/*
 * Names the ELF virtual address @vaddr of the file @path (as addr2line -e does), through
 * the file cache; the file is opened once and kept while the following calls name the
 * same @path. Fills @out as symbolizer__resolve_user() does (module is @path). Returns
 * frames written (>= 1), or -errno: -EINVAL when @cap is 0, the open() error for a file
 * that cannot be opened, -ENOMEM. A file that is not ELF gives placeholders, counted in
 * stats.bad_files once.
 */
int symbolizer__resolve_elf(struct symbolizer *sym, const char *path, uint64_t vaddr,
			    bool return_addr, struct sym_frame *out, size_t cap);

void symbolizer__stats(const struct symbolizer *sym, struct symbolizer_stats *stats);

#endif
