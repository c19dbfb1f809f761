// SPDX-License-Identifier: GPL-2.0-only
#include "dwarf_lines.h"

#include <dwarf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

/*
 * DIE trees nest a few levels (namespace, class, subprogram, blocks, inlined calls), a few
 * dozen in template-heavy C++; a deeper one is garbage or an attack on the stack, and its
 * unit's functions are not used (its lines still are).
 */
#define DWARF_MAX_DEPTH 256
/* Functions one unit may hold: bounds the memory a garbage unit can make us take. */
#define DWARF_MAX_FUNCS (1u << 22)
/* Units whose ranges overlap the one found are looked at too, this many. */
#define DWARF_OVERLAP_SCAN 8
/*
 * What libdw holds for each row of a unit's line table once read (the row, its place in
 * the sorted table, the list it was decoded into), counted so that a binary's size is not
 * a fraction of what it holds: the idle list's bound is in these bytes.
 */
#define DWARF_LINE_BYTES 64

/* An address range of a compile unit or of a top-level function. */
struct dwarf_range {
	uint64_t lo;
	uint64_t hi;	/* exclusive */
	uint32_t index; /* of the unit in dwarf_lines.units, or of the function in its unit */
};

/*
 * A subprogram or inlined subroutine with code, in the preorder of the DIE tree: the
 * functions inlined into it (directly or not) are at [index + 1, end).
 */
struct dwarf_func {
	Dwarf_Off die;
	uint32_t end;
	uint32_t first_range; /* in dwarf_unit.ranges */
	uint32_t nr_ranges;
	bool inlined; /* DW_TAG_inlined_subroutine */
};

enum dwarf_unit_state {
	DWARF_UNIT_NEW,	    /* only the unit DIE read */
	DWARF_UNIT_SCANNED, /* functions read */
	DWARF_UNIT_BAD,	    /* reading the functions failed; lines only */
};

struct dwarf_unit {
	Dwarf_Die die;
	enum dwarf_unit_state state;
	struct dwarf_func *funcs;
	size_t nr_funcs, funcs_cap;
	struct dwarf_range *ranges; /* of every function, by function */
	size_t nr_ranges, ranges_cap;
	struct dwarf_range *tops; /* ranges of top-level functions, sorted by lo */
	size_t nr_tops, tops_cap;
	Dwarf_Files *files; /* the line table's file names, read with the first call site */
	size_t nr_files;
	bool files_tried;
};

struct dwarf_lines {
	Dwarf *dwarf;
	struct dwarf_unit *units;
	size_t nr_units;
	struct dwarf_range *ranges; /* of every unit, sorted by lo */
	size_t nr_ranges;
	size_t bytes;
	size_t nr_errors;
};

static int range__cmp(const void *a, const void *b)
{
	const struct dwarf_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return 0;
}

/*
 * The range holding @addr among @ranges (sorted by lo), or NULL. Ranges may overlap
 * (garbage, or functions merged by the linker): the one starting last wins, then the few
 * before it are tried.
 */
static const struct dwarf_range *ranges__find(const struct dwarf_range *ranges, size_t n,
					      uint64_t addr)
{
	size_t lo = 0, hi = n, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i > 0 && lo - i < DWARF_OVERLAP_SCAN; i--) {
		if (addr < ranges[i - 1].hi)
			return &ranges[i - 1];
	}
	return NULL;
}

/* Appends the ranges of @die to @ranges. Returns how many (0: no code), or -ENOMEM. */
static int die__ranges(Dwarf_Die *die, struct dwarf_range **ranges, size_t *nr, size_t *cap,
		       uint32_t index)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t off = 0;
	int n = 0;

	/* A negative offset is an error in the DIE: whatever was read before it stands. */
	while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0) {
		if (start >= end)
			continue;
		if (array__reserve(ranges, cap, *nr + 1, sizeof(**ranges)))
			return -ENOMEM;
		(*ranges)[*nr].lo = start;
		(*ranges)[*nr].hi = end;
		(*ranges)[*nr].index = index;
		(*nr)++;
		if (++n == INT32_MAX)
			break;
	}
	return n;
}

