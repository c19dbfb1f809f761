/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writes the profile model as an OTLP profiles export request
 * (opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest, the
 * dictionary layout; otlp/opentelemetry/proto/ holds our .proto files), the body an
 * OpenTelemetry Collector or Pyroscope takes at POST /v1development/profiles.
 *
 * The same tables as pprof (profile_tables.h): mappings named as pprof_internal.h says, so
 * frame kinds travel the same way, locations with the innermost inlined callee first,
 * functions with name, system name and file. Besides, each location whose kind OpenTelemetry
 * names has the attribute profile.frame.type (kernel, native, cpython), each mapping with a
 * build id process.executable.build_id.gnu.
 *
 * One resource (host.name from the profile, service.name and the caller's attributes), one
 * scope (bpfprof), and one profile per sample type, as pprof's: samples/count, then
 * cpu/nanoseconds when the period is known, both with period type cpu/nanoseconds (a profile
 * of time off the CPU, or on and off it, has one: off_cpu or wall/nanoseconds), time and
 * duration, and a profile_id derived from host, service, time and sample type (the same
 * interval sent twice has the same id, which lets a receiver drop the copy). Samples carry
 * process.pid, thread.id (left out when 0), process.executable.name (comm) and thread.name
 * (when known), per OpenTelemetry's semantic conventions; a stack whose root is inlined also
 * bpfprof.root_frame=inlined. The model's samples that differ only by their second become
 * one sample whose values and timestamps_unix_nano pair up (the proto's per-timestamp
 * shape); when some sample has no time, every sample is one aggregated value without
 * timestamps.
 */
#ifndef PROF_OTLP_WRITER_H
#define PROF_OTLP_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct profile;

/* Borrowed for the call. */
struct otlp_resource {
	const char *service_name;      /* service.name; NULL: left out */
	const char *const *attributes; /* more resource attributes, "key=value" (strings) */
	size_t nattributes;
};

/* The path under the endpoint's base URL that takes the request (an HTTP POST). */
#define OTLP_PROFILES_PATH "/v1development/profiles"
#define OTLP_CONTENT_TYPE "application/x-protobuf"

/*
 * Encodes @prof as an uncompressed ExportProfilesServiceRequest into @*raw (malloc'ed, owned
 * by the caller) and @*len; deterministic bytes for a given profile. Strings that are not
 * valid UTF-8 get U+FFFD for each bad byte. Returns 0 or -errno: -EOVERFLOW when a value or
 * time does not fit int64, -E2BIG past 2^31 - 1 entries in a table, -ENOMEM.
 */
int otlp__encode(const struct profile *prof, const struct otlp_resource *res, void **raw,
		 size_t *len);

/*
 * Reads @buf[0..len), the body of a 2xx reply (ExportProfilesServiceResponse, possibly
 * empty): @*rejected gets partial_success.rejected_profiles and @msg (@msglen bytes, may be
 * 0) its error_message, as sent (the caller makes it fit for a log). Returns 0 or -EINVAL
 * for a body that does not parse.
 */
int otlp__read_reply(const void *buf, size_t len, int64_t *rejected, char *msg, size_t msglen);

#endif
