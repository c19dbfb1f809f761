// SPDX-License-Identifier: GPL-2.0-only
#include "symbol_table.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "name_buffer.h"

/* The name offset of a gap. Offsets stay below it: names take less than 4 GiB. */
#define NO_NAME UINT32_MAX
#define NONE SIZE_MAX

struct symbol {
	uint64_t start;
	uint32_t name; /* offset in symbol_table.names, or NO_NAME for a gap */
	uint32_t size; /* bytes covered; 0: up to the next entry, which always exists then */
};
_Static_assert(sizeof(struct symbol) == SYMBOL_TABLE_ENTRY_SIZE, "struct symbol grew");

/*
 * An entry appended and not sealed yet, or one taken apart again to seal more with it. Names
 * are appended in the order entries are: a greater name offset is a later entry.
 */
struct draft {
	uint64_t start;
	uint64_t size;
	uint64_t limit;
	uint32_t name;
	uint16_t rank;
	uint16_t tag;
};

struct symbol_table {
	struct symbol_table_opts opts;
	struct symbol *syms; /* sorted by start, one per start */
	uint16_t *tags;	     /* the tag of each of syms; NULL while every tag is 0 */
	size_t nr_syms;
	size_t nr_named;
	bool sealed;
	struct draft *drafts;
	size_t nr_drafts;
	size_t drafts_cap;
	struct name_buffer names; /* of syms, then of drafts */
	size_t sealed_names;	  /* names.len at the last seal */
};

struct symbol_table *symbol_table__new(const struct symbol_table_opts *opts)
{
	struct symbol_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->opts = *opts;
	return t;
}

void symbol_table__clear(struct symbol_table *t)
{
	free(t->syms);
	free(t->tags);
	free(t->drafts);
	free(t->names.data);
	t->syms = NULL;
	t->tags = NULL;
	t->drafts = NULL;
	t->nr_syms = t->nr_named = t->nr_drafts = t->drafts_cap = 0;
	t->sealed = false;
	memset(&t->names, 0, sizeof(t->names));
	t->sealed_names = 0;
}

void symbol_table__free(struct symbol_table *t)
{
	if (!t)
		return;
	symbol_table__clear(t);
	free(t);
}

void symbol_table__discard(struct symbol_table *t)
{
	free(t->drafts);
	t->drafts = NULL;
	t->nr_drafts = t->drafts_cap = 0;
	t->names.len = t->sealed_names;
}

/* Whether @t takes no entry @spec named @name (see symbol_table__add()). */
static bool symbol_table__refuses(const struct symbol_table *t, const struct symbol_spec *spec,
				  const char *name)
{
	if (t->opts.rule == SYMBOL_TABLE_ALIASES)
		return t->sealed;
	return !name || !spec->size || spec->size > UINT64_MAX - spec->start;
}

int symbol_table__add(struct symbol_table *t, const struct symbol_spec *spec, const char *name,
		      size_t len)
{
	struct draft *d;
	int err;

	if (symbol_table__refuses(t, spec, name))
		return -EINVAL;
	err = array__reserve(&t->drafts, &t->drafts_cap, t->nr_drafts + 1, sizeof(*t->drafts));
	if (err)
		return err;
	d = &t->drafts[t->nr_drafts];
	d->name = NO_NAME;
	if (name) {
		err = name_buffer__add(&t->names, name, len, NO_NAME, &d->name);
		if (err)
			return err;
	}
	d->start = spec->start;
	d->size = spec->size;
	d->limit = spec->limit;
	d->rank = spec->rank;
	d->tag = name ? spec->tag : 0;
	t->nr_drafts++;
	return 0;
}

