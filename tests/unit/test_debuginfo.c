// SPDX-License-Identifier: GPL-2.0-only
/*
 * DWARF and separate debug files end to end: inline chains with file:line from gcc and
 * clang, DWARF 4 and 5, without .debug_aranges, compressed sections; debug files found by
 * build id in a root, by .gnu_debuglink (good and bad CRC, beside the program, in .debug/,
 * under a root, inside a process's own root), from MiniDebugInfo; C++ names; return
 * addresses at the end of a function; and debug files with garbage or cut short.
 *
 * The fixtures (tests/programs/dbg_fixture*.c*) print the addresses to look up; the
 * expected lines are the ones their source marks "LINE:name".
 */
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "debuginfo.h"
#include "dso.h"
#include "dso_cache.h"
#include "dso_image.h"
#include "log.h"
#include "proc_maps.h"
#include "symbolizer.h"

#define C_SOURCE TEST_SOURCE_DIR "/programs/dbg_fixture.c"
#define CPP_SOURCE TEST_SOURCE_DIR "/programs/dbg_fixture_cpp.cpp"
#define MAX_PROBES 8

struct probe {
	char name[32];
	uint64_t runtime;
	uint64_t vaddr;
};

/* A fixture run: its probes, and while it waits, its pid and the pipe that ends it. */
struct run {
	pid_t pid;
	int stdin_fd;
	struct probe probes[MAX_PROBES];
	size_t nr_probes;
};

static char *program(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", TEST_PROGRAM_DIR, name);
	return path;
}

static bool have_program(const char *name)
{
	if (!access(program(name), X_OK))
		return true;
	printf("skipping %s: not built (no compiler or tool for it; see tests/CMakeLists.txt)\n",
	       name);
	return false;
}

/*
 * In a new mount namespace, mounts a tmpfs on @root, copies the program @name and its
 * .debug file into @root/app, and makes the tmpfs the root of the namespace (pivot_root,
 * as container runtimes do): a container whose files only its processes see, under paths
 * that mean something else outside. Returns 0, or the step that failed.
 */
static int contain(const char *root, const char *name)
{
	char cmd[4 * PATH_MAX], old[PATH_MAX];

	if (unshare(CLONE_NEWNS))
		return 1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 2;
	if (mount("bpfprof-test", root, "tmpfs", 0, NULL))
		return 3;
	snprintf(cmd, sizeof(cmd), "mkdir %s/app %s/old && cp %s %s.debug %s/app/", root, root,
		 program(name), program(name), root);
	if (system(cmd))
		return 4;
	snprintf(old, sizeof(old), "%s/old", root);
	if (syscall(SYS_pivot_root, root, old) || chdir("/"))
		return 5;
	if (umount2("/old", MNT_DETACH) || rmdir("/old"))
		return 6;
	return 0;
}

/*
 * Starts @path in "wait" mode and reads its probes. With @root set, the child runs in a
 * container there (see contain()), the program @path names inside it.
 */
