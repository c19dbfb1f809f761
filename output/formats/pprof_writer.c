// SPDX-License-Identifier: GPL-2.0-only
/*
 * The profile's tables (profile_tables.h) become pprof's: an id is a position + 1, so every
 * id is nonzero and unique. The protobuf-c messages
 * are then built in an arena and packed straight into zlib: the encoded profile never sits
 * in memory whole.
 *
 * Addresses are the model's: ELF virtual addresses within the file (runtime addresses for the
 * kernel). So every mapping starts at 0 with file offset 0, and address - memory_start +
 * file_offset, the file address pprof's symbolizer computes, is the model's address again.
 * Build ids are empty: the model does not carry them.
 */
#include "pprof_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pprof_internal.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "profile_tables.h"
#include "string_pool.h"

#define MAX_LABELS 6			  /* pid, tid, comm, thread, root_frame, time */
#define GZIP_WINDOW_BITS (16 + MAX_WBITS) /* 16: a gzip header and trailer, not zlib's */

static int pprof_writer__build_mappings(struct profile_tables *t, Perftools__Profiles__Profile *msg,
					uint64_t *mapping_ids)
{
	Perftools__Profiles__Mapping *maps, **ptrs;
	const struct pt_mapping *m;
	size_t primary = 0, pos, i;

	maps = profile_tables__alloc(t, t->nr_mappings, sizeof(*maps));
	ptrs = profile_tables__alloc(t, t->nr_mappings, sizeof(*ptrs));
	if (!maps || !ptrs)
		return -ENOMEM;
	for (i = 1; i < t->nr_mappings; i++) {
		if (t->mappings[i].weight > t->mappings[primary].weight)
			primary = i;
	}
	/* The main binary first, then the others in order of first sight. */
	for (i = 0; i < t->nr_mappings; i++)
		mapping_ids[i] = i < primary ? i + 2 : i + 1;
	if (t->nr_mappings)
		mapping_ids[primary] = 1;

	for (i = 0; i < t->nr_mappings; i++) {
		m = &t->mappings[i];
		pos = mapping_ids[i] - 1;
		perftools__profiles__mapping__init(&maps[pos]);
		maps[pos].id = mapping_ids[i];
		maps[pos].memory_limit = m->limit;
		maps[pos].filename = m->filename;
		maps[pos].build_id = m->build_id;
		/* Every frame has a name: tools need not symbolize anything again. */
		maps[pos].has_functions = true;
		maps[pos].has_filenames = m->has_filenames;
		maps[pos].has_line_numbers = m->has_line_numbers;
		maps[pos].has_inline_frames = m->has_inline_frames;
		ptrs[pos] = &maps[pos];
	}
	msg->n_mapping = t->nr_mappings;
	msg->mapping = ptrs;
	return 0;
}

static int pprof_writer__build_locations(struct profile_tables *t,
					 Perftools__Profiles__Profile *msg,
					 const uint64_t *mapping_ids)
{
	Perftools__Profiles__Location *locs, **ptrs;
	Perftools__Profiles__Line *lines, **line_ptrs;
	const struct pt_location *loc;
	const struct profile_frame *frame;
	size_t i, k;

	locs = profile_tables__alloc(t, t->nr_locations, sizeof(*locs));
	ptrs = profile_tables__alloc(t, t->nr_locations, sizeof(*ptrs));
	if (!locs || !ptrs)
		return -ENOMEM;
	for (i = 0; i < t->nr_locations; i++) {
		loc = &t->locations[i];
		lines = profile_tables__alloc(t, loc->len, sizeof(*lines));
		line_ptrs = profile_tables__alloc(t, loc->len, sizeof(*line_ptrs));
		if (!lines || !line_ptrs)
			return -ENOMEM;
		/* The innermost inlined callee first; the real function last. */
		for (k = 0; k < loc->len; k++) {
			frame = profile__frame(t->prof, loc->frames[loc->len - 1 - k]);
			perftools__profiles__line__init(&lines[k]);
			lines[k].function_id = t->frame_functions[loc->frames[loc->len - 1 - k]];
			lines[k].line = frame->line;
			line_ptrs[k] = &lines[k];
		}
		perftools__profiles__location__init(&locs[i]);
		locs[i].id = i + 1;
		locs[i].mapping_id = loc->mapping == PROFILE_TABLES_NO_MAPPING ?
					     0 :
					     mapping_ids[loc->mapping];
		locs[i].address = profile__frame(t->prof, loc->frames[0])->addr;
		locs[i].n_line = loc->len;
		locs[i].line = line_ptrs;
		ptrs[i] = &locs[i];
	}
	msg->n_location = t->nr_locations;
	msg->location = ptrs;
	return 0;
}