static int draft__cmp_start(const void *a, const void *b)
{
	const struct draft *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Sorts @d[0..@n) by start; the order at one start is left to what follows. Entries mostly
 * come sorted (kallsyms is but for what follows the core kernel, a perf map read again is
 * appended to a sorted table), so only what follows the sorted prefix is sorted, then merged
 * with it: a linear pass instead of an O(n log n) sort of 100k+ entries. Returns 0 or -ENOMEM.
 */
static int drafts__sort(struct draft *d, size_t n)
{
	size_t prefix = 1, i, j, k;
	struct draft *head;

	while (prefix < n && d[prefix - 1].start <= d[prefix].start)
		prefix++;
	if (prefix >= n)
		return 0;
	qsort(d + prefix, n - prefix, sizeof(*d), draft__cmp_start);
	if (d[prefix - 1].start <= d[prefix].start)
		return 0;
	/* From the front, with the prefix set aside: a slot is read before it is written. */
	head = malloc(prefix * sizeof(*head));
	if (!head)
		return -ENOMEM;
	memcpy(head, d, prefix * sizeof(*head));
	for (i = 0, j = prefix, k = 0; i < prefix; k++) {
		if (j == n || head[i].start <= d[j].start)
			d[k] = head[i++];
		else
			d[k] = d[j++];
	}
	free(head);
	return 0;
}

static size_t leading_underscores(const char *name)
{
	size_t n = 0;

	while (name[n] == '_')
		n++;
	return n;
}

/*
 * Orders aliases of one address of equal rank: fewer leading underscores first
 * ("schedule" before "__schedule"), then bytewise, so the choice does not depend on the
 * order of the file.
 */
static int name__cmp_alias(const char *a, const char *b)
{
	size_t ua = leading_underscores(a), ub = leading_underscores(b);

	if (ua != ub)
		return ua < ub ? -1 : 1;
	return strcmp(a, b);
}

/* Whether @x is kept over @y at one address (see SYMBOL_TABLE_ALIASES). */
static bool draft__better(const struct draft *x, const struct draft *y, const char *names)
{
	int cmp;

	if (x->rank != y->rank)
		return x->rank < y->rank;
	if (x->name == NO_NAME || y->name == NO_NAME)
		return y->name == NO_NAME && x->name != NO_NAME;
	cmp = name__cmp_alias(names + x->name, names + y->name);
	if (cmp)
		return cmp < 0;
	return x->name < y->name;
}

/*
 * The entry kept of @d[@i..@end), all at one address: the best, with the size and limit of
 * the best that have one when it has none.
 */
static struct draft drafts__choose(const struct draft *d, size_t i, size_t end, const char *names)
{
	size_t best = i, sized = d[i].size ? i : NONE, limited = d[i].limit ? i : NONE;
	struct draft kept;

	for (i++; i < end; i++) {
		if (draft__better(&d[i], &d[best], names))
			best = i;
		if (d[i].size && (sized == NONE || draft__better(&d[i], &d[sized], names)))
			sized = i;
		if (d[i].limit && (limited == NONE || draft__better(&d[i], &d[limited], names)))
			limited = i;
	}
	kept = d[best];
	if (!kept.size && sized != NONE)
		kept.size = d[sized].size;
	if (!kept.limit && limited != NONE)
		kept.limit = d[limited].limit;
	return kept;
}

/* The extent of @d, kept, before @next (NULL for the last entry): see SYMBOL_TABLE_ALIASES. */
static uint64_t draft__extent(const struct draft *d, const struct draft *next,
			      const struct symbol_table_opts *opts)
{
	uint64_t extent;

	if (d->size) {
		/* Past the end of the address space: up to its last byte, not included. */
		extent = d->size > UINT64_MAX - d->start ? UINT64_MAX - d->start : d->size;
	} else {
		extent = next ? next->start - d->start : opts->last_extent;
		if (d->limit > d->start && (!next || d->limit < next->start))
			extent = d->limit - d->start;
	}
	if (opts->max_extent && extent > opts->max_extent)
		extent = opts->max_extent;
	return extent ? extent : 1;
}

/*
 * Keeps one entry per address of @d[0..@n) (sorted by start) and drops gaps that end
 * nothing, in place, then gives each named entry its extent. Returns the entries kept.
 */
static size_t drafts__settle_aliases(struct draft *d, size_t n, const char *names,
				     const struct symbol_table_opts *opts)
{
	size_t i, j, kept = 0;
	struct draft best;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && d[j].start == d[i].start; j++)
			;
		best = drafts__choose(d, i, j, names);
		if (best.name == NO_NAME && (!kept || d[kept - 1].name == NO_NAME))
			continue;
		d[kept++] = best;
	}
	for (i = 0; i < kept; i++)
		if (d[i].name != NO_NAME)
			d[i].size = draft__extent(&d[i], i + 1 < kept ? &d[i + 1] : NULL, opts);
	return kept;
}

