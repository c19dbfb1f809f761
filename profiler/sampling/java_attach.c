// SPDX-License-Identifier: GPL-2.0-only
#include "java_attach.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "java_attach_internal.h"

/* HotSpot's longest argument (AttachOperation::arg_length_max): the jcmd command line. */
#define JAVA_ARG_MAX 1024
/* Bytes of /proc/PID/status and /proc/PID/maps read at most; a line longer than the
 * reader's buffer is skipped (no line an attach needs is that long). */
#define JAVA_STATUS_MAX (1u << 20)
#define JAVA_MAPS_MAX (64u << 20)
#define JAVA_LINE_MAX 8192
/* Bytes of the reply kept: the status line and the start of the output. */
#define JAVA_REPLY_MAX 4096
/* The waits between looks for the listener's socket, growing from the first to the last. */
#define JAVA_WAIT_FIRST_MS 5
#define JAVA_WAIT_LAST_MS 100

/* One attach to one process. */
struct attach {
	uint32_t pid;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
	int pidfd;	      /* the process checked: signals go to it, its exit ends waits */
	int procfd;	      /* /proc/PID, O_PATH */
	int tmpfd;	      /* the JVM's /tmp, O_PATH, resolved in its root */
	struct java_target target;
	char sock_name[32];    /* .java_pidNSPID */
	char trigger_name[32]; /* .attach_pidNSPID */
	char *why;
	size_t why_len;
};

