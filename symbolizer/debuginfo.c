// SPDX-License-Identifier: GPL-2.0-only
#include "debuginfo.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#ifdef HAVE_LZMA
#include <lzma.h>
#endif
#ifdef HAVE_DEBUGINFOD
#include <elfutils/debuginfod.h>
#endif

#include "log.h"

#define DEBUGINFO_DEFAULT_ROOT "/usr/lib/debug"
/* Each root holds a descriptor; past this many containers, paths are opened as they are. */
#define DEBUGINFO_MAX_ROOTS 256
/*
 * debuginfod downloads can be large and servers slow: one query may take this long, and
 * all of them together this long, after which debuginfod is not asked again; nor after a
 * query that ran out of time, since a server that hung once will likely hang again.
 */
#define DEBUGINFOD_QUERY_SECONDS 10.0
#define DEBUGINFOD_TOTAL_SECONDS 60.0
/* The xz decoder's memory limit; MiniDebugInfo streams use a few MiB. */
#define XZ_MEMLIMIT (64u << 20)

struct debuginfo_root {
	struct debuginfo_root *next;
	struct debuginfo_finder *finder; /* borrowed; outlives every root */
	unsigned int refcount;
	int fd; /* O_PATH descriptor of the process's root directory */
	dev_t dev;
	ino_t ino;
	ino_t mnt_ns;
};

struct debuginfo_finder {
	char **dirs; /* the user's roots, then DEBUGINFO_DEFAULT_ROOT */
	size_t nr_dirs;
	struct debuginfo_root *roots;
	size_t nr_roots;
	/* Our own root directory and mount namespace, to tell a process in another one. */
	bool has_self;
	dev_t self_dev;
	ino_t self_ino;
	ino_t self_mnt_ns;
	uint64_t rejected;
	bool debuginfod_enabled;
	double debuginfod_spent;  /* seconds spent in debuginfod queries */
	struct timespec deadline; /* of the query under way */
#ifdef HAVE_DEBUGINFOD
	debuginfod_client *debuginfod;
#endif
};

static int finder__add_dir(struct debuginfo_finder *f, const char *dir, size_t len)
{
	char **dirs;

	/* A trailing slash would make "DIR//.build-id"; harmless, but messages read worse. */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	dirs = realloc(f->dirs, (f->nr_dirs + 1) * sizeof(*dirs));
	if (!dirs)
		return -ENOMEM;
	f->dirs = dirs;
	f->dirs[f->nr_dirs] = strndup(dir, len);
	if (!f->dirs[f->nr_dirs])
		return -ENOMEM;
	f->nr_dirs++;
	return 0;
}

struct debuginfo_finder *debuginfo_finder__new(const char *search_path)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	struct debuginfo_finder *f;
	const char *p, *colon;
	struct stat st;

	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	for (p = search_path; p && *p; p = colon ? colon + 1 : p + strlen(p)) {
		colon = strchr(p, ':');
		if ((colon ? (size_t)(colon - p) : strlen(p)) &&
		    finder__add_dir(f, p, colon ? (size_t)(colon - p) : strlen(p)))
			goto out_free;
	}
	if (finder__add_dir(f, DEBUGINFO_DEFAULT_ROOT, strlen(DEBUGINFO_DEFAULT_ROOT)))
		goto out_free;
	if (!stat("/", &st)) {
		f->self_dev = st.st_dev;
		f->self_ino = st.st_ino;
		f->has_self = !stat("/proc/self/ns/mnt", &st);
		f->self_mnt_ns = st.st_ino;
	}
#ifdef HAVE_DEBUGINFOD
	f->debuginfod_enabled = urls && *urls;
#else
	if (urls && *urls)
		pr_info("DEBUGINFOD_URLS is set, but this build has no debuginfod support\n");
#endif
	return f;

out_free:
	debuginfo_finder__free(f);
	errno = ENOMEM;
	return NULL;
}

void debuginfo_finder__free(struct debuginfo_finder *f)
{
	if (!f)
		return;
	if (f->roots)
		pr_debug("debuginfo finder freed with %zu roots still referenced\n", f->nr_roots);
#ifdef HAVE_DEBUGINFOD
	if (f->debuginfod)
		debuginfod_end(f->debuginfod);
#endif
	for (size_t i = 0; i < f->nr_dirs; i++)
		free(f->dirs[i]);
	free(f->dirs);
	free(f);
}

bool debuginfo__has_debuginfod(void)
{
#ifdef HAVE_DEBUGINFOD
	return true;
#else
	return false;
#endif
}

uint64_t debuginfo_finder__rejected(const struct debuginfo_finder *f)
{
	return f->rejected;
}

