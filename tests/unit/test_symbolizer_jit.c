// SPDX-License-Identifier: GPL-2.0-only
/*
 * Code without a file behind it: JIT code named from perf maps (a live fixture, a process
 * in its own pid and mount namespace faked under a handmade /proc, maps that grow and
 * processes that go away), the vDSO, and processes and maps files that vanish while read.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc_jit.h"
#include "proc_maps.h"
#include "symbolizer.h"
#include "vdso.h"

#define JIT_FIXTURE TEST_PROGRAM_DIR "/jit_fixture"
#define MAX_JIT 8

struct jit_func {
	uint64_t addr;
	uint64_t size;
	char name[128];
};

struct jit_child {
	pid_t pid;
	FILE *in;  /* its stdin */
	FILE *out; /* its stdout */
	struct jit_func funcs[MAX_JIT];
	size_t nr_funcs;
	uint64_t vdso_addr; /* of __vdso_clock_gettime; 0 if it found none */
};

/* Reads "jit ..." and "vdso ..." lines up to "end". Returns false at EOF. */
static bool jit_child__read(struct jit_child *c)
{
	char line[256];

	while (fgets(line, sizeof(line), c->out)) {
		struct jit_func *f = &c->funcs[c->nr_funcs];
		unsigned long long addr, size;
		int n = 0;

		if (!strcmp(line, "end\n"))
			return true;
		if (sscanf(line, "vdso %llx", &addr) == 1) {
			c->vdso_addr = addr;
			continue;
		}
		if (c->nr_funcs < MAX_JIT &&
		    sscanf(line, "jit %llx %llx %n", &addr, &size, &n) == 2 && n) {
			f->addr = addr;
			f->size = size;
			snprintf(f->name, sizeof(f->name), "%.*s", (int)strcspn(line + n, "\n"),
				 line + n);
			c->nr_funcs++;
		}
	}
	return false;
}

