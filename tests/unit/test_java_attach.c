// SPDX-License-Identifier: GPL-2.0-only
/*
 * java_attach's readers of what a process or its user controls: /proc/PID/status, maps and
 * uid_map lines, and the JVM's reply; and the request it sends, byte for byte.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "java_attach_internal.h"

static void status_text(struct java_target *t, const char *text)
{
	const char *nl;

	memset(t, 0, sizeof(*t));
	while ((nl = strchr(text, '\n'))) {
		java_target__status_line(t, text, nl - text);
		text = nl + 1;
	}
}

/* A JVM of nobody in a container (pid 1 there), as Linux 6.x writes it. */
static void test_status(void **state)
{
	struct java_target t;

	(void)state;
	status_text(&t, "Name:\tjava\n"
			"Umask:\t0022\n"
			"State:\tS (sleeping)\n"
			"Tgid:\t9694\n"
			"Ngid:\t0\n"
			"Pid:\t9694\n"
			"PPid:\t9692\n"
			"Uid:\t1000\t65534\t65534\t65534\n"
			"Gid:\t1001\t65533\t65533\t65533\n"
			"Groups:\t65534 \n"
			"NStgid:\t9694\t1\n"
			"NSpid:\t9694\t1\n"
			"SigBlk:\t0000000000000000\n"
			"SigIgn:\t0000000000000000\n"
			"SigCgt:\t0000000101005ccd\n");
	assert_int_equal(t.seen, JAVA_STATUS_ALL);
	assert_true(t.alive);
	assert_int_equal(t.tgid, 9694);
	assert_int_equal(t.nspid, 1);
	assert_int_equal(t.euid, 65534);
	assert_int_equal(t.egid, 65533);
	assert_true(t.catches_sigquit);

	/* Python: SIGINT caught, SIGQUIT not; a zombie; one pid namespace. */
	status_text(&t, "State:\tZ (zombie)\nTgid:\t7\nNSpid:\t7\nSigCgt:\t0000000000000002\n");
	assert_int_equal(t.seen, JAVA_STATUS_STATE | JAVA_STATUS_TGID | JAVA_STATUS_NSPID |
					 JAVA_STATUS_SIGCGT);
	assert_false(t.alive);
	assert_int_equal(t.nspid, 7);
	assert_false(t.catches_sigquit);
}

/* Malformed lines leave their field unseen; a long line (Groups:) is skipped whole. */
static void test_status_malformed(void **state)
{
	char groups[2048];
	struct java_target t;

	(void)state;
	status_text(&t, "Tgid:\t-1\nUid:\t0\nGid:\tx y\nNSpid:\t\nSigCgt:\tzz\nState:\t\n");
	assert_int_equal(t.seen, 0);
	status_text(&t, "Tgid:\t99999999999\nNSpid:\t0\nSigCgt:\t00000000000000041x\n");
	assert_int_equal(t.seen, 0);

	memset(&t, 0, sizeof(t));
	strcpy(groups, "Uid:\t1\t2\t3\t4");
	memset(groups + strlen(groups), ' ', sizeof(groups) - strlen(groups) - 1);
	groups[sizeof(groups) - 1] = '\0';
	java_target__status_line(&t, groups, strlen(groups));
	assert_int_equal(t.seen, 0);
	/* Not NUL-terminated: only @len bytes are read. */
	java_target__status_line(&t, "Tgid:\t12345", 8);
	assert_int_equal(t.tgid, 12);
}

static bool libjvm(const char *line)
{
	return java_maps__is_libjvm(line, strlen(line));
}

static void test_maps(void **state)
{
	(void)state;
	assert_true(
		libjvm("7ff2ad451000-7ff2ae1a4000 r-xp 00251000 fe:00 318057                     "
		       "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so"));
	assert_true(libjvm("7f-8f r-xp 00251000 fe:00 318057 /opt/my jdk/lib/server/libjvm.so"));
	assert_true(libjvm("7f-8f r-xp 0 fe:00 1 /usr/lib/jvm/x/lib/server/libjvm.so (deleted)"));
	/* Not executable: a file read through mmap, by a profiler say. */
	assert_false(libjvm("7f-8f r--p 00000000 fe:00 318057 /usr/lib/server/libjvm.so"));
	assert_false(libjvm("7f-8f r-xp 0 fe:00 1 /usr/lib/notlibjvm.so"));
	assert_false(libjvm("7f-8f r-xp 0 fe:00 1 /usr/lib/libjvm.so.bak"));
	assert_false(libjvm("7f-8f r-xp 0 fe:00 1 libjvm.so"));
	assert_false(libjvm("7f-8f r-xp 0 00:00 0 "));
	assert_false(libjvm("7f-8f r-xp 0 00:00 0"));
	assert_false(libjvm("7f-8f r-x"));
	assert_false(libjvm(""));
	/* Only @len bytes are read. */
	assert_false(java_maps__is_libjvm("7f-8f r-xp 0 fe:00 1 /lib/libjvm.so", 30));
}

static bool id_map(const char *line, uint32_t outside, uint32_t *inside)
{
	return java_id_map__inside(line, strlen(line), outside, inside);
}

