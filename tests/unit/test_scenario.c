/*
 * test_scenario.c — the scenario generator's PRNG (xoshiro256** seeded with
 * splitmix64), weighted draws and inject planning.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rm_scenario.h"

/* The reference sequence of xoshiro256** from the state {1, 2, 3, 4}. */
static void
test_xoshiro_reference(void **state)
{
	(void) state;
	rm_rng r = {{1, 2, 3, 4}};

	assert_true(rm_rng_next(&r) == 11520ULL);
	assert_true(rm_rng_next(&r) == 0ULL);
	assert_true(rm_rng_next(&r) == 1509978240ULL);
	assert_true(rm_rng_next(&r) == 1215971899390074240ULL);
}

static void
test_seed_streams(void **state)
{
	(void) state;
	rm_rng a, b, c;
	int differ = 0;

	rm_rng_seed(&a, 42, 1);
	rm_rng_seed(&b, 42, 1);
	rm_rng_seed(&c, 42, 2);
	for (int i = 0; i < 1000; i++)
	{
		uint64_t x = rm_rng_next(&a);

		assert_true(x == rm_rng_next(&b));
		differ += x != rm_rng_next(&c);
	}
	assert_int_equal(differ, 1000);
	/* negative and zero seeds are fine */
	rm_rng_seed(&a, 0, 0);
	rm_rng_seed(&b, -1, 0);
	assert_true(rm_rng_next(&a) != rm_rng_next(&b));
}

static void
test_uniform_and_below(void **state)
{
	(void) state;
	rm_rng r;
	int count[6] = {0};

	rm_rng_seed(&r, 7, 0);
	for (int i = 0; i < 100000; i++)
	{
		double u = rm_rng_uniform(&r);

		assert_true(u >= 0 && u < 1);
	}
	for (int i = 0; i < 60000; i++)
	{
		int64_t k = rm_rng_below(&r, 6);

		assert_true(k >= 0 && k < 6);
		count[k]++;
	}
	for (int k = 0; k < 6; k++)
		assert_true(abs(count[k] - 10000) < 500);
	assert_int_equal(rm_rng_below(&r, 1), 0);
	assert_int_equal(rm_rng_below(&r, 0), 0);
	assert_int_equal(rm_rng_below(&r, -5), 0);
}

static void
test_pick_weighted(void **state)
{
	(void) state;
	rm_rng r;
	double w[] = {0, 1, -3, NAN, 3, INFINITY};
	double none[] = {0, -1, NAN};
	int count[6] = {0};

	rm_rng_seed(&r, 11, 3);
	for (int i = 0; i < 40000; i++)
		count[rm_rng_pick_weighted(&r, w, 6)]++;
	assert_int_equal(count[0] + count[2] + count[3] + count[5], 0);
	/* 1 : 3 */
	assert_true(fabs(count[1] / 40000.0 - 0.25) < 0.01);
	assert_int_equal(rm_rng_pick_weighted(&r, none, 3), -1);
	assert_int_equal(rm_rng_pick_weighted(&r, none, 0), -1);
	/* the risk weights {8,4,2,1} */
	{
		double lw[] = {8, 4, 2, 1};
		int c[4] = {0};

		for (int i = 0; i < 150000; i++)
			c[rm_rng_pick_weighted(&r, lw, 4)]++;
		for (int k = 0; k < 4; k++)
			assert_true(fabs(c[k] / 150000.0 - lw[k] / 15.0) < 0.005);
	}
}

static void
test_injects_from_steps(void **state)
{
	(void) state;
	int within[] = {10, 20, 30, 60, 0, 15};
	rm_inject inj[RM_SCENARIO_MAX_INJECTS];

	for (int64_t seed = 0; seed < 200; seed++)
	{
		rm_rng r;
		int n, seen[4] = {0};

		rm_rng_seed(&r, seed, 4);
		n = rm_scenario_injects(&r, within, 6, 4, inj);
		assert_int_equal(n, 4);
		assert_int_equal(inj[0].at_minute, 0);
		assert_int_equal(inj[0].kind, RM_INJECT_INITIAL);
		assert_int_equal(inj[0].step, 0);
		assert_int_equal(inj[0].deadline_minute, 10);
		for (int i = 1; i < n; i++)
		{
			int gap = inj[i].at_minute - inj[i - 1].at_minute;

			assert_true(gap >= 5 && gap <= 24);
			assert_true(inj[i].step > inj[i - 1].step);
			assert_true(inj[i].step >= 1 && inj[i].step < 6);
			if (within[inj[i].step] > 0)
				assert_int_equal(inj[i].deadline_minute, inj[i].at_minute + within[inj[i].step]);
			else
				assert_int_equal(inj[i].deadline_minute, -1);
			seen[inj[i].kind]++;
		}
		/* the three kinds, once each */
		assert_int_equal(seen[RM_INJECT_ESCALATION], 1);
		assert_int_equal(seen[RM_INJECT_SECONDARY], 1);
		assert_int_equal(seen[RM_INJECT_RESOURCE_FAILURE], 1);
	}
	/* deterministic */
	{
		rm_rng a, b;
		rm_inject x[8], y[8];
		int nx, ny;

		rm_rng_seed(&a, 99, 4);
		rm_rng_seed(&b, 99, 4);
		nx = rm_scenario_injects(&a, within, 6, 8, x);
		ny = rm_scenario_injects(&b, within, 6, 8, y);
		assert_int_equal(nx, 6);	/* all steps: 1 initial + 5 */
		assert_int_equal(nx, ny);
		assert_memory_equal(x, y, nx * sizeof(rm_inject));
	}
}

static void
test_injects_generic_and_limits(void **state)
{
	(void) state;
	rm_rng r;
	rm_inject inj[RM_SCENARIO_MAX_INJECTS];
	int huge[] = {2000000000, 2000000000};
	int n;

	rm_rng_seed(&r, 1, 4);
	n = rm_scenario_injects(&r, NULL, 0, 6, inj);
	assert_int_equal(n, 4);
	assert_int_equal(inj[0].step, -1);
	assert_int_equal(inj[0].deadline_minute, -1);
	for (int i = 1; i < 4; i++)
	{
		assert_int_equal(inj[i].step, -1);
		assert_true(inj[i].at_minute > inj[i - 1].at_minute);
	}
	n = rm_scenario_injects(&r, huge, 2, 6, inj);
	assert_int_equal(n, 2);
	assert_int_equal(inj[0].deadline_minute, 1051200);
	assert_true(inj[1].deadline_minute > 1051200 && inj[1].deadline_minute < 1051300);
	assert_int_equal(rm_scenario_injects(&r, huge, 2, 1, inj), 1);
	assert_int_equal(rm_scenario_injects(&r, huge, 2, 0, inj), 0);
	assert_int_equal(rm_scenario_injects(&r, huge, -3, 3, inj), 3);	/* bad count: generic */
	assert_int_equal(rm_scenario_injects(&r, NULL, 5, 3, inj), 3);
	assert_string_equal(rm_inject_kind_name(RM_INJECT_RESOURCE_FAILURE), "resource_failure");
	assert_string_equal(rm_inject_kind_name(77), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xoshiro_reference),
		cmocka_unit_test(test_seed_streams),
		cmocka_unit_test(test_uniform_and_below),
		cmocka_unit_test(test_pick_weighted),
		cmocka_unit_test(test_injects_from_steps),
		cmocka_unit_test(test_injects_generic_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
