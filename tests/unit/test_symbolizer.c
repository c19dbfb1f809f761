// SPDX-License-Identifier: GPL-2.0-only
/*
 * User-space symbolization end to end: snapshots of live processes (a fixture child, this
 * process), names after the process exited, placeholders for stripped, garbage and
 * special mappings, and a handmade /proc for the maps parser and the cache.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc_maps.h"
#include "symbolizer.h"

#define FIXTURE TEST_PROGRAM_DIR "/sym_fixture"
#define MAX_FUNCS 16

struct fixture_func {
	char name[64];
	uint64_t runtime;
	uint64_t vaddr;
};

struct child {
	pid_t pid;
	int stdin_fd;
	struct fixture_func funcs[MAX_FUNCS];
	size_t nr_funcs;
	struct fixture_func data; /* a variable in .data */
};

/* Starts @path in "wait" mode and reads the functions it reports. */
static void child__start(struct child *c, const char *path)
{
	int in[2], out[2];
	char line[256];
	FILE *f;

	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (!c->pid) {
		/* Only these two reach the program: the pipes of other children are CLOEXEC. */
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execl(path, path, "wait", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->stdin_fd = in[1];
	c->nr_funcs = 0;
	f = fdopen(out[0], "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct fixture_func *fn = &c->funcs[c->nr_funcs];
		unsigned long long rt, va;

		if (!strcmp(line, "end\n"))
			break;
		if (sscanf(line, "data %llx %llx", &rt, &va) == 2) {
			c->data.runtime = rt;
			c->data.vaddr = va;
			continue;
		}
		if (c->nr_funcs < MAX_FUNCS &&
		    sscanf(line, "%63s %llx %llx", fn->name, &rt, &va) == 3) {
			fn->runtime = rt;
			fn->vaddr = va;
			c->nr_funcs++;
		}
	}
	fclose(f);
	assert_int_equal(c->nr_funcs, 6);
	assert_true(c->data.runtime != 0);
}

/* Lets the child exit and reaps it: its /proc entry is gone afterwards. */
static void child__finish(struct child *c)
{
	int status;

	close(c->stdin_fd);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static struct symbolizer *new_symbolizer(const char *proc_root)
{
	struct symbolizer_opts opts = { .proc_root = proc_root };
	struct symbolizer *sym = symbolizer__new(&opts);

	assert_non_null(sym);
	return sym;
}

/*
 * The outermost frame of @ip: the function holding the code, named after its symbol. The
 * frames before it are functions inlined there, each with a line when it has a file.
 */
static struct sym_frame resolve(struct symbolizer *sym, const struct proc_maps *maps, uint64_t ip,
				bool return_addr)
{
	struct sym_frame f[8];
	int n;

	memset(f, 0xa5, sizeof(f));
	n = symbolizer__resolve_user(sym, maps, ip, return_addr, f, 8);
	assert_true(n >= 1);
	for (int i = 0; i < n; i++) {
		assert_non_null(f[i].func);
		assert_int_equal(f[i].inlined, i + 1 < n);
		if (!f[i].file)
			assert_int_equal(f[i].line, 0);
	}
	return f[n - 1];
}

static void assert_named(struct symbolizer *sym, const struct proc_maps *maps, uint64_t ip,
			 const char *name, const char *module, uint64_t addr)
{
	struct sym_frame f = resolve(sym, maps, ip, false);

	assert_string_equal(f.func, name);
	assert_true(f.named);
	assert_string_equal(f.module, module);
	assert_int_equal(f.addr, addr);
}

static void check_fixture_names(struct symbolizer *sym, const struct proc_maps *maps,
				const struct child *c, const char *module)
{
	const char *base = strrchr(module, '/') + 1;
	struct sym_frame d;
	char want[128];
	size_t i;

	/*
	 * A variable is no function: BASENAME+0xVADDR, through the dso of the executable
	 * mapping of the same file, with the vaddr of its PT_LOAD segment.
	 */
	d = resolve(sym, maps, c->data.runtime, false);
	snprintf(want, sizeof(want), "%s+0x%llx", base, (unsigned long long)c->data.vaddr);
	assert_string_equal(d.func, want);
	assert_false(d.named);
	assert_string_equal(d.module, module);
	assert_int_equal(d.addr, c->data.vaddr);

	for (i = 0; i < c->nr_funcs; i++) {
		const struct fixture_func *fn = &c->funcs[i];
		struct sym_frame f;

		assert_named(sym, maps, fn->runtime, fn->name, module, fn->vaddr);
		assert_named(sym, maps, fn->runtime + 3, fn->name, module, fn->vaddr + 3);
		/* a return address one past the start is looked up at the start */
		f = resolve(sym, maps, fn->runtime + 1, true);
		assert_string_equal(f.func, fn->name);
		assert_int_equal(f.addr, fn->vaddr + 1);
		/* and one at the start names whatever ends before */
		f = resolve(sym, maps, fn->runtime, true);
		assert_string_not_equal(f.func, fn->name);
		assert_int_equal(f.addr, fn->vaddr);
	}
}

static void test_child_after_exit(void **state)
{
	char module[PATH_MAX];
	struct symbolizer_stats stats;
	struct proc_maps *maps = NULL, *again = NULL;
	struct symbolizer *sym;
	struct child c;

	(void)state;
	assert_non_null(realpath(FIXTURE, module));
	sym = new_symbolizer(NULL);
	child__start(&c, FIXTURE);
	assert_int_equal(symbolizer__snapshot(sym, c.pid, &maps), 0);
	assert_true(proc_maps__count(maps) > 5);
	assert_int_equal(proc_maps__pid(maps), c.pid);
	child__finish(&c);
	assert_int_equal(kill(c.pid, 0), -1);

	/* Nothing was read before the exit: the files were held open. */
	check_fixture_names(sym, maps, &c, module);
	assert_int_equal(symbolizer__snapshot(sym, c.pid, &again), -ESRCH);
	assert_null(again);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.vanished, 1);
	assert_int_equal(stats.bad_files, 0);
	assert_int_equal(stats.unnamed_kernel, 0);
	proc_maps__free(maps);
	symbolizer__free(sym);
}

/* Two processes of one program share one dso. */
static void test_shared_dso(void **state)
{
	struct proc_maps *m1, *m2;
	const struct proc_map *a, *b;
	struct symbolizer *sym;
	struct child c1, c2;

	(void)state;
	sym = new_symbolizer(NULL);
	child__start(&c1, FIXTURE);
	child__start(&c2, FIXTURE);
	assert_int_equal(symbolizer__snapshot(sym, c1.pid, &m1), 0);
	assert_int_equal(symbolizer__snapshot(sym, c2.pid, &m2), 0);
	child__finish(&c1);
	child__finish(&c2);
	a = proc_maps__find(m1, c1.funcs[0].runtime);
	b = proc_maps__find(m2, c2.funcs[0].runtime);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->kind, PROC_MAP_FILE);
	assert_true(a->exec);
	assert_non_null(a->dso);
	assert_ptr_equal(a->dso, b->dso);
	/* the same interned path */
	assert_ptr_equal(a->path, b->path);
	proc_maps__free(m1);
	check_fixture_names(sym, m2, &c2, b->path);
	proc_maps__free(m2);
	symbolizer__free(sym);
}

/* In .data: not a function, and (in the usual layout) its file offset differs from its vaddr. */
static volatile int data_variable = 42;

static int find_main_program(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	*(uintptr_t *)ctx = info->dlpi_addr;
	return 1;
}

__attribute__((noinline)) int symbolizer_test_target(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x * 3 + 1;
}

static void test_own_process(void **state)
{
	uintptr_t target = (uintptr_t)symbolizer_test_target;
	void *getpid_addr = dlsym(RTLD_DEFAULT, "getpid");
	uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct sym_frame f;
	uintptr_t bias = 0;
	int on_stack = 0;
	char want[128];

	(void)state;
	sym = new_symbolizer(NULL);
	assert_int_equal(symbolizer__snapshot(sym, getpid(), &maps), 0);

	f = resolve(sym, maps, target + 1, false);
	assert_string_equal(f.func, "symbolizer_test_target");
	assert_true(f.named);
	assert_non_null(strstr(f.module, "test_symbolizer"));

	/* Data of the program: a placeholder with its ELF virtual address. */
	assert_int_equal(dl_iterate_phdr(find_main_program, &bias), 1);
	f = resolve(sym, maps, (uintptr_t)&data_variable, false);
	snprintf(want, sizeof(want), "test_symbolizer+0x%lx",
		 (unsigned long)((uintptr_t)&data_variable - bias));
	assert_string_equal(f.func, want);
	assert_false(f.named);
	assert_int_equal(f.addr, (uintptr_t)&data_variable - bias);

	assert_non_null(getpid_addr);
	f = resolve(sym, maps, (uintptr_t)getpid_addr, false);
	if (strcmp(f.func, "__getpid") && strcmp(f.func, "getpid"))
		fail_msg("getpid resolved to %s", f.func);
	assert_true(f.named);
	assert_non_null(strstr(f.module, "libc"));
	assert_int_equal(f.module[0], '/');

	if (vdso) {
		f = resolve(sym, maps, vdso + 0x10, false);
		assert_string_equal(f.func, "[vdso]+0x10");
		assert_string_equal(f.module, "[vdso]");
		assert_false(f.named);
		assert_int_equal(f.addr, 0x10);
	}

	/* The stack is not code; address 0x10 is mapped by nothing. */
	f = resolve(sym, maps, (uintptr_t)&on_stack, false);
	assert_string_equal(f.func, "[unknown]");
	assert_null(f.module);
	assert_false(f.named);
	f = resolve(sym, maps, 0x10, true);
	assert_string_equal(f.func, "[unknown]");
	assert_int_equal(f.addr, 0x10);

	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.unnamed_user, vdso ? 4 : 3);
	assert_int_equal(stats.bad_files, 0);
	proc_maps__free(maps);
	symbolizer__free(sym);
}