static void test_id_map(void **state)
{
	uint32_t in = 99;

	(void)state;
	assert_true(id_map("         0     100000      65536", 100005, &in));
	assert_int_equal(in, 5);
	assert_true(id_map("0 0 4294967295", 0, &in));
	assert_int_equal(in, 0);
	assert_false(id_map("         0     100000      65536", 0, &in));
	assert_false(id_map("0 100000 65536", 165536, &in));
	/* Inside ids past 2^32 - 1: no id. */
	assert_false(id_map("4294967295 10 5", 12, &in));
	assert_false(id_map("0 x 1", 0, &in));
	assert_false(id_map("0 0", 0, &in));
}

static void test_request(void **state)
{
	static const char want[] = "1\0jcmd\0Compiler.perfmap\0\0";
	char buf[2048], command[1100];

	(void)state;
	assert_int_equal(java_attach__request("Compiler.perfmap", buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(java_attach__request("Compiler.perfmap", buf, sizeof(want) - 1), 0);
	memset(command, 'x', 1024);
	command[1024] = '\0';
	assert_int_equal(java_attach__request(command, buf, sizeof(buf)), 1024 + 10);
	command[1024] = 'x';
	command[1025] = '\0';
	assert_int_equal(java_attach__request(command, buf, sizeof(buf)), 0);
}

static int reply(const char *text, size_t len, bool closed, char *why, size_t why_len)
{
	return java_attach__reply(text, len, closed, why, why_len);
}

#define REPLY(text, closed, why) reply(text, sizeof(text) - 1, closed, why, sizeof(why))

static void test_reply(void **state)
{
	char why[200];

	(void)state;
	assert_int_equal(REPLY("0\n", true, why), 0);
	assert_string_equal(why, "");
	/* jcmd prints "Command executed successfully" when there is no output. */
	assert_int_equal(REPLY("0\nwhatever the command printed\n", true, why), 0);
	assert_int_equal(REPLY("0", true, why), 0);
	assert_int_equal(REPLY("0\n", false, why), 0);

	assert_int_equal(REPLY("-1\njava.lang.IllegalArgumentException: Unknown diagnostic "
			       "command\nmore\n",
			       true, why),
			 -EPROTO);
	assert_string_equal(why, "the JVM answered -1: java.lang.IllegalArgumentException: "
				 "Unknown diagnostic command");
	assert_int_equal(REPLY("101\n", true, why), -EPROTO);
	assert_string_equal(why, "the JVM answered 101: (no message)");
	assert_int_equal(REPLY("1", true, why), -EPROTO);
	assert_string_equal(why, "the JVM answered 1: (no message)");

	assert_int_equal(reply("", 0, true, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "without answering"));
}

static void test_reply_garbage(void **state)
{
	char why[200], big[8192], small[12];

	(void)state;
	assert_int_equal(REPLY("abc\n", true, why), -EPROTO);
	assert_string_equal(why, "not an attach reply: \"abc\"");
	assert_int_equal(REPLY("\n", true, why), -EPROTO);
	assert_int_equal(REPLY("-\n", true, why), -EPROTO);
	assert_int_equal(REPLY("+0\n", true, why), -EPROTO);
	assert_int_equal(REPLY(" 0\n", true, why), -EPROTO);
	assert_int_equal(REPLY("0 \n", true, why), -EPROTO);
	assert_int_equal(REPLY("12345678901\n", true, why), -EPROTO);
	/* A status cut short by the reader's buffer is no status. */
	assert_int_equal(REPLY("0", false, why), -EPROTO);
	assert_int_equal(REPLY("\x1b]0;owned\x07\x1b[2J 0\r\n", true, why), -EPROTO);
	assert_string_equal(why, "not an attach reply: \"?]0;owned??[2J 0?\"");
	assert_int_equal(REPLY("-1\n\x1b[31mred\xff\x00z\n", true, why), -EPROTO);
	assert_string_equal(why, "the JVM answered -1: ?[31mred??z");

	/* Long: the reason stays one bounded line, cut to the buffer it is given. */
	memset(big, 'A', sizeof(big));
	memcpy(big, "-1\n", 3);
	assert_int_equal(reply(big, sizeof(big), false, why, sizeof(why)), -EPROTO);
	assert_true(strlen(why) < sizeof(why));
	assert_int_equal(reply(big, sizeof(big), false, small, sizeof(small)), -EPROTO);
	assert_string_equal(small, "the JVM ans");
	assert_int_equal(reply(big + 3, sizeof(big) - 3, false, small, sizeof(small)), -EPROTO);
	assert_int_equal(reply(big, sizeof(big), false, NULL, 0), -EPROTO);
}

static void test_printable(void **state)
{
	char out[8];

	(void)state;
	assert_string_equal(java_attach__printable(out, sizeof(out), "ab\tc\nd", 6), "ab?c");
	assert_string_equal(java_attach__printable(out, sizeof(out), "abcdefghij", 10), "abcdefg");
	assert_string_equal(java_attach__printable(out, sizeof(out), "a\0b", 3), "a?b");
	assert_string_equal(java_attach__printable(out, sizeof(out), "", 0), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),	      cmocka_unit_test(test_status_malformed),
		cmocka_unit_test(test_maps),	      cmocka_unit_test(test_id_map),
		cmocka_unit_test(test_request),	      cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_garbage), cmocka_unit_test(test_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
