/*
 * Unit tests of rm_workdays: working-day arithmetic with holidays and 调休.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rm_workdays.h"

/* Day number (days since 2000-01-01) of a proleptic Gregorian date. */
static int32_t
ymd(int y, int m, int d)
{
	/* H. Hinnant's days_from_civil, shifted to the 2000-01-01 epoch. */
	y -= m <= 2;
	int			era = (y >= 0 ? y : y - 399) / 400;
	unsigned	yoe = (unsigned) (y - era * 400);
	unsigned	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int) doe - 719468 - 10957;
}

/* China 2024: New Year, Spring Festival, National Day (with their 调休). */
static rm_workday_entry cn2024_src[] = {
	{20240101, 0},
	{20240210, 0}, {20240211, 0}, {20240212, 0}, {20240213, 0}, {20240214, 0},
	{20240215, 0}, {20240216, 0}, {20240217, 0},
	{20240204, 1}, {20240218, 1},
	{20241001, 0}, {20241002, 0}, {20241003, 0}, {20241004, 0}, {20241005, 0},
	{20241006, 0}, {20241007, 0},
	{20240929, 1}, {20241012, 1},
};

static rm_workday_entry cn2024[sizeof cn2024_src / sizeof cn2024_src[0]];
static rm_workcal cal2024;
static const size_t n2024 = sizeof cn2024_src / sizeof cn2024_src[0];

