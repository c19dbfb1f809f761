/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Asking a running HotSpot JVM (JDK 17 and later) to write its perf map, /tmp/perf-NSPID.map
 * in its own mount namespace, which the symbolizer reads to name JIT frames (proc_jit.h):
 * what `jcmd PID Compiler.perfmap` does, through the JVM's dynamic attach protocol, without
 * running any program (root never executes a binary a user may have put in its way).
 *
 * The protocol, as HotSpot serves it (src/hotspot/os/linux/attachListener_linux.cpp of
 * openjdk/jdk17u-dev; its clients: src/jdk.attach/linux/classes/sun/tools/attach/
 * VirtualMachineImpl.java, and jattach's src/posix/jattach_hotspot.c):
 *  - The JVM listens on the Unix socket /tmp/.java_pidNSPID (mode 0600, owned by its euid
 *    and egid) once its attach listener runs. Otherwise it starts the listener when a
 *    SIGQUIT finds the file .attach_pidNSPID, owned by its euid or root, in its working
 *    directory or in /tmp; without one, SIGQUIT prints a thread dump.
 *  - It serves a client whose SO_PEERCRED euid is root or its own euid (with its egid),
 *    as seen in its user namespace, and closes the connection on anyone else: root in a
 *    user namespace that does not map our root is refused (we never take another user's
 *    credentials, as jattach does, to get around it).
 *  - The request is five NUL-terminated strings: the protocol version "1", the command
 *    ("jcmd") and three arguments ("Compiler.perfmap", "", ""). The reply is the status as
 *    a decimal line ("0" for success) and the command's output; then the JVM closes.
 *
 * The JVM may belong to a user hostile to root's profiler, so nothing the process or its
 * user controls is trusted:
 *  - Its files are reached through /proc/PID/root, the JVM's /tmp resolved inside its own
 *    root (openat2 RESOLVE_IN_ROOT); only that /tmp is used, never its working directory,
 *    which may be any directory root can write. No credential or namespace of ours changes.
 *  - The socket must be a socket owned by the JVM's euid; it is connected through the
 *    descriptor that was checked (no path looked up twice), and the listening end must be
 *    the JVM itself (SO_PEERCRED pid and uid).
 *  - SIGQUIT goes only to the process checked (a pidfd), one that maps libjvm.so executable
 *    and catches SIGQUIT (to any other, its default action is a core dump). The trigger file
 *    is created O_EXCL|O_NOFOLLOW, handed to the JVM's euid and egid (a JVM in a user
 *    namespace would not see root's file as root's), and removed once it served.
 *  - Every wait is bounded by the caller's timeout; every read is bounded; the reply's text
 *    is cut to one line of printable ASCII.
 */
#ifndef PROF_JAVA_ATTACH_H
#define PROF_JAVA_ATTACH_H

#include <stddef.h>
#include <stdint.h>

/* A timeout that lets a busy JVM start its listener and write a large perf map. */
#define JAVA_ATTACH_TIMEOUT_MS 5000

/*
 * Asks the JVM process @pid (a process id in our pid namespace, not a thread's) to write its
 * perf map, waiting @timeout_ms (> 0) at most for the whole exchange. Starts the JVM's
 * attach listener if it is not running (SIGQUIT; the listener then stays, as after jcmd).
 * Returns 0 when the JVM answered success and its /tmp/perf-NSPID.map was written since the
 * call began; otherwise -errno, with a one-line reason in @why (always NUL-terminated when
 * @why_len > 0; "" on success):
 *   -ESRCH      no such process, or it exited meanwhile
 *   -ENOEXEC    not a HotSpot JVM: no libjvm.so mapped executable
 *   -EPERM      refused: a socket or trigger file that is not the JVM's, a listener that is
 *               not the JVM, a JVM that does not catch SIGQUIT (with -Xrs its listener runs
 *               from the start, or not at all), a JVM that would not serve us (in a user
 *               namespace where our uid is not root), or one that closed without answering
 *   -ETIMEDOUT  no attach socket in time (attach disabled: -XX:+DisableAttachMechanism),
 *               or no reply in time
 *   -EPROTO     the JVM answered an error (a JDK without Compiler.perfmap), or garbage
 *   -ENOENT     it answered success but no perf map was written
 *   -EINVAL     a timeout <= 0, or @pid a thread
 *   other       a system call's error, named in @why (-EACCES: its root not reachable)
 */
int java_attach__perfmap(uint32_t pid, int timeout_ms, char *why, size_t why_len);

#endif
