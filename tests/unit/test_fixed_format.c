// SPDX-License-Identifier: GPL-2.0-only
/* fixed_format: the same characters as snprintf's "%.1f" and "%.2f", ties and edges included. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixed_format.h"

static void check(double v, unsigned int decimals)
{
	char want[FIXED_FORMAT_MAX], got[FIXED_FORMAT_MAX];
	size_t len;

	snprintf(want, sizeof(want), "%.*f", (int)decimals, v);
	len = fixed_format(got, v, decimals);
	if (strcmp(want, got) || len != strlen(want))
		fail_msg("%.17g with %u decimals: printf \"%s\", fixed_format \"%s\"", v, decimals,
			 want, got);
}

static void test_ties_and_edges(void **state)
{
	static const double values[] = { 0,	0.05,  0.15,   0.25,	  0.35,	  0.45,	 0.5,
					 1.5,	2.5,   0.125,  0.375,	  0.005,  0.015, 0.025,
					 9.95,	9.995, 99.995, 999999.95, 1e14,	  1e15,	 -0.0,
					 -1.25, 1e300, NAN,    INFINITY,  1e-300, 4e-324 };

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		for (unsigned int d = 0; d <= 3; d++)
			check(values[i], d);
	}
}

/* Every number a flame graph writes: sums of widths, tenths and hundredths, percentages. */
static void test_many_values(void **state)
{
	uint64_t seed = 7;

	(void)state;
	for (int i = 0; i < 300000; i++) {
		double v;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		switch (i % 4) {
		case 0: /* a box's x: a pad plus a sum of widths */
			v = 10 + (double)(seed >> 11) / (1ull << 53) * 1180;
			break;
		case 1: /* exactly on a tie of the last digit, or next to it */
			v = (double)(seed >> 44) / 200 + ((seed >> 8) % 3 - 1) * 1e-12;
			break;
		case 2: /* a percentage */
			v = 100.0 * (double)(seed >> 40) /
			    (double)((seed >> 20 & 0xfffff) + (seed >> 40) + 1);
			break;
		default: /* any magnitude */
			v = ldexp((double)(seed >> 11), (int)(seed % 80) - 90);
		}
		check(v, 1);
		check(v, 2);
	}
}

/* Dyadic values: many sit exactly on a tie of the last digit (0.125, 2.5, 10.375). */
static void test_exact_ties(void **state)
{
	(void)state;
	for (int k = 0; k < 200000; k++) {
		check(k / 64.0, 1);
		check(k / 64.0, 2);
		check(k / 8.0, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ties_and_edges),
		cmocka_unit_test(test_many_values),
		cmocka_unit_test(test_exact_ties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