int dwarf_lines__open(Dwarf *dwarf, struct dwarf_lines **out)
{
	size_t units_cap = 0, ranges_cap = 0;
	Dwarf_CU *cu = NULL, *next;
	struct dwarf_lines *dl;
	uint8_t unit_type;
	Dwarf_Die cudie;
	int err = -ENOMEM, ret;

	dl = calloc(1, sizeof(*dl));
	if (!dl)
		return -ENOMEM;
	dl->dwarf = dwarf;
	/*
	 * dwarf_get_units() walks the unit headers only; a header it cannot read ends the
	 * walk, and the units before it still count.
	 */
	while ((ret = dwarf_get_units(dwarf, cu, &next, NULL, &unit_type, &cudie, NULL)) == 0) {
		struct dwarf_unit *unit;
		int n;

		cu = next;
		/* Partial units (dwz) hold shared DIEs, not code; split units are not read. */
		if (unit_type != DW_UT_compile)
			continue;
		if (dl->nr_units == UINT32_MAX)
			break;
		n = die__ranges(&cudie, &dl->ranges, &dl->nr_ranges, &ranges_cap, dl->nr_units);
		if (n < 0)
			goto out_free;
		if (!n)
			continue;
		if (array__reserve(&dl->units, &units_cap, dl->nr_units + 1, sizeof(*dl->units)))
			goto out_free;
		unit = &dl->units[dl->nr_units++];
		memset(unit, 0, sizeof(*unit));
		unit->die = cudie;
	}
	if (ret < 0)
		dl->nr_errors++;
	if (dl->nr_ranges)
		qsort(dl->ranges, dl->nr_ranges, sizeof(*dl->ranges), range__cmp);
	dl->bytes = sizeof(*dl) + units_cap * sizeof(*dl->units) + ranges_cap * sizeof(*dl->ranges);
	*out = dl;
	return 0;

out_free:
	dwarf_lines__free(dl);
	return err;
}

static void unit__release(struct dwarf_unit *unit)
{
	free(unit->funcs);
	free(unit->ranges);
	free(unit->tops);
	unit->funcs = NULL;
	unit->ranges = unit->tops = NULL;
	unit->nr_funcs = unit->nr_ranges = unit->nr_tops = 0;
	unit->funcs_cap = unit->ranges_cap = unit->tops_cap = 0;
}

void dwarf_lines__free(struct dwarf_lines *dl)
{
	if (!dl)
		return;
	for (size_t i = 0; i < dl->nr_units; i++)
		unit__release(&dl->units[i]);
	free(dl->units);
	free(dl->ranges);
	free(dl);
}

/* Records @die as a function if it has code. Returns its index, -ENOENT, or -errno. */
static int64_t unit__add_func(struct dwarf_unit *unit, Dwarf_Die *die, bool inlined)
{
	size_t first = unit->nr_ranges;
	struct dwarf_func *func;
	int n;

	if (unit->nr_funcs >= DWARF_MAX_FUNCS)
		return -E2BIG;
	n = die__ranges(die, &unit->ranges, &unit->nr_ranges, &unit->ranges_cap, unit->nr_funcs);
	if (n <= 0)
		return n ? n : -ENOENT;
	if (array__reserve(&unit->funcs, &unit->funcs_cap, unit->nr_funcs + 1,
			   sizeof(*unit->funcs)))
		return -ENOMEM;
	if (!inlined) {
		if (array__reserve(&unit->tops, &unit->tops_cap, unit->nr_tops + n,
				   sizeof(*unit->tops)))
			return -ENOMEM;
		memcpy(unit->tops + unit->nr_tops, unit->ranges + first, n * sizeof(*unit->tops));
		unit->nr_tops += n;
	}
	func = &unit->funcs[unit->nr_funcs];
	func->die = dwarf_dieoffset(die);
	func->first_range = first;
	func->nr_ranges = n;
	func->inlined = inlined;
	func->end = unit->nr_funcs + 1;
	return unit->nr_funcs++;
}

