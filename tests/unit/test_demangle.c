// SPDX-License-Identifier: GPL-2.0-only
/*
 * Demangling with known strings: C++ (c++filt's output), Rust legacy and v0 (rustc-demangle's
 * own test strings), clone suffixes, and names that must stay as they are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "demangle.h"

static void expect(const char *mangled, const char *want)
{
	char *got = demangle__name(mangled);

	if (!want) {
		if (got)
			fail_msg("%s demangled to \"%s\", expected to stay as it is", mangled, got);
		return;
	}
	if (!got)
		fail_msg("%s not demangled, expected \"%s\"", mangled, want);
	if (strcmp(got, want))
		fail_msg("%s demangled to \"%s\", expected \"%s\"", mangled, got, want);
	free(got);
}

static void test_cpp(void **state)
{
	(void)state;
	expect("_ZN7orchard5GroveIiE4tendEi", "orchard::Grove<int>::tend(int)");
	expect("_ZN7orchard4Tree4growEm", "orchard::Tree::grow(unsigned long)");
	expect("_ZN7orchard5grove6BasketIiE5carryEi", "orchard::grove::Basket<int>::carry(int)");
	expect("_ZNSt6vectorIiSaIiEE9push_backERKi",
	       "std::vector<int, std::allocator<int> >::push_back(int const&)");
	expect("_ZN12_GLOBAL__N_13fooEv", "(anonymous namespace)::foo()");
	expect("_ZNK3Foo3barEv", "Foo::bar() const");
	expect("_Z3addIiET_S0_S0_", "int add<int>(int, int)");
}

/* GCC's clones keep the base name readable, as c++filt prints them. */
static void test_clone_suffixes(void **state)
{
	(void)state;
	expect("_Z3fooi.isra.0", "foo(int) [clone .isra.0]");
	expect("_Z3fooi.cold", "foo(int) [clone .cold]");
	expect("_Z3fooi.part.1", "foo(int) [clone .part.1]");
	expect("_Z3fooi.constprop.0", "foo(int) [clone .constprop.0]");
	expect("_Z3fooi.part.1.cold", "foo(int) [clone .part.1] [clone .cold]");
	/* C names with the same suffixes are already readable */
	expect("foo.isra.0", NULL);
	expect("foo.cold", NULL);
	expect("main.part.1", NULL);
}

static void test_rust_legacy(void **state)
{
	(void)state;
	/* the hash goes */
	expect("_ZN4core3fmt5write17h0123456789abcdefE", "core::fmt::write");
	expect("_ZN3foo3bar17h05af221e174051e9E", "foo::bar");
	expect("_ZN12panic_unwind3imp5panic17exception_cleanup17he4cf772173d90f46E",
	       "panic_unwind::imp::panic::exception_cleanup");
	expect("_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$"
	       "closure$u7d$$u7d$$GT$17h0a1b2c3d4e5f6a7bE",
	       "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>");
	/* and so does an LLVM suffix */
	expect("_ZN3std2rt10lang_start17h3d8b4ad7d2d7d3a1E.llvm.123", "std::rt::lang_start");
}

static void test_rust_v0(void **state)
{
	(void)state;
	expect("_RNvC6_123foo3bar", "123foo::bar");
	expect("_RNCNCNgCs6DXkGYLi8lr_2cc5spawn00B5_", "cc::spawn::{closure#0}::{closure#0}");
	expect("_RINbNbCskIICzLVDPPb_5alloc5alloc8box_freeDINbNiB4_5boxed5FnBoxuEp6OutputuEL_"
	       "ECs1iopQbuBiw2_3std",
	       "alloc::alloc::box_free::<dyn alloc::boxed::FnBox<(), Output = ()>>");
	expect("_RNCINkXs25_NgCsbmNqQUJIY6D_4core5sliceINyB9_4IterhENuNgNoBb_4iter8iterator8"
	       "Iterator9rpositionNCNgNpB9_6memchr7memrchrs_0E0Bb_",
	       "<core::slice::Iter<u8> as core::iter::iterator::Iterator>::rposition::"
	       "<core::slice::memchr::memrchr::{closure#1}>::{closure#0}");
}

/* Names that are not mangled, or mangled badly, are left to the caller as they are. */
static void test_left_alone(void **state)
{
	static char long_name[8192];

	(void)state;
	expect("main", NULL);
	expect("__libc_start_main", NULL);
	expect("foo__bar", NULL); /* GNAT would read it as foo.bar */
	expect("_start", NULL);
	expect("_Z", NULL);
	expect("_ZN3foo", NULL);
	expect("_R", NULL);
	expect("_RNvC6_123foo3ba", NULL);
	expect("", NULL);
	/* longer than anyone reads, and libiberty's work grows with the length */
	memset(long_name, 'a', sizeof(long_name) - 1);
	memcpy(long_name, "_ZN", 3);
	expect(long_name, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpp),	    cmocka_unit_test(test_clone_suffixes),
		cmocka_unit_test(test_rust_legacy), cmocka_unit_test(test_rust_v0),
		cmocka_unit_test(test_left_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
