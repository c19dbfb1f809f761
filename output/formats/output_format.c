// SPDX-License-Identifier: GPL-2.0-only
#include "output_format.h"

#include <string.h>

static const struct {
	const char *suffix;
	enum output_format format;
} suffixes[] = {
	{ ".folded", OUTPUT_FORMAT_FOLDED },
	{ ".txt", OUTPUT_FORMAT_FOLDED },
	{ ".collapsed", OUTPUT_FORMAT_FOLDED },
	{ ".svg", OUTPUT_FORMAT_SVG },
	{ ".pb.gz", OUTPUT_FORMAT_PPROF },
	{ ".pprof", OUTPUT_FORMAT_PPROF },
	{ ".pb", OUTPUT_FORMAT_PPROF },
	{ ".html", OUTPUT_FORMAT_HTML },
	{ ".speedscope.json", OUTPUT_FORMAT_SPEEDSCOPE },
};

enum output_format output_format__from_path(const char *path)
{
	size_t len = strlen(path);

	if (!strcmp(path, "-"))
		return OUTPUT_FORMAT_FOLDED;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i].suffix);

		if (len > n && !strcmp(path + len - n, suffixes[i].suffix))
			return suffixes[i].format;
	}
	return OUTPUT_FORMAT_NONE;
}

enum output_format output_format__from_name(const char *name)
{
	for (enum output_format f = OUTPUT_FORMAT_FOLDED; f <= OUTPUT_FORMAT_SPEEDSCOPE; f++)
		if (!strcmp(name, output_format__name(f)))
			return f;
	return OUTPUT_FORMAT_NONE;
}

const char *output_format__name(enum output_format format)
{
	switch (format) {
	case OUTPUT_FORMAT_FOLDED:
		return "folded";
	case OUTPUT_FORMAT_PPROF:
		return "pprof";
	case OUTPUT_FORMAT_SVG:
		return "svg";
	case OUTPUT_FORMAT_HTML:
		return "html";
	case OUTPUT_FORMAT_SPEEDSCOPE:
		return "speedscope";
	default:
		return "unknown";
	}
}