static void test_no_such_process(void **state)
{
	struct symbolizer_stats stats;
	struct proc_maps *maps = NULL;
	struct symbolizer *sym;
	struct sym_frame f[2];
	pid_t pid;

	(void)state;
	sym = new_symbolizer(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(symbolizer__snapshot(sym, pid, &maps), -ESRCH);
	assert_null(maps);
	/* Not a pid at all: no such process, but none that vanished either. */
	assert_int_equal(symbolizer__snapshot(sym, -1, &maps), -ESRCH);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.vanished, 1);

	/* Without a snapshot, a user address is unknown. */
	assert_int_equal(symbolizer__resolve_user(sym, NULL, 0x401000, false, f, 2), 1);
	assert_string_equal(f[0].func, "[unknown]");
	assert_null(f[0].module);
	assert_false(f[0].named);
	assert_int_equal(f[0].addr, 0x401000);
	assert_int_equal(symbolizer__resolve_user(sym, NULL, 0x401000, false, f, 0), -EINVAL);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.unnamed_user, 1);
	symbolizer__free(sym);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[PATH_MAX * 2 + 16];

	snprintf(cmd, sizeof(cmd), "cp %s %s", from, to);
	assert_int_equal(system(cmd), 0);
}

/* A stripped program's own functions become "BASENAME+0xVADDR". */
static void test_stripped_child(void **state)
{
	char path[] = "/tmp/sym_fixture_stripped.XXXXXX", cmd[PATH_MAX + 64], want[128];
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct sym_frame f;
	struct child c;
	size_t i;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "strip -o %s %s && chmod +x %s", path, FIXTURE, path);
	if (system(cmd)) {
		unlink(path);
		skip();
	}
	sym = new_symbolizer(NULL);
	child__start(&c, path);
	assert_int_equal(symbolizer__snapshot(sym, c.pid, &maps), 0);
	child__finish(&c);
	for (i = 0; i < c.nr_funcs; i++) {
		f = resolve(sym, maps, c.funcs[i].runtime, false);
		snprintf(want, sizeof(want), "%s+0x%llx", strrchr(path, '/') + 1,
			 (unsigned long long)c.funcs[i].vaddr);
		assert_string_equal(f.func, want);
		assert_string_equal(f.module, path);
		assert_false(f.named);
		assert_int_equal(f.addr, c.funcs[i].vaddr);
		/* a return address keeps its own address in the placeholder */
		f = resolve(sym, maps, c.funcs[i].runtime + 1, true);
		snprintf(want, sizeof(want), "%s+0x%llx", strrchr(path, '/') + 1,
			 (unsigned long long)c.funcs[i].vaddr + 1);
		assert_string_equal(f.func, want);
	}
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.unnamed_user, 2 * c.nr_funcs);
	assert_int_equal(stats.bad_files, 0);
	proc_maps__free(maps);
	symbolizer__free(sym);
	unlink(path);
}