static int pprof_writer__build_functions(struct profile_tables *t,
					 Perftools__Profiles__Profile *msg)
{
	Perftools__Profiles__Function *funcs, **ptrs;
	size_t i;

	funcs = profile_tables__alloc(t, t->nr_functions, sizeof(*funcs));
	ptrs = profile_tables__alloc(t, t->nr_functions, sizeof(*ptrs));
	if (!funcs || !ptrs)
		return -ENOMEM;
	for (i = 0; i < t->nr_functions; i++) {
		perftools__profiles__function__init(&funcs[i]);
		funcs[i].id = i + 1;
		funcs[i].name = t->functions[i].name;
		funcs[i].system_name = t->functions[i].system_name;
		funcs[i].filename = t->functions[i].filename;
		ptrs[i] = &funcs[i];
	}
	msg->n_function = t->nr_functions;
	msg->function = ptrs;
	return 0;
}

/* Appends a label to @labels[*n]; @str < 0 makes it a number label. Returns 0 or -errno. */
static int pprof_writer__label(struct profile_tables *t, Perftools__Profiles__Label *labels,
			       size_t *n, const char *key, const char *str, int64_t num)
{
	Perftools__Profiles__Label *label = &labels[(*n)++];
	int64_t id;

	perftools__profiles__label__init(label);
	id = profile_tables__str(t, key);
	if (id < 0)
		return id;
	label->key = id;
	if (!str) {
		label->num = num;
		return 0;
	}
	id = profile_tables__str(t, str);
	if (id < 0)
		return id;
	label->str = id;
	return 0;
}

/* Appends the number label of a sample's time, in nanoseconds. Returns 0 or -errno. */
static int pprof_writer__time_label(struct profile_tables *t, Perftools__Profiles__Label *labels,
				    size_t *n, uint64_t time_ns)
{
	int64_t unit;
	int err;

	if (time_ns > INT64_MAX)
		return -EOVERFLOW;
	err = pprof_writer__label(t, labels, n, PPROF_LABEL_TIME, NULL, time_ns);
	if (err)
		return err;
	unit = profile_tables__str(t, PPROF_TIME_LABEL_UNIT);
	if (unit < 0)
		return unit;
	labels[*n - 1].num_unit = unit;
	return 0;
}