/* Starts the fixture in "wait" mode; false when it cannot generate code here. */
static bool jit_child__start(struct jit_child *c)
{
	int in[2], out[2], status;

	memset(c, 0, sizeof(*c));
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (!c->pid) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execl(JIT_FIXTURE, JIT_FIXTURE, "wait", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = fdopen(in[1], "w");
	c->out = fdopen(out[0], "r");
	assert_non_null(c->in);
	assert_non_null(c->out);
	if (jit_child__read(c)) {
		assert_int_equal(c->nr_funcs, 2);
		return true;
	}
	fclose(c->in);
	fclose(c->out);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	return false;
}

static void jit_child__finish(struct jit_child *c)
{
	int status;

	fclose(c->in);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	fclose(c->out);
}

static struct symbolizer *new_symbolizer(const char *proc_root)
{
	struct symbolizer_opts opts = { .proc_root = proc_root };
	struct symbolizer *sym = symbolizer__new(&opts);

	assert_non_null(sym);
	return sym;
}

static struct sym_frame resolve(struct symbolizer *sym, const struct proc_maps *maps, uint64_t ip,
				bool return_addr)
{
	struct sym_frame f[4];

	memset(f, 0xa5, sizeof(f));
	assert_int_equal(symbolizer__resolve_user(sym, maps, ip, return_addr, f, 4), 1);
	assert_non_null(f[0].func);
	assert_false(f[0].inlined);
	return f[0];
}

static void assert_jit(struct symbolizer *sym, const struct proc_maps *maps, uint64_t ip,
		       bool return_addr, const char *name)
{
	struct sym_frame f = resolve(sym, maps, ip, return_addr);

	if (strcmp(f.func, name))
		fail_msg("0x%llx: want '%s', got '%s'", (unsigned long long)ip, name, f.func);
	assert_true(f.named);
	assert_true(f.jit);
	assert_string_equal(f.module, SYMBOLIZER_JIT_MODULE);
	assert_int_equal(f.addr, ip);
}

static void assert_not_jit(struct symbolizer *sym, const struct proc_maps *maps, uint64_t ip)
{
	struct sym_frame f = resolve(sym, maps, ip, false);

	assert_false(f.jit);
	assert_false(f.named);
	assert_string_equal(f.func, "[unknown]");
}

/* Past the perf map's rate limit, so that the next miss looks at the file again. */
static void wait_recheck(void)
{
	usleep(PROC_JIT_RECHECK_MS * 1000 * 3 / 2);
}

static void assert_vdso_name(const struct sym_frame *f)
{
	/* One address, two names; the global one is preferred, but either is right. */
	if (strcmp(f->func, "__vdso_clock_gettime") && strcmp(f->func, "clock_gettime"))
		fail_msg("vdso address named '%s'", f->func);
	assert_true(f->named);
	assert_false(f->jit);
	assert_string_equal(f->module, "[vdso]");
}

static void test_jit_child(void **state)
{
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct jit_child c;
	struct sym_frame f;
	uint64_t grown;
	size_t i;

	(void)state;
	if (!jit_child__start(&c))
		skip();
	sym = new_symbolizer(NULL);
	assert_int_equal(symbolizer__snapshot(sym, c.pid, &maps), 0);
	for (i = 0; i < c.nr_funcs; i++) {
		const struct jit_func *fn = &c.funcs[i];

		assert_jit(sym, maps, fn->addr, false, fn->name);
		assert_jit(sym, maps, fn->addr + fn->size - 1, false, fn->name);
		/* a return address just past the end is the call at the end */
		assert_jit(sym, maps, fn->addr + fn->size, true, fn->name);
	}
	/* the gap after the first copy, and the third copy, not described yet */
	assert_not_jit(sym, maps, c.funcs[0].addr + c.funcs[0].size);
	grown = c.funcs[0].addr + 0x200;
	assert_not_jit(sym, maps, grown);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_perf_map_lines, 1);

	if (c.vdso_addr) {
		f = resolve(sym, maps, c.vdso_addr, false);
		assert_vdso_name(&f);
	}

	/* Code described after the snapshot is named once the map is read again. */
	fputs("grow\n", c.in);
	fflush(c.in);
	assert_true(jit_child__read(&c));
	assert_int_equal(c.nr_funcs, 3);
	assert_int_equal(c.funcs[2].addr, grown);
	wait_recheck();
	assert_jit(sym, maps, grown + 4, false, "jit_fixture_grown");

	/* Gone with its map file: what was read still names its code. */
	jit_child__finish(&c);
	wait_recheck();
	for (i = 0; i < c.nr_funcs; i++)
		assert_jit(sym, maps, c.funcs[i].addr + 1, false, c.funcs[i].name);
	assert_not_jit(sym, maps, c.funcs[0].addr + 0x280);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_perf_map_lines, 1);
	proc_maps__free(maps);
	symbolizer__free(sym);
}

/*
 * A process that maps no code outside ELF files has no perf map read (perf's rule): what one
 * says of its addresses is not believed, and reading it for every process would be waste.
 */
