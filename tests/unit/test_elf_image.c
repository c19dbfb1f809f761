// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading an ELF file's identity and layout: the build id of a fixture the build gave one
 * (named by the debug file the build filed under it), the segments of this test program as
 * the loader mapped them, the same image read from memory, and truncated and corrupt copies
 * that must be refused without reading past their end.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "elf_image.h"

#define BUILDID_FIXTURE TEST_PROGRAM_DIR "/dbg_fixture_buildid"
#define DEBUGLINK_FIXTURE TEST_PROGRAM_DIR "/dbg_fixture_debuglink"

static struct elf_image *open_file(const char *path)
{
	struct elf_image *image = NULL;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(elf_image__open(fd, &image), 0);
	/* Everything tested here was read from the headers: the descriptor is not needed. */
	close(fd);
	return image;
}

/* The whole file @path, in a new buffer; its length in *@len. */
static void *read_file(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc(st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, st.st_size), st.st_size);
	close(fd);
	*len = st.st_size;
	return buf;
}

/* The build stored the fixture's debug file under its build id: the id names that file. */
static void test_build_id(void **state)
{
	char debug_path[PATH_MAX];
	struct elf_image *image;
	const uint8_t *id;
	const char *hex;
	size_t len;

	(void)state;
	image = open_file(BUILDID_FIXTURE);
	id = elf_image__build_id(image, &len);
	hex = elf_image__build_id_hex(image);
	assert_non_null(id);
	assert_int_equal(len, 20);
	assert_int_equal(strlen(hex), 2 * len);
	assert_int_equal(strspn(hex, "0123456789abcdef"), 2 * len);
	snprintf(debug_path, sizeof(debug_path), "%s/.build-id/%.2s/%s.debug", TEST_DEBUG_ROOT, hex,
		 hex + 2);
	assert_int_equal(access(debug_path, R_OK), 0);
	elf_image__free(image);

	/* built without one */
	image = open_file(DEBUGLINK_FIXTURE);
	assert_null(elf_image__build_id(image, &len));
	assert_int_equal(len, 0);
	assert_string_equal(elf_image__build_id_hex(image), "");
	elf_image__free(image);
}

struct loaded_self {
	const ElfW(Phdr) * phdr;
	size_t phnum;
	uintptr_t bias;
};

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct loaded_self *self = arg;

	(void)size;
	/* The first object is the program itself. */
	self->phdr = info->dlpi_phdr;
	self->phnum = info->dlpi_phnum;
	self->bias = info->dlpi_addr;
	return 1;
}

/* The start and file offset of the mapping of /proc/self/maps that holds @addr. */
static void find_mapping(uintptr_t addr, uint64_t *start, uint64_t *pgoff)
{
	unsigned long lo, hi, off;
	char line[512];
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx", &lo, &hi, &off) == 3 && addr >= lo &&
		    addr < hi) {
			*start = lo;
			*pgoff = off;
			found = true;
		}
	}
	fclose(f);
	assert_true(found);
}

/* This program's segments, offsets and bias, as the loader placed them. */
static void test_self_segments(void **state)
{
	const struct elf_segment *segs;
	struct loaded_self self = { 0 };
	struct elf_image *image;
	uint64_t start = 0, pgoff = 0, vaddr, bias;
	uintptr_t code = (uintptr_t)&test_self_segments;
	size_t nr, n = 0;

	(void)state;
	dl_iterate_phdr(find_self, &self);
	assert_non_null(self.phdr);
	image = open_file("/proc/self/exe");
	assert_non_null(elf_image__elf(image));
	segs = elf_image__segments(image, &nr);
	for (size_t i = 0; i < self.phnum; i++) {
		if (self.phdr[i].p_type != PT_LOAD)
			continue;
		assert_true(n < nr);
		assert_int_equal(segs[n].offset, self.phdr[i].p_offset);
		assert_int_equal(segs[n].filesz, self.phdr[i].p_filesz);
		assert_int_equal(segs[n].vaddr, self.phdr[i].p_vaddr);
		n++;
	}
	assert_int_equal(n, nr);

	/* The file offset of this function gives its link address; its mapping, the bias. */
	find_mapping(code, &start, &pgoff);
	assert_int_equal(elf_image__vaddr(image, code - start + pgoff, &vaddr), 0);
	assert_int_equal(vaddr, code - self.bias);
	assert_int_equal(elf_segments__bias(segs, nr, start, pgoff, &bias), 0);
	assert_int_equal(bias, self.bias);
	/* past the file bytes of every segment */
	assert_int_equal(elf_image__vaddr(image, UINT64_MAX, &vaddr), -ENOENT);

	/* Without the Elf, what was read stays. */
	elf_image__end_elf(image);
	assert_null(elf_image__elf(image));
	assert_ptr_equal(elf_image__segments(image, &n), segs);
	assert_int_equal(n, nr);
	assert_true(elf_image__bytes(image) >= nr * sizeof(*segs));
	elf_image__free(image);
	elf_image__free(NULL);
}

