/*
 * evacuation_cache.c — the shared evacuation cache.
 *
 * Key: the data versions of road (road_version), shelter and population
 * (data_version), read in the calling statement's snapshot together with the
 * data, and the parameters. Every change of those tables sets its version
 * from a sequence (a value never used before); a rolled-back change takes its
 * version with it. An entry is written in the transaction that computed it,
 * keyed on the versions it saw, so it is exactly as visible as the data it
 * was computed from: after a rollback the entry is gone with the data, after
 * a commit it is keyed on the committed versions.
 *
 * Writes switch to the owner of riskmap.evacuation_cache (as PostgreSQL's
 * RI triggers switch to a table's owner): callers may read the cache but
 * nobody can write a forged entry. The SQL below names every object with
 * its schema. Read-only transactions and standbys (unlogged tables cannot be
 * read during recovery) do without the cache.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "evacuation_cache.h"

static int64
get_i8(int col, bool *isnull)
{
	Datum		v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, isnull);

	return *isnull ? 0 : DatumGetInt64(v);
}

void
evac_key_read(evac_key *k, double max_time, double speed, bool capacitated, text *district)
{
	bool		isnull;
	int			ret;

	memset(k, 0, sizeof *k);
	k->max_time = max_time;
	k->speed = speed;
	k->capacitated = capacitated;
	k->district = district;
	if (RecoveryInProgress())
		return;
	/* a 0.1 installation running this module has no cache tables */
	ret = SPI_execute("SELECT to_regclass('riskmap.evacuation_cache') IS NOT NULL"
					  " AND to_regclass('riskmap.data_version') IS NOT NULL", true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1 ||
		!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		return;
	ret = SPI_execute("SELECT (SELECT v FROM riskmap.road_version),"
					  " (SELECT v FROM riskmap.data_version WHERE name = 'shelter'),"
					  " (SELECT v FROM riskmap.data_version WHERE name = 'population')", true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		return;
	k->road_v = get_i8(1, &k->road_null);
	k->shelter_v = get_i8(2, &isnull);
	if (isnull)
		return;
	k->population_v = get_i8(3, &isnull);
	if (isnull)
		return;
	k->usable = true;
	k->writable = !XactReadOnly;
}

#define KEY_WHERE \
	" road_v IS NOT DISTINCT FROM $1 AND shelter_v = $2 AND population_v = $3" \
	" AND max_time_s = $4 AND speed_mps = $5 AND capacitated = $6 AND district IS NOT DISTINCT FROM $7"

static void
key_args(const evac_key *k, Oid *types, Datum *values, char *nulls)
{
	types[0] = INT8OID;
	types[1] = INT8OID;
	types[2] = INT8OID;
	types[3] = FLOAT8OID;
	types[4] = FLOAT8OID;
	types[5] = BOOLOID;
	types[6] = TEXTOID;
	values[0] = Int64GetDatum(k->road_v);
	values[1] = Int64GetDatum(k->shelter_v);
	values[2] = Int64GetDatum(k->population_v);
	values[3] = Float8GetDatum(k->max_time);
	values[4] = Float8GetDatum(k->speed);
	values[5] = BoolGetDatum(k->capacitated);
	values[6] = k->district ? PointerGetDatum(k->district) : (Datum) 0;
	memset(nulls, ' ', 7);
	if (k->road_null)
		nulls[0] = 'n';
	if (!k->district)
		nulls[6] = 'n';
}

static void
unpack(Datum d, Oid type, Datum **values, bool **nulls, int *n)
{
	ArrayType  *a = DatumGetArrayTypeP(d);

	deconstruct_array(a, type, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, values, nulls, n);
}

bool
evac_cache_lookup(const evac_key *k, evac_cached *out)
{
	Oid			types[7];
	Datum		values[7];
	char		nulls[7];
	int			ret,
				n2;
	bool		isnull;
	bool	   *dummy;
	HeapTuple	t;
	TupleDesc	d;

	memset(out, 0, sizeof *out);
	if (!k->usable)
		return false;
	key_args(k, types, values, nulls);
	ret = SPI_execute_with_args("SELECT id, population_id, shelter_id, people, time_s, has_catchments"
								" FROM riskmap.evacuation_cache WHERE" KEY_WHERE,
								7, types, values, nulls, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "evacuation cache lookup failed: %d", ret);
	if (SPI_processed != 1)
		return false;
	t = SPI_tuptable->vals[0];
	d = SPI_tuptable->tupdesc;
	out->id = DatumGetInt64(SPI_getbinval(t, d, 1, &isnull));
	unpack(SPI_getbinval(t, d, 2, &isnull), INT8OID, &out->population_id, &dummy, &out->n);
	unpack(SPI_getbinval(t, d, 3, &isnull), INT8OID, &out->shelter_id, &out->shelter_null, &n2);
	if (n2 != out->n)
		elog(ERROR, "evacuation cache entry %lld is inconsistent", (long long) out->id);
	unpack(SPI_getbinval(t, d, 4, &isnull), FLOAT8OID, &out->people, &dummy, &n2);
	if (n2 != out->n)
		elog(ERROR, "evacuation cache entry %lld is inconsistent", (long long) out->id);
	unpack(SPI_getbinval(t, d, 5, &isnull), FLOAT8OID, &out->time_s, &out->time_null, &n2);
	if (n2 != out->n)
		elog(ERROR, "evacuation cache entry %lld is inconsistent", (long long) out->id);
	out->has_catchments = DatumGetBool(SPI_getbinval(t, d, 6, &isnull));
	return true;
}

/* Runs fn(arg) as the owner of riskmap.evacuation_cache. */
typedef struct owner_switch
{
	Oid			save_user;
	int			save_sec;
} owner_switch;

static void
become_owner(owner_switch *s)
{
	Oid			rel;
	Oid			owner;
	HeapTuple	tup;

	rel = DatumGetObjectId(DirectFunctionCall1(to_regclass, CStringGetTextDatum("riskmap.evacuation_cache")));
	if (!OidIsValid(rel))
		elog(ERROR, "riskmap.evacuation_cache is missing");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", rel);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	GetUserIdAndSecContext(&s->save_user, &s->save_sec);
	/* restored below, and by the transaction's abort on an error */
	SetUserIdAndSecContext(owner, s->save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
}

static void
restore_user(owner_switch *s)
{
	SetUserIdAndSecContext(s->save_user, s->save_sec);
}

static ArrayType *
array_i8(int n, const int64 *v, bool with_nulls_for_negative_index, const bool *nulls)
{
	Datum	   *d = palloc(sizeof(Datum) * (n + 1));
	int			dims[1] = {n},
				lbs[1] = {1};
	int			i;

	(void) with_nulls_for_negative_index;
	for (i = 0; i < n; i++)
		d[i] = Int64GetDatum(v[i]);
	return construct_md_array(d, (bool *) nulls, 1, dims, lbs, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

static ArrayType *
array_f8(int n, const double *v, const bool *nulls)
{
	Datum	   *d = palloc(sizeof(Datum) * (n + 1));
	int			dims[1] = {n},
				lbs[1] = {1};
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_md_array(d, (bool *) nulls, 1, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

int64
evac_cache_store(const evac_key *k, int n, const int64 *population_id,
				 const int64 *shelter_id, const double *people, const double *time_s)
{
	Oid			types[11];
	Datum		values[11];
	char		nulls[11];
	bool	   *snull = palloc(sizeof(bool) * (n + 1));
	int			i,
				ret;
	int64		id = 0;
	owner_switch sw;

	if (!k->usable || !k->writable)
		return 0;
	for (i = 0; i < n; i++)
		snull[i] = shelter_id[i] < 0;
	key_args(k, types, values, nulls);
	types[7] = INT8ARRAYOID;
	types[8] = INT8ARRAYOID;
	types[9] = FLOAT8ARRAYOID;
	types[10] = FLOAT8ARRAYOID;
	values[7] = PointerGetDatum(array_i8(n, population_id, false, NULL));
	values[8] = PointerGetDatum(array_i8(n, shelter_id, true, snull));
	values[9] = PointerGetDatum(array_f8(n, people, NULL));
	values[10] = PointerGetDatum(array_f8(n, time_s, snull));
	memset(nulls + 7, ' ', 4);

	become_owner(&sw);
	/* entries of other data versions are stale */
	/* (rows another transaction holds are left for later: no lock waits, no deadlock) */
	ret = SPI_execute_with_args("DELETE FROM riskmap.evacuation_cache WHERE id IN"
								" (SELECT id FROM riskmap.evacuation_cache WHERE"
								"  road_v IS DISTINCT FROM $1 OR shelter_v <> $2 OR population_v <> $3"
								"  FOR UPDATE SKIP LOCKED)",
								3, types, values, nulls, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "evacuation cache: delete failed: %d", ret);
	ret = SPI_execute_with_args("INSERT INTO riskmap.evacuation_cache (road_v, shelter_v, population_v,"
								" max_time_s, speed_mps, capacitated, district, population_id, shelter_id, people, time_s)"
								" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
								" ON CONFLICT DO NOTHING RETURNING id",
								11, types, values, nulls, false, 0);
	if (ret != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "evacuation cache: insert failed: %d", ret);
	if (SPI_processed == 1)
	{
		bool		isnull;

		id = get_i8(1, &isnull);
		{
			Oid			t2[3] = {INT8OID, INT8ARRAYOID, FLOAT8ARRAYOID};
			Datum		v2[3];
			int64	   *pid = palloc(sizeof(int64) * (n + 1));
			double	   *ppl = palloc(sizeof(double) * (n + 1));
			int			m = 0;

			/* unserved people per cell (rows in population order: one per cell at most) */
			for (i = 0; i < n; i++)
				if (shelter_id[i] < 0 && people[i] > 0)
				{
					pid[m] = population_id[i];
					ppl[m] = people[i];
					m++;
				}
			v2[0] = Int64GetDatum(id);
			v2[1] = PointerGetDatum(array_i8(m, pid, false, NULL));
			v2[2] = PointerGetDatum(array_f8(m, ppl, NULL));
			ret = SPI_execute_with_args("INSERT INTO riskmap.evacuation_cache_unserved (cache_id, population_id, people)"
										" SELECT $1, u.p, u.n FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS u(p, n)",
										3, t2, v2, NULL, false, 0);
			if (ret != SPI_OK_INSERT)
				elog(ERROR, "evacuation cache: insert failed: %d", ret);
		}
	}
	restore_user(&sw);
	return id;
}

void
evac_cache_store_catchments(int64 id, int n, const int64 *shelter_id, bytea *const *ewkb,
							const double *people, const int32 *capacity, const double *max_time)
{
	Oid			types[6] = {INT8OID, INT8ARRAYOID, BYTEAARRAYOID, FLOAT8ARRAYOID, INT4ARRAYOID, FLOAT8ARRAYOID};
	Datum		values[6];
	Datum	   *d;
	int			dims[1] = {n},
				lbs[1] = {1};
	int			i,
				ret;
	owner_switch sw;

	if (id <= 0)
		return;
	values[0] = Int64GetDatum(id);
	values[1] = PointerGetDatum(array_i8(n, shelter_id, false, NULL));
	d = palloc(sizeof(Datum) * (n + 1));
	for (i = 0; i < n; i++)
		d[i] = PointerGetDatum(ewkb[i]);
	values[2] = PointerGetDatum(construct_md_array(d, NULL, 1, dims, lbs, BYTEAOID, -1, false, TYPALIGN_INT));
	values[3] = PointerGetDatum(array_f8(n, people, NULL));
	d = palloc(sizeof(Datum) * (n + 1));
	for (i = 0; i < n; i++)
		d[i] = Int32GetDatum(capacity[i]);
	values[4] = PointerGetDatum(construct_md_array(d, NULL, 1, dims, lbs, INT4OID, 4, true, TYPALIGN_INT));
	values[5] = PointerGetDatum(array_f8(n, max_time, NULL));

	become_owner(&sw);
	ret = SPI_execute_with_args("INSERT INTO riskmap.evacuation_cache_catchment"
								" (cache_id, shelter_id, catchment, people, capacity, max_time_s)"
								" SELECT $1, u.s, u.g::geometry, u.p, u.c, u.t"
								" FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6)) AS u(s, g, p, c, t)",
								6, types, values, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "evacuation cache: insert failed: %d", ret);
	ret = SPI_execute_with_args("UPDATE riskmap.evacuation_cache SET has_catchments = true WHERE id = $1",
								1, types, values, NULL, false, 0);
	if (ret != SPI_OK_UPDATE)
		elog(ERROR, "evacuation cache: update failed: %d", ret);
	restore_user(&sw);
}
