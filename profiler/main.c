// SPDX-License-Identifier: GPL-2.0-only
/* bpfprof: the command table; each command parses its own options and runs. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "option_table.h"
#include "profile_commands.h"
#include "record.h"
#include "store_commands.h"
#include "symbolize.h"

struct command_entry {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* returns the exit status */
};

static const struct command_entry commands[] = {
	{ "record", "sample every CPU for a while (or while a command runs) and write a profile",
	  cmd_record },
	{ "agent", "sample continuously: a profile per interval, stored and uploaded", cmd_agent },
	{ "flamegraph", "merge profiles, or a window of the agent's store, into a flame graph",
	  cmd_flamegraph },
	{ "report", "a postmortem page: timeline, flame graph, table and compare in one HTML file",
	  cmd_report },
	{ "diff", "a differential flame graph of two profiles", cmd_diff },
	{ "convert", "convert a profile between folded, pprof, svg and speedscope", cmd_convert },
	{ "symbolize", "name addresses of a process, an ELF file or the kernel, as addr2line does",
	  cmd_symbolize },
	{ "store", "list the intervals in an agent's local store (store ls)", cmd_store },
};

static void usage(FILE *out)
{
	fputs("usage: bpfprof COMMAND [OPTIONS]\n\n"
	      "A whole-system CPU profiler: samples kernel and user stacks with BPF.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nbpfprof COMMAND --help describes a command's options.\n"
	      "Exit status: 0 success, 1 runtime failure, 2 usage error.\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_STATUS_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("bpfprof %s\n", BPFPROF_VERSION);
		return 0;
	}
	/* A closed pipe is a write error to report, not a reason to die silently. */
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "bpfprof: unknown command '%s' (see bpfprof --help)\n", argv[1]);
	return EXIT_STATUS_USAGE;
}