/* The same file read from memory reads the same. */
static void test_from_memory(void **state)
{
	struct elf_image *file, *mem;
	const struct elf_segment *a, *b;
	size_t len, na, nb;
	void *buf;

	(void)state;
	file = open_file(BUILDID_FIXTURE);
	buf = read_file(BUILDID_FIXTURE, &len);
	assert_int_equal(elf_image__from_memory(buf, len, &mem), 0);
	/* the image works on its own copy */
	memset(buf, 0, len);
	free(buf);
	assert_string_equal(elf_image__build_id_hex(mem), elf_image__build_id_hex(file));
	a = elf_image__segments(file, &na);
	b = elf_image__segments(mem, &nb);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(*a));
	assert_non_null(elf_image__elf(mem));
	elf_image__free(mem);
	elf_image__free(file);
}

/* Opens the first @len bytes of @buf, written to a file. */
static int open_prefix(const void *buf, size_t len, struct elf_image **out)
{
	char path[] = "/tmp/test_elf_image.XXXXXX";
	int fd, err;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	err = elf_image__open(fd, out);
	close(fd);
	return err;
}

/* Cut anywhere, the fixture is refused, never read past its end. */
static void test_truncated(void **state)
{
	struct elf_image *image = NULL;
	const Elf64_Ehdr *ehdr;
	size_t len, cut;
	void *buf;

	(void)state;
	buf = read_file(BUILDID_FIXTURE, &len);
	ehdr = buf;
	/* whole: read */
	assert_int_equal(open_prefix(buf, len, &image), 0);
	elf_image__free(image);
	image = NULL;
	/* within the ELF header: not ELF */
	for (cut = 0; cut < sizeof(*ehdr); cut += 7) {
		assert_int_equal(open_prefix(buf, cut, &image), -ENOEXEC);
		assert_int_equal(elf_image__from_memory(buf, cut, &image), -ENOEXEC);
	}
	/* anywhere before the end of the section headers, which come last: a truncated file */
	assert_true(ehdr->e_shoff + ehdr->e_shnum * sizeof(Elf64_Shdr) == len);
	for (cut = sizeof(*ehdr); cut < len; cut += 997) {
		assert_int_equal(open_prefix(buf, cut, &image), -EINVAL);
		assert_int_equal(elf_image__from_memory(buf, cut, &image), -EINVAL);
	}
	assert_int_equal(open_prefix(buf, len - 1, &image), -EINVAL);
	assert_int_equal(elf_image__from_memory(buf, len - 1, &image), -EINVAL);
	assert_null(image);
	free(buf);
}

/* Headers that say something else than an executable with segments are refused. */
static void test_corrupt(void **state)
{
	struct elf_image *image = NULL;
	unsigned char garbage[4096];
	Elf64_Ehdr *ehdr;
	Elf64_Phdr *phdr;
	size_t len;
	void *buf;

	(void)state;
	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 13 + 7);
	assert_int_equal(elf_image__from_memory(garbage, sizeof(garbage), &image), -ENOEXEC);
	memcpy(garbage, "\177ELF\2\1\1", 7);
	assert_int_equal(elf_image__from_memory(garbage, sizeof(garbage), &image), -ENOEXEC);
	assert_int_equal(open_prefix(garbage, sizeof(garbage), &image), -ENOEXEC);

	buf = read_file(BUILDID_FIXTURE, &len);
	ehdr = buf;
	/* a relocatable object */
	ehdr->e_type = ET_REL;
	assert_int_equal(elf_image__from_memory(buf, len, &image), -ENOEXEC);
	ehdr->e_type = ET_DYN;
	/* nothing to map */
	phdr = (Elf64_Phdr *)((char *)buf + ehdr->e_phoff);
	for (size_t i = 0; i < ehdr->e_phnum; i++)
		if (phdr[i].p_type == PT_LOAD)
			phdr[i].p_type = PT_NULL;
	assert_int_equal(open_prefix(buf, len, &image), -ENOEXEC);
	/* program headers past the end of the file */
	ehdr->e_phoff = len - sizeof(Elf64_Phdr);
	ehdr->e_phnum = 64;
	assert_int_equal(elf_image__from_memory(buf, len, &image), -ENOEXEC);
	assert_null(image);
	free(buf);
}

/* Mappings start on a page; a segment that starts later in the page still places them. */
static void test_bias(void **state)
{
	static const struct elf_segment segs[] = {
		{ .offset = 0, .filesz = 0x800, .vaddr = 0x400000 },
		{ .offset = 0x1234, .filesz = 0x100, .vaddr = 0x401234 },
	};
	const uint64_t start = 0x7f0000001000;
	uint64_t bias;

	(void)state;
	assert_int_equal(elf_segments__bias(segs, 2, start, 0, &bias), 0);
	assert_int_equal(bias, start - 0x400000);
	/* the page before the second segment */
	assert_int_equal(elf_segments__bias(segs, 2, start, 0x1000, &bias), 0);
	assert_int_equal(bias, start - 0x401000);
	assert_int_equal(elf_segments__bias(segs, 2, start, 0x1300, &bias), 0);
	assert_int_equal(bias, start - 0x401300);
	/* past the first segment's bytes, in no segment's page, past the last */
	assert_int_equal(elf_segments__bias(segs, 2, start, 0x900, &bias), -ENOENT);
	assert_int_equal(elf_segments__bias(segs, 2, start, 0x2000, &bias), -ENOENT);
	assert_int_equal(elf_segments__bias(segs, 0, start, 0, &bias), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_id),    cmocka_unit_test(test_self_segments),
		cmocka_unit_test(test_from_memory), cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),	    cmocka_unit_test(test_bias),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
