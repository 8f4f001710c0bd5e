/*
 * Unit tests of rm_plan_lifecycle: every (from, to) pair of the 7 states.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rm_plan_lifecycle.h"

static void
test_state_names(void **state)
{
	static const char *names[] = {"drafting", "reviewing", "approved", "published", "filed", "revising", "retired"};

	(void) state;
	for (int s = 0; s < RM_PLAN_N_STATES; s++)
	{
		assert_string_equal(rm_plan_state_name(s), names[s]);
		assert_int_equal(rm_plan_state_parse(names[s], strlen(names[s])), s);
	}
	assert_null(rm_plan_state_name(-1));
	assert_null(rm_plan_state_name(RM_PLAN_N_STATES));
	/* exact, case-sensitive, length-bounded matches only */
	assert_int_equal(rm_plan_state_parse("Drafting", 8), -1);
	assert_int_equal(rm_plan_state_parse("draft", 5), -1);
	assert_int_equal(rm_plan_state_parse("drafting ", 9), -1);
	assert_int_equal(rm_plan_state_parse("filedx", 5), RM_PLAN_FILED);	/* only 5 bytes are read */
	assert_int_equal(rm_plan_state_parse("", 0), -1);
	assert_int_equal(rm_plan_state_parse(NULL, 3), -1);
	assert_int_equal(rm_plan_state_parse("fil\0d", 5), -1);
}

static void
test_every_pair(void **state)
{
	/* The complete matrix, rows = from, columns = to, in enum order. */
	static const int expected[RM_PLAN_N_STATES][RM_PLAN_N_STATES] = {
		/* dr rv ap pu fi rs rt */
		{0, 1, 0, 0, 0, 0, 1},	/* drafting  */
		{0, 0, 1, 0, 0, 0, 1},	/* reviewing */
		{0, 0, 0, 1, 0, 0, 1},	/* approved  */
		{0, 0, 0, 0, 1, 1, 1},	/* published */
		{0, 0, 0, 0, 0, 1, 1},	/* filed     */
		{0, 1, 0, 0, 0, 0, 1},	/* revising  */
		{0, 0, 0, 0, 0, 0, 0},	/* retired   */
	};
	int			allowed = 0;

	(void) state;
	for (int f = 0; f < RM_PLAN_N_STATES; f++)
		for (int t = 0; t < RM_PLAN_N_STATES; t++)
		{
			if (rm_plan_move_allowed(f, t) != (expected[f][t] != 0))
				fail_msg("move %s -> %s: expected %s", rm_plan_state_name(f), rm_plan_state_name(t),
						 expected[f][t] ? "allowed" : "refused");
			allowed += rm_plan_move_allowed(f, t);
		}
	assert_int_equal(allowed, 13);
	/* no same-state moves */
	for (int s = 0; s < RM_PLAN_N_STATES; s++)
		assert_false(rm_plan_move_allowed(s, s));
	/* out-of-range values */
	assert_false(rm_plan_move_allowed(-1, RM_PLAN_RETIRED));
	assert_false(rm_plan_move_allowed(RM_PLAN_DRAFTING, RM_PLAN_N_STATES));
	assert_false(rm_plan_move_allowed(1000, -1000));
}

static void
test_date_columns(void **state)
{
	(void) state;
	assert_null(rm_plan_date_column(RM_PLAN_DRAFTING));
	assert_null(rm_plan_date_column(RM_PLAN_REVIEWING));
	assert_string_equal(rm_plan_date_column(RM_PLAN_APPROVED), "approved_on");
	assert_string_equal(rm_plan_date_column(RM_PLAN_PUBLISHED), "published_on");
	assert_string_equal(rm_plan_date_column(RM_PLAN_FILED), "filed_on");
	assert_string_equal(rm_plan_date_column(RM_PLAN_REVISING), "revised_on");
	assert_null(rm_plan_date_column(RM_PLAN_RETIRED));
	assert_null(rm_plan_date_column(-1));
	assert_null(rm_plan_date_column(99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_every_pair),
		cmocka_unit_test(test_date_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