static void run__start_in(struct run *r, const char *path, const char *root)
{
	int in[2], out[2];
	char line[256];
	FILE *f;

	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	r->pid = fork();
	assert_true(r->pid >= 0);
	if (!r->pid) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		int step = root ? contain(root, strrchr(path, '/') + 1) : 0;

		if (step)
			_exit(120 + step);
		execl(path, path, "wait", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	r->stdin_fd = in[1];
	r->nr_probes = 0;
	f = fdopen(out[0], "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct probe *p = &r->probes[r->nr_probes];
		unsigned long long rt, va;

		if (!strcmp(line, "end\n"))
			break;
		if (r->nr_probes < MAX_PROBES &&
		    sscanf(line, "probe %31s %llx %llx", p->name, &rt, &va) == 3) {
			p->runtime = rt;
			p->vaddr = va;
			r->nr_probes++;
		}
	}
	fclose(f);
	assert_true(r->nr_probes > 0);
}

static void run__start(struct run *r, const char *path)
{
	run__start_in(r, path, NULL);
}

static void run__finish(struct run *r)
{
	int status;

	close(r->stdin_fd);
	assert_int_equal(waitpid(r->pid, &status, 0), r->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static const struct probe *run__probe(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->nr_probes; i++) {
		if (!strcmp(r->probes[i].name, name))
			return &r->probes[i];
	}
	fail_msg("no probe %s", name);
	return NULL;
}

/* The line of @source whose text holds "LINE:@name" (followed by a space). */
static unsigned int marker_line(const char *source, const char *name)
{
	char line[512], marker[64];
	unsigned int n = 0;
	FILE *f = fopen(source, "r");

	assert_non_null(f);
	snprintf(marker, sizeof(marker), "LINE:%s ", name);
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, marker)) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	fail_msg("no marker %s in %s", marker, source);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static struct symbolizer *new_symbolizer(const char *debuginfo_path)
{
	struct symbolizer_opts opts = { .debuginfo_path = debuginfo_path };
	struct symbolizer *sym = symbolizer__new(&opts);

	assert_non_null(sym);
	return sym;
}

/* @got is @want, or a clone of it gcc made: "@want [clone .isra.0]". */
static bool same_function(const char *got, const char *want)
{
	size_t len = strlen(want);

	return !strncmp(got, want, len) && (!got[len] || !strncmp(got + len, " [clone .", 9));
}

static void expect_frame(const struct sym_frame *f, const char *func, const char *source,
			 const char *marker, bool inlined)
{
	if (!same_function(f->func, func))
		fail_msg("frame %s, expected %s", f->func, func);
	assert_true(f->named);
	assert_int_equal(f->inlined, inlined);
	if (!f->file)
		fail_msg("%s has no file", func);
	if (!ends_with(f->file, strrchr(source, '/')))
		fail_msg("%s in %s, expected %s", func, f->file, source);
	if (f->line != marker_line(source, marker))
		fail_msg("%s at line %u, expected %u (LINE:%s)", func, f->line,
			 marker_line(source, marker), marker);
}

/* The C fixture's probes, fully: inline chain, a plain call, a call ending a function. */
static void check_c_frames(struct symbolizer *sym, const struct proc_maps *maps,
			   const struct run *r, const char *module)
{
	const struct probe *p;
	struct sym_frame f[8];
	int n;

	p = run__probe(r, "inline");
	n = symbolizer__resolve_user(sym, maps, p->runtime, true, f, 8);
	assert_int_equal(n, 3);
	expect_frame(&f[0], "dbg_inner", C_SOURCE, "inner", true);
	expect_frame(&f[1], "dbg_middle", C_SOURCE, "middle", true);
	expect_frame(&f[2], "dbg_outer", C_SOURCE, "outer", false);
	for (int i = 0; i < n; i++) {
		assert_int_equal(f[i].addr, p->vaddr);
		assert_string_equal(f[i].module, module);
		assert_null(f[i].mangled);
	}
	/* A chain longer than the room loses its innermost frames, never the caller. */
	assert_int_equal(symbolizer__resolve_user(sym, maps, p->runtime, true, f, 2), 2);
	expect_frame(&f[0], "dbg_middle", C_SOURCE, "middle", true);
	expect_frame(&f[1], "dbg_outer", C_SOURCE, "outer", false);

	p = run__probe(r, "plain");
	assert_int_equal(symbolizer__resolve_user(sym, maps, p->runtime, true, f, 8), 1);
	expect_frame(&f[0], "dbg_plain", C_SOURCE, "plain", false);

	/* The return address of a call ending a function is past it: looked up at pc - 1. */
	p = run__probe(r, "last");
	assert_int_equal(symbolizer__resolve_user(sym, maps, p->runtime, true, f, 8), 1);
	expect_frame(&f[0], "dbg_last_call", C_SOURCE, "last", false);
	assert_int_equal(f[0].addr, p->vaddr);
	n = symbolizer__resolve_user(sym, maps, p->runtime, false, f, 8);
	assert_true(n >= 1);
	assert_string_not_equal(f[n - 1].func, "dbg_last_call");
}

/* Runs @name, snapshots it, lets it exit, and checks its frames with @debuginfo_path. */
static void check_c_program(const char *name, const char *debuginfo_path)
{
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	char module[PATH_MAX];
	struct run r;

	assert_non_null(realpath(program(name), module));
	sym = new_symbolizer(debuginfo_path);
	run__start(&r, program(name));
	assert_int_equal(symbolizer__snapshot(sym, r.pid, &maps), 0);
	/* Read after the exit: the files were held, the debug file is found by path. */
	run__finish(&r);
	check_c_frames(sym, maps, &r, module);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_files, 0);
	assert_int_equal(stats.bad_debuginfo, 0);
	proc_maps__free(maps);
	symbolizer__free(sym);
}

/* The DWARF version of the first unit of @path, which must have DWARF. */
static int dwarf_version(const char *path)
{
	Dwarf_Half version = 0;
	Dwarf_CU *cu = NULL;
	Dwarf *dw;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	dw = dwarf_begin(fd, DWARF_C_READ);
	assert_non_null(dw);
	assert_int_equal(dwarf_get_units(dw, NULL, &cu, &version, NULL, NULL, NULL), 0);
	dwarf_end(dw);
	close(fd);
	return version;
}

