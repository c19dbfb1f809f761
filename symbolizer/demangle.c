// SPDX-License-Identifier: GPL-2.0-only
#include "demangle.h"

#include <libiberty/demangle.h>
#include <string.h>

/*
 * A longer symbol is not a name anyone reads; libiberty's time and stack grow with the
 * length, and symbol tables come from files we do not trust.
 */
#define DEMANGLE_MAX_LEN 4096

char *demangle__name(const char *name)
{
	const int options = DMGL_PARAMS | DMGL_ANSI;
	char *out;

	if (name[0] != '_' || strnlen(name, DEMANGLE_MAX_LEN + 1) > DEMANGLE_MAX_LEN)
		return NULL;
	/*
	 * Legacy Rust names are valid Itanium names too ("_ZN...17h<hash>E"): asking Rust
	 * first gives "core::fmt::write" rather than "core::fmt::write::h0123456789abcdef".
	 * Other schemes libiberty knows (GNAT, D) are not tried: they read plain C names such
	 * as "foo__bar" as mangled.
	 */
	if (!strncmp(name, "_R", 2) || !strncmp(name, "_ZN", 3)) {
		out = rust_demangle(name, options);
		if (out)
			return out;
	}
	if (!strncmp(name, "_Z", 2))
		return cplus_demangle_v3(name, options);
	return NULL;
}