/* A max-heap of indices into drafts, by name offset: the latest entry on top. */
struct latest_heap {
	const struct draft *d;
	size_t *items;
	size_t len;
};

static void heap__push(struct latest_heap *h, size_t idx)
{
	size_t i = h->len++, parent;

	while (i && h->d[h->items[parent = (i - 1) / 2]].name < h->d[idx].name) {
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = idx;
}

static void heap__pop(struct latest_heap *h)
{
	size_t last = h->items[--h->len], i = 0, child;

	while ((child = 2 * i + 1) < h->len) {
		if (child + 1 < h->len &&
		    h->d[h->items[child + 1]].name > h->d[h->items[child]].name)
			child++;
		if (h->d[h->items[child]].name <= h->d[last].name)
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->len)
		h->items[i] = last;
}

static int u64__cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The starts and ends of the ranges @d[0..@n), sorted, each once. Returns how many. */
static size_t drafts__bounds(const struct draft *d, size_t n, uint64_t *bounds)
{
	size_t i, k, nb = 0;

	for (i = 0; i < n; i++) {
		bounds[nb++] = d[i].start;
		bounds[nb++] = d[i].start + d[i].size;
	}
	qsort(bounds, nb, sizeof(*bounds), u64__cmp);
	for (i = k = 0; i < nb; i++)
		if (!k || bounds[k - 1] != bounds[i])
			bounds[k++] = bounds[i];
	return k;
}

/*
 * Cuts the overlapping ranges @d[0..@n) (sorted by start) into disjoint pieces, each piece
 * of the address space going to the latest range that covers it: a sweep over every range
 * boundary with the covering ranges in a heap. Each range cuts at most one piece in two
 * besides adding its own, so the pieces of m disjoint ranges and k new ones are at most
 * @max = m + 2k. Returns 0 and the pieces in *@out (*@nout of them), or -errno.
 */
static int drafts__sweep(const struct draft *d, size_t n, size_t max, struct draft **out,
			 size_t *nout)
{
	struct latest_heap heap = { .d = d };
	size_t nb, k, next = 0, np = 0;
	struct draft *pieces, *last;
	uint64_t *bounds;
	int err = -ENOMEM;

	bounds = malloc(2 * n * sizeof(*bounds));
	heap.items = malloc(n * sizeof(*heap.items));
	pieces = malloc(max * sizeof(*pieces));
	if (!bounds || !heap.items || !pieces)
		goto out_free;
	nb = drafts__bounds(d, n, bounds);
	for (k = 0; k + 1 < nb; k++) {
		uint64_t x = bounds[k];
		const struct draft *top;

		while (next < n && d[next].start <= x)
			heap__push(&heap, next++);
		while (heap.len && d[heap.items[0]].start + d[heap.items[0]].size <= x)
			heap__pop(&heap);
		if (!heap.len)
			continue;
		top = &d[heap.items[0]];
		last = np ? &pieces[np - 1] : NULL;
		if (last && last->start + last->size == x && last->name == top->name) {
			last->size = bounds[k + 1] - last->start;
			continue;
		}
		if (np == max) {
			err = -EOVERFLOW;
			goto out_free;
		}
		pieces[np] = *top;
		pieces[np].start = x;
		pieces[np].size = bounds[k + 1] - x;
		np++;
	}
	*out = pieces;
	*nout = np;
	pieces = NULL;
	err = 0;

out_free:
	free(pieces);
	free(heap.items);
	free(bounds);
	return err;
}

/*
 * Makes the ranges *@d[0..*@n) (sorted by start) disjoint, the later winning, replacing
 * the array when they overlap; @max as for drafts__sweep(). Returns 0 or -errno.
 */
static int drafts__settle_latest(struct draft **d, size_t *n, size_t max)
{
	struct draft *pieces;
	uint64_t end = 0;
	size_t i;
	int err;

	for (i = 0; i < *n; i++) {
		if (i && (*d)[i].start < end)
			break;
		end = (*d)[i].start + (*d)[i].size;
	}
	if (i == *n)
		return 0;
	err = drafts__sweep(*d, *n, max, &pieces, n);
	if (err)
		return err;
	free(*d);
	*d = pieces;
	return 0;
}

/*
 * The size a settled entry @d is sealed with when the next entry is @reach bytes on (0:
 * there is none): 0 (up to the next entry) when it reaches it, or for an extent of 4 GiB
 * or more, which then sets *@gap: a gap must follow at its end.
 */
static uint32_t draft__sealed_size(const struct draft *d, uint64_t reach, bool *gap)
{
	*gap = false;
	if (d->name == NO_NAME || (reach && d->size >= reach))
		return 0;
	if (d->size <= UINT32_MAX)
		return d->size;
	*gap = true;
	return 0;
}

/*
 * Seals the settled entries @d[0..@n) (one per start, the named ones with their extents)
 * into @out, their tags into @tags unless it is NULL; @out NULL only counts. Returns the
 * sealed entries.
 */
static size_t drafts__write(const struct draft *d, size_t n, struct symbol *out, uint16_t *tags)
{
	size_t i, nout = 0;
	bool gap;

	for (i = 0; i < n; i++) {
		uint64_t reach = i + 1 < n ? d[i + 1].start - d[i].start : 0;
		uint32_t size = draft__sealed_size(&d[i], reach, &gap);

		if (out) {
			out[nout] = (struct symbol){ d[i].start, d[i].name, size };
			if (tags)
				tags[nout] = d[i].tag;
		}
		nout++;
		if (!gap)
			continue;
		/* Extents end within the address space: the gap does too. */
		if (out) {
			out[nout] = (struct symbol){ d[i].start + d[i].size, NO_NAME, 0 };
			if (tags)
				tags[nout] = 0;
		}
		nout++;
	}
	return nout;
}

/* Moves the names of @d[0..@n) into a buffer of their size, and their offsets with them. */
static int drafts__compact_names(struct draft *d, size_t n, struct name_buffer *names)
{
	struct name_buffer kept = { 0 };
	size_t i, len;

	for (i = 0; i < n; i++)
		if (d[i].name != NO_NAME)
			kept.cap += strlen(names->data + d[i].name) + 1;
	kept.data = malloc(kept.cap ? kept.cap : 1);
	if (!kept.data)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (d[i].name == NO_NAME)
			continue;
		len = strlen(names->data + d[i].name) + 1;
		memcpy(kept.data + kept.len, names->data + d[i].name, len);
		d[i].name = kept.len;
		kept.len += len;
	}
	free(names->data);
	*names = kept;
	return 0;
}