/* Whether the section @name of @path exists, and whether it is compressed. */
static bool has_section(const char *path, const char *name, bool *compressed)
{
	GElf_Shdr shdr;
	Elf_Scn *scn;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	scn = debuginfo__section(elf, name, NULL);
	if (scn && compressed)
		*compressed = gelf_getshdr(scn, &shdr) && (shdr.sh_flags & SHF_COMPRESSED);
	elf_end(elf);
	close(fd);
	return scn != NULL;
}

static void test_dwarf_versions(void **state)
{
	static const struct {
		const char *name;
		int version;
	} variants[] = {
		{ "dbg_fixture_gcc4", 4 },
		{ "dbg_fixture_gcc5", 5 },
		{ "dbg_fixture_clang4", 4 },
		{ "dbg_fixture_clang5", 5 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		if (!have_program(variants[i].name))
			continue;
		assert_int_equal(dwarf_version(program(variants[i].name)), variants[i].version);
		check_c_program(variants[i].name, NULL);
	}
}

/* clang writes no .debug_aranges by default: units are found by their own ranges. */
static void test_no_aranges(void **state)
{
	(void)state;
	assert_false(has_section(program("dbg_fixture"), ".debug_aranges", NULL));
	check_c_program("dbg_fixture", NULL);
	if (have_program("dbg_fixture_gcc5"))
		assert_true(has_section(program("dbg_fixture_gcc5"), ".debug_aranges", NULL));
}

/* -gz: SHF_COMPRESSED debug sections, decompressed by libelf. */
static void test_compressed_sections(void **state)
{
	bool compressed = false;

	(void)state;
	if (!have_program("dbg_fixture_gz"))
		skip();
	assert_true(has_section(program("dbg_fixture_gz"), ".debug_info", &compressed));
	assert_true(compressed);
	check_c_program("dbg_fixture_gz", NULL);
}

/* Frames of a program stripped of everything, with no debug file found: placeholders. */
static void check_placeholders(const char *path, const char *debuginfo_path,
			       uint64_t want_bad_debuginfo)
{
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct sym_frame f[8];
	char want[PATH_MAX];
	struct run r;

	sym = new_symbolizer(debuginfo_path);
	run__start(&r, path);
	assert_int_equal(symbolizer__snapshot(sym, r.pid, &maps), 0);
	run__finish(&r);
	for (size_t i = 0; i < r.nr_probes; i++) {
		assert_int_equal(
			symbolizer__resolve_user(sym, maps, r.probes[i].runtime, true, f, 8), 1);
		snprintf(want, sizeof(want), "%s+0x%llx", strrchr(path, '/') + 1,
			 (unsigned long long)r.probes[i].vaddr);
		assert_string_equal(f[0].func, want);
		assert_false(f[0].named);
		assert_null(f[0].file);
	}
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_files, 0);
	assert_int_equal(stats.bad_debuginfo, want_bad_debuginfo);
	proc_maps__free(maps);
	symbolizer__free(sym);
}

static void test_build_id_root(void **state)
{
	(void)state;
	/* Not in /usr/lib/debug: without the root, nothing names the stripped program. */
	check_placeholders(program("dbg_fixture_buildid"), NULL, 0);
	check_c_program("dbg_fixture_buildid", TEST_DEBUG_ROOT);
	/* Any position in the list, empty entries skipped. */
	check_c_program("dbg_fixture_buildid", "/nonexistent::" TEST_DEBUG_ROOT ":");
}

static void copy_file(const char *from, const char *to)
{
	char cmd[4 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cp %s %s", from, to);
	assert_int_equal(system(cmd), 0);
}

static void remove_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Runs the copy @path of a fixture, and checks its frames with @debuginfo_path. */
static void check_c_copy(const char *path, const char *debuginfo_path)
{
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct run r;

	sym = new_symbolizer(debuginfo_path);
	run__start(&r, path);
	assert_int_equal(symbolizer__snapshot(sym, r.pid, &maps), 0);
	run__finish(&r);
	check_c_frames(sym, maps, &r, path);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_debuginfo, 0);
	proc_maps__free(maps);
	symbolizer__free(sym);
}