static int pprof_writer__build_samples(struct profile_tables *t, Perftools__Profiles__Profile *msg,
				       uint64_t period)
{
	size_t nr = profile__sample_count(t->prof), nr_values = msg->n_sample_type, i, k;
	Perftools__Profiles__Sample *samples, **ptrs;
	Perftools__Profiles__Label labels[MAX_LABELS], *kept, **label_ptrs;
	const struct profile_sample *s;
	const struct pt_sample *ps;
	uint64_t *loc_ids;
	int64_t *values;
	size_t n;
	int err;

	samples = profile_tables__alloc(t, nr, sizeof(*samples));
	ptrs = profile_tables__alloc(t, nr, sizeof(*ptrs));
	loc_ids = profile_tables__alloc(t, t->nr_sample_locs, sizeof(*loc_ids));
	if (!samples || !ptrs || !loc_ids)
		return -ENOMEM;
	for (i = 0; i < t->nr_sample_locs; i++)
		loc_ids[i] = (uint64_t)t->sample_locs[i] + 1;

	for (i = 0; i < nr; i++) {
		s = profile__sample(t->prof, i);
		ps = &t->samples[i];
		values = profile_tables__alloc(t, nr_values, sizeof(*values));
		if (!values)
			return -ENOMEM;
		if (s->count > INT64_MAX || (period && s->count > INT64_MAX / period))
			return -EOVERFLOW;
		values[0] = s->count;
		if (nr_values > 1)
			values[1] = s->count * period;

		/* A zero pid or tid is left out: "unknown" reads back as 0 anyway. */
		n = 0;
		err = 0;
		if (s->labels.pid)
			err = pprof_writer__label(t, labels, &n, PPROF_LABEL_PID, NULL,
						  s->labels.pid);
		if (!err && s->labels.tid)
			err = pprof_writer__label(t, labels, &n, PPROF_LABEL_TID, NULL,
						  s->labels.tid);
		if (!err)
			err = pprof_writer__label(t, labels, &n, PPROF_LABEL_COMM, s->labels.comm,
						  0);
		if (!err && s->labels.thread)
			err = pprof_writer__label(t, labels, &n, PPROF_LABEL_THREAD,
						  s->labels.thread, 0);
		if (!err && ps->root_inlined)
			err = pprof_writer__label(t, labels, &n, PPROF_LABEL_ROOT,
						  PPROF_ROOT_INLINED, 0);
		if (!err && s->labels.time_ns)
			err = pprof_writer__time_label(t, labels, &n, s->labels.time_ns);
		if (err)
			return err;
		/* Only the labels a sample has: room for all of them is most of the memory. */
		kept = profile_tables__alloc(t, n, sizeof(*kept));
		label_ptrs = profile_tables__alloc(t, n, sizeof(*label_ptrs));
		if (!kept || !label_ptrs)
			return -ENOMEM;
		memcpy(kept, labels, n * sizeof(*kept));
		for (k = 0; k < n; k++)
			label_ptrs[k] = &kept[k];

		perftools__profiles__sample__init(&samples[i]);
		samples[i].n_location_id = ps->len;
		samples[i].location_id = loc_ids + ps->first;
		samples[i].n_value = nr_values;
		samples[i].value = values;
		samples[i].n_label = n;
		samples[i].label = label_ptrs;
		ptrs[i] = &samples[i];
	}
	msg->n_sample = nr;
	msg->sample = ptrs;
	return 0;
}

static int pprof_writer__value_type(struct profile_tables *t, Perftools__Profiles__ValueType *vt,
				    const char *type, const char *unit)
{
	int64_t id;

	perftools__profiles__value_type__init(vt);
	id = profile_tables__str(t, type);
	if (id < 0)
		return id;
	vt->type = id;
	id = profile_tables__str(t, unit);
	if (id < 0)
		return id;
	vt->unit = id;
	return 0;
}

/* Fills @msg, whose parts live in the writer's arena. Returns 0 or -errno. */
/*
 * The host and the losses go in comments: pprof has no profile-level labels. Returns 0 or
 * -errno.
 */
static int pprof_writer__comments(struct profile_tables *t, Perftools__Profiles__Profile *msg,
				  const struct profile_meta *meta)
{
	char host[sizeof(PPROF_HOST_COMMENT) + PROFILE_HOST_MAX], lost[512];
	int64_t *comments = profile_tables__alloc(t, 2, sizeof(*comments));
	size_t n = 0, len;

	if (!comments)
		return -ENOMEM;
	if (meta->host[0]) {
		snprintf(host, sizeof(host), PPROF_HOST_COMMENT "%s", meta->host);
		comments[n++] = profile_tables__str(t, host);
	}
	if (meta->lost_known) {
		len = (size_t)snprintf(lost, sizeof(lost), PPROF_LOST_COMMENT);
		for (int i = 0; i < PROFILE_LOST_CAUSES; i++)
			len += (size_t)snprintf(lost + len, sizeof(lost) - len, "%s%s=%" PRIu64,
						i ? " " : "", profile_lost_names[i], meta->lost[i]);
		comments[n++] = profile_tables__str(t, lost);
	}
	for (size_t i = 0; i < n; i++)
		if (comments[i] < 0)
			return comments[i];
	msg->comment = comments;
	msg->n_comment = n;
	return 0;
}

