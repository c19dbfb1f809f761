// SPDX-License-Identifier: GPL-2.0-only
#include "symbolize_options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "number_scan.h"
#include "options.h"
#include "verbosity.h"

#define PID_LIMIT 0x7fffffffu /* existence is checked later, with a clearer message */

int symbolize_address__parse(const char *s, uint64_t *out)
{
	uint64_t v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!scan_hex_0x(&s, s + strlen(s), &v))
		return -EINVAL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}

static int set_target(struct symbolize_opts *opts, enum symbolize_target target, char *err,
		      size_t errlen)
{
	if (opts->target != SYMBOLIZE_NONE) {
		snprintf(err, errlen, "give one of --pid, --elf and --kernel, not several");
		return -EINVAL;
	}
	opts->target = target;
	return 0;
}

static int parse_pid(const struct option_spec *opt, void *target, const char *arg, char *err,
		     size_t errlen)
{
	struct symbolize_opts *opts = target;
	uint64_t v;

	(void)opt;
	if (set_target(opts, SYMBOLIZE_PID, err, errlen) ||
	    options__parse_uint(arg, "pid (--pid)", 1, PID_LIMIT, &v, err, errlen))
		return -EINVAL;
	opts->pid = v;
	return 0;
}

static int parse_elf(const struct option_spec *opt, void *target, const char *arg, char *err,
		     size_t errlen)
{
	struct symbolize_opts *opts = target;

	(void)opt;
	if (set_target(opts, SYMBOLIZE_ELF, err, errlen))
		return -EINVAL;
	if (!*arg) {
		snprintf(err, errlen, "--elf needs a file name");
		return -EINVAL;
	}
	opts->elf = arg;
	return 0;
}

static int parse_kernel(const struct option_spec *opt, void *target, const char *arg, char *err,
			size_t errlen)
{
	(void)opt, (void)arg;
	return set_target(target, SYMBOLIZE_KERNEL, err, errlen);
}

/* --help before the options, and after them. */
static const char usage[] =
	"usage: bpfprof symbolize (--pid PID | --elf FILE | --kernel) [OPTIONS] [ADDR...]\n"
	"\n"
	"Names addresses as the profiler does, and prints for each one the function and\n"
	"FILE:LINE, then one such pair per function it was inlined into, innermost first\n"
	"(\"??\" and \"??:0\" when unknown), as eu-addr2line -f -i does. Addresses are hex,\n"
	"with or without 0x, given as arguments or one per line on standard input.\n"
	"\n";
static const char notes[] = "\nAddresses are taken as exact: no return-address adjustment.\n";

// clang-format off
static const struct option_spec symbolize_options[] = {
	OPTION_TEXT(usage),
	{ .name = "pid", .short_name = 'p', .arg = "PID", .parse = parse_pid,
	  .help = "runtime addresses of a live process (JIT code through\n"
		  "its perf map, the vDSO)" },
	{ .name = "elf", .short_name = 'e', .arg = "FILE", .parse = parse_elf,
	  .help = "ELF virtual addresses of FILE (as addr2line -e takes)" },
	{ .name = "kernel", .short_name = 'k', .parse = parse_kernel,
	  .help = "kernel addresses, named from /proc/kallsyms" },
	{ .name = "addresses", .short_name = 'a', .parse = option_table__set_flag,
	  .offset = offsetof(struct symbolize_opts, print_address),
	  .help = "print each address before its answer" },
	{ .name = "basenames", .short_name = 's', .parse = option_table__set_flag,
	  .offset = offsetof(struct symbolize_opts, basenames),
	  .help = "file names without their folders" },
	{ .name = "no-demangle", .parse = option_table__set_flag,
	  .offset = offsetof(struct symbolize_opts, no_demangle),
	  .help = "C++ and Rust names as the files spell them" },
	OPTION_GROUP(verbosity_options, offsetof(struct symbolize_opts, verbose)),
	OPTION_HELP,
	OPTION_TEXT(notes),
	OPTION_END,
};
// clang-format on

const struct option_table symbolize_option_table = {
	.command = "symbolize",
	.entries = symbolize_options,
};

enum options_result symbolize_opts__parse(struct symbolize_opts *opts, int argc, char **argv,
					  char *err, size_t errlen)
{
	enum options_result result;
	int i;

	memset(opts, 0, sizeof(*opts));
	result = option_table__parse(&symbolize_option_table, opts, argc, argv, &i, err, errlen);
	if (result != OPTIONS_RUN)
		return result;
	if (opts->target == SYMBOLIZE_NONE) {
		snprintf(err, errlen,
			 "say what the addresses belong to: --pid PID, --elf FILE "
			 "or --kernel");
		return OPTIONS_ERROR;
	}
	if (i < argc) {
		opts->addrs = calloc(argc - i, sizeof(*opts->addrs));
		if (!opts->addrs) {
			snprintf(err, errlen, "out of memory");
			return OPTIONS_ERROR;
		}
	}
	for (; i < argc; i++) {
		if (symbolize_address__parse(argv[i], &opts->addrs[opts->naddrs])) {
			snprintf(err, errlen,
				 "'%s' is not an address: give hex, with or without 0x", argv[i]);
			return OPTIONS_ERROR;
		}
		opts->naddrs++;
	}
	return OPTIONS_RUN;
}

void symbolize_opts__release(struct symbolize_opts *opts)
{
	free(opts->addrs);
	opts->addrs = NULL;
	opts->naddrs = 0;
}