static void test_no_jit_code(void **state)
{
	struct proc_maps *maps;
	struct symbolizer *sym;
	char path[64];
	FILE *map;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		/* Gone with the test, even one that failed before it could end this. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(30);
		pause();
		_exit(0);
	}
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", pid);
	map = fopen(path, "w");
	assert_non_null(map);
	fputs("10000 100 not_jit_code\n", map);
	assert_int_equal(fclose(map), 0);
	sym = new_symbolizer(NULL);
	assert_int_equal(symbolizer__snapshot(sym, pid, &maps), 0);
	assert_not_jit(sym, maps, 0x10010);
	proc_maps__free(maps);
	symbolizer__free(sym);
	unlink(path);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A handmade /proc: a process in its own pid and mount namespace. */

static void write_text(const char *path, const char *text, const char *mode)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_dir(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void write_rel(const char *root, const char *rel, const char *text, const char *mode)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	write_text(path, text, mode);
}

static void write_stat(const char *root, int pid, char state, unsigned long long start_time)
{
	char rel[64], text[256];

	snprintf(rel, sizeof(rel), "%d/stat", pid);
	snprintf(text, sizeof(text),
		 "%d (node (x)) %c 1 %d %d 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 7 0 %llu 1000 "
		 "200 18446744073709551615\n",
		 pid, state, pid, pid, start_time);
	write_rel(root, rel, text, "w");
}

/*
 * A process @pid that calls itself @nspid: maps with anonymous code, stat, status, and a
 * root folder with tmp/ in it.
 */
static void make_process(const char *root, int pid, int nspid, const char *maps)
{
	char rel[64], text[256];

	snprintf(rel, sizeof(rel), "%d", pid);
	make_dir(root, rel);
	snprintf(rel, sizeof(rel), "%d/maps", pid);
	write_rel(root, rel, maps, "w");
	write_stat(root, pid, 'S', 4242);
	snprintf(rel, sizeof(rel), "%d/status", pid);
	snprintf(text, sizeof(text),
		 "Name:\tnode\nState:\tS (sleeping)\nTgid:\t%d\nPid:\t%d\n"
		 "Uid:\t%u\t%u\t%u\t%u\nNSpid:\t%d\t%d\n",
		 pid, pid, geteuid(), geteuid(), geteuid(), geteuid(), pid, nspid);
	write_rel(root, rel, text, "w");
	snprintf(rel, sizeof(rel), "%d/root", pid);
	make_dir(root, rel);
	snprintf(rel, sizeof(rel), "%d/root/tmp", pid);
	make_dir(root, rel);
}

static void remove_tree(const char *root)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

#define FAKE_MAPS                                                                                  \
	"55d000000000-55d000001000 r--p 00000000 00:00 0 \n"                                       \
	"7f0000000000-7f0000100000 r-xp 00000000 00:00 0 \n"                                       \
	"7f0000200000-7f0000201000 rwxp 00000000 00:00 0                  [anon:v8 code]\n"        \
	"7ffff7fc1000-7ffff7fc6000 r-xp 00000000 00:00 0                  [vdso]\n"

static void test_container_perf_map(void **state)
{
	char root[] = "/tmp/sym_jit_proc.XXXXXX";
	struct symbolizer_stats stats;
	struct proc_maps *maps, *other;
	struct symbolizer *sym;
	struct sym_frame f;

	(void)state;
	assert_non_null(mkdtemp(root));
	/* Pid 4242 on the host is pid 17 in its container, and writes /tmp/perf-17.map there. */
	make_process(root, 4242, 17, FAKE_MAPS);
	write_rel(root, "4242/root/tmp/perf-17.map",
		  "7f0000001000 100 JS:*handler /app/server.js:10\n"
		  "not a line\n"
		  "7f0000200100 80 Builtin:ArgumentsAdaptorTrampoline\n"
		  "7f0000400000 100 RegExp:[a-z]+\n",
		  "w");
	write_rel(root, "4242/root/tmp/perf-4242.map", "7f0000001000 100 wrong_namespace\n", "w");

	sym = new_symbolizer(root);
	assert_int_equal(symbolizer__snapshot(sym, 4242, &maps), 0);
	assert_jit(sym, maps, 0x7f0000001010, false, "JS:*handler /app/server.js:10");
	/* in a named anonymous mapping, and outside every mapping (mapped after the snapshot) */
	assert_jit(sym, maps, 0x7f0000200100, false, "Builtin:ArgumentsAdaptorTrampoline");
	assert_jit(sym, maps, 0x7f0000400010, false, "RegExp:[a-z]+");
	assert_not_jit(sym, maps, 0x7f0000002000);
	/* The vDSO mapping has another size than ours: another image, not named from ours. */
	f = resolve(sym, maps, 0x7ffff7fc1000 + 0x800, false);
	assert_string_equal(f.func, "[vdso]+0x800");
	assert_false(f.named);
	/* Not code at all, yet no ELF file names it: the perf map is not asked for the vDSO. */
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_perf_map_lines, 1);

	/* The map grows while the process lives. */
	write_rel(root, "4242/root/tmp/perf-17.map", "7f0000002000 100 JS:~later\nbad\n", "a");
	wait_recheck();
	assert_jit(sym, maps, 0x7f0000002000, false, "JS:~later");
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_perf_map_lines, 2);

	/* Once the process is a zombie, its map is final. */
	write_rel(root, "4242/root/tmp/perf-17.map", "7f0000003000 100 JS:~too_late\n", "a");
	write_stat(root, 4242, 'Z', 4242);
	wait_recheck();
	assert_not_jit(sym, maps, 0x7f0000003000);
	write_stat(root, 4242, 'S', 4242);
	wait_recheck();
	assert_not_jit(sym, maps, 0x7f0000003000);
	proc_maps__free(maps);

	/*
	 * Another process got pid 4243 since the snapshot (another start time): its map is
	 * not this process's.
	 */
	make_process(root, 4243, 4243, FAKE_MAPS);
	assert_int_equal(symbolizer__snapshot(sym, 4243, &other), 0);
	assert_not_jit(sym, other, 0x7f0000001000);
	write_rel(root, "4243/root/tmp/perf-4243.map", "7f0000001000 100 new_process\n", "w");
	write_stat(root, 4243, 'S', 9999);
	wait_recheck();
	assert_not_jit(sym, other, 0x7f0000001000);
	proc_maps__free(other);

	/* The same process, with its map created after its snapshot. */
	make_process(root, 4244, 4244, FAKE_MAPS);
	assert_int_equal(symbolizer__snapshot(sym, 4244, &other), 0);
	assert_not_jit(sym, other, 0x7f0000001000);
	write_rel(root, "4244/root/tmp/perf-4244.map", "7f0000001000 100 created_late\n", "w");
	wait_recheck();
	assert_jit(sym, other, 0x7f0000001000, false, "created_late");
	proc_maps__free(other);

	symbolizer__free(sym);
	remove_tree(root);
}