/* A program deleted while it runs is read through /proc/PID/map_files. */
static void test_deleted_binary(void **state)
{
	char path[] = "/tmp/sym_fixture_deleted.XXXXXX";
	struct proc_maps *maps;
	const struct proc_map *map;
	struct symbolizer *sym;
	struct child c;
	int fd;

	(void)state;
	/* Following map_files links needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE). */
	if (geteuid()) {
		printf("skipping: not root: map_files links need CAP_CHECKPOINT_RESTORE\n");
		skip();
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	copy_file(FIXTURE, path);
	assert_int_equal(chmod(path, 0755), 0);
	sym = new_symbolizer(NULL);
	child__start(&c, path);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symbolizer__snapshot(sym, c.pid, &maps), 0);
	child__finish(&c);
	map = proc_maps__find(maps, c.funcs[0].runtime);
	assert_non_null(map);
	assert_true(map->deleted);
	assert_string_equal(map->path, path);
	check_fixture_names(sym, maps, &c, path);
	proc_maps__free(maps);
	symbolizer__free(sym);
}

/* Maps @path executable in this process; NULL when /tmp does not allow it. */
static void *map_exec(const char *path, size_t len)
{
	int fd = open(path, O_RDONLY);
	void *p;

	assert_true(fd >= 0);
	p = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

static void write_bytes(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* Garbage and truncated ELF files that are mapped: placeholders, each counted once. */
static void test_bad_mapped_files(void **state)
{
	char garbage[] = "/tmp/sym_garbage.XXXXXX", truncated[] = "/tmp/sym_truncated.XXXXXX";
	char buf[8192], want[128];
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct sym_frame f;
	void *g, *t;
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 3);
	close(mkstemp(garbage));
	write_bytes(garbage, buf, sizeof(buf));
	/* the first 4 KiB of a real ELF program: the headers, no sections */
	fd = open(FIXTURE, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, 4096), 4096);
	close(fd);
	close(mkstemp(truncated));
	write_bytes(truncated, buf, 4096);

	g = map_exec(garbage, sizeof(buf));
	t = map_exec(truncated, 4096);
	if (!g || !t) {
		unlink(garbage);
		unlink(truncated);
		skip();
	}
	sym = new_symbolizer(NULL);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(symbolizer__snapshot(sym, getpid(), &maps), 0);
		f = resolve(sym, maps, (uintptr_t)g + 0x1234, false);
		snprintf(want, sizeof(want), "%s+0x1234", strrchr(garbage, '/') + 1);
		assert_string_equal(f.func, want);
		assert_string_equal(f.module, garbage);
		assert_false(f.named);
		f = resolve(sym, maps, (uintptr_t)t + 0x10, false);
		assert_false(f.named);
		assert_string_equal(f.module, truncated);
		proc_maps__free(maps);
		symbolizer__stats(sym, &stats);
		/* once per file, not per snapshot or address */
		assert_int_equal(stats.bad_files, 2);
	}
	symbolizer__free(sym);
	munmap(g, sizeof(buf));
	munmap(t, 4096);
	unlink(garbage);
	unlink(truncated);
}