static void test_debuglink(void **state)
{
	char dir[] = "/tmp/test_debuglink.XXXXXX", root[] = "/tmp/test_debuglink_root.XXXXXX";
	char prog[PATH_MAX], debug[2 * PATH_MAX], sub[PATH_MAX + 64];
	char built[PATH_MAX], built_debug[PATH_MAX + 8];
	FILE *f;

	(void)state;
	snprintf(built, sizeof(built), "%s", program("dbg_fixture_debuglink"));
	snprintf(built_debug, sizeof(built_debug), "%s.debug", built);
	/* beside the program, where the build put it */
	check_c_program("dbg_fixture_debuglink", NULL);

	/* in the .debug folder beside the program */
	assert_non_null(mkdtemp(dir));
	snprintf(prog, sizeof(prog), "%s/dbg_fixture_debuglink", dir);
	snprintf(sub, sizeof(sub), "%s/.debug", dir);
	snprintf(debug, sizeof(debug), "%s/dbg_fixture_debuglink.debug", sub);
	copy_file(built, prog);
	assert_int_equal(mkdir(sub, 0755), 0);
	copy_file(built_debug, debug);
	check_c_copy(prog, NULL);

	/* under a root, at the program's own path: ROOT/DIR/NAME */
	assert_non_null(mkdtemp(root));
	unlink(debug);
	snprintf(sub, sizeof(sub), "mkdir -p %s%s", root, dir);
	assert_int_equal(system(sub), 0);
	snprintf(debug, sizeof(debug), "%s%s/dbg_fixture_debuglink.debug", root, dir);
	copy_file(built_debug, debug);
	check_placeholders(prog, NULL, 0);
	check_c_copy(prog, root);

	/* beside the program again, but not the file the link was made for: CRC differs */
	snprintf(debug, sizeof(debug), "%s/dbg_fixture_debuglink.debug", dir);
	copy_file(built_debug, debug);
	f = fopen(debug, "a");
	assert_non_null(f);
	fputs("changed", f);
	fclose(f);
	check_placeholders(prog, NULL, 1);

	remove_tree(dir);
	remove_tree(root);
}

/* MiniDebugInfo: function symbols only, no lines. */
static void test_minidebuginfo(void **state)
{
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct sym_frame f[8];
	struct run r;

	(void)state;
	if (!have_program("dbg_fixture_mini"))
		skip();
	assert_true(has_section(program("dbg_fixture_mini"), ".gnu_debugdata", NULL));
	assert_false(has_section(program("dbg_fixture_mini"), ".symtab", NULL));
	sym = new_symbolizer(NULL);
	run__start(&r, program("dbg_fixture_mini"));
	assert_int_equal(symbolizer__snapshot(sym, r.pid, &maps), 0);
	run__finish(&r);
	assert_int_equal(symbolizer__resolve_user(sym, maps, run__probe(&r, "inline")->runtime,
						  true, f, 8),
			 1);
	assert_string_equal(f[0].func, "dbg_outer");
	assert_true(f[0].named);
	assert_null(f[0].file);
	assert_int_equal(symbolizer__resolve_user(sym, maps, run__probe(&r, "last")->runtime, true,
						  f, 8),
			 1);
	assert_string_equal(f[0].func, "dbg_last_call");
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_debuginfo, 0);
	proc_maps__free(maps);
	symbolizer__free(sym);
}

static void check_cpp_program(const char *name)
{
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct sym_frame f[8];
	struct run r;

	sym = new_symbolizer(NULL);
	run__start(&r, program(name));
	assert_int_equal(symbolizer__snapshot(sym, r.pid, &maps), 0);
	run__finish(&r);
	assert_int_equal(symbolizer__resolve_user(sym, maps, run__probe(&r, "fill")->runtime, true,
						  f, 8),
			 2);
	expect_frame(&f[0], "orchard::grove::Basket<int>::fill(int)", CPP_SOURCE, "fill", true);
	assert_string_equal(f[0].mangled, "_ZN7orchard5grove6BasketIiE4fillEi");
	expect_frame(&f[1], "orchard::grove::Basket<int>::carry(int)", CPP_SOURCE, "carry", false);
	/* the symbol as the file has it, with the clone's suffix when there is one */
	assert_non_null(f[1].mangled);
	assert_memory_equal(f[1].mangled, "_ZN7orchard5grove6BasketIiE5carryEi", 35);
	assert_true(f[1].mangled[35] == '\0' || f[1].mangled[35] == '.');
	proc_maps__free(maps);
	symbolizer__free(sym);
}

static void test_cpp_names(void **state)
{
	(void)state;
	check_cpp_program("dbg_fixture_cpp");
	if (have_program("dbg_fixture_cpp_gcc"))
		check_cpp_program("dbg_fixture_cpp_gcc");
}

/* The probes of @name, from a run in print mode. */
static void read_probes(const char *path, struct run *r)
{
	run__start(r, path);
	run__finish(r);
}

static struct dso *open_dso(struct dso_cache *cache, const char *path, uint64_t key)
{
	struct dso *dso;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(dso_cache__open(cache, 1, key, fd, path, &dso), 0);
	return dso;
}