/*
 * Reads the functions among the children of @parent; @in_func says an enclosing function
 * was recorded, so that inlined subroutines have one to belong to.
 */
static int unit__scan(struct dwarf_unit *unit, Dwarf_Die *parent, bool in_func, int depth)
{
	Dwarf_Die child;
	int64_t index;
	int err, ret;

	if (depth >= DWARF_MAX_DEPTH)
		return -E2BIG;
	ret = dwarf_child(parent, &child);
	if (ret)
		return ret < 0 ? -EINVAL : 0;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
		case DW_TAG_inlined_subroutine:
			/* An inlined subroutine outside every function is garbage. */
			if (dwarf_tag(&child) == DW_TAG_inlined_subroutine && !in_func)
				break;
			index = unit__add_func(unit, &child,
					       dwarf_tag(&child) == DW_TAG_inlined_subroutine);
			/* No code: a declaration or an abstract instance, nothing inside runs. */
			if (index == -ENOENT)
				break;
			if (index < 0)
				return index;
			err = unit__scan(unit, &child, true, depth + 1);
			unit->funcs[index].end = unit->nr_funcs;
			if (err)
				return err;
			break;
		case DW_TAG_lexical_block:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_structure_type:
		case DW_TAG_class_type:
		case DW_TAG_union_type:
			/* Blocks hold inlined calls; scopes hold functions defined in them. */
			err = unit__scan(unit, &child, in_func, depth + 1);
			if (err)
				return err;
			break;
		default:
			break;
		}
	} while ((ret = dwarf_siblingof(&child, &child)) == 0);
	return ret < 0 ? -EINVAL : 0;
}

static void unit__load(struct dwarf_lines *dl, struct dwarf_unit *unit)
{
	size_t before = unit->funcs_cap * sizeof(*unit->funcs) +
			unit->ranges_cap * sizeof(*unit->ranges) +
			unit->tops_cap * sizeof(*unit->tops);
	Dwarf_Lines *lines;
	size_t nr_lines;

	/* libdw keeps the table it reads here for every later lookup in the unit. */
	if (dwarf_hasattr(&unit->die, DW_AT_stmt_list)) {
		if (dwarf_getsrclines(&unit->die, &lines, &nr_lines))
			dl->nr_errors++;
		else
			dl->bytes += nr_lines * DWARF_LINE_BYTES;
	}
	if (unit__scan(unit, &unit->die, false, 0)) {
		/* Half a tree could name the wrong function: keep the line table only. */
		unit__release(unit);
		unit->state = DWARF_UNIT_BAD;
		dl->nr_errors++;
		return;
	}
	if (unit->nr_tops)
		qsort(unit->tops, unit->nr_tops, sizeof(*unit->tops), range__cmp);
	unit->state = DWARF_UNIT_SCANNED;
	dl->bytes += unit->funcs_cap * sizeof(*unit->funcs) +
		     unit->ranges_cap * sizeof(*unit->ranges) +
		     unit->tops_cap * sizeof(*unit->tops) - before;
}

static bool func__contains(const struct dwarf_unit *unit, const struct dwarf_func *func,
			   uint64_t addr)
{
	for (uint32_t i = 0; i < func->nr_ranges; i++) {
		const struct dwarf_range *r = &unit->ranges[func->first_range + i];

		if (addr >= r->lo && addr < r->hi)
			return true;
	}
	return false;
}

/* The linkage name of @die (or of what it is an instance of), else its plain name. */
static const char *die__name(Dwarf_Die *die)
{
	static const unsigned int attrs[] = { DW_AT_linkage_name, DW_AT_MIPS_linkage_name,
					      DW_AT_name };
	Dwarf_Attribute attr;
	const char *name;

	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (!dwarf_attr_integrate(die, attrs[i], &attr))
			continue;
		name = dwarf_formstring(&attr);
		if (name && *name)
			return name;
	}
	return NULL;
}