/*
 * Snapshots of one process share its perf map: the process is snapshotted again after
 * exec and whenever it runs code mapped since, which must not read the file again.
 */
static void test_shared_perf_map(void **state)
{
	char root[] = "/tmp/sym_jit_share.XXXXXX";
	struct proc_maps *first, *second;
	struct symbolizer_stats stats;
	struct symbolizer *sym;

	(void)state;
	assert_non_null(mkdtemp(root));
	make_process(root, 4300, 4300, FAKE_MAPS);
	write_rel(root, "4300/root/tmp/perf-4300.map", "7f0000001000 100 JS:first\nbad\n", "w");
	sym = new_symbolizer(root);
	assert_int_equal(symbolizer__snapshot(sym, 4300, &first), 0);
	/* Rewritten in place, its size unchanged: what reading it again would find. */
	write_rel(root, "4300/root/tmp/perf-4300.map", "7f0000001000 100 JS:other", "r+");
	assert_int_equal(symbolizer__snapshot(sym, 4300, &second), 0);
	assert_jit(sym, second, 0x7f0000001000, false, "JS:first");
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_perf_map_lines, 1);

	/* What the process adds is seen through either snapshot. */
	write_rel(root, "4300/root/tmp/perf-4300.map", "7f0000002000 100 JS:added\n", "a");
	wait_recheck();
	assert_jit(sym, first, 0x7f0000002000, false, "JS:added");
	assert_jit(sym, second, 0x7f0000002010, false, "JS:added");
	proc_maps__free(first);
	assert_jit(sym, second, 0x7f0000001000, false, "JS:first");
	proc_maps__free(second);

	/* Held by no snapshot, for a while: the next one finds it still. */
	assert_int_equal(symbolizer__snapshot(sym, 4300, &first), 0);
	assert_jit(sym, first, 0x7f0000001000, false, "JS:first");
	proc_maps__free(first);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_perf_map_lines, 1);

	/*
	 * Held by none, its process gone: freed when idle states are next looked at (a
	 * second on), as the snapshot of another process does. Back to life as a test's
	 * process can be, it is read anew.
	 */
	write_stat(root, 4300, 'Z', 4242);
	usleep(1100 * 1000);
	make_process(root, 4301, 4301, FAKE_MAPS);
	assert_int_equal(symbolizer__snapshot(sym, 4301, &second), 0);
	proc_maps__free(second);
	write_stat(root, 4300, 'S', 4242);
	assert_int_equal(symbolizer__snapshot(sym, 4300, &first), 0);
	assert_jit(sym, first, 0x7f0000001000, false, "JS:other");
	proc_maps__free(first);
	symbolizer__free(sym);
	remove_tree(root);
}