/* Copies of one program (other inodes, say other containers) share what was read. */
static void test_shared_by_build_id(void **state)
{
	char copy[] = "/tmp/test_debuginfo_copy.XXXXXX";
	struct dso_frame a[8], b[8];
	struct dso_cache *cache;
	struct dso *d1, *d2;
	struct run r;
	int n;

	(void)state;
	read_probes(program("dbg_fixture"), &r);
	close(mkstemp(copy));
	copy_file(program("dbg_fixture"), copy);
	cache = dso_cache__new();
	assert_non_null(cache);
	d1 = open_dso(cache, program("dbg_fixture"), 1);
	d2 = open_dso(cache, copy, 2);
	assert_true(d1 != d2);
	assert_true(dso__id(d1) != dso__id(d2));
	n = dso__find_frames(d1, run__probe(&r, "inline")->vaddr - 1, a, 8);
	assert_int_equal(n, 3);
	assert_int_equal(dso__find_frames(d2, run__probe(&r, "inline")->vaddr - 1, b, 8), n);
	for (int i = 0; i < n; i++) {
		assert_ptr_equal(a[i].name, b[i].name);
		assert_ptr_equal(a[i].file, b[i].file);
	}
	assert_int_equal(dso__find_frames(d1, 0, a, 8), 0);
	assert_int_equal(dso__find_frames(d1, 0, a, 0), -EINVAL);
	dso__put(d1);
	dso__put(d2);
	dso_cache__free(cache);
	unlink(copy);
}

/*
 * A binary's DWARF read again from the start (its units past the bound) names each address
 * as before: with a bound of one byte, every lookup after the first starts it again.
 */
static void test_dwarf_read_again(void **state)
{
	struct dso_frame a[8], b[8];
	struct dso_cache *cache;
	struct dso *dso;
	struct run r;
	int n;

	(void)state;
	read_probes(program("dbg_fixture"), &r);
	cache = dso_cache__new();
	assert_non_null(cache);
	dso = open_dso(cache, program("dbg_fixture"), 1);
	for (size_t i = 0; i < r.nr_probes; i++) {
		uint64_t vaddr = r.probes[i].vaddr - 1;
		char *names[8] = { 0 }, *files[8] = { 0 };

		dso_cache__set_dwarf_limit(cache, SIZE_MAX);
		n = dso__find_frames(dso, vaddr, a, 8);
		assert_true(n > 0);
		for (int j = 0; j < n; j++) {
			names[j] = a[j].name ? strdup(a[j].name) : NULL;
			files[j] = a[j].file ? strdup(a[j].file) : NULL;
		}
		dso_cache__set_dwarf_limit(cache, 1);
		assert_int_equal(dso__find_frames(dso, vaddr, b, 8), n);
		assert_int_equal(dso__find_frames(dso, vaddr, b, 8), n);
		for (int j = 0; j < n; j++) {
			assert_string_equal(b[j].name ? b[j].name : "", names[j] ? names[j] : "");
			assert_string_equal(b[j].file ? b[j].file : "", files[j] ? files[j] : "");
			assert_int_equal(b[j].line, a[j].line);
			free(names[j]);
			free(files[j]);
		}
	}
	dso__put(dso);
	dso_cache__free(cache);
}

/* Copies the frames @f[0..n) into @out as "name file:line" lines. */
static void frames__text(const struct dso_frame *f, int n, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < n && len < cap; i++)
		len += snprintf(out + len, cap - len, "%s %s:%u\n", f[i].name ? f[i].name : "?",
				f[i].file ? f[i].file : "?", f[i].line);
}

/*
 * Under a DWARF budget, DWARF freed for another binary's is read again at its next lookup,
 * from the debug file (by build id, by debuglink) or the binary itself, and names each
 * address as before.
 */
