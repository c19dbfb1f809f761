/* SPDX-License-Identifier: GPL-2.0-only */
/* The output formats, and how a file name or a -f argument names one. */
#ifndef PROF_OUTPUT_FORMAT_H
#define PROF_OUTPUT_FORMAT_H

enum output_format {
	OUTPUT_FORMAT_NONE,
	OUTPUT_FORMAT_FOLDED,
	OUTPUT_FORMAT_PPROF,
	OUTPUT_FORMAT_SVG,
	OUTPUT_FORMAT_HTML, /* the report: output/formats/report_writer.h */
	OUTPUT_FORMAT_SPEEDSCOPE,
};

/* The format a path's extension names ("-" is folded), or OUTPUT_FORMAT_NONE. */
enum output_format output_format__from_path(const char *path);
/* "folded", "pprof", "svg", "html" or "speedscope"; OUTPUT_FORMAT_NONE for anything else. */
enum output_format output_format__from_name(const char *name);
const char *output_format__name(enum output_format format);

#endif