int debuginfo_finder__process_root(struct debuginfo_finder *f, const char *proc_root, int pid,
				   struct debuginfo_root **out)
{
	char path[PATH_MAX];
	struct debuginfo_root *root;
	struct stat st, ns;
	int fd;

	*out = NULL;
	if (!f->has_self || pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%d/ns/mnt", proc_root, pid);
	if (stat(path, &ns))
		return 0;
	snprintf(path, sizeof(path), "%s/%d/root", proc_root, pid);
	if (stat(path, &st))
		return 0;
	if (st.st_dev == f->self_dev && st.st_ino == f->self_ino && ns.st_ino == f->self_mnt_ns)
		return 0;
	for (root = f->roots; root; root = root->next) {
		if (root->dev == st.st_dev && root->ino == st.st_ino && root->mnt_ns == ns.st_ino) {
			*out = debuginfo_root__get(root);
			return 0;
		}
	}
	if (f->nr_roots >= DEBUGINFO_MAX_ROOTS)
		return 0;
	/* The directory stays reachable through the descriptor after the process exits. */
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	root = calloc(1, sizeof(*root));
	if (!root) {
		close(fd);
		return -ENOMEM;
	}
	root->finder = f;
	root->refcount = 1;
	root->fd = fd;
	root->dev = st.st_dev;
	root->ino = st.st_ino;
	root->mnt_ns = ns.st_ino;
	root->next = f->roots;
	f->roots = root;
	f->nr_roots++;
	*out = root;
	return 0;
}

struct debuginfo_root *debuginfo_root__get(struct debuginfo_root *root)
{
	root->refcount++;
	return root;
}

void debuginfo_root__put(struct debuginfo_root *root)
{
	struct debuginfo_root **p;

	if (!root || --root->refcount)
		return;
	for (p = &root->finder->roots; *p; p = &(*p)->next) {
		if (*p == root) {
			*p = root->next;
			break;
		}
	}
	root->finder->nr_roots--;
	close(root->fd);
	free(root);
}

/* Opens @path as seen from @root (NULL: ours). Returns a descriptor or -errno. */
static int root__open(const struct debuginfo_root *root, const char *path)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	struct open_how how = { .flags = flags, .resolve = RESOLVE_IN_ROOT };
	int fd;

	if (!root) {
		fd = open(path, flags);
		return fd < 0 ? -errno : fd;
	}
	while (*path == '/')
		path++;
	/* RESOLVE_IN_ROOT: absolute symbolic links inside the container stay inside it. */
	fd = syscall(SYS_openat2, root->fd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(root->fd, path, flags);
	return fd < 0 ? -errno : fd;
}

Elf_Scn *debuginfo__section(Elf *elf, const char *name, Elf_Data **data)
{
	Elf_Scn *scn = NULL;
	const char *sname;
	GElf_Shdr shdr;
	size_t shstrndx;

	if (data)
		*data = NULL;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr))
			continue;
		sname = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (!sname || strcmp(sname, name))
			continue;
		if (data && shdr.sh_type != SHT_NOBITS) {
			*data = elf_getdata(scn, NULL);
			if (*data && !(*data)->d_buf)
				*data = NULL;
		}
		return scn;
	}
	return NULL;
}

/* The build id among the notes of @data, or 0. */
static size_t notes__build_id(Elf *elf, Elf_Data *data, uint8_t *buf, size_t cap)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nhdr;

	/* gelf_getnote checks every size against d_size. */
	while ((next = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)data->d_buf + name_off;

		off = next;
		if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != sizeof("GNU") ||
		    memcmp(name, "GNU", sizeof("GNU")))
			continue;
		if (!nhdr.n_descsz || nhdr.n_descsz > cap)
			return 0;
		memcpy(buf, (const char *)data->d_buf + desc_off, nhdr.n_descsz);
		return nhdr.n_descsz;
	}
	(void)elf;
	return 0;
}

size_t debuginfo__build_id(Elf *elf, uint8_t *buf, size_t cap)
{
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr shdr;
	GElf_Phdr phdr;
	size_t phnum, len, i;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (data && data->d_buf && (len = notes__build_id(elf, data, buf, cap)))
			return len;
	}
	/* A file without section headers still has its notes in a PT_NOTE segment. */
	if (elf_getphdrnum(elf, &phnum))
		return 0;
	for (i = 0; i < phnum; i++) {
		if (!gelf_getphdr(elf, i, &phdr) || phdr.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(elf, phdr.p_offset, phdr.p_filesz,
					    phdr.p_align == 8 ? ELF_T_NHDR8 : ELF_T_NHDR);
		if (data && data->d_buf && (len = notes__build_id(elf, data, buf, cap)))
			return len;
	}
	return 0;
}

