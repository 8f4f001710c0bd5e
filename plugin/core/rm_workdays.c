/*
 * rm_workdays.c — working-day arithmetic; see rm_workdays.h.
 *
 * C(x), the number of working days up to and including day x counted from an
 * arbitrary origin, is W(x) + D(x): W counts Monday–Friday days
 * arithmetically (whole weeks plus a remainder) and D is the running sum of
 * override deltas up to x, found by binary search. Every answer is a
 * difference of two C values; rm_workcal_add inverts C by bisection.
 */
#include "rm_workdays.h"

#include <stdlib.h>

#define RM_WORKDAY_MAX_ABS_DAY ((int64_t) 1 << 40)

static int64_t
floor_div7(int64_t a)
{
	int64_t		q = a / 7;

	if (a % 7 != 0 && a < 0)
		q--;
	return q;
}

static int64_t
floor_mod7(int64_t a)
{
	return a - 7 * floor_div7(a);
}

int
rm_day_of_week(int64_t day)
{
	/* Day 0 (2000-01-01) is a Saturday, so day 2 is a Monday. */
	return (int) floor_mod7(day - 2);
}

bool
rm_is_weekday(int64_t day)
{
	return rm_day_of_week(day) < 5;
}

/* Monday–Friday days in the Monday-based index range [0, y). */
static int64_t
weekdays_before(int64_t y)
{
	int64_t		r = floor_mod7(y);

	return 5 * floor_div7(y) + (r < 5 ? r : 5);
}

/* W(x): Monday–Friday days in [2, x] (negative when x < 1; only differences matter). */
static int64_t
weekdays_upto(int64_t x)
{
	return weekdays_before(x - 1);
}

static int
entry_cmp(const void *a, const void *b)
{
	const rm_workday_entry *x = a;
	const rm_workday_entry *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return 0;
}

rm_workcal_status
rm_workcal_prepare(rm_workday_entry *entries, size_t n, rm_workcal *cal, int32_t *bad_day)
{
	size_t		out = 0;
	int32_t		sum = 0;
	int32_t		prev_day = 0;
	int32_t		prev_flag = 0;

	cal->entries = entries;
	cal->count = 0;
	if (n == 0 || entries == NULL)
		return RM_WORKCAL_OK;

	for (size_t i = 0; i < n; i++)
		if (entries[i].value != 0 && entries[i].value != 1)
		{
			if (bad_day)
				*bad_day = entries[i].day;
			return RM_WORKCAL_BAD_FLAG;
		}

	qsort(entries, n, sizeof(rm_workday_entry), entry_cmp);

	for (size_t i = 0; i < n; i++)
	{
		int32_t		day = entries[i].day;
		int32_t		flag = entries[i].value;
		int32_t		delta;

		/* Compaction overwrites entries[out] with out <= i, so remember the
		 * previous input entry in locals rather than reading it back. */
		if (i > 0 && prev_day == day)
		{
			/* sorted by (day, flag): a different flag on the same day is a conflict */
			if (prev_flag != flag)
			{
				if (bad_day)
					*bad_day = day;
				return RM_WORKCAL_CONFLICT;
			}
			continue;
		}
		prev_day = day;
		prev_flag = flag;
		delta = flag - (rm_is_weekday(day) ? 1 : 0);
		if (delta == 0)
			continue;
		sum += delta;
		entries[out].day = day;
		entries[out].value = sum;
		out++;
	}
	cal->count = out;
	return RM_WORKCAL_OK;
}

/* Index one past the last entry with day <= x. */
static size_t
upper_bound(const rm_workcal *cal, int64_t x)
{
	size_t		lo = 0,
				hi = cal->count;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if ((int64_t) cal->entries[mid].day <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* C(x): working days up to x, from an arbitrary origin. */
static int64_t
cumulative(const rm_workcal *cal, int64_t x)
{
	size_t		k = upper_bound(cal, x);

	return weekdays_upto(x) + (k > 0 ? cal->entries[k - 1].value : 0);
}

bool
rm_workcal_is_workday(const rm_workcal *cal, int64_t day)
{
	size_t		k = upper_bound(cal, day);
	bool		listed = k > 0 && cal->entries[k - 1].day == day;

	/* Only entries that change the weekday rule are kept. */
	return rm_is_weekday(day) != listed;
}

int64_t
rm_workcal_between(const rm_workcal *cal, int64_t from, int64_t to)
{
	return cumulative(cal, to) - cumulative(cal, from);
}

bool
rm_workcal_add(const rm_workcal *cal, int64_t from, int32_t n, int64_t *result)
{
	int64_t		m,
				span,
				lo,
				hi;

	if (n > RM_WORKDAY_MAX_N || n < -RM_WORKDAY_MAX_N)
		return false;
	if (from > RM_WORKDAY_MAX_ABS_DAY || from < -RM_WORKDAY_MAX_ABS_DAY)
		return false;
	if (n == 0)
	{
		*result = from;
		return true;
	}

	m = n > 0 ? n : -(int64_t) n;

	/*
	 * Any 7 consecutive days hold 5 weekdays, and at most cal->count of them
	 * are holidays, so m working days lie within this many days.
	 */
	span = 7 * (((m + (int64_t) cal->count) + 4) / 5) + 7;

	if (n > 0)
	{
		/* Smallest d > from with C(d) - C(from) >= m. */
		int64_t		base = cumulative(cal, from);

		lo = from;				/* C(lo) - base = 0 < m */
		hi = from + span;		/* C(hi) - base >= m */
		while (hi - lo > 1)
		{
			int64_t		mid = lo + (hi - lo) / 2;

			if (cumulative(cal, mid) - base >= m)
				hi = mid;
			else
				lo = mid;
		}
		*result = hi;
	}
	else
	{
		/* Largest d < from with working days in [d, from) = C(from-1) - C(d-1) >= m. */
		int64_t		base = cumulative(cal, from - 1);

		hi = from;				/* nothing in [from, from) */
		lo = from - span;		/* at least m working days in [lo, from) */
		while (hi - lo > 1)
		{
			int64_t		mid = lo + (hi - lo) / 2;

			if (base - cumulative(cal, mid - 1) >= m)
				lo = mid;
			else
				hi = mid;
		}
		*result = lo;
	}
	return true;
}