static void test_dwarf_budget(void **state)
{
	const char *names[] = { "dbg_fixture_buildid", "dbg_fixture_debuglink", "dbg_fixture" };
	char before[3][1024], after[1024];
	struct debuginfo_finder *finder;
	struct dso_dwarf_stats stats;
	struct dso_frame f[8];
	struct dso_cache *cache;
	struct dso *dso[3];
	uint64_t vaddr[3];
	struct run r;

	(void)state;
	finder = debuginfo_finder__new(TEST_DEBUG_ROOT);
	cache = dso_cache__new();
	assert_non_null(finder);
	assert_non_null(cache);
	dso_cache__set_debuginfo(cache, finder);
	dso_cache__set_dwarf_budget(cache, 1);
	for (int i = 0; i < 3; i++) {
		read_probes(program(names[i]), &r);
		vaddr[i] = run__probe(&r, "inline")->vaddr - 1;
		dso[i] = open_dso(cache, program(names[i]), i + 1);
	}
	/* Each lookup frees the DWARF of the others: only the one being read stays. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3; i++) {
			int n = dso__find_frames(dso[i], vaddr[i], f, 8);

			assert_true(n > 1);
			frames__text(f, n, round ? after : before[i], sizeof(after));
			if (round)
				assert_string_equal(after, before[i]);
		}
	}
	dso_cache__dwarf_stats(cache, &stats);
	assert_int_equal(stats.dropped, 5);
	assert_int_equal(stats.reread, 3);
	assert_true(stats.bytes > 1 && stats.bytes < stats.peak_bytes);
	for (int i = 0; i < 3; i++)
		dso__put(dso[i]);
	dso_cache__free(cache);
	debuginfo_finder__free(finder);
}

/* Offset and size in the file of the section @name of @path; false when it has none. */
static bool section_range(const char *path, const char *name, off_t *off, size_t *size)
{
	GElf_Shdr shdr;
	Elf_Scn *scn;
	Elf *elf;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	scn = debuginfo__section(elf, name, NULL);
	if (scn && gelf_getshdr(scn, &shdr) && shdr.sh_type != SHT_NOBITS) {
		*off = shdr.sh_offset;
		*size = shdr.sh_size;
	} else {
		scn = NULL;
	}
	elf_end(elf);
	close(fd);
	return scn != NULL;
}

/*
 * Looks up every probe of @r in @path (a copy of the program @r ran, or of the stripped
 * program whose debug file @finder finds): whatever the damage, no crash, and each frame
 * is either the function the probe is in or nothing. Returns how many were named.
 */
static int lookup_damaged(const char *path, const struct run *r, struct debuginfo_finder *finder,
			  uint64_t *bad_debuginfo)
{
	static const char *const outer[] = { "dbg_outer", "dbg_plain", "dbg_last_call" };
	struct dso_frame f[16];
	struct dso_cache *cache;
	struct dso *dso;
	int named = 0, n;

	cache = dso_cache__new();
	assert_non_null(cache);
	dso_cache__set_debuginfo(cache, finder);
	dso = open_dso(cache, path, 1);
	for (size_t i = 0; i < r->nr_probes; i++) {
		n = dso__find_frames(dso, r->probes[i].vaddr - 1, f, 16);
		assert_true(n >= 0);
		if (!n || !f[n - 1].name)
			continue;
		for (int j = 0; j < n; j++) {
			if (f[j].file)
				assert_true(strlen(f[j].file) > 0);
		}
		if (strcmp(f[n - 1].name, outer[i]))
			fail_msg("probe %s named %s", r->probes[i].name, f[n - 1].name);
		named++;
	}
	dso__put(dso);
	*bad_debuginfo = dso_cache__bad_debuginfo(cache);
	dso_cache__free(cache);
	return named;
}

static void write_garbage(const char *path, off_t off, size_t len, unsigned int seed)
{
	unsigned char buf[4096];
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	srand(seed);
	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = rand();
		assert_int_equal(pwrite(fd, buf, n, off), (ssize_t)n);
		off += n;
		len -= n;
	}
	close(fd);
}

/*
 * Garbage in each DWARF section of a copy, whole or a few bytes here and there: no crash,
 * the functions keep their names (the symbol table is intact), and whole sections of
 * garbage where the units, their DIEs and their lines are read are counted.
 */
static void test_garbage_dwarf(void **state)
{
	static const struct {
		const char *name;
		bool counted;
	} sections[] = {
		{ ".debug_info", true },      { ".debug_abbrev", true },
		{ ".debug_line", true },      { ".debug_str", false },
		{ ".debug_rnglists", false }, { ".debug_str_offsets", false },
		{ ".debug_addr", false },     { ".debug_line_str", false },
		{ ".debug_loclists", false }, { ".debug_aranges", false },
	};
	static const char *const variants[] = { "dbg_fixture", "dbg_fixture_gcc4" };
	char copy[] = "/tmp/test_debuginfo_garbage.XXXXXX";
	size_t size, len;
	uint64_t bad;
	struct run r;
	off_t off;

	(void)state;
	close(mkstemp(copy));
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		if (!have_program(variants[v]))
			continue;
		read_probes(program(variants[v]), &r);
		for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
			if (!section_range(program(variants[v]), sections[i].name, &off, &size))
				continue;
			for (unsigned int seed = 1; seed <= 12; seed++) {
				copy_file(program(variants[v]), copy);
				srand(seed);
				/* seeds 1 and 2 fill the section, the others hit a few bytes */
				len = seed <= 2 ? size : 1 + (size_t)rand() % 8;
				if (len > size)
					len = size;
				write_garbage(copy,
					      off + (seed <= 2 ? 0 : rand() % (size - len + 1)),
					      len, seed);
				assert_int_equal(lookup_damaged(copy, &r, NULL, &bad), 3);
				if (seed <= 2 && sections[i].counted && !bad)
					fail_msg("%s: garbage in %s not counted", variants[v],
						 sections[i].name);
			}
		}
	}
	unlink(copy);
}

