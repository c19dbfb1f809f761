// SPDX-License-Identifier: GPL-2.0-only
#include "symbolize.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "symbolizer.h"
#include "verbosity.h"

/* An inline chain deeper than this loses its innermost frames, as in a recording. */
#define SYMBOLIZE_MAX_FRAMES 64
#define INPUT_BUF_SIZE (64 * 1024)

/* Lines of a descriptor, read in large blocks but without blocking while output waits. */
struct line_reader {
	int fd;
	FILE *out; /* flushed before a read that may block */
	char *buf;
	size_t start;
	size_t end;
	bool eof;
	bool too_long; /* the line returned was cut: it is not an address */
	bool skipping; /* dropping the rest of a line too long to be an address */
};

struct symbolize_session {
	const struct symbolize_opts *opts;
	struct symbolizer *sym;
	struct proc_maps *maps; /* --pid */
	FILE *out;
	struct sym_frame frames[SYMBOLIZE_MAX_FRAMES];
	size_t bad_input;
};

/*
 * The next line without its newline, NUL-terminated, borrowed until the next call; NULL at
 * the end of the input or on a read error (*@err set).
 */
static char *line_reader__next(struct line_reader *lr, int *err)
{
	char *nl, *line;
	ssize_t n;

	lr->too_long = false;
	for (;;) {
		nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		if (lr->skipping) {
			lr->start = nl ? (size_t)(nl - lr->buf) + 1 : lr->end;
			lr->skipping = !nl;
			if (lr->skipping && lr->eof)
				return NULL;
			if (!lr->skipping)
				continue;
		} else if (nl || (lr->eof && lr->end > lr->start)) {
			line = lr->buf + lr->start;
			if (!nl)
				nl = lr->buf + lr->end;
			*nl = '\0';
			lr->start = nl - lr->buf + 1;
			if (lr->start > lr->end)
				lr->start = lr->end;
			return line;
		}
		if (lr->eof)
			return NULL;
		if (lr->start) {
			memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
			lr->end -= lr->start;
			lr->start = 0;
		}
		if (lr->end == INPUT_BUF_SIZE - 1) {
			/* No address is this long: keep its start to report, drop the rest. */
			lr->too_long = true;
			lr->skipping = true;
			lr->buf[lr->end] = '\0';
			lr->start = lr->end;
			return lr->buf;
		}
		/* Whoever feeds us may wait for the answers so far before writing more. */
		if (fflush(lr->out)) {
			*err = -EIO;
			return NULL;
		}
		n = read(lr->fd, lr->buf + lr->end, INPUT_BUF_SIZE - 1 - lr->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*err = -errno;
			return NULL;
		}
		if (!n)
			lr->eof = true;
		lr->end += n;
	}
}

static const char *path__basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * Appends @v in decimal (or as 16 hex digits after "0x") to @buf; returns the end. Printing
 * is a measurable share of naming a hundred thousand addresses: no printf here.
 */
static char *put_decimal(char *buf, unsigned int v)
{
	char tmp[16];
	int n = 0;

	do
		tmp[n++] = '0' + v % 10;
	while ((v /= 10));
	while (n)
		*buf++ = tmp[--n];
	return buf;
}

static char *put_hex16(char *buf, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	*buf++ = '0';
	*buf++ = 'x';
	for (int shift = 60; shift >= 0; shift -= 4)
		*buf++ = digits[(v >> shift) & 0xf];
	return buf;
}

/* What eu-addr2line -f -i prints: per frame "FUNCTION\nFILE:LINE\n", innermost first. */
static void symbolize_session__print(struct symbolize_session *s, uint64_t addr,
				     const struct sym_frame *frames, int n)
{
	char buf[32], *end;

	if (s->opts->print_address) {
		end = put_hex16(buf, addr);
		*end++ = '\n';
		fwrite_unlocked(buf, 1, end - buf, s->out);
	}
	for (int i = 0; i < n; i++) {
		const struct sym_frame *f = &frames[i];
		const char *name = s->opts->no_demangle && f->mangled ? f->mangled : f->func;
		const char *file = f->file;

		if (file && s->opts->basenames)
			file = path__basename(file);
		/* Placeholders carry no name: print what addr2line prints for no name. */
		fputs_unlocked(f->named ? name : "??", s->out);
		if (!file) {
			fputs_unlocked("\n??:0\n", s->out);
			continue;
		}
		putc_unlocked('\n', s->out);
		fputs_unlocked(file, s->out);
		buf[0] = ':';
		end = put_decimal(buf + 1, f->line);
		*end++ = '\n';
		fwrite_unlocked(buf, 1, end - buf, s->out);
	}
}

/* Returns frames written or -errno. */
static int symbolize_session__resolve(struct symbolize_session *s, uint64_t addr)
{
	switch (s->opts->target) {
	case SYMBOLIZE_PID:
		return symbolizer__resolve_user(s->sym, s->maps, addr, false, s->frames,
						SYMBOLIZE_MAX_FRAMES);
	case SYMBOLIZE_ELF:
		return symbolizer__resolve_elf(s->sym, s->opts->elf, addr, false, s->frames,
					       SYMBOLIZE_MAX_FRAMES);
	case SYMBOLIZE_KERNEL:
		return symbolizer__resolve_kernel(s->sym, addr, false, s->frames,
						  SYMBOLIZE_MAX_FRAMES);
	default:
		return -EINVAL;
	}
}