/* Maps files cut short, processes without status, and a map that is a directory. */
static void test_vanishing(void **state)
{
	char root[] = "/tmp/sym_jit_gone.XXXXXX", rel[64];
	struct proc_maps *maps;
	struct symbolizer *sym;

	(void)state;
	assert_non_null(mkdtemp(root));
	/* A maps file cut in the middle of a line, as when the process exits while read. */
	make_process(root, 5001, 5001,
		     "7f0000000000-7f0000100000 r-xp 00000000 00:00 0 \n7f00002000");
	write_rel(root, "5001/root/tmp/perf-5001.map", "7f0000001000 10 still_named\n7f00", "w");
	/* Status gone (the process went away after its maps were read): no perf map. */
	make_process(root, 5002, 5002, FAKE_MAPS);
	write_rel(root, "5002/root/tmp/perf-5002.map", "7f0000001000 10 unreachable\n", "w");
	snprintf(rel, sizeof(rel), "%s/5002/status", root);
	assert_int_equal(unlink(rel), 0);
	/* A perf map that is no regular file: warned about, not read, not looked at again. */
	make_process(root, 5003, 5003, FAKE_MAPS);
	make_dir(root, "5003/root/tmp/perf-5003.map");

	sym = new_symbolizer(root);
	assert_int_equal(symbolizer__snapshot(sym, 5001, &maps), 0);
	assert_int_equal(proc_maps__count(maps), 1);
	assert_jit(sym, maps, 0x7f0000001008, false, "still_named");
	assert_not_jit(sym, maps, 0x7f0000002000);
	proc_maps__free(maps);

	assert_int_equal(symbolizer__snapshot(sym, 5002, &maps), 0);
	assert_not_jit(sym, maps, 0x7f0000001000);
	wait_recheck();
	assert_not_jit(sym, maps, 0x7f0000001000);
	proc_maps__free(maps);

	assert_int_equal(symbolizer__snapshot(sym, 5003, &maps), 0);
	assert_not_jit(sym, maps, 0x7f0000001000);
	proc_maps__free(maps);

	/* Vanished entirely. */
	assert_int_equal(symbolizer__snapshot(sym, 5004, &maps), -ESRCH);
	symbolizer__free(sym);
	remove_tree(root);
}

