// SPDX-License-Identifier: GPL-2.0-only
#include "bpf_load_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "log.h"

#define NAME_BYTES 64
#define MESSAGE_BYTES 512

/* libbpf 1.x's words around a failed load (libbpf.c, bpf_object_load_prog). */
#define LOAD_FAILED "': BPF program load failed: "
#define LOG_BEGIN "-- BEGIN PROG LOAD LOG --\n"
#define LOG_END "-- END PROG LOAD LOG --"

static char program[NAME_BYTES];
static char message[MESSAGE_BYTES];
static bool message_from_verifier;

/* Copies [@from, @to) into @dst (@size bytes), cut to fit. */
static void keep(char *dst, size_t size, const char *from, const char *to)
{
	size_t n = to - from;

	if (n >= size)
		n = size - 1;
	memcpy(dst, from, n);
	dst[n] = '\0';
}

/* Lines that end every verifier log, with no reason in them. */
static bool is_statistics(const char *line, size_t len)
{
	static const char *const prefixes[] = { "processed ", "verification time ", "stack depth ",
						"mark_precise" };

	if (len == 0)
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(line, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Keeps the last line of the verifier's log [@log, @end) that says something. */
static void keep_verifier_message(const char *log, const char *end)
{
	const char *line_end = end, *line;

	while (line_end > log) {
		while (line_end > log && line_end[-1] == '\n')
			line_end--;
		line = line_end;
		while (line > log && line[-1] != '\n')
			line--;
		if (!is_statistics(line, line_end - line)) {
			keep(message, sizeof(message), line, line_end);
			message_from_verifier = true;
			return;
		}
		line_end = line;
	}
}

/* Notes what a message of libbpf says of a failure. */
static void note(enum libbpf_print_level level, const char *text)
{
	const char *p, *q, *end;

	p = strstr(text, LOG_BEGIN);
	if (p) {
		p += strlen(LOG_BEGIN);
		end = strstr(p, LOG_END);
		keep_verifier_message(p, end ? end : p + strlen(p));
		return;
	}
	p = strstr(text, "prog '");
	q = strstr(text, LOAD_FAILED);
	if (p && q && p < q) {
		keep(program, sizeof(program), p + strlen("prog '"), q);
		/* "Permission denied", say: the verifier's log, if any, comes next. */
		if (!message_from_verifier) {
			q += strlen(LOAD_FAILED);
			keep(message, sizeof(message), q, q + strcspn(q, "\n"));
		}
		return;
	}
	/* libbpf's own reasons (a CO-RE relocation, a map): the last warning is the gist. */
	if (level == LIBBPF_WARN && !message_from_verifier) {
		p = strncmp(text, "libbpf: ", 8) == 0 ? text + 8 : text;
		keep(message, sizeof(message), p, p + strcspn(p, "\n"));
	}
}

int bpf_load_report__print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char small[1024], *text = small;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		text = malloc((size_t)n + 1);
		if (text)
			vsnprintf(text, (size_t)n + 1, fmt, again);
		else
			text = small;
	}
	va_end(again);
	if (n < 0)
		return 0;
	note(level, text);
	log__printf(level == LIBBPF_WARN ? LOG_INFO : LOG_DEBUG, "%s", text);
	if (text != small)
		free(text);
	return 0;
}

void bpf_load_report__start(void)
{
	program[0] = '\0';
	message[0] = '\0';
	message_from_verifier = false;
	libbpf_set_print(bpf_load_report__print);
}

const char *bpf_load_report__program(void)
{
	return program;
}

const char *bpf_load_report__message(void)
{
	return message;
}

void bpf_load_report__failed(int err, bool hint_fp)
{
	const char *who = program[0] && message_from_verifier ? "the verifier refused " : "";
	struct utsname uts;
	const char *release = uname(&uts) == 0 ? uts.release : "?";

	/* The verifier answers EACCES too: only a load it never saw lacked the privileges. */
	if ((err == -EPERM || err == -EACCES) && !message_from_verifier) {
		pr_err("cannot load the BPF program on Linux %s: permission denied (run as root, "
		       "or grant CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE)\n",
		       release);
		return;
	}
	pr_err("cannot load the BPF program on Linux %s: %s%s%s%s (%s-vv shows libbpf's and the "
	       "verifier's whole log)\n",
	       release, who, program, program[0] ? ": " : "", message[0] ? message : strerror(-err),
	       hint_fp ? "try --unwind fp; " : "");
}