int debuginfo__debuglink(Elf *elf, char *name, size_t cap, uint32_t *crc)
{
	const unsigned char *p, *c;
	Elf_Data *data;
	GElf_Ehdr ehdr;
	size_t len, crc_off;

	if (!debuginfo__section(elf, ".gnu_debuglink", &data) || !data || !gelf_getehdr(elf, &ehdr))
		return -ENOENT;
	p = data->d_buf;
	len = strnlen((const char *)p, data->d_size);
	/* The name, its NUL, padding to 4 bytes, then the CRC in the file's byte order. */
	crc_off = (len + 4) & ~(size_t)3;
	if (!len || len == data->d_size || len >= cap || crc_off + 4 > data->d_size ||
	    memchr(p, '/', len))
		return -ENOENT;
	memcpy(name, p, len + 1);
	c = p + crc_off;
	if (ehdr.e_ident[EI_DATA] == ELFDATA2MSB)
		*crc = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
	else
		*crc = (uint32_t)c[3] << 24 | (uint32_t)c[2] << 16 | (uint32_t)c[1] << 8 | c[0];
	return 0;
}

/* The CRC32 (zlib's, which is gdb's) of the whole file @fd, or -errno. */
static int64_t fd__crc32(int fd)
{
	unsigned char buf[64 * 1024];
	uLong crc = crc32(0, NULL, 0);
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		crc = crc32(crc, buf, n);
		off += n;
	}
	return (uint32_t)crc;
}

void debuginfo_file__close(struct debuginfo_file *file)
{
	if (file->elf)
		elf_end(file->elf);
	if (file->fd >= 0)
		close(file->fd);
	free(file->path);
	file->elf = NULL;
	file->fd = -1;
	file->path = NULL;
}

static void finder__reject(struct debuginfo_finder *f, const char *path, const char *why)
{
	f->rejected++;
	pr_warn("ignoring debug file %s: %s\n", path, why);
}

/*
 * Checks the file open on @fd (taken over) as the debug file of @q: an ELF file with all
 * its section headers, with the binary's build id (@check_crc: unless it has none, as gdb
 * does, since the CRC checks it) and, with @check_crc, the debuglink's CRC.
 * Returns 0 (then *@out is filled), -ENOENT when rejected, or -ENOMEM.
 */
static int finder__check(struct debuginfo_finder *f, const struct debuginfo_query *q, int fd,
			 const char *path, bool check_crc, struct debuginfo_file *out)
{
	uint8_t id[DEBUGINFO_BUILD_ID_MAX];
	size_t id_len, shnum;
	GElf_Ehdr ehdr;
	struct stat st;
	int64_t crc;
	Elf *elf;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	/* libelf shows section headers past the end of the file as none: a cut file. */
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr) ||
	    (ehdr.e_shoff && (elf_getshdrnum(elf, &shnum) || !shnum))) {
		finder__reject(f, path, "not an ELF file, or cut short");
		goto out_end;
	}
	if (q->build_id_len) {
		id_len = debuginfo__build_id(elf, id, sizeof(id));
		if ((id_len || !check_crc) &&
		    (id_len != q->build_id_len || memcmp(id, q->build_id, id_len))) {
			finder__reject(f, path, "its build id differs from the binary's");
			goto out_end;
		}
	}
	if (check_crc) {
		crc = fd__crc32(fd);
		if (crc < 0 || (uint32_t)crc != q->debuglink_crc) {
			finder__reject(f, path, "its CRC differs from the binary's .gnu_debuglink");
			goto out_end;
		}
	}
	out->path = strdup(path);
	if (!out->path) {
		elf_end(elf);
		close(fd);
		return -ENOMEM;
	}
	out->fd = fd;
	out->elf = elf;
	pr_debug("debug file of %s: %s\n", q->path ? q->path : "?", path);
	return 0;

out_end:
	if (elf)
		elf_end(elf);
	close(fd);
	return -ENOENT;
}

/* Tries @path under @root. Returns 0, -ENOENT or -ENOMEM. */
static int finder__try(struct debuginfo_finder *f, const struct debuginfo_query *q,
		       const struct debuginfo_root *root, const char *path, bool check_crc,
		       struct debuginfo_file *out)
{
	int fd = root__open(root, path);

	if (fd < 0)
		return -ENOENT;
	return finder__check(f, q, fd, path, check_crc, out);
}

/* ROOT/.build-id/xx/rest.debug */
static int finder__try_build_id(struct debuginfo_finder *f, const struct debuginfo_query *q,
				const struct debuginfo_root *root, const char *dir,
				struct debuginfo_file *out)
{
	char path[PATH_MAX];
	size_t len;