/* A handmade /proc: the parser, special mappings, and the cache's (dev, inode) key. */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_fake_pid(const char *root, int pid, const char *maps, const char *stat)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%d/maps", root, pid);
	write_text(path, maps);
	if (stat) {
		snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
		write_text(path, stat);
	}
}

/*
 * The maps lines of @pid that map @module, in reverse order, each with @path instead, and
 * with the device and inode of @as when not NULL.
 */
static void fixture_lines(int pid, const char *module, const char *path, const struct stat *as,
			  char *out, size_t cap)
{
	char file[64], line[PATH_MAX + 256], lines[16][PATH_MAX + 256];
	size_t n = 0, len = 0;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/maps", pid);
	f = fopen(file, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && n < 16) {
		char *p = strstr(line, module);

		char range[64], perms[8], off[32], dev[16];

		if (!p || strcmp(p + strlen(module), "\n"))
			continue;
		if (!as) {
			snprintf(lines[n++], sizeof(lines[0]), "%.*s%s\n", (int)(p - line), line,
				 path);
			continue;
		}
		assert_int_equal(sscanf(line, "%63s %7s %31s %15s", range, perms, off, dev), 4);
		snprintf(lines[n++], sizeof(lines[0]), "%s %s %s %x:%x %lu %s\n", range, perms, off,
			 major(as->st_dev), minor(as->st_dev), (unsigned long)as->st_ino, path);
	}
	fclose(f);
	assert_true(n >= 2);
	out[0] = '\0';
	while (n--) {
		len += snprintf(out + len, cap - len, "%s", lines[n]);
		assert_true(len < cap);
	}
}

