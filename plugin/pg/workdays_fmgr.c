/*
 * workdays_fmgr.c — fmgr glue of the working-day calendar (core: rm_workdays).
 *
 *   riskmap._workday_add(date, integer, date[], boolean[]) → date
 *   riskmap._workdays_between(date, date, date[], boolean[]) → integer
 *
 * The override arrays are parsed, sorted and compacted once and cached in
 * fn_extra, keyed by the arrays' contents: a call per row over the same
 * arrays costs a memcmp of the arrays plus O(log k).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

#include "rm_workdays.h"
#include "riskmap_pg.h"

PG_FUNCTION_INFO_V1(riskmap_workday_add);
PG_FUNCTION_INFO_V1(riskmap_workdays_between);

typedef struct WorkdayCache
{
	int			nitems;
	Size		days_len;
	Size		flags_len;
	char	   *days_key;		/* copy of the date array's data */
	char	   *flags_key;		/* copy of the boolean array's data */
	rm_workday_entry *entries;
	rm_workcal	cal;
} WorkdayCache;

static int
array_length_1d(ArrayType *a, const char *argname, Oid elemtype)
{
	if (ARR_ELEMTYPE(a) != elemtype)
		elog(ERROR, "%s: unexpected array element type %u", argname, ARR_ELEMTYPE(a));
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", argname)));
	return ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
}

static bool
cache_matches(const WorkdayCache *c, ArrayType *days, ArrayType *flags, int n)
{
	Size		dl,
				fl;

	if (c == NULL || c->nitems != n || ARR_HASNULL(days) || ARR_HASNULL(flags))
		return false;
	dl = ARR_SIZE(days) - ARR_DATA_OFFSET(days);
	fl = ARR_SIZE(flags) - ARR_DATA_OFFSET(flags);
	return dl == c->days_len && fl == c->flags_len &&
		memcmp(ARR_DATA_PTR(days), c->days_key, dl) == 0 &&
		memcmp(ARR_DATA_PTR(flags), c->flags_key, fl) == 0;
}

/* The prepared calendar for the override arrays in arguments 2 and 3. */
static const rm_workcal *
workday_calendar(FunctionCallInfo fcinfo)
{
	ArrayType  *days = PG_GETARG_ARRAYTYPE_P(2);
	ArrayType  *flags = PG_GETARG_ARRAYTYPE_P(3);
	WorkdayCache *c = (WorkdayCache *) fcinfo->flinfo->fn_extra;
	int			n = array_length_1d(days, "p_days", DATEOID);
	int			nf = array_length_1d(flags, "p_is_workday", BOOLOID);
	MemoryContext old;
	WorkdayCache *nc;
	DateADT    *dv;
	bool	   *fv;
	int32		bad_day = 0;
	rm_workcal_status st;

	if (cache_matches(c, days, flags, n))
		return &c->cal;

	if (n != nf)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_days and p_is_workday must have the same length (%d and %d)", n, nf)));
	if (array_contains_nulls(days) || array_contains_nulls(flags))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_days and p_is_workday must not contain NULL elements")));

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	nc = palloc0(sizeof(WorkdayCache));
	nc->nitems = n;
	nc->days_len = ARR_SIZE(days) - ARR_DATA_OFFSET(days);
	nc->flags_len = ARR_SIZE(flags) - ARR_DATA_OFFSET(flags);
	nc->days_key = palloc(nc->days_len + 1);
	memcpy(nc->days_key, ARR_DATA_PTR(days), nc->days_len);
	nc->flags_key = palloc(nc->flags_len + 1);
	memcpy(nc->flags_key, ARR_DATA_PTR(flags), nc->flags_len);
	nc->entries = palloc(sizeof(rm_workday_entry) * (n > 0 ? n : 1));
	MemoryContextSwitchTo(old);

	/* date and bool are fixed-width pass-by-value types without alignment padding */
	dv = (DateADT *) ARR_DATA_PTR(days);
	fv = (bool *) ARR_DATA_PTR(flags);
	for (int i = 0; i < n; i++)
	{
		if (DATE_NOT_FINITE(dv[i]))
		{
			pfree(nc->entries);
			pfree(nc->days_key);
			pfree(nc->flags_key);
			pfree(nc);
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("p_days must hold finite dates, not \"%s\"",
							DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(dv[i]))))));
		}
		nc->entries[i].day = dv[i];
		nc->entries[i].value = fv[i] ? 1 : 0;
	}
	st = rm_workcal_prepare(nc->entries, (size_t) n, &nc->cal, &bad_day);
	if (st != RM_WORKCAL_OK)
	{
		pfree(nc->entries);
		pfree(nc->days_key);
		pfree(nc->flags_key);
		pfree(nc);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("day %s is listed both as a holiday and as a working day",
						DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(bad_day))))));
	}

	if (c != NULL)
	{
		pfree(c->entries);
		pfree(c->days_key);
		pfree(c->flags_key);
		pfree(c);
	}
	fcinfo->flinfo->fn_extra = nc;
	return &nc->cal;
}

static void
check_finite(DateADT d, const char *argname)
{
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite date", argname)));
}

Datum
riskmap_workday_add(PG_FUNCTION_ARGS)
{
	DateADT		from = PG_GETARG_DATEADT(0);
	int32		n = PG_GETARG_INT32(1);
	const rm_workcal *cal;
	int64		result;

	check_finite(from, "p_from");
	if (n > RM_WORKDAY_MAX_N || n < -RM_WORKDAY_MAX_N)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_n must be between %d and %d, not %d",
						-RM_WORKDAY_MAX_N, RM_WORKDAY_MAX_N, n)));
	cal = workday_calendar(fcinfo);
	if (!rm_workcal_add(cal, from, n, &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_n must be between %d and %d, not %d",
						-RM_WORKDAY_MAX_N, RM_WORKDAY_MAX_N, n)));
	if (result < (int64) (DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE) ||
		result >= (int64) (DATE_END_JULIAN - POSTGRES_EPOCH_JDATE))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range: %d working days from %s",
						n, DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(from))))));
	PG_RETURN_DATEADT((DateADT) result);
}

Datum
riskmap_workdays_between(PG_FUNCTION_ARGS)
{
	DateADT		from = PG_GETARG_DATEADT(0);
	DateADT		to = PG_GETARG_DATEADT(1);
	const rm_workcal *cal;

	check_finite(from, "p_from");
	check_finite(to, "p_to");
	cal = workday_calendar(fcinfo);
	/* at most about 3.8 million working days between any two finite dates */
	PG_RETURN_INT32((int32) rm_workcal_between(cal, from, to));
}