/* The file name at index @index of the unit's line table, or NULL. */
static const char *unit__file(struct dwarf_unit *unit, Dwarf_Word index)
{
	if (!unit->files_tried) {
		unit->files_tried = true;
		if (dwarf_getsrcfiles(&unit->die, &unit->files, &unit->nr_files)) {
			unit->files = NULL;
			unit->nr_files = 0;
		}
	}
	if (!unit->files || index >= unit->nr_files)
		return NULL;
	return dwarf_filesrc(unit->files, index, NULL, NULL);
}

/* The call site of the inlined subroutine @die: file and line in the function around it. */
static void unit__call_site(struct dwarf_unit *unit, Dwarf_Die *die, struct dwarf_frame *frame)
{
	Dwarf_Attribute attr;
	Dwarf_Word value;

	frame->file = NULL;
	frame->line = 0;
	if (dwarf_attr(die, DW_AT_call_file, &attr) && !dwarf_formudata(&attr, &value))
		frame->file = unit__file(unit, value);
	if (dwarf_attr(die, DW_AT_call_line, &attr) && !dwarf_formudata(&attr, &value))
		frame->line = value > UINT32_MAX ? 0 : value;
}

static void unit__line(struct dwarf_unit *unit, uint64_t addr, struct dwarf_frame *frame)
{
	Dwarf_Line *line = dwarf_getsrc_die(&unit->die, addr);
	int lineno;

	frame->file = NULL;
	frame->line = 0;
	if (!line)
		return;
	frame->file = dwarf_linesrc(line, NULL, NULL);
	if (!dwarf_lineno(line, &lineno) && lineno > 0)
		frame->line = lineno;
}

int dwarf_lines__find(struct dwarf_lines *dl, uint64_t addr, struct dwarf_frame *out, size_t cap)
{
	uint32_t chain[DWARF_MAX_DEPTH];
	const struct dwarf_range *r;
	struct dwarf_unit *unit;
	size_t depth = 0, n, skip;
	Dwarf_Die die;

	if (!cap)
		return -EINVAL;
	r = ranges__find(dl->ranges, dl->nr_ranges, addr);
	if (!r)
		return 0;
	unit = &dl->units[r->index];
	if (unit->state == DWARF_UNIT_NEW)
		unit__load(dl, unit);

	r = ranges__find(unit->tops, unit->nr_tops, addr);
	if (!r) {
		out[0].name = NULL;
		unit__line(unit, addr, &out[0]);
		return 1;
	}
	/* Down the tree: each level is the inlined call, among the children, holding addr. */
	chain[depth++] = r->index;
	while (depth < DWARF_MAX_DEPTH) {
		const struct dwarf_func *f = &unit->funcs[chain[depth - 1]];
		uint32_t c = chain[depth - 1] + 1;

		while (c < f->end && c < unit->nr_funcs) {
			const struct dwarf_func *child = &unit->funcs[c];

			if (child->inlined && func__contains(unit, child, addr))
				break;
			/* Not here: skip its subtree (end is past c, or the tree is garbage). */
			c = child->end > c ? child->end : c + 1;
		}
		if (c >= f->end || c >= unit->nr_funcs)
			break;
		chain[depth++] = c;
	}

	/* out[0] is chain[depth - 1], the innermost; too long a chain loses inner frames. */
	n = depth < cap ? depth : cap;
	skip = depth - n;
	for (size_t i = 0; i < n; i++) {
		size_t level = depth - 1 - skip - i;
		struct dwarf_frame *frame = &out[i];

		frame->name = NULL;
		if (dwarf_offdie(dl->dwarf, unit->funcs[chain[level]].die, &die))
			frame->name = die__name(&die);
		if (level == depth - 1) {
			unit__line(unit, addr, frame);
		} else if (dwarf_offdie(dl->dwarf, unit->funcs[chain[level + 1]].die, &die)) {
			unit__call_site(unit, &die, frame);
		} else {
			frame->file = NULL;
			frame->line = 0;
		}
	}
	return n;
}

size_t dwarf_lines__units(const struct dwarf_lines *dl)
{
	return dl->nr_units;
}

size_t dwarf_lines__errors(const struct dwarf_lines *dl)
{
	return dl->nr_errors;
}

size_t dwarf_lines__size(const struct dwarf_lines *dl)
{
	return dl->bytes;
}
