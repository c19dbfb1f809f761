/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of java_attach.c that read text a process or its user controls, for unit tests:
 * /proc/PID/status and /proc/PID/maps lines, the request, and the JVM's reply.
 */
#ifndef PROF_JAVA_ATTACH_INTERNAL_H
#define PROF_JAVA_ATTACH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The lines of /proc/PID/status an attach needs; all must be seen. */
enum java_status_field {
	JAVA_STATUS_STATE = 1 << 0,
	JAVA_STATUS_TGID = 1 << 1,
	JAVA_STATUS_UID = 1 << 2,
	JAVA_STATUS_GID = 1 << 3,
	JAVA_STATUS_NSPID = 1 << 4,
	JAVA_STATUS_SIGCGT = 1 << 5,
	JAVA_STATUS_ALL = (1 << 6) - 1,
};

/* What /proc/PID/status says of the process to attach to. */
struct java_target {
	unsigned int seen; /* enum java_status_field bits of the lines parsed */
	bool alive;	   /* its state is not Z (zombie) nor X (dead) */
	uint32_t tgid;	   /* its process id, in the reader's pid namespace */
	uint32_t nspid;	   /* its pid in its own (innermost) pid namespace */
	uid_t euid;	   /* effective ids, in the reader's user namespace */
	gid_t egid;
	bool catches_sigquit; /* SIGQUIT has a handler (SigCgt) */
};

/*
 * Parses one line of /proc/PID/status (@line[0..@len), no newline) into @t; other lines and
 * malformed ones are ignored (their field stays unseen).
 */
void java_target__status_line(struct java_target *t, const char *line, size_t len);

/*
 * Whether a line of /proc/PID/maps (@line[0..@len), no newline) maps a file named
 * libjvm.so (deleted or not) executable.
 */
bool java_maps__is_libjvm(const char *line, size_t len);

/*
 * The id @outside (of the reader's user namespace) in the namespace whose uid_map or gid_map
 * line is @line[0..@len) ("INSIDE OUTSIDE COUNT"). Returns true and it in *@inside when the
 * line maps it.
 */
bool java_id_map__inside(const char *line, size_t len, uint32_t outside, uint32_t *inside);

/*
 * Writes the attach request for the jcmd command @command into @buf; returns its length
 * (NUL bytes included), or 0 when it does not fit in @cap or @command is too long for
 * HotSpot (1024 bytes).
 */
size_t java_attach__request(const char *command, char *buf, size_t cap);

/*
 * Judges the reply @buf[0..@len), whole when @closed (the JVM closed the connection), else
 * cut short by the reader's buffer. Returns 0 when its status line is "0"; otherwise a
 * one-line reason in @why and -EPERM (nothing at all: the JVM closed without answering),
 * -EPROTO (another status, with the output's first line, or no status line).
 */
int java_attach__reply(const char *buf, size_t len, bool closed, char *why, size_t why_len);

/*
 * Copies @src[0..@len) up to its first newline into @dst (@cap bytes, NUL-terminated, cut
 * when longer), each byte outside printable ASCII as '?'. Returns @dst.
 */
char *java_attach__printable(char *dst, size_t cap, const char *src, size_t len);

#endif