static int symbolize_session__answer(struct symbolize_session *s, uint64_t addr)
{
	int n = symbolize_session__resolve(s, addr);

	if (n < 0) {
		pr_err("cannot name 0x%llx: %s\n", (unsigned long long)addr, strerror(-n));
		return n;
	}
	symbolize_session__print(s, addr, s->frames, n);
	return 0;
}

/* Input that is not an address still gets an answer, so answers stay in step with input. */
static void symbolize_session__answer_bad(struct symbolize_session *s, const char *line)
{
	static const struct sym_frame unknown = { .func = "??" };

	pr_warn("'%.64s' is not an address: give hex, with or without 0x\n", line);
	s->bad_input++;
	symbolize_session__print(s, 0, &unknown, 1);
}

static int symbolize_session__read_input(struct symbolize_session *s, int in_fd)
{
	struct line_reader lr = { .fd = in_fd, .out = s->out };
	uint64_t addr;
	char *line;
	int err = 0;

	lr.buf = malloc(INPUT_BUF_SIZE);
	if (!lr.buf)
		return -ENOMEM;
	while ((line = line_reader__next(&lr, &err))) {
		if (!line[strspn(line, " \t\r")])
			continue; /* blank lines are no question */
		if (lr.too_long || symbolize_address__parse(line, &addr)) {
			symbolize_session__answer_bad(s, line);
			continue;
		}
		/* Already reported. */
		err = symbolize_session__answer(s, addr);
		if (err)
			goto out_free;
	}
	if (err == -EIO)
		pr_err("cannot write the answers: %s\n", strerror(errno));
	else if (err)
		pr_err("cannot read addresses: %s\n", strerror(-err));
out_free:
	free(lr.buf);
	return err;
}

/* Checks what the addresses belong to before reading any. */
static int symbolize_session__open(struct symbolize_session *s)
{
	const struct symbolize_opts *o = s->opts;
	struct symbolizer_stats stats;
	int err;

	switch (o->target) {
	case SYMBOLIZE_PID:
		err = symbolizer__snapshot(s->sym, o->pid, &s->maps);
		if (err == -ESRCH)
			pr_err("no such process: %u\n", o->pid);
		else if (err)
			pr_err("cannot read the mappings of process %u: %s\n", o->pid,
			       strerror(-err));
		return err;
	case SYMBOLIZE_ELF:
		/* Opens the file, so that a wrong name fails before the first address. */
		err = symbolizer__resolve_elf(s->sym, o->elf, 0, false, s->frames,
					      SYMBOLIZE_MAX_FRAMES);
		if (err < 0) {
			pr_err("cannot open %s: %s\n", o->elf, strerror(-err));
			return err;
		}
		/* The file cache gives up on what it cannot parse: every answer would be "??". */
		symbolizer__stats(s->sym, &stats);
		if (stats.bad_files) {
			pr_err("%s is not an ELF file, or a damaged one\n", o->elf);
			return -ENOEXEC;
		}
		return 0;
	default:
		return 0;
	}
}

int symbolize__run(const struct symbolize_opts *opts, int in_fd, FILE *out)
{
	struct symbolizer_stats stats;
	struct symbolize_session s = { .opts = opts, .out = out };
	int err;

	s.sym = symbolizer__new(&(struct symbolizer_opts){ 0 });
	if (!s.sym) {
		err = -errno;
		pr_err("cannot set up the symbolizer: %s\n", strerror(errno));
		return err;
	}
	err = symbolize_session__open(&s);
	if (err)
		goto out_free;
	if (opts->naddrs) {
		for (size_t i = 0; i < opts->naddrs && !err; i++)
			err = symbolize_session__answer(&s, opts->addrs[i]);
	} else {
		err = symbolize_session__read_input(&s, in_fd);
	}
	if (fflush(out) && !err) {
		pr_err("cannot write the answers: %s\n", strerror(errno));
		err = -EIO;
	}
	if (!err && s.bad_input)
		err = -EINVAL;
	symbolizer__stats(s.sym, &stats);
	pr_info("unnamed: %llu user, %llu kernel addresses; %llu unreadable files; "
		"%llu malformed perf map lines, %llu dropped past the limits\n",
		(unsigned long long)stats.unnamed_user, (unsigned long long)stats.unnamed_kernel,
		(unsigned long long)stats.bad_files, (unsigned long long)stats.bad_perf_map_lines,
		(unsigned long long)stats.dropped_perf_map_lines);

out_free:
	proc_maps__free(s.maps);
	symbolizer__free(s.sym);
	return err;
}

int cmd_symbolize(int argc, char **argv)
{
	struct symbolize_opts opts;
	enum options_result result;
	char err[OPTIONS_ERR_MAX];
	int status;

	result = symbolize_opts__parse(&opts, argc, argv, err, sizeof(err));
	if (result == OPTIONS_RUN) {
		verbosity__apply(opts.verbose, LOG_WARN);
		status = symbolize__run(&opts, STDIN_FILENO, stdout) ? EXIT_STATUS_RUNTIME : 0;
	} else {
		status = option_table__exit_status(&symbolize_option_table, result, err);
	}
	symbolize_opts__release(&opts);
	return status;
}
