/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus' text exposition format, version 0.0.4: what a /metrics page says.
 *
 * A family is a "# HELP" and a "# TYPE" line, then its samples, one a line:
 * name{label="value",...} value. Escaping follows prometheus/common expfmt/text_create.go
 * (writeEscapedString): in HELP text backslash and newline, in label values backslash,
 * newline and double quote. Label values must also be UTF-8 (expfmt/text_parse.go refuses
 * the page otherwise, model.LabelValue.IsValid), so bytes that are not become U+FFFD: a
 * value may come from the host (a process name) and say anything.
 */
#ifndef PROF_PROMETHEUS_TEXT_H
#define PROF_PROMETHEUS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The Content-Type of a page in this format (client_golang's expfmt.FmtText). */
#define PROM_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
};

struct prom_label {
	const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" */
	const char *value; /* any bytes; escaped and made UTF-8 when written */
};

/* True when @name is a metric name: [a-zA-Z_:][a-zA-Z0-9_:]*. */
bool prom_text__valid_metric_name(const char *name);
/* True when @name is a label name a user may set: [a-zA-Z_][a-zA-Z0-9_]*, no "__" start. */
bool prom_text__valid_label_name(const char *name);

/*
 * Writes the HELP and TYPE lines of the family @name to @out. Returns 0, or -EINVAL for a
 * name that is no metric name (nothing written).
 */
int prom_text__family(FILE *out, const char *name, enum prom_type type, const char *help);

/*
 * Writes one sample of @name (the family's name) with @labels[0..nlabels) to @out, @value
 * printed as the shortest decimal that reads back as the same double (NaN, +Inf, -Inf as
 * the format spells them). Returns 0, or -EINVAL for a bad metric or label name (nothing
 * written).
 */
int prom_text__sample(FILE *out, const char *name, const struct prom_label *labels, size_t nlabels,
		      double value);

/* The same for an integer value, printed exactly (a double holds only 2^53). */
int prom_text__sample_u64(FILE *out, const char *name, const struct prom_label *labels,
			  size_t nlabels, uint64_t value);

/* Writes @value to @out as a label value is written between its quotes. */
void prom_text__write_label_value(FILE *out, const char *value);

#endif
