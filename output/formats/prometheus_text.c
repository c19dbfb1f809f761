// SPDX-License-Identifier: GPL-2.0-only
#include "prometheus_text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static bool name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

static bool valid_name(const char *name, bool colon)
{
	if (!name || !*name)
		return false;
	for (const char *c = name; *c; c++)
		if (!name_char(*c, c == name, colon))
			return false;
	return true;
}

bool prom_text__valid_metric_name(const char *name)
{
	return valid_name(name, true);
}

bool prom_text__valid_label_name(const char *name)
{
	/* Names starting with "__" are Prometheus' own (__name__, __address__, ...). */
	return valid_name(name, false) && strncmp(name, "__", 2);
}

static void write_help(FILE *out, const char *help)
{
	for (const char *c = help; *c; c++) {
		if (*c == '\\')
			fputs("\\\\", out);
		else if (*c == '\n')
			fputs("\\n", out);
		else
			fputc(*c, out);
	}
}

int prom_text__family(FILE *out, const char *name, enum prom_type type, const char *help)
{
	if (!prom_text__valid_metric_name(name))
		return -EINVAL;
	fprintf(out, "# HELP %s ", name);
	write_help(out, help);
	fprintf(out, "\n# TYPE %s %s\n", name, type == PROM_COUNTER ? "counter" : "gauge");
	return 0;
}

void prom_text__write_label_value(FILE *out, const char *value)
{
	size_t len = strlen(value), n;

	for (size_t i = 0; i < len; i += n) {
		n = utf8__char_len(value + i, len - i);
		if (!n) {
			fputs(UTF8_REPLACEMENT, out);
			n = 1;
		} else if (value[i] == '\\') {
			fputs("\\\\", out);
		} else if (value[i] == '"') {
			fputs("\\\"", out);
		} else if (value[i] == '\n') {
			fputs("\\n", out);
		} else {
			fwrite(value + i, 1, n, out);
		}
	}
}

static int write_name_and_labels(FILE *out, const char *name, const struct prom_label *labels,
				 size_t nlabels)
{
	if (!prom_text__valid_metric_name(name))
		return -EINVAL;
	for (size_t i = 0; i < nlabels; i++)
		if (!prom_text__valid_label_name(labels[i].name))
			return -EINVAL;
	fputs(name, out);
	for (size_t i = 0; i < nlabels; i++) {
		fprintf(out, "%c%s=\"", i ? ',' : '{', labels[i].name);
		prom_text__write_label_value(out, labels[i].value);
		fputc('"', out);
	}
	if (nlabels)
		fputc('}', out);
	return 0;
}

/*
 * As Go's strconv.FormatFloat(v, 'g', -1, 64), which expfmt's writeFloat uses: the fewest
 * digits that read back as @value, in exponent form for exponents below -4 or from 6 up
 * (strconv/ftoa.go: "if precision was the shortest possible, use precision 6").
 */
static void write_float(FILE *out, double value)
{
	char text[40];
	int digits, exp;

	if (isnan(value)) {
		fputs("NaN", out);
		return;
	}
	if (isinf(value)) {
		fputs(value > 0 ? "+Inf" : "-Inf", out);
		return;
	}
	for (digits = 1; digits < 17; digits++) {
		snprintf(text, sizeof(text), "%.*e", digits - 1, value);
		if (strtod(text, NULL) == value)
			break;
	}
	snprintf(text, sizeof(text), "%.*e", digits - 1, value);
	exp = atoi(strchr(text, 'e') + 1);
	if (exp < -4 || exp >= 6)
		fputs(text, out);
	else
		fprintf(out, "%.*f", digits - 1 - exp > 0 ? digits - 1 - exp : 0, value);
}

int prom_text__sample(FILE *out, const char *name, const struct prom_label *labels, size_t nlabels,
		      double value)
{
	int err = write_name_and_labels(out, name, labels, nlabels);

	if (err)
		return err;
	fputc(' ', out);
	write_float(out, value);
	fputc('\n', out);
	return 0;
}

int prom_text__sample_u64(FILE *out, const char *name, const struct prom_label *labels,
			  size_t nlabels, uint64_t value)
{
	int err = write_name_and_labels(out, name, labels, nlabels);

	if (err)
		return err;
	fprintf(out, " %llu\n", (unsigned long long)value);
	return 0;
}
