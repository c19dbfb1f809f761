// SPDX-License-Identifier: GPL-2.0-only
#include "symbolize_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "number_scan.h"
#include "options.h"

#define PID_LIMIT 0x7fffffffu /* existence is checked later, with a clearer message */

enum {
	OPT_NO_DEMANGLE = 256,
};

static const struct option long_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "elf", required_argument, NULL, 'e' },
	{ "kernel", no_argument, NULL, 'k' },
	{ "addresses", no_argument, NULL, 'a' },
	{ "basenames", no_argument, NULL, 's' },
	{ "no-demangle", no_argument, NULL, OPT_NO_DEMANGLE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

void symbolize_opts__usage(FILE *out)
{
	fputs("usage: bpfprof symbolize (--pid PID | --elf FILE | --kernel) [OPTIONS] [ADDR...]\n"
	      "\n"
	      "Names addresses as the profiler does, and prints for each one the function and\n"
	      "FILE:LINE, then one such pair per function it was inlined into, innermost first\n"
	      "(\"??\" and \"??:0\" when unknown), as eu-addr2line -f -i does. Addresses are hex,\n"
	      "with or without 0x, given as arguments or one per line on standard input.\n"
	      "\n"
	      "  -p, --pid PID            runtime addresses of a live process (JIT code through\n"
	      "                           its perf map, the vDSO)\n"
	      "  -e, --elf FILE           ELF virtual addresses of FILE (as addr2line -e takes)\n"
	      "  -k, --kernel             kernel addresses, named from /proc/kallsyms\n"
	      "  -a, --addresses          print each address before its answer\n"
	      "  -s, --basenames          file names without their folders\n"
	      "      --no-demangle        C++ and Rust names as the files spell them\n"
	      "  -v, --verbose            more messages (repeat for debug output)\n"
	      "  -h, --help               this help\n"
	      "\n"
	      "Addresses are taken as exact: no return-address adjustment.\n",
	      out);
}

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

enum symbolize_parse_result symbolize_opts__parse(struct symbolize_opts *opts, int argc,
						  char **argv, char *err, size_t errlen)
{
	uint64_t v;
	int c;

	memset(opts, 0, sizeof(*opts));
	err[0] = '\0';
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:e:kasvh", long_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (set_target(opts, SYMBOLIZE_PID, err, errlen) ||
			    options__parse_uint(optarg, "pid (--pid)", 1, PID_LIMIT, &v, err,
						errlen))
				return SYMBOLIZE_PARSE_ERROR;
			opts->pid = v;
			break;
		case 'e':
			if (set_target(opts, SYMBOLIZE_ELF, err, errlen))
				return SYMBOLIZE_PARSE_ERROR;
			if (!*optarg) {
				snprintf(err, errlen, "--elf needs a file name");
				return SYMBOLIZE_PARSE_ERROR;
			}
			opts->elf = optarg;
			break;
		case 'k':
			if (set_target(opts, SYMBOLIZE_KERNEL, err, errlen))
				return SYMBOLIZE_PARSE_ERROR;
			break;
		case 'a':
			opts->print_address = true;
			break;
		case 's':
			opts->basenames = true;
			break;
		case OPT_NO_DEMANGLE:
			opts->no_demangle = true;
			break;
		case 'v':
			opts->verbose++;
			break;
		case 'h':
			symbolize_opts__usage(stdout);
			return SYMBOLIZE_PARSE_HELP;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return SYMBOLIZE_PARSE_ERROR;
		default:
			snprintf(err, errlen, "unknown option '%s' (see bpfprof symbolize --help)",
				 argv[optind - 1]);
			return SYMBOLIZE_PARSE_ERROR;
		}
	}
	if (opts->target == SYMBOLIZE_NONE) {
		snprintf(err, errlen, "say what the addresses belong to: --pid PID, --elf FILE "
			 "or --kernel");
		return SYMBOLIZE_PARSE_ERROR;
	}
	if (optind < argc) {
		opts->addrs = calloc(argc - optind, sizeof(*opts->addrs));
		if (!opts->addrs) {
			snprintf(err, errlen, "out of memory");
			return SYMBOLIZE_PARSE_ERROR;
		}
	}
	for (; optind < argc; optind++) {
		if (symbolize_address__parse(argv[optind], &opts->addrs[opts->naddrs])) {
			snprintf(err, errlen,
				 "'%s' is not an address: give hex, with or without 0x",
				 argv[optind]);
			return SYMBOLIZE_PARSE_ERROR;
		}
		opts->naddrs++;
	}
	return SYMBOLIZE_PARSE_OK;
}

void symbolize_opts__release(struct symbolize_opts *opts)
{
	free(opts->addrs);
	opts->addrs = NULL;
	opts->naddrs = 0;
}
