/*
 * rm_workdays.h — working-day arithmetic over a calendar of overrides.
 *
 * Days are int32 day numbers with PostgreSQL's DateADT epoch: day 0 is
 * 2000-01-01 (a Saturday). Working days are Monday to Friday, changed by a
 * list of overrides: a listed day whose flag is false is a holiday, a listed
 * day whose flag is true is a working day (调休, make-up working weekend day).
 *
 * A calendar is prepared once from an unsorted override list (sorted and
 * compacted in place, no allocation), after which every query costs
 * O(log k) for k overrides: full weeks are counted arithmetically and the
 * overrides in range are found by binary search.
 *
 * Plain C: no postgres.h, no allocation, never aborts.
 */
#ifndef RM_WORKDAYS_H
#define RM_WORKDAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest |n| accepted by rm_workcal_add. */
#define RM_WORKDAY_MAX_N 100000

/*
 * One override. Before rm_workcal_prepare: day and value = 1 (working day)
 * or 0 (holiday). After it: the entries that change the Mon–Fri rule, sorted
 * by day, and value = running sum of their deltas (+1 for a make-up working
 * day, -1 for a weekday holiday) up to and including that day.
 */
typedef struct rm_workday_entry
{
	int32_t		day;
	int32_t		value;
} rm_workday_entry;

typedef struct rm_workcal
{
	const rm_workday_entry *entries;	/* sorted, distinct days */
	size_t		count;
} rm_workcal;

typedef enum rm_workcal_status
{
	RM_WORKCAL_OK = 0,
	RM_WORKCAL_CONFLICT,		/* one day listed both as holiday and as working day */
	RM_WORKCAL_BAD_FLAG			/* value was neither 0 nor 1 */
} rm_workcal_status;

/* 0 = Monday ... 6 = Sunday. */
int			rm_day_of_week(int64_t day);
bool		rm_is_weekday(int64_t day);

/*
 * Sort entries[0..n) in place, drop duplicates and overrides that do not
 * change anything (a weekday marked working, a weekend day marked holiday),
 * and turn the flags into running sums. On success *cal points into entries.
 * On RM_WORKCAL_CONFLICT *bad_day (if not NULL) is the day listed twice with
 * different flags. An empty list (n = 0, entries may be NULL) is fine.
 */
rm_workcal_status rm_workcal_prepare(rm_workday_entry *entries, size_t n,
									 rm_workcal *cal, int32_t *bad_day);

/* Whether day is a working day. */
bool		rm_workcal_is_workday(const rm_workcal *cal, int64_t day);

/*
 * Working days d with from < d <= to; when to < from, minus the number of
 * working days in (to, from]. Exact for any inputs within ±2^40.
 */
int64_t		rm_workcal_between(const rm_workcal *cal, int64_t from, int64_t to);

/*
 * The n-th working day after from (n > 0), before from (n < 0), or from
 * itself (n = 0). Returns false when |n| > RM_WORKDAY_MAX_N or |from| > 2^40.
 * The result may lie outside the int32 range for extreme inputs; the caller
 * checks it.
 */
bool		rm_workcal_add(const rm_workcal *cal, int64_t from, int32_t n, int64_t *result);

#endif							/* RM_WORKDAYS_H */
