/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Readable names for mangled symbols: C++ (Itanium ABI) and Rust (legacy and v0), through
 * libiberty, the demangler binutils and gdb use, so names read as c++filt prints them.
 */
#ifndef PROF_DEMANGLE_H
#define PROF_DEMANGLE_H

/*
 * Returns the demangled form of @name, owned by the caller (free() it), or NULL when @name
 * is not a name this knows how to demangle (C names, names already readable, malformed
 * ones) or there is no memory: the caller then keeps @name as it is.
 * C++ names keep their parameter lists, and the suffixes the compiler adds to clones
 * (.isra.0, .cold, .part.1, .constprop.0) read " [clone .isra.0]", as c++filt prints them;
 * a C name with such a suffix is already readable and gives NULL. Rust names lose their
 * hash ("::h0123456789abcdef" in legacy names) and an LLVM ".llvm.NNN" suffix.
 */
char *demangle__name(const char *name);

#endif