/* Replaces the sealed entries with the settled @d[0..@n). Returns 0 or -ENOMEM. */
static int symbol_table__install(struct symbol_table *t, struct draft *d, size_t n)
{
	size_t nr = drafts__write(d, n, NULL, NULL), named = 0, i;
	bool tagged = false;
	struct symbol *syms;
	uint16_t *tags = NULL;

	for (i = 0; i < n; i++) {
		named += d[i].name != NO_NAME;
		tagged |= d[i].tag != 0;
	}
	syms = malloc((nr ? nr : 1) * sizeof(*syms));
	if (syms && tagged)
		tags = malloc(nr * sizeof(*tags));
	if (!syms || (tagged && !tags))
		goto out_free;
	/*
	 * The names of entries not kept go, but for ranges: there the offsets of the names
	 * tell later entries from earlier ones when more are sealed.
	 */
	if (t->opts.rule == SYMBOL_TABLE_ALIASES) {
		if (drafts__compact_names(d, n, &t->names))
			goto out_free;
	} else {
		name_buffer__trim(&t->names);
	}
	drafts__write(d, n, syms, tags);
	free(t->syms);
	free(t->tags);
	t->syms = syms;
	t->tags = tags;
	t->nr_syms = nr;
	t->nr_named = named;
	t->sealed = true;
	t->sealed_names = t->names.len;
	return 0;

out_free:
	free(tags);
	free(syms);
	return -ENOMEM;
}

/* The extent of the sealed entry @i, named. */
static uint64_t symbol_table__extent(const struct symbol_table *t, size_t i)
{
	const struct symbol *s = &t->syms[i];

	return s->size ? s->size : t->syms[i + 1].start - s->start;
}