	len = snprintf(path, sizeof(path), "%s/.build-id/%02x/", dir, q->build_id[0]);
	if (len + 2 * q->build_id_len + sizeof(".debug") > sizeof(path))
		return -ENOENT;
	for (size_t i = 1; i < q->build_id_len; i++)
		len += snprintf(path + len, sizeof(path) - len, "%02x", q->build_id[i]);
	snprintf(path + len, sizeof(path) - len, ".debug");
	return finder__try(f, q, root, path, false, out);
}

/* Formats into @path; false when it does not fit. */
static bool __attribute__((format(printf, 3, 4)))
path__format(char *path, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, cap, fmt, ap);
	va_end(ap);
	return n > 0 && (size_t)n < cap;
}

/* @path in the process's root, then in ours (with the CRC checked in both). */
static int finder__try_beside(struct debuginfo_finder *f, const struct debuginfo_query *q,
			      const char *path, struct debuginfo_file *out)
{
	int err = -ENOENT;

	if (q->root)
		err = finder__try(f, q, q->root, path, true, out);
	if (err == -ENOENT)
		err = finder__try(f, q, NULL, path, true, out);
	return err;
}

static int finder__try_debuglink(struct debuginfo_finder *f, const struct debuginfo_query *q,
				 struct debuginfo_file *out)
{
	char dir[PATH_MAX], path[PATH_MAX];
	const char *slash;
	int err;

	if (!q->path || q->path[0] != '/' || !(slash = strrchr(q->path, '/')))
		return -ENOENT;
	if ((size_t)(slash - q->path) >= sizeof(dir))
		return -ENOENT;
	/* "" for a binary in /: then "/NAME" below. */
	memcpy(dir, q->path, slash - q->path);
	dir[slash - q->path] = '\0';

	/*
	 * /proc/PID/maps prints a path as we see it when we can (a chroot), and as the
	 * process sees it otherwise (a file of another mount namespace): both are tried.
	 */
	if (path__format(path, sizeof(path), "%s/%s", dir, q->debuglink)) {
		err = finder__try_beside(f, q, path, out);
		if (err != -ENOENT)
			return err;
	}
	if (path__format(path, sizeof(path), "%s/.debug/%s", dir, q->debuglink)) {
		err = finder__try_beside(f, q, path, out);
		if (err != -ENOENT)
			return err;
	}
	for (size_t i = 0; i < f->nr_dirs; i++) {
		if (!path__format(path, sizeof(path), "%s%s/%s", f->dirs[i], dir, q->debuglink))
			continue;
		err = finder__try(f, q, NULL, path, true, out);
		if (err != -ENOENT)
			return err;
	}
	if (q->root &&
	    path__format(path, sizeof(path), "%s%s/%s", DEBUGINFO_DEFAULT_ROOT, dir, q->debuglink))
		return finder__try(f, q, q->root, path, true, out);
	return -ENOENT;
}

#ifdef HAVE_DEBUGINFOD
static double timespec__diff(const struct timespec *a, const struct timespec *b)
{
	return (a->tv_sec - b->tv_sec) + (a->tv_nsec - b->tv_nsec) / 1e9;
}

/* Called by libdebuginfod about once a second while it waits: non-zero cancels. */
static int debuginfod__progress(debuginfod_client *client, long done, long total)
{
	struct debuginfo_finder *f = debuginfod_get_user_data(client);
	struct timespec now;

	(void)done;
	(void)total;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return timespec__diff(&now, &f->deadline) > 0;
}

static int finder__try_debuginfod(struct debuginfo_finder *f, const struct debuginfo_query *q,
				  struct debuginfo_file *out)
{
	double budget = DEBUGINFOD_TOTAL_SECONDS - f->debuginfod_spent;
	struct timespec start, end;
	char *path = NULL;
	int fd, err;

