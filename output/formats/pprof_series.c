// SPDX-License-Identifier: GPL-2.0-only
/*
 * The series choice and the upload body (pprof_series.h). The body is built beside the
 * unpacked message, never in it: a shallow copy of the message points to new samples,
 * strings, functions and locations and is packed; the message is then freed as protobuf-c
 * made it. Samples stay one for one: those that differ only in a label left out are summed
 * by the server (Normalize), and the number labels pid and tid keep them apart anyway.
 */
#include "pprof_series.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash_table.h"
#include "pprof_labels.h"
#include "profile.pb-c.h"

#define NAME_SHOWN 32 /* bytes of a bad name in a message */

static const struct {
	const char *name;
	unsigned int bit;
} series_names[] = {
	{ PPROF_LABEL_PID, PPROF_SERIES_PID },
	{ PPROF_LABEL_TID, PPROF_SERIES_TID },
	{ PPROF_LABEL_COMM, PPROF_SERIES_COMM },
	{ PPROF_LABEL_THREAD, PPROF_SERIES_THREAD },
};
#define N_SERIES_NAMES (sizeof(series_names) / sizeof(series_names[0]))

static unsigned int series_bit(const char *name, size_t len)
{
	for (size_t i = 0; i < N_SERIES_NAMES; i++)
		if (strlen(series_names[i].name) == len && !memcmp(name, series_names[i].name, len))
			return series_names[i].bit;
	return 0;
}

static bool printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int pprof_series__parse(const char *list, unsigned int *set, char *err, size_t errlen)
{
	const char *p = list, *end;
	unsigned int got = 0, bit;
	size_t len;

	if (!strcmp(list, "none")) {
		*set = 0;
		return 0;
	}
	for (;;) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		bit = series_bit(p, len);
		if (!len) {
			snprintf(err, errlen,
				 "an empty name in '%s': give names of " PPROF_SERIES_NAMES
				 " separated by ',', or none",
				 printable(list, strlen(list)) ? list : "(control characters)");
			return -EINVAL;
		}
		if (!bit) {
			if (len == 4 && !memcmp(p, "none", 4))
				snprintf(err, errlen, "'none' stands alone, without other names");
			else if (!printable(p, len))
				snprintf(
					err, errlen,
					"a name with control characters: the names are " PPROF_SERIES_NAMES);
			else
				snprintf(err, errlen,
					 "'%.*s%s' is not one of " PPROF_SERIES_NAMES " (or none)",
					 (int)(len > NAME_SHOWN ? NAME_SHOWN : len), p,
					 len > NAME_SHOWN ? "..." : "");
			return -EINVAL;
		}
		if (got & bit) {
			snprintf(err, errlen, "'%.*s' given twice", (int)len, p);
			return -EINVAL;
		}
		got |= bit;
		if (!end)
			break;
		p = end + 1;
	}
	*set = got;
	return 0;
}

void pprof_series__format(unsigned int set, char *buf, size_t len)
{
	size_t used = 0;
	int n;

	if (len)
		buf[0] = '\0';
	if (!set) {
		snprintf(buf, len, "none");
		return;
	}
	for (size_t i = 0; i < N_SERIES_NAMES; i++) {
		if (!(set & series_names[i].bit) || used >= len)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", series_names[i].name);
		used += n > 0 ? (size_t)n : 0;
	}
}

/* What becomes of one sample label in the body. */
enum label_action {
	LABEL_KEEP,
	LABEL_DROP,
	LABEL_TO_STRING, /* a number label becomes its decimal string */
	LABEL_TO_FRAME,	 /* comm: dropped, its string the stack's root frame */
};

static enum label_action label_action(const Perftools__Profiles__Profile *msg,
				      const Perftools__Profiles__Label *l, unsigned int set)
{
	const char *key = msg->string_table[l->key];
	unsigned int bit = series_bit(key, strlen(key));

	if (!strcmp(key, PPROF_LABEL_ROOT))
		return LABEL_DROP;
	switch (bit) {
	case PPROF_SERIES_PID:
	case PPROF_SERIES_TID:
		if (set & bit)
			return l->str ? LABEL_KEEP : LABEL_TO_STRING;
		return l->str ? LABEL_DROP : LABEL_KEEP;
	case PPROF_SERIES_COMM:
		if (set & bit)
			return LABEL_KEEP;
		return l->str ? LABEL_TO_FRAME : LABEL_DROP;
	case PPROF_SERIES_THREAD:
		return (set & bit) ? LABEL_KEEP : LABEL_DROP;
	default:
		return LABEL_KEEP;
	}
}

/*
 * 1 when some label of @msg must change, 0 when none, -EINVAL for a label whose strings are
 * not in the table (the server refuses such a profile too).
 */
static int needs_change(const Perftools__Profiles__Profile *msg, unsigned int set)
{
	const Perftools__Profiles__Label *l;
	int change = 0;

	for (size_t i = 0; i < msg->n_sample; i++) {
		for (size_t j = 0; j < msg->sample[i]->n_label; j++) {
			l = msg->sample[i]->label[j];
			if (l->key < 0 || (size_t)l->key >= msg->n_string_table || l->str < 0 ||
			    (size_t)l->str >= msg->n_string_table)
				return -EINVAL;
			if (label_action(msg, l, set) != LABEL_KEEP)
				change = 1;
		}
	}
	return change;
}