/*
 * The debug file of a stripped program cut short at many lengths, found by build id in a
 * root: no crash; placeholders when it cannot be read, and then counted.
 */
static void test_truncated_debug_file(void **state)
{
	char root[] = "/tmp/test_debuginfo_root.XXXXXX", cmd[2 * PATH_MAX + 64];
	char found[PATH_MAX], debug[PATH_MAX];
	struct debuginfo_finder *finder;
	struct stat st;
	uint64_t bad;
	struct run r;
	FILE *p;
	int named;

	(void)state;
	read_probes(program("dbg_fixture_buildid"), &r);
	p = popen("find " TEST_DEBUG_ROOT " -name '*.debug' | head -n 1", "r");
	assert_non_null(p);
	assert_non_null(fgets(found, sizeof(found), p));
	pclose(p);
	found[strcspn(found, "\n")] = '\0';
	assert_int_equal(stat(found, &st), 0);
	assert_non_null(mkdtemp(root));
	/* ROOT/.build-id/xx/rest.debug, as found under TEST_DEBUG_ROOT */
	snprintf(debug, sizeof(debug), "%s%s", root, found + strlen(TEST_DEBUG_ROOT));
	snprintf(cmd, sizeof(cmd), "mkdir -p $(dirname %s)", debug);
	assert_int_equal(system(cmd), 0);

	finder = debuginfo_finder__new(root);
	assert_non_null(finder);
	copy_file(found, debug);
	assert_int_equal(lookup_damaged(program("dbg_fixture_buildid"), &r, finder, &bad), 3);
	assert_int_equal(bad, 0);
	debuginfo_finder__free(finder);

	for (off_t len = 0; len < st.st_size; len += len < 256 ? 61 : st.st_size / 23) {
		finder = debuginfo_finder__new(root);
		assert_non_null(finder);
		copy_file(found, debug);
		assert_int_equal(truncate(debug, len), 0);
		named = lookup_damaged(program("dbg_fixture_buildid"), &r, finder, &bad);
		if (named < 3 && !bad)
			fail_msg("debug file cut at %lld bytes: %d names, not counted",
				 (long long)len, named);
		debuginfo_finder__free(finder);
	}
	remove_tree(root);
}