static int pprof_writer__build(struct profile_tables *t, Perftools__Profiles__Profile *msg)
{
	const struct profile_meta *meta = profile__meta(t->prof);
	Perftools__Profiles__ValueType *types, **type_ptrs, *period_type;
	size_t i;
	uint64_t *mapping_ids;
	int err;

	if (meta->time_ns > INT64_MAX || meta->duration_ns > INT64_MAX ||
	    meta->period_ns > INT64_MAX)
		return -EOVERFLOW;
	perftools__profiles__profile__init(msg);
	types = profile_tables__alloc(t, 2, sizeof(*types));
	type_ptrs = profile_tables__alloc(t, 2, sizeof(*type_ptrs));
	period_type = profile_tables__alloc(t, 1, sizeof(*period_type));
	if (!types || !type_ptrs || !period_type)
		return -ENOMEM;
	if (meta->value != PROFILE_VALUE_SAMPLES) {
		/* Time off (or on and off) the CPU: the count is nanoseconds, one value. */
		err = pprof_writer__value_type(
			t, &types[0],
			meta->value == PROFILE_VALUE_WALL ? PPROF_WALL_TYPE : PPROF_OFF_CPU_TYPE,
			PPROF_TIME_UNIT);
		if (err)
			return err;
		type_ptrs[0] = &types[0];
		msg->n_sample_type = 1;
		*period_type = types[0];
		msg->period_type = period_type;
		msg->period = 1;
		goto types_done;
	}
	/* First, so that the string table starts with the same few strings in every profile. */
	err = pprof_writer__value_type(t, &types[0], PPROF_COUNT_TYPE, PPROF_COUNT_UNIT);
	if (err)
		return err;
	type_ptrs[0] = &types[0];
	msg->n_sample_type = 1;
	/* Without a period, CPU time would be all zeros: better not claimed at all. */
	if (meta->period_ns) {
		err = pprof_writer__value_type(t, &types[1], PPROF_TIME_TYPE, PPROF_TIME_UNIT);
		if (err)
			return err;
		type_ptrs[1] = &types[1];
		msg->n_sample_type = 2;
		*period_type = types[1];
		msg->period_type = period_type;
		msg->period = meta->period_ns;
	}
types_done:
	msg->sample_type = type_ptrs;
	msg->time_nanos = meta->time_ns;
	msg->duration_nanos = meta->duration_ns;
	err = pprof_writer__comments(t, msg, meta);
	if (err)
		return err;

	err = profile_tables__add_samples(t);
	if (err)
		return err;

	mapping_ids = profile_tables__alloc(t, t->nr_mappings, sizeof(*mapping_ids));
	if (!mapping_ids)
		return -ENOMEM;
	err = pprof_writer__build_mappings(t, msg, mapping_ids);
	if (!err)
		err = pprof_writer__build_locations(t, msg, mapping_ids);
	if (!err)
		err = pprof_writer__build_functions(t, msg);
	if (!err)
		err = pprof_writer__build_samples(t, msg, meta->period_ns);
	if (err)
		return err;

	/* Last: every string is interned by now. */
	msg->n_string_table = string_pool__count(t->strings);
	msg->string_table = profile_tables__alloc(t, msg->n_string_table, sizeof(char *));
	if (!msg->string_table)
		return -ENOMEM;
	for (i = 0; i < msg->n_string_table; i++)
		msg->string_table[i] = (char *)string_pool__str(t->strings, i);
	return 0;
}

/* A protobuf-c output buffer that compresses what it is given and writes it to a file. */
struct gzip_sink {
	ProtobufCBuffer base; /* first: protobuf-c hands back a pointer to it */
	z_stream zs;
	FILE *out;
	int err;
	unsigned char chunk[1 << 16];
	/*
	 * protobuf-c appends a few bytes at a time, and a deflate() call per field costs more
	 * than compressing them: appends are gathered here first. zlib's output does not
	 * depend on how its input is cut, so the bytes are the same.
	 */
	unsigned char staged[1 << 16];
	size_t nr_staged;
};