/* The body being built: what the shallow copy of the message points to. */
struct body {
	const Perftools__Profiles__Profile *msg;
	unsigned int set;
	/* The string table: the message's (borrowed), then decimals of numbers (owned). */
	char **strings;
	size_t n_strings;
	int64_t *nums; /* nums[k]: the number of string msg->n_string_table + k */
	struct hash_table *num_index;
	/* Root frames: comm_location[string index of a comm], 0 while it has none. */
	uint64_t *comm_location;
	Perftools__Profiles__Function *functions, **function_ptrs;
	Perftools__Profiles__Location *locations, **location_ptrs;
	Perftools__Profiles__Line *lines, **line_ptrs;
	size_t n_functions, n_locations; /* in the ptrs: the message's and ours */
	uint64_t next_function_id, next_location_id;
	/* The samples, their labels and location ids. */
	Perftools__Profiles__Sample *samples, **sample_ptrs;
	Perftools__Profiles__Label *labels, **label_ptrs;
	uint64_t *location_ids;
};

static bool body__num_eq(const void *ctx, uint32_t value, const void *key)
{
	const struct body *b = ctx;

	return b->nums[value] == *(const int64_t *)key;
}

/* The index of the string of @num's decimal, added when new. Returns it or -errno. */
static int64_t body__num_string(struct body *b, int64_t num)
{
	uint64_t hash = hash__final(hash__u64(HASH_SEED, (uint64_t)num));
	size_t k = b->n_strings - b->msg->n_string_table;
	int64_t found = hash_table__find(b->num_index, hash, &num);
	char text[24];
	int err;

	if (found >= 0)
		return (int64_t)b->msg->n_string_table + found;
	snprintf(text, sizeof(text), "%" PRId64, num);
	b->strings[b->n_strings] = strdup(text);
	if (!b->strings[b->n_strings])
		return -ENOMEM;
	b->nums[k] = num;
	err = hash_table__insert(b->num_index, hash, (uint32_t)k);
	if (err) {
		free(b->strings[b->n_strings]);
		return err;
	}
	return (int64_t)b->n_strings++;
}

/* The id of the root location named by the string @str (a comm), added when new. */
static uint64_t body__comm_location(struct body *b, int64_t str)
{
	size_t k = b->n_locations - b->msg->n_location;
	Perftools__Profiles__Function *f = &b->functions[k];
	Perftools__Profiles__Location *loc = &b->locations[k];
	Perftools__Profiles__Line *line = &b->lines[k];

	if (b->comm_location[str])
		return b->comm_location[str];
	perftools__profiles__function__init(f);
	f->id = b->next_function_id++;
	f->name = str;
	f->system_name = str;
	perftools__profiles__line__init(line);
	line->function_id = f->id;
	b->line_ptrs[k] = line;
	perftools__profiles__location__init(loc);
	loc->id = b->next_location_id++;
	loc->n_line = 1;
	loc->line = &b->line_ptrs[k];
	b->function_ptrs[b->n_functions++] = f;
	b->location_ptrs[b->n_locations++] = loc;
	b->comm_location[str] = loc->id;
	return loc->id;
}

/* Allocates what @b may need at most: a string and a frame per sample label. */
static int body__alloc(struct body *b)
{
	const Perftools__Profiles__Profile *msg = b->msg;
	size_t nl = 0, nloc = 0, i, extra;

	for (i = 0; i < msg->n_sample; i++) {
		nl += msg->sample[i]->n_label;
		nloc += msg->sample[i]->n_location_id;
	}
	extra = nl > msg->n_sample ? nl : msg->n_sample;
	b->strings = calloc(msg->n_string_table + nl, sizeof(*b->strings));
	b->nums = calloc(nl + 1, sizeof(*b->nums));
	b->num_index = hash_table__new(body__num_eq, b);
	b->comm_location = calloc(msg->n_string_table, sizeof(*b->comm_location));
	b->functions = calloc(extra, sizeof(*b->functions));
	b->function_ptrs = calloc(msg->n_function + extra, sizeof(*b->function_ptrs));
	b->locations = calloc(extra, sizeof(*b->locations));
	b->location_ptrs = calloc(msg->n_location + extra, sizeof(*b->location_ptrs));
	b->lines = calloc(extra, sizeof(*b->lines));
	b->line_ptrs = calloc(extra, sizeof(*b->line_ptrs));
	b->samples = calloc(msg->n_sample + 1, sizeof(*b->samples));
	b->sample_ptrs = calloc(msg->n_sample + 1, sizeof(*b->sample_ptrs));
	b->labels = calloc(nl + 1, sizeof(*b->labels));
	b->label_ptrs = calloc(nl + 1, sizeof(*b->label_ptrs));
	b->location_ids = calloc(nloc + msg->n_sample + 1, sizeof(*b->location_ids));
	if (!b->strings || !b->nums || !b->num_index || !b->comm_location || !b->functions ||
	    !b->function_ptrs || !b->locations || !b->location_ptrs || !b->lines || !b->line_ptrs ||
	    !b->samples || !b->sample_ptrs || !b->labels || !b->label_ptrs || !b->location_ids)
		return -ENOMEM;
	memcpy(b->strings, msg->string_table, msg->n_string_table * sizeof(*b->strings));
	b->n_strings = msg->n_string_table;
	if (msg->n_function)
		memcpy(b->function_ptrs, msg->function, msg->n_function * sizeof(*msg->function));
	b->n_functions = msg->n_function;
	if (msg->n_location)
		memcpy(b->location_ptrs, msg->location, msg->n_location * sizeof(*msg->location));
	b->n_locations = msg->n_location;
	b->next_function_id = b->next_location_id = 1;
	for (i = 0; i < msg->n_function; i++)
		if (msg->function[i]->id >= b->next_function_id)
			b->next_function_id = msg->function[i]->id + 1;
	for (i = 0; i < msg->n_location; i++)
		if (msg->location[i]->id >= b->next_location_id)
			b->next_location_id = msg->location[i]->id + 1;
	return 0;
}