/* Build ids and debuglinks as read from the files the build made. */
static void test_elf_notes(void **state)
{
	uint8_t id[DEBUGINFO_BUILD_ID_MAX];
	char name[256];
	uint32_t crc;
	Elf *elf;
	int fd;

	(void)state;
	fd = open(program("dbg_fixture_debuglink"), O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(debuginfo__build_id(elf, id, sizeof(id)), 0);
	assert_int_equal(debuginfo__debuglink(elf, name, sizeof(name), &crc), 0);
	assert_string_equal(name, "dbg_fixture_debuglink.debug");
	assert_int_equal(debuginfo__debuglink(elf, name, 4, &crc), -ENOENT);
	elf_end(elf);
	close(fd);

	fd = open(program("dbg_fixture"), O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(debuginfo__build_id(elf, id, sizeof(id)), 20);
	assert_int_equal(debuginfo__build_id(elf, id, 8), 0);
	assert_int_equal(debuginfo__debuglink(elf, name, sizeof(name), &crc), -ENOENT);
	elf_end(elf);
	close(fd);
}

/*
 * A process in a container (its own mount namespace and root): its program and the debug
 * file beside it exist only in there, under paths only it sees; the debug file is found
 * through its root, even after it exited.
 */
static void test_process_root(void **state)
{
	char root[] = "/tmp/test_debuginfo_container.XXXXXX", path[PATH_MAX];
	struct symbolizer_stats stats;
	struct proc_maps *maps;
	struct symbolizer *sym;
	struct sym_frame f[8];
	struct run r;

	(void)state;
	if (geteuid()) {
		printf("skipping: a mount namespace needs root\n");
		skip();
	}
	if (!have_program("dbg_fixture_static"))
		skip();
	assert_non_null(mkdtemp(root));
	sym = new_symbolizer(NULL);
	run__start_in(&r, "/app/dbg_fixture_static", root);
	/* not from here */
	snprintf(path, sizeof(path), "%s/app/dbg_fixture_static.debug", root);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(access("/app/dbg_fixture_static.debug", F_OK), -1);
	assert_int_equal(symbolizer__snapshot(sym, r.pid, &maps), 0);
	run__finish(&r);
	assert_int_equal(symbolizer__resolve_user(sym, maps, run__probe(&r, "inline")->runtime,
						  true, f, 8),
			 3);
	assert_string_equal(f[2].module, "/app/dbg_fixture_static");
	expect_frame(&f[0], "dbg_inner", C_SOURCE, "inner", true);
	expect_frame(&f[1], "dbg_middle", C_SOURCE, "middle", true);
	expect_frame(&f[2], "dbg_outer", C_SOURCE, "outer", false);
	symbolizer__stats(sym, &stats);
	assert_int_equal(stats.bad_debuginfo, 0);
	proc_maps__free(maps);
	symbolizer__free(sym);
	assert_int_equal(rmdir(root), 0);
}

/* The build id of the program @name, as hex. */
static void build_id_hex(const char *name, char *hex, size_t cap)
{
	uint8_t id[DEBUGINFO_BUILD_ID_MAX];
	size_t len;
	Elf *elf;
	int fd;

	fd = open(program(name), O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	len = debuginfo__build_id(elf, id, sizeof(id));
	assert_true(len > 0 && 2 * len < cap);
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, cap - 2 * i, "%02x", id[i]);
	elf_end(elf);
	close(fd);
}

/*
 * debuginfod (DEBUGINFOD_URLS set): a stripped program whose debug file only a server has,
 * served by a local web server the way debuginfod does (GET /buildid/ID/debuginfo).
 */
static void test_debuginfod(void **state)
{
	char dir[] = "/tmp/test_debuginfod.XXXXXX", path[2 * PATH_MAX], url[64], line[256];
	char hex[2 * DEBUGINFO_BUILD_ID_MAX + 1], *port;
	int out[2], status;
	pid_t server;
	FILE *f;

	(void)state;
	if (!debuginfo__has_debuginfod()) {
		printf("skipping: built without libdebuginfod\n");
		skip();
	}
	if (system("python3 -c '' 2>/dev/null")) {
		printf("skipping: no python3 for a local web server\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	build_id_hex("dbg_fixture_buildid", hex, sizeof(hex));
	snprintf(path, sizeof(path),
		 "mkdir -p %s/srv/buildid/%s && cp %s/.build-id/%.2s/%s.debug "
		 "%s/srv/buildid/%s/debuginfo",
		 dir, hex, TEST_DEBUG_ROOT, hex, hex + 2, dir, hex);
	assert_int_equal(system(path), 0);

	/* Port 0: the server picks a free one and says which on its first line. */
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	server = fork();
	assert_true(server >= 0);
	if (!server) {
		int null = open("/dev/null", O_WRONLY);

		dup2(out[1], STDOUT_FILENO);
		dup2(null, STDERR_FILENO); /* its log of requests */
		snprintf(path, sizeof(path), "%s/srv", dir);
		execlp("python3", "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
		       "--directory", path, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	port = strstr(line, " port ");
	assert_non_null(port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", atoi(port + 6));

	/* Its cache goes with the test; the finder reads DEBUGINFOD_URLS when it is made. */
	snprintf(path, sizeof(path), "%s/cache", dir);
	setenv("DEBUGINFOD_CACHE_PATH", path, 1);
	setenv("DEBUGINFOD_URLS", url, 1);
	check_c_program("dbg_fixture_buildid", NULL);
	unsetenv("DEBUGINFOD_URLS");
	/* without it, nothing names the program */
	check_placeholders(program("dbg_fixture_buildid"), NULL, 0);
	unsetenv("DEBUGINFOD_CACHE_PATH");

	kill(server, SIGTERM);
	assert_int_equal(waitpid(server, &status, 0), server);
	remove_tree(dir);
}

static int setup_libelf(void **state)
{
	(void)state;
	/* Damaged files are warned about; the tests count them instead. */
	log__set_level(LOG_ERROR);
	return elf_version(EV_CURRENT) == EV_NONE ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwarf_versions),
		cmocka_unit_test(test_no_aranges),
		cmocka_unit_test(test_compressed_sections),
		cmocka_unit_test(test_build_id_root),
		cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_minidebuginfo),
		cmocka_unit_test(test_cpp_names),
		cmocka_unit_test(test_shared_by_build_id),
		cmocka_unit_test(test_dwarf_read_again),
		cmocka_unit_test(test_dwarf_budget),
		cmocka_unit_test(test_garbage_dwarf),
		cmocka_unit_test(test_truncated_debug_file),
		cmocka_unit_test(test_elf_notes),
		cmocka_unit_test(test_process_root),
		cmocka_unit_test(test_debuginfod),
	};

	return cmocka_run_group_tests(tests, setup_libelf, NULL);
}