	if (budget > DEBUGINFOD_QUERY_SECONDS)
		budget = DEBUGINFOD_QUERY_SECONDS;
	if (!f->debuginfod) {
		f->debuginfod = debuginfod_begin();
		if (!f->debuginfod) {
			pr_warn("cannot start a debuginfod client; not using debuginfod\n");
			f->debuginfod_enabled = false;
			return -ENOENT;
		}
		debuginfod_set_user_data(f->debuginfod, f);
		debuginfod_set_progressfn(f->debuginfod, debuginfod__progress);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	f->deadline = start;
	f->deadline.tv_sec += (time_t)budget;
	f->deadline.tv_nsec += (long)((budget - (time_t)budget) * 1e9);
	if (f->deadline.tv_nsec >= 1000000000L) {
		f->deadline.tv_sec++;
		f->deadline.tv_nsec -= 1000000000L;
	}
	fd = debuginfod_find_debuginfo(f->debuginfod, q->build_id, q->build_id_len, &path);
	clock_gettime(CLOCK_MONOTONIC, &end);
	f->debuginfod_spent += timespec__diff(&end, &start);
	if (fd == -ECANCELED || timespec__diff(&end, &f->deadline) >= 0) {
		pr_warn("debuginfod did not answer within %.0f s; not asking it again\n", budget);
		f->debuginfod_enabled = false;
	} else if (f->debuginfod_spent >= DEBUGINFOD_TOTAL_SECONDS) {
		pr_warn("debuginfod queries took %.0f s in all; not asking it again\n",
			f->debuginfod_spent);
		f->debuginfod_enabled = false;
	}
	if (fd < 0) {
		pr_debug("debuginfod has no debug file for %s: %s\n", q->path ? q->path : "?",
			 strerror(-fd));
		free(path);
		return -ENOENT;
	}
	err = finder__check(f, q, fd, path ? path : "(debuginfod)", false, out);
	free(path);
	return err;
}
#endif

int debuginfo_finder__open(struct debuginfo_finder *f, const struct debuginfo_query *q,
			   struct debuginfo_file *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (q->build_id_len) {
		for (size_t i = 0; i < f->nr_dirs; i++) {
			err = finder__try_build_id(f, q, NULL, f->dirs[i], out);
			if (err != -ENOENT)
				return err;
		}
	}
	if (q->debuglink) {
		err = finder__try_debuglink(f, q, out);
		if (err != -ENOENT)
			return err;
	}
	if (q->build_id_len && q->root) {
		err = finder__try_build_id(f, q, q->root, DEBUGINFO_DEFAULT_ROOT, out);
		if (err != -ENOENT)
			return err;
	}
#ifdef HAVE_DEBUGINFOD
	if (q->build_id_len && f->debuginfod_enabled)
		return finder__try_debuginfod(f, q, out);
#endif
	return -ENOENT;
}

int debuginfo_finder__open_binary(struct debuginfo_finder *f, const struct debuginfo_query *q,
				  struct debuginfo_file *out)
{
	int fd;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (!q->path || !q->build_id_len)
		return -ENOENT;
	fd = root__open(q->root, q->path);
	if (fd < 0)
		return fd == -ENOMEM ? fd : -ENOENT;
	return finder__check(f, q, fd, q->path, false, out);
}

#ifdef HAVE_LZMA
int debuginfo__xz_decode(const void *in, size_t len, size_t max_len, void **out, size_t *out_len)
{
	lzma_stream strm = LZMA_STREAM_INIT;
	size_t cap = len * 4 > 4096 ? len * 4 : 4096;
	unsigned char *buf = NULL, *grown;
	lzma_ret ret;
	int err;

	if (cap > max_len)
		cap = max_len;
	if (lzma_stream_decoder(&strm, XZ_MEMLIMIT, 0) != LZMA_OK)
		return -ENOMEM;
	buf = malloc(cap ? cap : 1);
	if (!buf) {
		err = -ENOMEM;
		goto out_end;
	}
	strm.next_in = in;
	strm.avail_in = len;
	strm.next_out = buf;
	strm.avail_out = cap;
	for (;;) {
		ret = lzma_code(&strm, LZMA_FINISH);
		if (ret == LZMA_STREAM_END)
			break;
		if (ret != LZMA_OK && ret != LZMA_BUF_ERROR) {
			err = ret == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
			goto out_free;
		}
		if (strm.avail_out) {
			/* No progress possible with output room left: the input ended early. */
			err = -EINVAL;
			goto out_free;
		}
		if (cap >= max_len) {
			err = -EFBIG;
			goto out_free;
		}
		cap = cap > max_len / 2 ? max_len : cap * 2;
		grown = realloc(buf, cap);
		if (!grown) {
			err = -ENOMEM;
			goto out_free;
		}
		buf = grown;
		strm.next_out = buf + strm.total_out;
		strm.avail_out = cap - strm.total_out;
	}
	*out = buf;
	*out_len = strm.total_out;
	lzma_end(&strm);
	return 0;

out_free:
	free(buf);
out_end:
	lzma_end(&strm);
	return err;
}
#else
int debuginfo__xz_decode(const void *in, size_t len, size_t max_len, void **out, size_t *out_len)
{
	(void)in;
	(void)len;
	(void)max_len;
	(void)out;
	(void)out_len;
	return -ENOTSUP;
}
#endif