/*
 * Sample @i of the body, from the message's: its labels as the set wants, from
 * @b->labels[*nl] on, and its location ids from @b->location_ids[*nloc] on. Returns 0 or
 * -errno.
 */
static int body__sample(struct body *b, size_t i, size_t *nl, size_t *nloc)
{
	const Perftools__Profiles__Sample *s = b->msg->sample[i];
	Perftools__Profiles__Sample *ns = &b->samples[i];
	Perftools__Profiles__Label *l;
	int64_t comm = 0, str;
	size_t n = 0;

	*ns = *s;
	ns->label = &b->label_ptrs[*nl];
	for (size_t j = 0; j < s->n_label; j++) {
		l = &b->labels[*nl + n];
		switch (label_action(b->msg, s->label[j], b->set)) {
		case LABEL_TO_FRAME:
			if (!comm)
				comm = s->label[j]->str;
			continue;
		case LABEL_DROP:
			continue;
		case LABEL_TO_STRING:
			str = body__num_string(b, s->label[j]->num);
			if (str < 0)
				return (int)str;
			*l = *s->label[j];
			l->str = str;
			l->num = 0;
			l->num_unit = 0;
			break;
		case LABEL_KEEP:
			*l = *s->label[j];
			break;
		}
		b->label_ptrs[*nl + n++] = l;
	}
	ns->n_label = n;
	*nl += n;
	ns->location_id = &b->location_ids[*nloc];
	if (s->n_location_id)
		memcpy(ns->location_id, s->location_id, s->n_location_id * sizeof(uint64_t));
	if (comm) /* the root is the last location */
		ns->location_id[ns->n_location_id++] = body__comm_location(b, comm);
	*nloc += ns->n_location_id;
	b->sample_ptrs[i] = ns;
	return 0;
}

static int body__pack(struct body *b, void **out, size_t *out_len)
{
	Perftools__Profiles__Profile copy = *b->msg;
	size_t nl = 0, nloc = 0, len;
	uint8_t *buf;
	int err;

	err = body__alloc(b);
	for (size_t i = 0; !err && i < b->msg->n_sample; i++)
		err = body__sample(b, i, &nl, &nloc);
	if (err)
		return err;
	copy.sample = b->sample_ptrs;
	copy.string_table = b->strings;
	copy.n_string_table = b->n_strings;
	copy.function = b->function_ptrs;
	copy.n_function = b->n_functions;
	copy.location = b->location_ptrs;
	copy.n_location = b->n_locations;
	len = perftools__profiles__profile__get_packed_size(&copy);
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	perftools__profiles__profile__pack(&copy, buf);
	*out = buf;
	*out_len = len;
	return 0;
}

static void body__free(struct body *b)
{
	if (b->strings)
		for (size_t i = b->msg->n_string_table; i < b->n_strings; i++)
			free(b->strings[i]);
	free(b->strings);
	free(b->nums);
	hash_table__free(b->num_index);
	free(b->comm_location);
	free(b->functions);
	free(b->function_ptrs);
	free(b->locations);
	free(b->location_ptrs);
	free(b->lines);
	free(b->line_ptrs);
	free(b->samples);
	free(b->sample_ptrs);
	free(b->labels);
	free(b->label_ptrs);
	free(b->location_ids);
}

int pprof_series__upload_body(const void *raw, size_t len, unsigned int set, void **out,
			      size_t *out_len)
{
	Perftools__Profiles__Profile *msg;
	struct body b = { .set = set };
	int err;

	*out = NULL;
	*out_len = 0;
	msg = perftools__profiles__profile__unpack(NULL, len, raw);
	if (!msg)
		return -EINVAL;
	b.msg = msg;
	err = needs_change(msg, set);
	if (err > 0)
		err = body__pack(&b, out, out_len);
	body__free(&b);
	perftools__profiles__profile__free_unpacked(msg, NULL);
	return err;
}