static int gzip_sink__deflate(struct gzip_sink *sink, const uint8_t *data, size_t len, int flush)
{
	size_t piece, have;
	int ret;

	do {
		/* avail_in is an unsigned int. */
		piece = len > UINT_MAX ? UINT_MAX : len;
		sink->zs.next_in = (Bytef *)data;
		sink->zs.avail_in = piece;
		/* data is NULL when only finishing, and NULL + 0 is undefined. */
		if (piece)
			data += piece;
		len -= piece;
		do {
			sink->zs.next_out = sink->chunk;
			sink->zs.avail_out = sizeof(sink->chunk);
			ret = deflate(&sink->zs, len ? Z_NO_FLUSH : flush);
			if (ret == Z_STREAM_ERROR)
				return -EINVAL;
			have = sizeof(sink->chunk) - sink->zs.avail_out;
			if (have && fwrite(sink->chunk, 1, have, sink->out) != have)
				return -EIO;
		} while (sink->zs.avail_out == 0);
	} while (len);
	return 0;
}

static int gzip_sink__flush_staged(struct gzip_sink *sink)
{
	int err = sink->nr_staged ?
			  gzip_sink__deflate(sink, sink->staged, sink->nr_staged, Z_NO_FLUSH) :
			  0;

	sink->nr_staged = 0;
	return err;
}

static void gzip_sink__append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
	struct gzip_sink *sink = (struct gzip_sink *)buffer;

	if (sink->err)
		return;
	if (sink->nr_staged + len > sizeof(sink->staged))
		sink->err = gzip_sink__flush_staged(sink);
	if (sink->err)
		return;
	if (len >= sizeof(sink->staged)) {
		sink->err = gzip_sink__deflate(sink, data, len, Z_NO_FLUSH);
		return;
	}
	memcpy(sink->staged + sink->nr_staged, data, len);
	sink->nr_staged += len;
}

static int pprof_writer__emit(const Perftools__Profiles__Profile *msg, FILE *out)
{
	struct gzip_sink *sink;
	int err;

	/* The chunk is too big for the stack of a thread that may not be the main one. */
	sink = calloc(1, sizeof(*sink));
	if (!sink)
		return -ENOMEM;
	sink->base.append = gzip_sink__append;
	sink->out = out;
	/* No file name and a zero time in the header: the same profile gives the same bytes. */
	if (deflateInit2(&sink->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		err = -ENOMEM;
		goto out_free_sink;
	}
	protobuf_c_message_pack_to_buffer(&msg->base, &sink->base);
	err = sink->err ?: gzip_sink__flush_staged(sink);
	if (!err)
		err = gzip_sink__deflate(sink, NULL, 0, Z_FINISH);
	deflateEnd(&sink->zs);
out_free_sink:
	free(sink);
	return err;
}

/* Builds the message of @prof in @t; release @t afterwards whatever it returns. */
static int pprof_writer__prepare(struct profile_tables *t, const struct profile *prof,
				 Perftools__Profiles__Profile *msg)
{
	int err = profile_tables__init(t, prof);

	return err ? err : pprof_writer__build(t, msg);
}

int pprof__write(const struct profile *prof, FILE *out)
{
	struct profile_tables t;
	Perftools__Profiles__Profile msg;
	int err;

	err = pprof_writer__prepare(&t, prof, &msg);
	if (!err)
		err = pprof_writer__emit(&msg, out);
	/* Also catches errors from writes stdio buffered before we were called. */
	if (fflush(out) == EOF || ferror(out))
		err = err ?: -EIO;
	profile_tables__release(&t);
	return err;
}

int pprof__encode(const struct profile *prof, void **raw, size_t *len)
{
	struct profile_tables t;
	Perftools__Profiles__Profile msg;
	uint8_t *buf = NULL;
	size_t size;
	int err;

	err = pprof_writer__prepare(&t, prof, &msg);
	if (!err) {
		size = protobuf_c_message_get_packed_size(&msg.base);
		/* One more byte: malloc(0) may return NULL for an empty message. */
		buf = malloc(size + 1);
		if (buf) {
			*len = protobuf_c_message_pack(&msg.base, buf);
			*raw = buf;
		} else {
			err = -ENOMEM;
		}
	}
	profile_tables__release(&t);
	return err;
}
