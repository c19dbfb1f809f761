/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding the separate debug file of a binary, the way gdb and elfutils do, and reading the
 * MiniDebugInfo some distributions embed instead.
 *
 * Search order (the first file that checks out wins):
 *  1. by build id: ROOT/.build-id/xx/rest.debug for every ROOT given with --debuginfo-path,
 *     in the order given, then /usr/lib/debug. The user's roots come first (gdb searches
 *     its debug-file-directory list in order, and a user naming a root means it): a build
 *     tree's debug files then win over stale distribution packages.
 *  2. by .gnu_debuglink NAME, its CRC32 checked: beside the binary (DIR/NAME), in its
 *     .debug folder (DIR/.debug/NAME), then ROOT/DIR/NAME for each root as above. DIR is the
 *     binary's folder as /proc/PID/maps prints it: as the process sees it when the file is
 *     in another mount namespace, so it is looked for through that process's root
 *     directory (/proc/PID/root) first, then as we see it (a chroot's files).
 *  3. for a process in another root (a container): 1 and 2 under that root's
 *     /usr/lib/debug.
 *  4. debuginfod (libdebuginfod), by build id, when built with it and DEBUGINFOD_URLS is
 *     set; each query and all of them together are bounded in time.
 * A candidate whose build id differs from the binary's, or whose CRC differs from the
 * debuglink's, is rejected and counted.
 *
 * This runs when addresses are named, after sampling; never from the sampling path.
 * Not thread-safe.
 */
#ifndef PROF_DEBUGINFO_H
#define PROF_DEBUGINFO_H

#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Build ids are 20 bytes (SHA-1) or 16 (MD5, UUID) in practice; longer ones are ignored. */
#define DEBUGINFO_BUILD_ID_MAX 64

struct debuginfo_finder;
struct debuginfo_root;

/* What identifies the debug file of one binary; everything borrowed. */
struct debuginfo_query {
	const char *path;	     /* the binary's path as its process sees it; NULL: unknown */
	struct debuginfo_root *root; /* that process's root when it is not ours, else NULL */
	const uint8_t *build_id;
	size_t build_id_len;   /* 0: the binary has none */
	const char *debuglink; /* .gnu_debuglink file name, NULL without one */
	uint32_t debuglink_crc;
};

/* A debug file found; every member owned (see debuginfo_file__close()). */
struct debuginfo_file {
	int fd;
	Elf *elf;   /* read through fd (ELF_C_READ) */
	char *path; /* where it was found, for messages */
};

/*
 * @search_path: the user's roots, "DIR[:DIR...]" (empty entries skipped), or NULL.
 * /usr/lib/debug is always searched after them. debuginfod is used when DEBUGINFOD_URLS is
 * set (and non-empty) now. Returns NULL with errno set.
 */
struct debuginfo_finder *debuginfo_finder__new(const char *search_path);
/* NULL-safe. Every root taken from @finder must have been put first. */
void debuginfo_finder__free(struct debuginfo_finder *finder);

/*
 * Opens the debug file of the binary @query describes (see the order above). Returns 0 and
 * the file in *@out (the caller closes it), -ENOENT when none was found, or -ENOMEM.
 */
int debuginfo_finder__open(struct debuginfo_finder *finder, const struct debuginfo_query *query,
			   struct debuginfo_file *out);
/*
 * Opens the binary @query describes again, its path under its root, to read it once more
 * after its descriptor was closed: only with a build id, which the file must have (else it
 * was replaced, and is rejected and counted). Returns 0 and the file in *@out (the caller
 * closes it), -ENOENT when it is gone, another file or @query has no build id, or -ENOMEM.
 */
int debuginfo_finder__open_binary(struct debuginfo_finder *finder,
				  const struct debuginfo_query *query, struct debuginfo_file *out);
/* NULL-safe on a zeroed file. Ends the Elf, closes the descriptor, frees the path. */
void debuginfo_file__close(struct debuginfo_file *file);

/* Whether this build can ask debuginfod (libdebuginfod was found when it was built). */
bool debuginfo__has_debuginfod(void);

/* Candidates rejected so far: wrong build id or CRC, or not an ELF file. */
uint64_t debuginfo_finder__rejected(const struct debuginfo_finder *finder);

/*
 * The root directory of process @pid (under @proc_root, "/proc" or a test's copy) when it is
 * not ours, so that paths the process sees can be opened after it exited. Returns 0 and a
 * new reference in *@out, or NULL in *@out when the process shares our root or its root
 * cannot be read (then paths are opened as they are); -ENOMEM.
 */
int debuginfo_finder__process_root(struct debuginfo_finder *finder, const char *proc_root, int pid,
				   struct debuginfo_root **out);
struct debuginfo_root *debuginfo_root__get(struct debuginfo_root *root);
/* NULL-safe. */
void debuginfo_root__put(struct debuginfo_root *root);

/*
 * Copies the GNU build id of @elf (from its SHT_NOTE sections, else its PT_NOTE segments)
 * into @buf. Returns its length, 0 when there is none or it is longer than @cap.
 */
size_t debuginfo__build_id(Elf *elf, uint8_t *buf, size_t cap);

/*
 * Reads .gnu_debuglink: copies the file name into @name (NUL-terminated) and the CRC into
 * *@crc. Returns 0, or -ENOENT when there is none or it is malformed (no NUL, too short,
 * a name with a '/' in it, longer than @cap).
 */
int debuginfo__debuglink(Elf *elf, char *name, size_t cap, uint32_t *crc);

/*
 * The section of @elf named @name, or NULL; *@data (may be NULL) gets its data (NULL for
 * SHT_NOBITS or unreadable data).
 */
Elf_Scn *debuginfo__section(Elf *elf, const char *name, Elf_Data **data);

/*
 * Decompresses MiniDebugInfo (the xz stream of a .gnu_debugdata section, an ELF file with a
 * .symtab) into a new buffer of at most @max_len bytes. Returns 0 and an owned buffer in
 * *@out and its length in *@out_len; -ENOTSUP when built without liblzma, -EINVAL for a
 * corrupt stream, -EFBIG past @max_len, -ENOMEM.
 */
int debuginfo__xz_decode(const void *in, size_t len, size_t max_len, void **out, size_t *out_len);

#endif