/* Writes a reason into a->why and returns @err. */
static int reason(struct attach *a, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int reason(struct attach *a, int err, const char *fmt, ...)
{
	va_list ap;

	if (a->why_len) {
		va_start(ap, fmt);
		vsnprintf(a->why, a->why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Milliseconds left before the deadline, 0 once it passed. */
static int remaining_ms(const struct attach *a)
{
	uint64_t now = monotonic_ns();

	if (now >= a->deadline_ns)
		return 0;
	return (int)((a->deadline_ns - now + 999999) / 1000000);
}

/*
 * Waits until @fd (-1: none) has one of @events, the process exits, @ms pass or the deadline
 * does. Returns 0 when @fd is ready or the time passed (the caller looks again), -ESRCH when
 * the process exited, -ETIMEDOUT at the deadline.
 */
static int wait_for(struct attach *a, int fd, short events, int ms)
{
	struct pollfd p[2] = { { .fd = a->pidfd, .events = POLLIN },
			       { .fd = fd, .events = events } };
	int left = remaining_ms(a), n;

	if (!left)
		return -ETIMEDOUT;
	if (ms < 0 || ms > left)
		ms = left;
	n = poll(p, fd >= 0 ? 2 : 1, ms);
	if (n < 0 && errno != EINTR)
		return -errno;
	/* A reply already written is read even if the JVM exited since. */
	if (n > 0 && fd >= 0 && p[1].revents)
		return 0;
	if (n > 0 && p[0].revents)
		return -ESRCH;
	return 0;
}

/*
 * Calls @fn on each line of @fd (without its newline) until it returns non-zero, reading at
 * most @max bytes; lines longer than JAVA_LINE_MAX are skipped. Returns 0 at the end, fn's
 * value when it stopped, or -errno.
 */
static int read_lines(int fd, size_t max, int (*fn)(void *ctx, const char *line, size_t len),
		      void *ctx)
{
	size_t have = 0, total = 0, start;
	bool skipping = false;
	char *buf, *nl;
	ssize_t n;
	int ret = 0;

	buf = malloc(JAVA_LINE_MAX);
	if (!buf)
		return -ENOMEM;
	while (total < max) {
		n = read(fd, buf + have, JAVA_LINE_MAX - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out_free;
		}
		if (n == 0)
			break;
		total += n;
		have += n;
		start = 0;
		while ((nl = memchr(buf + start, '\n', have - start))) {
			if (!skipping)
				ret = fn(ctx, buf + start, nl - (buf + start));
			skipping = false;
			start = nl + 1 - buf;
			if (ret)
				goto out_free;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == JAVA_LINE_MAX) {
			skipping = true;
			have = 0;
		}
	}
	if (have && !skipping && total < max)
		ret = fn(ctx, buf, have);
out_free:
	free(buf);
	return ret;
}

/* Skips blanks; then a decimal u32 (no sign). Returns 0, or -EINVAL. */
static int parse_u32(const char **p, uint32_t *out)
{
	unsigned long long v;
	char *end;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	v = strtoull(*p, &end, 10);
	if (errno || v > UINT32_MAX)
		return -EINVAL;
	*p = end;
	*out = v;
	return 0;
}

void java_target__status_line(struct java_target *t, const char *line, size_t len)
{
	uint32_t ids[4], v;
	char text[512], *end;
	const char *p;
	unsigned long long mask;
	int n;

	/* Only Groups: grows long, and it is not read. */
	if (len >= sizeof(text))
		return;
	memcpy(text, line, len);
	text[len] = '\0';
	if (!strncmp(text, "State:", 6)) {
		p = text + 6;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p) {
			t->alive = *p != 'Z' && *p != 'X';
			t->seen |= JAVA_STATUS_STATE;
		}
	} else if (!strncmp(text, "Tgid:", 5)) {
		p = text + 5;
		if (!parse_u32(&p, &v)) {
			t->tgid = v;
			t->seen |= JAVA_STATUS_TGID;
		}
	} else if (!strncmp(text, "Uid:", 4) || !strncmp(text, "Gid:", 4)) {
		/* Real, effective, saved, filesystem. */
		p = text + 4;
		for (n = 0; n < 4 && !parse_u32(&p, &ids[n]); n++)
			;
		if (n < 2)
			return;
		if (text[0] == 'U') {
			t->euid = ids[1];
			t->seen |= JAVA_STATUS_UID;
		} else {
			t->egid = ids[1];
			t->seen |= JAVA_STATUS_GID;
		}
	} else if (!strncmp(text, "NSpid:", 6)) {
		/* One pid per nested namespace, outermost first: the last is its own. */
		p = text + 6;
		for (n = 0; !parse_u32(&p, &v); n++)
			t->nspid = v;
		if (n && t->nspid)
			t->seen |= JAVA_STATUS_NSPID;
	} else if (!strncmp(text, "SigCgt:", 7)) {
		p = text + 7;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!isxdigit((unsigned char)*p))
			return;
		errno = 0;
		mask = strtoull(p, &end, 16);
		if (errno || (*end && *end != ' ' && *end != '\t'))
			return;
		t->catches_sigquit = mask & (1ull << (SIGQUIT - 1));
		t->seen |= JAVA_STATUS_SIGCGT;
	}
}

/* Skips one blank-separated field and the blanks after it; NULL when the line ends first. */
static const char *next_field(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end ? p : NULL;
}

bool java_maps__is_libjvm(const char *line, size_t len)
{
	static const char deleted[] = " (deleted)", name[] = "/libjvm.so";
	const char *end = line + len, *perms, *path = line;
	size_t plen;
	int i;

	/* START-END PERMS OFFSET DEV INODE PATH */
	perms = next_field(line, end);
	if (!perms || end - perms < 4 || perms[2] != 'x')
		return false;
	for (i = 0; i < 5 && path; i++)
		path = next_field(path, end);
	if (!path || *path != '/')
		return false;
	plen = end - path;
	if (plen >= sizeof(deleted) - 1 &&
	    !memcmp(end - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1))
		plen -= sizeof(deleted) - 1;
	return plen >= sizeof(name) - 1 &&
	       !memcmp(path + plen - (sizeof(name) - 1), name, sizeof(name) - 1);
}

bool java_id_map__inside(const char *line, size_t len, uint32_t outside, uint32_t *inside)
{
	uint32_t in, out, count;
	char text[128];
	const char *p = text;

	if (len >= sizeof(text))
		return false;
	memcpy(text, line, len);
	text[len] = '\0';
	if (parse_u32(&p, &in) || parse_u32(&p, &out) || parse_u32(&p, &count))
		return false;
	if (outside < out || outside - out >= count || in + (uint64_t)(outside - out) > UINT32_MAX)
		return false;
	*inside = in + (outside - out);
	return true;
}

size_t java_attach__request(const char *command, char *buf, size_t cap)
{
	/* Version, command, and HotSpot's three arguments: the command line and two empty. */
	static const char head[] = "1\0jcmd";
	size_t clen = strlen(command), len = sizeof(head) + clen + 1 + 2;

	if (clen > JAVA_ARG_MAX || len > cap)
		return 0;
	memcpy(buf, head, sizeof(head));
	memcpy(buf + sizeof(head), command, clen + 1);
	buf[len - 2] = '\0';
	buf[len - 1] = '\0';
	return len;
}

char *java_attach__printable(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i;

	if (!cap)
		return dst;
	for (i = 0; i < len && i < cap - 1 && src[i] != '\n'; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
	return dst;
}

int java_attach__reply(const char *buf, size_t len, bool closed, char *why, size_t why_len)
{
	const char *nl = memchr(buf, '\n', len), *end, *p;
	char text[160];
	long status;

	if (why_len)
		why[0] = '\0';
	if (!len) {
		snprintf(why, why_len,
			 "the JVM closed the connection without answering (it serves root and its "
			 "own user only, as its user namespace sees them)");
		return -EPERM;
	}
	/* The status: an optional minus and up to 10 digits, then a newline (or the end). */
	end = nl ? nl : closed ? buf + len : NULL;
	p = buf + (len && buf[0] == '-');
	if (!end || p == end || end - p > 10)
		goto out_garbage;
	for (; p < end; p++)
		if (!isdigit((unsigned char)*p))
			goto out_garbage;
	status = strtol(buf, NULL, 10);
	if (!status)
		return 0;
	p = end < buf + len ? end + 1 : end;
	java_attach__printable(text, sizeof(text), p, buf + len - p);
	snprintf(why, why_len, "the JVM answered %ld: %s", status, text[0] ? text : "(no message)");
	return -EPROTO;

out_garbage:
	java_attach__printable(text, sizeof(text), buf, len);
	snprintf(why, why_len, "not an attach reply: \"%s\"", text);
	return -EPROTO;
}

static int status_line(void *ctx, const char *line, size_t len)
{
	java_target__status_line(ctx, line, len);
	return 0;
}

static int maps_line(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	return java_maps__is_libjvm(line, len);
}

/*
 * Holds the process (pidfd, /proc/PID) and reads what it is: a live process (not a thread)
 * with libjvm.so mapped executable.
 */
static int open_process(struct attach *a)
{
	const unsigned int need = JAVA_STATUS_ALL;
	char path[64];
	int fd, err;

	a->pidfd = syscall(SYS_pidfd_open, (pid_t)a->pid, 0);
	if (a->pidfd < 0) {
		/* A thread id: EINVAL, or ENOENT on recent kernels (6.18 here). */
		if (errno == EINVAL || errno == ENOENT)
			return reason(a, -EINVAL, "a thread, not a process");
		if (errno == ESRCH)
			return reason(a, -ESRCH, "no such process");
		return reason(a, -errno, "pidfd_open: %s", strerror(errno));
	}
	snprintf(path, sizeof(path), "/proc/%u", a->pid);
	a->procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a->procfd < 0)
		return reason(a, -ESRCH, "no such process in /proc");
	fd = openat(a->procfd, "status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return reason(a, -ESRCH, "no such process: its status cannot be read");
	err = read_lines(fd, JAVA_STATUS_MAX, status_line, &a->target);
	close(fd);
	if (err)
		return reason(a, err, "reading its status: %s", strerror(-err));
	if ((a->target.seen & need) != need)
		return reason(a, -EPROTO, "its status lacks lines (0x%x of 0x%x)", a->target.seen,
			      need);
	if (!a->target.alive)
		return reason(a, -ESRCH, "the process exited");
	if (a->target.tgid != a->pid)
		return reason(a, -EINVAL, "a thread of process %u, not a process", a->target.tgid);
	fd = openat(a->procfd, "maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return reason(a, -errno, "cannot read its maps: %s", strerror(errno));
	err = read_lines(fd, JAVA_MAPS_MAX, maps_line, NULL);
	close(fd);
	if (err < 0)
		return reason(a, err, "reading its maps: %s", strerror(-err));
	if (!err)
		return reason(a, -ENOEXEC, "not a HotSpot JVM: no libjvm.so mapped executable");
	snprintf(a->sock_name, sizeof(a->sock_name), ".java_pid%u", a->target.nspid);
	snprintf(a->trigger_name, sizeof(a->trigger_name), ".attach_pid%u", a->target.nspid);
	return 0;
}

/* Opens the JVM's /tmp as the JVM resolves it: in its root and mount namespace. */
static int open_tmp(struct attach *a)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int root, err = 0;

	root = openat(a->procfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return reason(a, -errno, "cannot reach its root directory (/proc/%u/root): %s",
			      a->pid, strerror(errno));
	/* RESOLVE_IN_ROOT: a symbolic link in its root stays in its root. */
	a->tmpfd = syscall(SYS_openat2, root, "tmp", &how, sizeof(how));
	if (a->tmpfd < 0 && errno == ENOSYS)
		a->tmpfd = openat(root, "tmp", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (a->tmpfd < 0)
		err = reason(a, -errno, "cannot reach its /tmp (/proc/%u/root/tmp): %s", a->pid,
			     strerror(errno));
	close(root);
	return err;
}

struct uid_lookup {
	uint32_t outside;
	uint32_t inside;
	bool found;
};

static int uid_map_line(void *ctx, const char *line, size_t len)
{
	struct uid_lookup *l = ctx;

	l->found = java_id_map__inside(line, len, l->outside, &l->inside);
	return l->found;
}

/*
 * Whether the JVM would serve us: HotSpot takes a client of its own euid and egid, or root,
 * as its user namespace sees them (os::Posix::matches_effective_uid_and_gid_or_root). In a
 * user namespace of its own, our uid may map to nobody there: then it would close the
 * connection, and SIGQUIT would start its listener for nothing.
 */
static int check_served(struct attach *a)
{
	struct uid_lookup l = { .outside = geteuid() };
	struct stat ours, theirs;
	int fd, err;

	if (l.outside == a->target.euid && getegid() == a->target.egid)
		return 0;
	if (stat("/proc/self/ns/user", &ours) || fstatat(a->procfd, "ns/user", &theirs, 0))
		return reason(a, -errno, "cannot tell its user namespace: %s", strerror(errno));
	if (ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino) {
		if (l.outside == 0)
			return 0;
		return reason(a, -EPERM, "the JVM serves only its own user (uid %u) and root",
			      (unsigned int)a->target.euid);
	}
	fd = openat(a->procfd, "uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return reason(a, -errno, "cannot read its uid_map: %s", strerror(errno));
	err = read_lines(fd, JAVA_STATUS_MAX, uid_map_line, &l);
	close(fd);
	if (err < 0)
		return reason(a, err, "reading its uid_map: %s", strerror(-err));
	if (!l.found || l.inside != 0)
		return reason(a, -EPERM,
			      "the JVM is in a user namespace where our uid %u is %s, not root: it "
			      "would not serve us",
			      l.outside, l.found ? "another user" : "unmapped");
	return 0;
}

/* Whether the process the pidfd holds still runs: then /proc/PID was it all along. */
static int still_running(struct attach *a)
{
	if (syscall(SYS_pidfd_send_signal, a->pidfd, 0, NULL, 0))
		return reason(a, -ESRCH, "the process exited");
	return 0;
}

/*
 * Opens the attach socket's file (O_PATH, not followed), if it is a socket of the JVM's
 * euid. Returns 0 and the descriptor in *@out, -ENOENT (no reason written) when there is
 * none, or -errno.
 */
static int open_socket_file(struct attach *a, int *out)
{
	struct stat st;
	int fd;

	fd = openat(a->tmpfd, a->sock_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return reason(a, -errno, "cannot open its /tmp/%s: %s", a->sock_name,
			      strerror(errno));
	}
	if (fstat(fd, &st)) {
		close(fd);
		return reason(a, -errno, "fstat of its /tmp/%s: %s", a->sock_name, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode)) {
		close(fd);
		return reason(a, -EPERM, "its /tmp/%s is not a socket", a->sock_name);
	}
	if (st.st_uid != a->target.euid) {
		close(fd);
		return reason(a, -EPERM, "its /tmp/%s belongs to uid %u, not to the JVM's euid %u",
			      a->sock_name, (unsigned int)st.st_uid, (unsigned int)a->target.euid);
	}
	*out = fd;
	return 0;
}

/* Waits for the listener's socket file to appear, looking less and less often. */
static int wait_socket(struct attach *a, int timeout_ms)
{
	int wait_ms = JAVA_WAIT_FIRST_MS, err;
	struct stat st;

	for (;;) {
		if (!fstatat(a->tmpfd, a->sock_name, &st, AT_SYMLINK_NOFOLLOW))
			return 0;
		if (errno != ENOENT)
			return reason(a, -errno, "looking for its /tmp/%s: %s", a->sock_name,
				      strerror(errno));
		err = wait_for(a, -1, 0, wait_ms);
		if (err == -ETIMEDOUT)
			return reason(a, err,
				      "no attach socket %d ms after SIGQUIT (attach disabled by "
				      "-XX:+DisableAttachMechanism?)",
				      timeout_ms);
		if (err)
			return reason(a, err, "the process exited");
		wait_ms = wait_ms * 2 > JAVA_WAIT_LAST_MS ? JAVA_WAIT_LAST_MS : wait_ms * 2;
	}
}

/*
 * Starts the JVM's attach listener: a trigger file in its /tmp, then SIGQUIT, then a wait for
 * the socket; our trigger is removed whatever happens.
 */
static int start_listener(struct attach *a, int timeout_ms)
{
	struct stat ours = { 0 }, now;
	bool created = false;
	int fd, err;

	/* SIGQUIT's default action is a core dump. */
	if (!a->target.catches_sigquit)
		return reason(a, -EPERM,
			      "no attach listener, and the process does not catch SIGQUIT (-Xrs, "
			      "or a JVM still starting): not signalled");
	fd = openat(a->tmpfd, a->trigger_name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd >= 0) {
		created = true;
		/* The JVM takes a trigger owned by its euid or by root as its user namespace
		 * sees them: in a namespace of its own, root's file is nobody's. */
		if (fstat(fd, &ours) || fchown(fd, a->target.euid, a->target.egid)) {
			err = reason(a, -errno, "cannot hand its /tmp/%s to uid %u: %s",
				     a->trigger_name, (unsigned int)a->target.euid,
				     strerror(errno));
			close(fd);
			goto out_unlink;
		}
		close(fd);
	} else if (errno == EEXIST) {
		/* Another client's (jcmd's, left behind): it serves if the JVM takes it. */
		if (fstatat(a->tmpfd, a->trigger_name, &now, AT_SYMLINK_NOFOLLOW))
			return reason(a, -errno, "its /tmp/%s: %s", a->trigger_name,
				      strerror(errno));
		if (!S_ISREG(now.st_mode) || (now.st_uid && now.st_uid != a->target.euid))
			return reason(a, -EPERM, "its /tmp/%s is not the JVM's (uid %u)",
				      a->trigger_name, (unsigned int)now.st_uid);
	} else {
		return reason(a, -errno, "cannot create its /tmp/%s: %s", a->trigger_name,
			      strerror(errno));
	}
	err = still_running(a);
	if (err)
		goto out_unlink;
	if (syscall(SYS_pidfd_send_signal, a->pidfd, SIGQUIT, NULL, 0)) {
		err = reason(a, -errno, "SIGQUIT: %s", strerror(errno));
		goto out_unlink;
	}
	err = wait_socket(a, timeout_ms);
out_unlink:
	/* Ours only: its user may have put another file in its place. */
	if (created && !fstatat(a->tmpfd, a->trigger_name, &now, AT_SYMLINK_NOFOLLOW) &&
	    now.st_dev == ours.st_dev && now.st_ino == ours.st_ino)
		unlinkat(a->tmpfd, a->trigger_name, 0);
	return err;
}

/*
 * Connects to the socket whose file @sockfile was checked, through that descriptor, and
 * checks that the JVM itself listens there. Returns 0 and a non-blocking socket in *@out.
 */
static int connect_jvm(struct attach *a, int sockfile, int *out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(struct ucred);
	struct ucred cred;
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return reason(a, -errno, "socket: %s", strerror(errno));
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d", sockfile);
	while (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		err = -errno;
		if (err == -EINTR)
			continue;
		if (err == -ECONNREFUSED) {
			err = reason(a, err, "nothing listens on its /tmp/%s", a->sock_name);
			goto out_close;
		}
		if (err != -EAGAIN) {
			err = reason(a, err, "connect to its /tmp/%s: %s", a->sock_name,
				     strerror(-err));
			goto out_close;
		}
		/* The backlog is full: the listener serves other clients first. */
		err = wait_for(a, -1, 0, 10);
		if (err) {
			err = reason(a, err,
				     err == -ESRCH ? "the process exited" :
						     "its attach listener accepted no "
						     "connection in time");
			goto out_close;
		}
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		err = reason(a, -errno, "SO_PEERCRED: %s", strerror(errno));
		goto out_close;
	}
	if ((uint32_t)cred.pid != a->pid || cred.uid != a->target.euid) {
		err = reason(
			a, -EPERM,
			"its /tmp/%s is served by process %d of uid %u, not by the JVM (process "
			"%u of uid %u)",
			a->sock_name, (int)cred.pid, (unsigned int)cred.uid, a->pid,
			(unsigned int)a->target.euid);
		goto out_close;
	}
	*out = fd;
	return 0;

out_close:
	close(fd);
	return err;
}

/* Sends the request for @command and judges the reply. */
static int exchange(struct attach *a, int fd, const char *command)
{
	char request[64 + JAVA_ARG_MAX], reply[JAVA_REPLY_MAX];
	size_t len, off = 0, got = 0;
	bool closed = false;
	ssize_t n;
	int err;

	len = java_attach__request(command, request, sizeof(request));
	if (!len)
		return reason(a, -EINVAL, "command too long");
	while (off < len) {
		n = send(fd, request + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			/* Closed before reading: the JVM refused us. */
			if (errno == EPIPE || errno == ECONNRESET)
				return java_attach__reply(reply, 0, true, a->why, a->why_len);
			return reason(a, -errno, "sending the request: %s", strerror(errno));
		}
		err = wait_for(a, fd, POLLOUT, -1);
		if (err)
			return reason(a, err,
				      err == -ESRCH ? "the process exited" :
						      "the JVM took no request in time");
	}
	while (got < sizeof(reply)) {
		n = read(fd, reply + got, sizeof(reply) - got);
		if (n > 0) {
			got += n;
			continue;
		}
		/* A reset: the JVM closed with our request unread. */
		if (!n || errno == ECONNRESET) {
			closed = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return reason(a, -errno, "reading the reply: %s", strerror(errno));
		err = wait_for(a, fd, POLLIN, -1);
		if (err)
			return reason(a, err,
				      err == -ESRCH ? "the process exited" : "no reply in time");
	}
	return java_attach__reply(reply, got, closed, a->why, a->why_len);
}

/* Whether the JVM's /tmp/perf-NSPID.map was written at @since (CLOCK_REALTIME_COARSE s) or later. */
static int check_perf_map(struct attach *a, time_t since)
{
	char name[32];
	struct stat st;

	snprintf(name, sizeof(name), "perf-%u.map", a->target.nspid);
	if (fstatat(a->tmpfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return reason(a, -errno, "the JVM answered success, but its /tmp/%s: %s", name,
			      strerror(errno));
	if (st.st_mtim.tv_sec < since)
		return reason(a, -ENOENT,
			      "the JVM answered success, but did not write its /tmp/%s (an older "
			      "one is there)",
			      name);
	return 0;
}

static void attach__close(struct attach *a)
{
	if (a->tmpfd >= 0)
		close(a->tmpfd);
	if (a->procfd >= 0)
		close(a->procfd);
	if (a->pidfd >= 0)
		close(a->pidfd);
}

int java_attach__perfmap(uint32_t pid, int timeout_ms, char *why, size_t why_len)
{
	struct attach a = {
		.pid = pid, .pidfd = -1, .procfd = -1, .tmpfd = -1, .why = why, .why_len = why_len
	};
	int sockfile = -1, conn = -1, err;
	struct timespec since;

	if (why_len)
		why[0] = '\0';
	if (timeout_ms <= 0 || !pid || pid > INT_MAX)
		return reason(&a, -EINVAL, "bad pid or timeout");
	a.deadline_ns = monotonic_ns() + (uint64_t)timeout_ms * 1000000;
	/* The file's time is the coarse clock's: the fine one may be ahead of it. */
	clock_gettime(CLOCK_REALTIME_COARSE, &since);
	err = open_process(&a);
	if (err)
		goto out_close;
	err = open_tmp(&a);
	if (err)
		goto out_close;
	err = check_served(&a);
	if (err)
		goto out_close;
	err = still_running(&a);
	if (err)
		goto out_close;
	err = open_socket_file(&a, &sockfile);
	if (err == -ENOENT) {
		err = start_listener(&a, timeout_ms);
		if (!err)
			err = open_socket_file(&a, &sockfile);
		if (err == -ENOENT)
			err = reason(&a, err, "its /tmp/%s went away", a.sock_name);
	}
	if (err)
		goto out_close;
	err = connect_jvm(&a, sockfile, &conn);
	if (err)
		goto out_close_sockfile;
	err = exchange(&a, conn, "Compiler.perfmap");
	if (!err)
		err = check_perf_map(&a, since.tv_sec);
	close(conn);
out_close_sockfile:
	close(sockfile);
out_close:
	attach__close(&a);
	return err;
}
