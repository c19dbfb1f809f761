// SPDX-License-Identifier: GPL-2.0-only
/*
 * The body of each target's request, from the interval's pprof as the store keeps it (or as
 * the agent made it, in memory mode). Pyroscope reads the gzip pprof itself, its sample
 * labels made series labels or kept out of them as chosen (pprof_series.h). An OTLP
 * receiver takes an ExportProfilesServiceRequest: the pprof is read back into the profile
 * model and written as that (otlp_writer.h), so both targets carry the same samples, stacks
 * and labels; only here, on the upload thread (or the caller's in memory mode), and once
 * per attempt.
 */
#include "upload_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"
#include "otlp_writer.h"
#include "pprof_reader.h"
#include "pprof_series.h"
#include "profile.h"

struct upload_body {
	enum upload_target target;
	unsigned int series_labels; /* Pyroscope: PPROF_SERIES_* */
	char *service_name;
	char **attributes; /* "k=v" */
	size_t nattributes;
};

int upload_body__open(const struct upload_opts *opts, struct upload_body **out)
{
	struct upload_body *body = calloc(1, sizeof(*body));
	size_t i;

	if (!body)
		return -ENOMEM;
	body->target = opts->target;
	body->series_labels = opts->series_labels;
	body->service_name = opts->app_name ? strdup(opts->app_name) : NULL;
	body->attributes = calloc(opts->nlabels + 1, sizeof(*body->attributes));
	if ((opts->app_name && !body->service_name) || !body->attributes)
		goto out_free;
	for (i = 0; i < opts->nlabels; i++) {
		body->attributes[i] = strdup(opts->labels[i]);
		if (!body->attributes[i])
			goto out_free;
		body->nattributes++;
	}
	*out = body;
	return 0;

out_free:
	upload_body__free(body);
	return -ENOMEM;
}

void upload_body__free(struct upload_body *body)
{
	if (!body)
		return;
	for (size_t i = 0; i < body->nattributes; i++)
		free(body->attributes[i]);
	free(body->attributes);
	free(body->service_name);
	free(body);
}

/*
 * Pyroscope's body of the pprof @raw[0..len), uncompressed, into @*out and @*out_len; @*out
 * NULL when @raw is that body already.
 */
static int upload_body__pyroscope(const struct upload_body *body, const void *raw, size_t len,
				  void **out, size_t *out_len, char *why, size_t whylen)
{
	int err = pprof_series__upload_body(raw, len, body->series_labels, out, out_len);

	if (err == -EINVAL)
		snprintf(why, whylen, "not a pprof profile");
	return err;
}

/* The OTLP request of the pprof @raw[0..len), uncompressed, into @*out and @*out_len. */
static int upload_body__otlp(const struct upload_body *body, const void *raw, size_t len,
			     void **out, size_t *out_len, char *why, size_t whylen)
{
	struct otlp_resource res = {
		.service_name = body->service_name,
		.attributes = (const char *const *)body->attributes,
		.nattributes = body->nattributes,
	};
	struct profile *prof = profile__new();
	int err;

	if (!prof)
		return -ENOMEM;
	err = pprof__read(raw, len, prof, why, whylen);
	if (!err) {
		err = otlp__encode(prof, &res, out, out_len);
		if (err && err != -ENOMEM)
			snprintf(why, whylen, "cannot make its OTLP request: %s", strerror(-err));
	}
	profile__free(prof);
	return err == -ENOMEM ? err : err ? -EINVAL : 0;
}

int upload_body__make(const struct upload_body *body, const void *raw, size_t len, void **gz,
		      size_t *gz_len, char *why, size_t whylen)
{
	void *request = NULL;
	size_t request_len;
	int err;

	if (body->target == UPLOAD_TARGET_PYROSCOPE)
		err = upload_body__pyroscope(body, raw, len, &request, &request_len, why, whylen);
	else
		err = upload_body__otlp(body, raw, len, &request, &request_len, why, whylen);
	if (!err)
		err = request ? compress__gzip(request, request_len, gz, gz_len) :
				compress__gzip(raw, len, gz, gz_len);
	free(request);
	if (err == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	return err;
}
