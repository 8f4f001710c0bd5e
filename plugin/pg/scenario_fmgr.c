/*
 * scenario_fmgr.c — fmgr glue of the scenario generator (plugin/core/rm_scenario.c):
 *
 *   riskmap._rng_pick(p_seed bigint, p_stream integer, p_weights float8[]) RETURNS integer
 *       1-based index drawn with probability weight / sum; NULL when no weight is positive.
 *   riskmap._rng_below(p_seed bigint, p_stream integer, p_n bigint) RETURNS bigint
 *       uniform in [0, p_n).
 *   riskmap._scenario_injects(p_seed bigint, p_stream integer, p_within integer[], p_max integer)
 *       RETURNS TABLE(at_minute integer, kind text, step integer, deadline_minute integer)
 *       step is 1-based into p_within (NULL: a generic inject).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "rm_scenario.h"

PG_FUNCTION_INFO_V1(riskmap_rng_pick);
PG_FUNCTION_INFO_V1(riskmap_rng_below);
PG_FUNCTION_INFO_V1(riskmap_scenario_injects);

Datum
riskmap_rng_pick(PG_FUNCTION_ARGS)
{
	int64 seed = PG_GETARG_INT64(0);
	int32 stream = PG_GETARG_INT32(1);
	ArrayType *a = PG_GETARG_ARRAYTYPE_P(2);
	Datum *el;
	bool *nulls;
	int n, pick;
	double *w;
	rm_rng r;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("weights must be a one-dimensional array")));
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &el, &nulls, &n);
	w = palloc((n + 1) * sizeof(double));
	for (int i = 0; i < n; i++)
		w[i] = nulls[i] ? 0 : DatumGetFloat8(el[i]);
	rm_rng_seed(&r, seed, stream);
	pick = rm_rng_pick_weighted(&r, w, n);
	if (pick < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(pick + 1);
}

Datum
riskmap_rng_below(PG_FUNCTION_ARGS)
{
	int64 seed = PG_GETARG_INT64(0);
	int32 stream = PG_GETARG_INT32(1);
	int64 n = PG_GETARG_INT64(2);
	rm_rng r;

	if (n < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("p_n must be at least 1 (got %lld)", (long long) n)));
	rm_rng_seed(&r, seed, stream);
	PG_RETURN_INT64(rm_rng_below(&r, n));
}

Datum
riskmap_scenario_injects(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64 seed = PG_GETARG_INT64(0);
	int32 stream = PG_GETARG_INT32(1);
	ArrayType *a = PG_GETARG_ARRAYTYPE_P(2);
	int32 max = PG_GETARG_INT32(3);
	Datum *el;
	bool *nulls;
	int n, k;
	int *within;
	rm_inject inj[RM_SCENARIO_MAX_INJECTS];
	rm_rng r;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("p_within must be a one-dimensional array")));
	if (max < 1 || max > RM_SCENARIO_MAX_INJECTS)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_max must be between 1 and %d (got %d)", RM_SCENARIO_MAX_INJECTS, max)));
	deconstruct_array(a, INT4OID, 4, true, TYPALIGN_INT, &el, &nulls, &n);
	within = palloc((n + 1) * sizeof(int));
	for (int i = 0; i < n; i++)
		within[i] = nulls[i] ? 0 : DatumGetInt32(el[i]);
	InitMaterializedSRF(fcinfo, 0);
	rm_rng_seed(&r, seed, stream);
	k = rm_scenario_injects(&r, within, n, max, inj);
	for (int i = 0; i < k; i++)
	{
		Datum values[4];
		bool vnull[4] = {false, false, false, false};

		values[0] = Int32GetDatum(inj[i].at_minute);
		values[1] = CStringGetTextDatum(rm_inject_kind_name(inj[i].kind));
		values[2] = Int32GetDatum(inj[i].step + 1);
		vnull[2] = inj[i].step < 0;
		values[3] = Int32GetDatum(inj[i].deadline_minute);
		vnull[3] = inj[i].deadline_minute < 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, vnull);
	}
	return (Datum) 0;
}