/* Processes that exit while their snapshot is taken: 0 or -ESRCH, never worse. */
static void test_exit_races(void **state)
{
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	int i, ok = 0, gone = 0, err;
	pid_t pid;

	(void)state;
	sym = new_symbolizer(NULL);
	for (i = 0; i < 100; i++) {
		pid = fork();
		assert_true(pid >= 0);
		if (!pid) {
			/* Spin a varying while, so exits land at varying points of the read. */
			for (volatile int spin = 0; spin < (i % 10) * 20000; spin++)
				;
			_exit(0);
		}
		maps = NULL;
		err = symbolizer__snapshot(sym, pid, &maps);
		if (err) {
			assert_int_equal(err, -ESRCH);
			assert_null(maps);
			gone++;
		} else {
			resolve(sym, maps, (uintptr_t)test_exit_races, false);
			resolve(sym, maps, 0x7f0000001000, false);
			ok++;
		}
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		if (maps)
			resolve(sym, maps, 0x7f0000001000, false);
		proc_maps__free(maps);
	}
	assert_int_equal(ok + gone, 100);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.vanished, gone);
	symbolizer__free(sym);
}

/* Our own vDSO, through the snapshot of our own process. */
static void test_vdso_own(void **state)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct sym_frame f;
	void *vdso, *fn;

	(void)state;
	vdso = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
	fn = vdso ? dlsym(vdso, "__vdso_clock_gettime") : NULL;
	if (!base || !fn)
		skip();
	sym = new_symbolizer(NULL);
	assert_int_equal(symbolizer__snapshot(sym, getpid(), &maps), 0);
	f = resolve(sym, maps, (uintptr_t)fn, false);
	assert_vdso_name(&f);
	assert_int_equal(f.addr, (uintptr_t)fn - base);
	f = resolve(sym, maps, (uintptr_t)fn + 3, false);
	assert_vdso_name(&f);
	/* the ELF header is no function */
	f = resolve(sym, maps, base + 0x10, false);
	assert_string_equal(f.func, "[vdso]+0x10");
	assert_false(f.named);
	proc_maps__free(maps);
	symbolizer__free(sym);
	dlclose(vdso);
}

/* vdso.c on its own: the image, and broken ones. */
static void test_vdso_image(void **state)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	struct vdso *self = NULL, *copy = NULL, *bad = NULL;
	unsigned char garbage[4096];
	uint64_t vaddr, off;
	const char *name = NULL;
	size_t i;

	(void)state;
	if (!base)
		skip();
	assert_int_equal(vdso__read_self("/proc/self/maps", &self), 0);
	assert_true(vdso__size(self) >= 4096);
	/* Some offset names a function, and the same one in a copy of the image. */
	for (off = 0; off < vdso__size(self) && !name; off += 16)
		name = vdso__find(self, off, &vaddr);
	assert_non_null(name);
	off -= 16;
	assert_int_equal(vdso__from_image((const void *)base, vdso__size(self), &copy), 0);
	assert_string_equal(vdso__find(copy, off, NULL), name);
	assert_null(vdso__find(self, vdso__size(self), NULL));
	assert_null(vdso__find(self, UINT64_MAX, NULL));
	vdso__free(copy);

	/* no [vdso] line there */
	assert_int_equal(vdso__read_self("/dev/null", &bad), -ENOENT);
	/* garbage, a cut image, nothing */
	for (i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 13 + 7);
	assert_int_equal(vdso__from_image(garbage, sizeof(garbage), &bad), -ENOEXEC);
	assert_int_equal(vdso__from_image((const void *)base, 64, &bad), -ENOEXEC);
	assert_int_equal(vdso__from_image((const void *)base, 0, &bad), -ENOEXEC);
	/* the headers with the rest zeroed: no symbols to read */
	memset(garbage, 0, sizeof(garbage));
	memcpy(garbage, (const void *)base, 64);
	assert_int_equal(vdso__from_image(garbage, sizeof(garbage), &bad), -ENOEXEC);
	assert_null(bad);
	vdso__free(self);
	vdso__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jit_child),	   cmocka_unit_test(test_no_jit_code),
		cmocka_unit_test(test_container_perf_map), cmocka_unit_test(test_shared_perf_map),
		cmocka_unit_test(test_vanishing),	   cmocka_unit_test(test_exit_races),
		cmocka_unit_test(test_vdso_own),	   cmocka_unit_test(test_vdso_image),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
