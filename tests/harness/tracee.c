// SPDX-License-Identifier: GPL-2.0-only
#include "tracee.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_NO_PTRACE 126
#define EXIT_NO_EXEC 127
#define INT3 0xcc

struct tracee {
	pid_t pid;
	bool ended;
	int signal; /* to deliver when resumed next */
	char path[PATH_MAX];
};

/* One line of /proc/PID/maps. */
struct mapping {
	uint64_t start, end, pgoff;
	char path[PATH_MAX];
};

typedef bool (*mapping_match_fn)(const struct mapping *m, const void *arg);

int tracee__start(const char *path, const char *arg, struct tracee **out)
{
	struct tracee *t = calloc(1, sizeof(*t));
	int status = 0;

	if (!t)
		return -ENOMEM;
	if (!realpath(path, t->path)) {
		free(t);
		return -errno;
	}
	t->pid = fork();
	if (t->pid < 0) {
		free(t);
		return -errno;
	}
	if (t->pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(EXIT_NO_PTRACE);
		execl(t->path, t->path, arg, (char *)NULL);
		_exit(EXIT_NO_EXEC);
	}
	/* Traced, the program stops with SIGTRAP once exec() has loaded it. */
	if (waitpid(t->pid, &status, 0) != t->pid || !WIFSTOPPED(status)) {
		t->ended = true;
		tracee__free(t);
		return WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NO_PTRACE ? -EPERM :
										    -ENOEXEC;
	}
	/* Should the test die, the program dies with it. */
	ptrace(PTRACE_SETOPTIONS, t->pid, NULL, (void *)PTRACE_O_EXITKILL);
	*out = t;
	return 0;
}

void tracee__free(struct tracee *t)
{
	if (!t)
		return;
	if (!t->ended) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	free(t);
}

pid_t tracee__pid(const struct tracee *t)
{
	return t->pid;
}

/* Finds the first mapping of process @pid that @match accepts. Returns 0 or -ENOENT. */
static int find_mapping(pid_t pid, mapping_match_fn match, const void *arg, struct mapping *out)
{
	char path[64], line[PATH_MAX + 128];
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		out->path[0] = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*u %4095s",
			   &out->start, &out->end, &out->pgoff, out->path) >= 3 &&
		    match(out, arg))
			err = 0;
	}
	fclose(f);
	return err;
}

/* The file offset of the code of the function symbol @name in the ELF file @path. */
static int symbol_offset(const char *path, const char *name, uint64_t *offset)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = -ENOENT;
	Elf_Scn *scn = NULL;
	Elf *elf;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && err && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data = elf_getdata(scn, NULL);
		GElf_Shdr sh, code;
		GElf_Sym sym;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !data || !sh.sh_entsize)
			continue;
		for (size_t i = 0; err && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *sym_name;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF)
				continue;
			sym_name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (sym_name && !strcmp(sym_name, name) &&
			    gelf_getshdr(elf_getscn(elf, sym.st_shndx), &code)) {
				*offset = sym.st_value - code.sh_addr + code.sh_offset;
				err = 0;
			}
		}
	}
	if (!elf)
		err = -EIO;
	elf_end(elf);
	close(fd);
	return err;
}

struct file_offset {
	const char *path;
	uint64_t offset;
};

static bool maps_file_offset(const struct mapping *m, const void *arg)
{
	const struct file_offset *want = arg;

	return !strcmp(m->path, want->path) && want->offset >= m->pgoff &&
	       want->offset - m->pgoff < m->end - m->start;
}

int tracee__address(const struct tracee *t, const char *function, uint64_t *addr)
{
	struct file_offset want = { .path = t->path };
	struct mapping m;
	int err;

	err = symbol_offset(t->path, function, &want.offset);
	if (!err)
		err = find_mapping(t->pid, maps_file_offset, &want, &m);
	if (!err)
		*addr = m.start + want.offset - m.pgoff;
	return err;
}

/* Resumes with @request (PTRACE_CONT, PTRACE_SINGLESTEP) until the next SIGTRAP. */
static int resume_to_trap(struct tracee *t, enum __ptrace_request request)
{
	int status;

	for (;;) {
		ptrace(request, t->pid, NULL, (void *)(long)t->signal);
		t->signal = 0;
		if (waitpid(t->pid, &status, 0) != t->pid || !WIFSTOPPED(status)) {
			t->ended = true;
			return -ESRCH;
		}
		if (WSTOPSIG(status) == SIGTRAP)
			return 0;
		/* Any other signal is discarded: the program goes on as if it had not come. */
	}
}

int tracee__run_to(struct tracee *t, uint64_t addr)
{
	struct user_regs_struct regs;
	long word;
	int err;

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, t->pid, (void *)addr, NULL);
	if (errno)
		return -errno;
	if (ptrace(PTRACE_POKETEXT, t->pid, (void *)addr, (void *)((word & ~0xffL) | INT3)))
		return -errno;
	do {
		err = resume_to_trap(t, PTRACE_CONT);
		if (!err && ptrace(PTRACE_GETREGS, t->pid, NULL, &regs))
			err = -errno;
	} while (!err && regs.rip != addr + 1);
	if (err)
		return err;
	/* Back to the instruction the breakpoint took the place of. */
	regs.rip = addr;
	if (ptrace(PTRACE_POKETEXT, t->pid, (void *)addr, (void *)word) ||
	    ptrace(PTRACE_SETREGS, t->pid, NULL, &regs))
		return -errno;
	return 0;
}

int tracee__step(struct tracee *t)
{
	return resume_to_trap(t, PTRACE_SINGLESTEP);
}

void tracee__signal(struct tracee *t, int sig)
{
	t->signal = sig;
}

static bool maps_address(const struct mapping *m, const void *arg)
{
	uint64_t addr = *(const uint64_t *)arg;

	return addr >= m->start && addr < m->end;
}

int tracee__capture(const struct tracee *t, struct tracee_capture *out)
{
	struct user_regs_struct regs;
	char path[64];
	struct mapping stack;
	uint64_t top;
	ssize_t n;
	int fd, err;

	if (ptrace(PTRACE_GETREGS, t->pid, NULL, &regs))
		return -errno;
	out->ip = regs.rip;
	out->sp = regs.rsp;
	out->bp = regs.rbp;
	err = find_mapping(t->pid, maps_address, &out->sp, &stack);
	if (err)
		return err;
	out->stack_addr = out->sp & ~(uint64_t)(TRACEE_PAGE_SIZE - 1);
	top = out->sp + TRACEE_STACK_BYTES < stack.end ? out->sp + TRACEE_STACK_BYTES : stack.end;
	snprintf(path, sizeof(path), "/proc/%d/mem", t->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, out->stack, top - out->stack_addr, out->stack_addr);
	err = n < 0 ? -errno : 0;
	close(fd);
	out->stack_len = n < 0 ? 0 : n;
	return err;
}