/*
 * The named sealed entries as drafts, with their extents, followed by the @n drafts @d:
 * replaces @d by the new array and @n by its length; *@nr_sealed gets how many came from the
 * sealed ones. Returns 0 or -ENOMEM.
 */
static int symbol_table__unseal(const struct symbol_table *t, struct draft **d, size_t *n,
				size_t *nr_sealed)
{
	struct draft *all;
	size_t i, k = 0;

	all = malloc((t->nr_named + *n) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (i = 0; i < t->nr_syms; i++) {
		if (t->syms[i].name == NO_NAME)
			continue;
		all[k++] = (struct draft){ .start = t->syms[i].start,
					   .size = symbol_table__extent(t, i),
					   .name = t->syms[i].name,
					   .tag = t->tags ? t->tags[i] : 0 };
	}
	memcpy(all + k, *d, *n * sizeof(*all));
	free(*d);
	*d = all;
	*nr_sealed = k;
	*n += k;
	return 0;
}

int symbol_table__seal(struct symbol_table *t)
{
	struct draft *d = t->drafts;
	size_t n = t->nr_drafts, nr_sealed = 0;
	int err = 0;

	/* The drafts are this function's now: on failure they are gone, as on success. */
	t->drafts = NULL;
	t->nr_drafts = t->drafts_cap = 0;
	if (t->sealed && !n)
		goto out_free;
	if (t->nr_syms) {
		err = symbol_table__unseal(t, &d, &n, &nr_sealed);
		if (err)
			goto out_free;
	}
	err = drafts__sort(d, n);
	if (err)
		goto out_free;
	if (t->opts.rule == SYMBOL_TABLE_ALIASES)
		n = drafts__settle_aliases(d, n, t->names.data, &t->opts);
	else
		err = drafts__settle_latest(&d, &n, nr_sealed + 2 * (n - nr_sealed));
	if (!err)
		err = symbol_table__install(t, d, n);

out_free:
	free(d);
	if (err)
		t->names.len = t->sealed_names;
	return err;
}

/* Appends the named entries of the sealed @from to @t, with their extents, ranked @rank. */
static int symbol_table__add_sealed(struct symbol_table *t, const struct symbol_table *from,
				    uint16_t rank)
{
	size_t i;
	int err;

	for (i = 0; i < from->nr_syms; i++) {
		const struct symbol *s = &from->syms[i];
		struct symbol_spec spec = { .start = s->start, .rank = rank };
		const char *name = from->names.data + s->name;

		if (s->name == NO_NAME)
			continue;
		spec.size = symbol_table__extent(from, i);
		spec.tag = from->tags ? from->tags[i] : 0;
		err = symbol_table__add(t, &spec, name, strlen(name));
		if (err)
			return err;
	}
	return 0;
}

int symbol_table__merge(const struct symbol_table *a, const struct symbol_table *b,
			struct symbol_table **out)
{
	struct symbol_table *t;
	int err;

	t = symbol_table__new(&a->opts);
	if (!t)
		return -ENOMEM;
	/* Both sets of names are copied before the ones at the same address are dropped. */
	err = symbol_table__add_sealed(t, a, 0);
	if (!err && a->names.len + b->names.len < NO_NAME)
		err = symbol_table__add_sealed(t, b, 1);
	if (!err)
		err = symbol_table__seal(t);
	if (err) {
		symbol_table__free(t);
		return err;
	}
	*out = t;
	return 0;
}

const char *symbol_table__find(const struct symbol_table *t, uint64_t addr, uint64_t *start,
			       uint16_t *tag)
{
	size_t lo = 0, hi = t->nr_syms;
	const struct symbol *s;

	/* The last entry at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &t->syms[lo - 1];
	/* An entry without a size reaches the next one, which starts past addr. */
	if (s->name == NO_NAME || (s->size && addr - s->start >= s->size))
		return NULL;
	if (start)
		*start = s->start;
	if (tag)
		*tag = t->tags ? t->tags[lo - 1] : 0;
	return t->names.data + s->name;
}

size_t symbol_table__count(const struct symbol_table *t)
{
	return t->nr_named;
}

size_t symbol_table__size(const struct symbol_table *t)
{
	size_t entry = sizeof(*t->syms) + (t->tags ? sizeof(*t->tags) : 0);

	return sizeof(*t) + t->nr_syms * entry + t->names.len;
}