static void test_fake_proc(void **state)
{
	char root[] = "/tmp/sym_proc.XXXXXX", module[PATH_MAX], cmd[PATH_MAX + 16];
	static char maps[64 * 1024], moved[64 * 1024], gone[64 * 1024], copied[64 * 1024];
	char copy[] = "/tmp/sym_fixture_copy.XXXXXX", want[128];
	struct stat copy_st;
	struct symbolizer_stats stats;
	struct proc_maps *m1, *m2, *m3;
	const struct proc_map *map;
	struct symbolizer *sym;
	struct sym_frame f;
	struct child c;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(root));
	assert_non_null(realpath(FIXTURE, module));
	child__start(&c, FIXTURE);
	fixture_lines(c.pid, module, module, NULL, maps, sizeof(maps));
	/* the same file, by (dev, inode), under a path that does not exist */
	fixture_lines(c.pid, module, "/nonexistent/sym_fixture (deleted)", NULL, moved,
		      sizeof(moved));
	/* a copy, first in a process that exited before its files could be opened */
	close(mkstemp(copy));
	copy_file(FIXTURE, copy);
	assert_int_equal(stat(copy, &copy_st), 0);
	fixture_lines(c.pid, module, "/nonexistent/gone", &copy_st, gone, sizeof(gone));
	fixture_lines(c.pid, module, copy, &copy_st, copied, sizeof(copied));
	child__finish(&c);

	/* Out of order, with garbage and the special kinds. */
	len = strlen(maps);
	snprintf(maps + len, sizeof(maps) - len,
		 "this line is not a mapping\n"
		 "7ffff7fc1000-7ffff7fc6000 r-xp 00000000 00:00 0                          [vdso]\n"
		 "7ffff7fb0000-7ffff7fb1000 rwxp 00000000 00:00 0 \n"
		 "7ffff7fa0000-7ffff7fa1000 r-xp 00000000 00:00 0          [anon:jit]\n"
		 "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]\n"
		 "1000-0800 r-xp 00000000 00:00 0  [backwards]\n"
		 "2000-3000 r-xp 00000000 08:01 12 /no/such/file.so\n");
	make_fake_pid(root, 1001, maps, "1001 (fake) S 1 1 1\n");
	make_fake_pid(root, 1002, moved, "1002 (fake) S 1 1 1\n");
	make_fake_pid(root, 1003, "", "1003 (kthreadd) S 2 0 0 0 -1\n");
	make_fake_pid(root, 1004, "", "1004 (a) b) (c) Z 1 1 1\n");

	sym = new_symbolizer(root);
	assert_int_equal(symbolizer__snapshot(sym, 1001, &m1), 0);
	check_fixture_names(sym, m1, &c, module);
	map = proc_maps__find(m1, 0x7ffff7fb0800);
	assert_non_null(map);
	assert_int_equal(map->kind, PROC_MAP_ANON);
	assert_string_equal(map->path, "");
	assert_int_equal(proc_maps__find(m1, 0x7ffff7fa0000)->kind, PROC_MAP_SPECIAL);
	assert_null(proc_maps__find(m1, 0x800));

	/* 5 pages: no vDSO image of ours, so not named from our copy of the vDSO */
	f = resolve(sym, m1, 0x7ffff7fc1000 + 0xabc, false);
	assert_string_equal(f.func, "[vdso]+0xabc");
	f = resolve(sym, m1, 0xffffffffff600400, false);
	assert_string_equal(f.func, "[vsyscall]+0x400");
	assert_string_equal(f.module, "[vsyscall]");
	f = resolve(sym, m1, 0x7ffff7fb0800, false);
	assert_string_equal(f.func, "[unknown]");
	f = resolve(sym, m1, 0x7ffff7fa0010, false);
	assert_string_equal(f.func, "[unknown]");
	/* a file that cannot be opened: module+offset, counted once */
	f = resolve(sym, m1, 0x2010, false);
	assert_string_equal(f.func, "file.so+0x10");
	assert_string_equal(f.module, "/no/such/file.so");
	assert_false(f.named);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_files, 1);

	/*
	 * Found by the maps (dev, inode) without opening anything: the path given cannot be
	 * opened, so naming proves the cache was used.
	 */
	assert_int_equal(symbolizer__snapshot(sym, 1002, &m2), 0);
	map = proc_maps__find(m2, c.funcs[0].runtime);
	assert_non_null(map);
	assert_true(map->deleted);
	assert_string_equal(map->path, "/nonexistent/sym_fixture");
	assert_ptr_equal(map->dso, proc_maps__find(m1, c.funcs[0].runtime)->dso);
	check_fixture_names(sym, m2, &c, "/nonexistent/sym_fixture");
	proc_maps__free(m1);
	proc_maps__free(m2);

	/* Snapshots gone, the cache keeps the file a while for the next one. */
	assert_int_equal(symbolizer__snapshot(sym, 1002, &m2), 0);
	check_fixture_names(sym, m2, &c, "/nonexistent/sym_fixture");
	proc_maps__free(m2);

	/* A kernel thread has no mappings; a zombie is gone. */
	assert_int_equal(symbolizer__snapshot(sym, 1003, &m3), 0);
	assert_int_equal(proc_maps__count(m3), 0);
	f = resolve(sym, m3, 0x401000, false);
	assert_string_equal(f.func, "[unknown]");
	proc_maps__free(m3);
	assert_int_equal(symbolizer__snapshot(sym, 1004, &m3), -ESRCH);
	assert_int_equal(symbolizer__snapshot(sym, 1005, &m3), -ESRCH);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.vanished, 2);
	assert_int_equal(stats.bad_files, 1);

	/*
	 * Files of a process that died before they were opened are not bad files, and the
	 * failure is not cached: the next process mapping them gets names.
	 */
	make_fake_pid(root, 1006, gone, "1006 (gone) Z 1 1 1\n");
	make_fake_pid(root, 1007, copied, "1007 (copied) S 1 1 1\n");
	assert_int_equal(symbolizer__snapshot(sym, 1006, &m1), 0);
	f = resolve(sym, m1, c.funcs[0].runtime, false);
	/* no ELF file, so the file offset, which for .text here equals the vaddr */
	snprintf(want, sizeof(want), "gone+0x%llx", (unsigned long long)c.funcs[0].vaddr);
	assert_string_equal(f.func, want);
	assert_false(f.named);
	assert_int_equal(symbolizer__snapshot(sym, 1007, &m2), 0);
	check_fixture_names(sym, m2, &c, copy);
	proc_maps__free(m1);
	proc_maps__free(m2);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_files, 1);
	symbolizer__free(sym);
	unlink(copy);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_after_exit), cmocka_unit_test(test_shared_dso),
		cmocka_unit_test(test_own_process),	 cmocka_unit_test(test_no_such_process),
		cmocka_unit_test(test_stripped_child),	 cmocka_unit_test(test_deleted_binary),
		cmocka_unit_test(test_bad_mapped_files), cmocka_unit_test(test_fake_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