static int32_t
d8(int32_t yyyymmdd)
{
	return ymd(yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
}

static int
setup_2024(void **state)
{
	(void) state;
	/* Deliberately unsorted input (spring festival before its 调休, and so on). */
	for (size_t i = 0; i < n2024; i++)
	{
		cn2024[i].day = d8(cn2024_src[i].day);
		cn2024[i].value = cn2024_src[i].value;
	}
	assert_int_equal(rm_workcal_prepare(cn2024, n2024, &cal2024, NULL), RM_WORKCAL_OK);
	return 0;
}

static int64_t
add(const rm_workcal *cal, int32_t from, int32_t n)
{
	int64_t		r = -999999999;

	assert_true(rm_workcal_add(cal, from, n, &r));
	return r;
}

static void
test_epoch_and_weekdays(void **state)
{
	(void) state;
	assert_int_equal(ymd(2000, 1, 1), 0);
	assert_int_equal(rm_day_of_week(0), 5);	/* Saturday */
	assert_int_equal(rm_day_of_week(2), 0);	/* Monday 2000-01-03 */
	assert_int_equal(rm_day_of_week(-1), 4);	/* Friday 1999-12-31 */
	assert_int_equal(rm_day_of_week(ymd(2024, 10, 12)), 5);
	assert_int_equal(rm_day_of_week(ymd(2024, 9, 29)), 6);
	assert_int_equal(rm_day_of_week(ymd(1900, 1, 1)), 0);	/* a Monday */
	assert_false(rm_is_weekday(ymd(2024, 1, 6)));
	assert_true(rm_is_weekday(ymd(2024, 1, 5)));
}

static void
test_plain_week_boundaries(void **state)
{
	rm_workcal empty;

	(void) state;
	assert_int_equal(rm_workcal_prepare(NULL, 0, &empty, NULL), RM_WORKCAL_OK);
	/* Friday + 1 = Monday; Saturday + 0 = Saturday; Saturday + 1 = Monday. */
	assert_int_equal(add(&empty, ymd(2024, 1, 5), 1), ymd(2024, 1, 8));
	assert_int_equal(add(&empty, ymd(2024, 1, 6), 0), ymd(2024, 1, 6));
	assert_int_equal(add(&empty, ymd(2024, 1, 6), 1), ymd(2024, 1, 8));
	assert_int_equal(add(&empty, ymd(2024, 1, 7), 5), ymd(2024, 1, 12));
	assert_int_equal(add(&empty, ymd(2024, 1, 8), 5), ymd(2024, 1, 15));
	/* Negative: Monday - 1 = Friday; Sunday - 1 = Friday; Saturday - 6 = Monday a week earlier. */
	assert_int_equal(add(&empty, ymd(2024, 1, 8), -1), ymd(2024, 1, 5));
	assert_int_equal(add(&empty, ymd(2024, 1, 7), -1), ymd(2024, 1, 5));
	assert_int_equal(add(&empty, ymd(2024, 1, 6), -6), ymd(2023, 12, 29));
	/* Across the epoch (negative day numbers). */
	assert_int_equal(add(&empty, ymd(1999, 12, 31), 1), ymd(2000, 1, 3));
	assert_int_equal(add(&empty, ymd(2000, 1, 3), -1), ymd(1999, 12, 31));
	/* Between: (from, to]. */
	assert_int_equal(rm_workcal_between(&empty, ymd(2024, 1, 5), ymd(2024, 1, 8)), 1);
	assert_int_equal(rm_workcal_between(&empty, ymd(2024, 1, 5), ymd(2024, 1, 5)), 0);
	assert_int_equal(rm_workcal_between(&empty, ymd(2024, 1, 6), ymd(2024, 1, 7)), 0);
	assert_int_equal(rm_workcal_between(&empty, ymd(2024, 1, 8), ymd(2024, 1, 5)), -1);
	assert_int_equal(rm_workcal_between(&empty, ymd(2024, 1, 1), ymd(2024, 12, 31)), 261);
	assert_int_equal(rm_workcal_between(&empty, ymd(2024, 12, 31), ymd(2024, 1, 1)), -261);
	/* 2000-01-01 .. 2099-12-31: 36524 days after the first one; 26089 weekdays in that range. */
	assert_int_equal(rm_workcal_between(&empty, ymd(2000, 1, 1), ymd(2099, 12, 31)), 26089);
}

static void
test_holiday_on_weekday(void **state)
{
	(void) state;
	/* 2024-01-01 is a Monday holiday. */
	assert_false(rm_workcal_is_workday(&cal2024, ymd(2024, 1, 1)));
	assert_int_equal(add(&cal2024, ymd(2023, 12, 29), 1), ymd(2024, 1, 2));
	assert_int_equal(add(&cal2024, ymd(2024, 1, 2), -1), ymd(2023, 12, 29));
	assert_int_equal(rm_workcal_between(&cal2024, ymd(2023, 12, 29), ymd(2024, 1, 2)), 1);
	/* Starting on a holiday: n = 0 gives the day itself. */
	assert_int_equal(add(&cal2024, ymd(2024, 1, 1), 0), ymd(2024, 1, 1));
	assert_int_equal(add(&cal2024, ymd(2024, 1, 1), 1), ymd(2024, 1, 2));
}

static void
test_makeup_weekend(void **state)
{
	(void) state;
	/* 2024-10-12 (Saturday) and 2024-09-29 (Sunday) are make-up working days. */
	assert_true(rm_workcal_is_workday(&cal2024, ymd(2024, 10, 12)));
	assert_true(rm_workcal_is_workday(&cal2024, ymd(2024, 9, 29)));
	assert_false(rm_workcal_is_workday(&cal2024, ymd(2024, 10, 13)));
	assert_int_equal(add(&cal2024, ymd(2024, 10, 11), 1), ymd(2024, 10, 12));
	assert_int_equal(add(&cal2024, ymd(2024, 10, 12), 1), ymd(2024, 10, 14));
	assert_int_equal(add(&cal2024, ymd(2024, 9, 27), 1), ymd(2024, 9, 29));
	assert_int_equal(add(&cal2024, ymd(2024, 9, 27), 2), ymd(2024, 9, 30));
	/* National Day week: Sep 30 + 1 jumps over Oct 1..7. */
	assert_int_equal(add(&cal2024, ymd(2024, 9, 30), 1), ymd(2024, 10, 8));
	assert_int_equal(add(&cal2024, ymd(2024, 10, 8), -1), ymd(2024, 9, 30));
	assert_int_equal(add(&cal2024, ymd(2024, 10, 8), -2), ymd(2024, 9, 29));
	assert_int_equal(add(&cal2024, ymd(2024, 10, 8), -3), ymd(2024, 9, 27));
	/* October 2024: 23 weekdays, minus 5 holiday weekdays, plus Oct 12. */
	assert_int_equal(rm_workcal_between(&cal2024, ymd(2024, 9, 30), ymd(2024, 10, 31)), 19);
	/*
	 * 20 working days after publication on Friday 2024-09-20 (filing deadline):
	 * Sep 23-27 (5), Sep 29 (6), Sep 30 (7), Oct 8-11 (11), Oct 12 (12),
	 * Oct 14-18 (17), Oct 21, 22, 23 (20).
	 */
	assert_int_equal(add(&cal2024, ymd(2024, 9, 20), 20), ymd(2024, 10, 23));
	assert_int_equal(rm_workcal_between(&cal2024, ymd(2024, 9, 20), ymd(2024, 10, 23)), 20);
	/* Whole year 2024: 262 weekdays - 1 - 5 (spring) - 5 (national) + 4 make-up days. */
	assert_int_equal(rm_workcal_between(&cal2024, ymd(2023, 12, 31), ymd(2024, 12, 31)), 262 - 11 + 4);
}

static void
test_prepare_sorting_and_duplicates(void **state)
{
	rm_workday_entry e[] = {
		{ymd(2024, 5, 3), 0}, {ymd(2024, 5, 1), 0}, {ymd(2024, 5, 11), 1},
		{ymd(2024, 5, 1), 0},	/* duplicate, same flag: fine */
		{ymd(2024, 5, 6), 1},	/* a Monday marked working: no effect, dropped */
		{ymd(2024, 5, 5), 0},	/* a Sunday marked holiday: no effect, dropped */
		{ymd(2024, 4, 28), 1},
	};
	rm_workcal cal;

	(void) state;
	assert_int_equal(rm_workcal_prepare(e, 7, &cal, NULL), RM_WORKCAL_OK);
	assert_int_equal(cal.count, 4);
	assert_int_equal(cal.entries[0].day, ymd(2024, 4, 28));
	assert_int_equal(cal.entries[0].value, 1);
	assert_int_equal(cal.entries[1].day, ymd(2024, 5, 1));
	assert_int_equal(cal.entries[1].value, 0);
	assert_int_equal(cal.entries[2].day, ymd(2024, 5, 3));
	assert_int_equal(cal.entries[2].value, -1);
	assert_int_equal(cal.entries[3].day, ymd(2024, 5, 11));
	assert_int_equal(cal.entries[3].value, 0);
	assert_int_equal(add(&cal, ymd(2024, 4, 30), 1), ymd(2024, 5, 2));
	assert_int_equal(add(&cal, ymd(2024, 5, 2), 1), ymd(2024, 5, 6));
}

static void
test_prepare_conflict(void **state)
{
	rm_workday_entry e[] = {
		{ymd(2024, 5, 4), 1}, {ymd(2024, 5, 1), 0}, {ymd(2024, 5, 4), 0},
	};
	rm_workday_entry f[] = {{10, 2}};
	rm_workcal cal;
	int32_t		bad = 0;

	(void) state;
	assert_int_equal(rm_workcal_prepare(e, 3, &cal, &bad), RM_WORKCAL_CONFLICT);
	assert_int_equal(bad, ymd(2024, 5, 4));
	assert_int_equal(rm_workcal_prepare(f, 1, &cal, &bad), RM_WORKCAL_BAD_FLAG);
	assert_int_equal(bad, 10);
}

static void
test_limits(void **state)
{
	int64_t		r;
	rm_workcal empty = {NULL, 0};

	(void) state;
	assert_false(rm_workcal_add(&cal2024, 0, 100001, &r));
	assert_false(rm_workcal_add(&cal2024, 0, -100001, &r));
	assert_false(rm_workcal_add(&cal2024, 0, INT32_MIN, &r));
	assert_true(rm_workcal_add(&cal2024, ymd(2024, 1, 1), 100000, &r));
	assert_int_equal(rm_workcal_between(&cal2024, ymd(2024, 1, 1), r), 100000);
	assert_true(rm_workcal_is_workday(&cal2024, r));
	assert_true(rm_workcal_add(&cal2024, ymd(2024, 1, 1), -100000, &r));
	/* (r, 2024-01-01] excludes the working day r and includes the holiday 2024-01-01. */
	assert_int_equal(rm_workcal_between(&cal2024, r, ymd(2024, 1, 1)), 99999);
	assert_int_equal(rm_workcal_between(&cal2024, r - 1, ymd(2024, 1, 1)), 100000);
	/* Extreme int32 day numbers do not overflow. */
	assert_true(rm_workcal_add(&empty, INT32_MAX, 100000, &r));
	assert_true(r > INT32_MAX);
	assert_true(rm_workcal_add(&empty, INT32_MIN, -100000, &r));
	assert_true(r < INT32_MIN);
	assert_int_equal(rm_workcal_between(&empty, INT32_MIN, INT32_MAX),
					 rm_workcal_between(&empty, INT32_MIN, 0) + rm_workcal_between(&empty, 0, INT32_MAX));
}

/* --- randomized comparison against a day-by-day reference --------------- */

static bool
ref_is_workday(const rm_workday_entry *raw, size_t n, int64_t d)
{
	for (size_t i = 0; i < n; i++)
		if (raw[i].day == d)
			return raw[i].value != 0;
	return rm_is_weekday(d);
}

static int64_t
ref_between(const rm_workday_entry *raw, size_t n, int64_t from, int64_t to)
{
	int64_t		c = 0;

	if (to >= from)
	{
		for (int64_t d = from + 1; d <= to; d++)
			c += ref_is_workday(raw, n, d);
		return c;
	}
	for (int64_t d = to + 1; d <= from; d++)
		c += ref_is_workday(raw, n, d);
	return -c;
}

static int64_t
ref_add(const rm_workday_entry *raw, size_t n, int64_t from, int32_t k)
{
	int64_t		d = from;

	while (k > 0)
	{
		d++;
		if (ref_is_workday(raw, n, d))
			k--;
	}
	while (k < 0)
	{
		d--;
		if (ref_is_workday(raw, n, d))
			k++;
	}
	return d;
}

static void
test_random_against_reference(void **state)
{
	(void) state;
	srand(20240929);
	for (int round = 0; round < 200; round++)
	{
		rm_workday_entry raw[80],
					work[80];
		size_t		n = (size_t) (rand() % 80);
		rm_workcal	cal;

		/* distinct days (the reference takes the first match) in a 200-day window */
		for (size_t i = 0; i < n; i++)
		{
			int32_t		d;
			bool		dup;

			do
			{
				d = -100 + rand() % 200;
				dup = false;
				for (size_t j = 0; j < i; j++)
					dup |= raw[j].day == d;
			} while (dup);
			raw[i].day = d;
			raw[i].value = rand() % 2;
		}
		memcpy(work, raw, sizeof raw);
		assert_int_equal(rm_workcal_prepare(work, n, &cal, NULL), RM_WORKCAL_OK);
		for (int q = 0; q < 50; q++)
		{
			int64_t		from = -150 + rand() % 300;
			int64_t		to = -150 + rand() % 300;
			int32_t		k = -120 + rand() % 241;
			int64_t		got;

			assert_int_equal(rm_workcal_between(&cal, from, to), ref_between(raw, n, from, to));
			assert_int_equal(rm_workcal_is_workday(&cal, from), ref_is_workday(raw, n, from));
			assert_true(rm_workcal_add(&cal, from, k, &got));
			assert_int_equal(got, ref_add(raw, n, from, k));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_and_weekdays),
		cmocka_unit_test(test_plain_week_boundaries),
		cmocka_unit_test(test_holiday_on_weekday),
		cmocka_unit_test(test_makeup_weekend),
		cmocka_unit_test(test_prepare_sorting_and_duplicates),
		cmocka_unit_test(test_prepare_conflict),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_random_against_reference),
	};

	return cmocka_run_group_tests(tests, setup_2024, NULL);
}
