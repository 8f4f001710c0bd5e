/*
 * evacuation_fmgr.c — riskmap.evacuation_assignment / evacuation_catchments.
 *
 * Thin glue: arguments in, SPI reads (all with read_only = true, so every
 * query of one call sees the calling statement's snapshot), the plain C core
 * (plugin/core/rm_evacuation.c) in between, tuples out.
 *
 * The road graph is cached per backend in a memory context owned by this file,
 * keyed on (oid of riskmap.road, riskmap.road_version.v). The version row is
 * set from a sequence by statement triggers on road, so every change gets a
 * value never used before; a rolled-back change takes its value with it, so
 * the committed state shows its old value again and the cache is rebuilt.
 * Version and edges are read under the same snapshot.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include <math.h>

#include "evacuation_cache.h"
#include "riskmap_pg.h"
#include "rm_catchment.h"
#include "rm_evacuation.h"
#include "rm_graph.h"

PG_FUNCTION_INFO_V1(riskmap_evacuation_assignment);
PG_FUNCTION_INFO_V1(riskmap_evacuation_catchments);
PG_FUNCTION_INFO_V1(riskmap_evacuation_cache_info);
PG_FUNCTION_INFO_V1(riskmap_evacuation_cache_key);

/* ------------------------------------------------------------------ */
/* allocator over a memory context; NULL instead of ERROR on OOM       */

static void *
ctx_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
ctx_release(void *ctx, void *ptr)
{
	pfree(ptr);
}

/*
 * Interrupts: all core memory lives in memory contexts and the core holds no
 * other resource, so it is safe to let CHECK_FOR_INTERRUPTS() jump out of it.
 */
static int
check_interrupts(void *arg)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

/* For code holding GEOS objects: only report, the caller cleans up first. */
static int
cancel_pending(void *arg)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

static void
core_error(int rc, const char *what)
{
	switch (rc)
	{
		case RM_OK:
			return;
		case RM_ENOMEM:
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
							errmsg("out of memory in %s", what)));
			break;
		case RM_EINTERRUPTED:
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
							errmsg("canceling statement due to user request")));
			break;
		case RM_ELIMIT:
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							errmsg("%s: more than riskmap.evacuation_max_pairs = %d (cell or road node, shelter) pairs within reach",
								   what, riskmap_evacuation_max_pairs),
							errdetail("Each pair takes about 60 bytes of memory while the capacitated assignment is solved."),
							errhint("Lower p_max_time_s, or raise riskmap.evacuation_max_pairs (0 = no limit) if the server has the memory.")));
			break;
		case RM_EINVAL:
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("%s: values out of the solvable range", what),
							errdetail("The total of people must be finite and times must stay within double precision.")));
			break;
		default:
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
							errmsg("%s failed (code %d)", what, rc)));
	}
}

/* ------------------------------------------------------------------ */
/* graph cache                                                          */

typedef struct graph_cache
{
	MemoryContext ctx;			/* NULL when empty */
	Oid			relid;
	int64		version;
	int64		n_edges;
	rm_graph	g;
	rm_allocator alloc;
	int64		builds;
} graph_cache;

static graph_cache cache;

static void
cache_drop(void)
{
	if (cache.ctx)
		MemoryContextDelete(cache.ctx);
	cache.ctx = NULL;
	cache.relid = InvalidOid;
	cache.version = 0;
	cache.n_edges = 0;
	memset(&cache.g, 0, sizeof cache.g);
}

static double
getf8(HeapTuple t, TupleDesc d, int col)
{
	bool		isnull;
	Datum		v = SPI_getbinval(t, d, col, &isnull);

	return isnull ? NAN : DatumGetFloat8(v);
}

static int64
geti8(HeapTuple t, TupleDesc d, int col, bool *isnull)
{
	Datum		v = SPI_getbinval(t, d, col, isnull);

	return *isnull ? 0 : DatumGetInt64(v);
}

/* Returns the cached graph, rebuilding it if road changed. SPI connected. */
static graph_cache *
graph_get(MemoryContext callctx)
{
	Oid			relid;
	int64		version;
	bool		isnull;
	int			ret;

	ret = SPI_execute("SELECT 'riskmap.road'::regclass::oid, v FROM riskmap.road_version", true, 0);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("riskmap.road_version must hold exactly one row")));
	relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (isnull)
		version = -1;
	SPI_freetuptable(SPI_tuptable);

	if (cache.ctx && cache.relid == relid && cache.version == version)
		return &cache;

	cache_drop();
	{
		MemoryContext buildctx,
					old;
		rm_edge_in *edges;
		int64		n = 0,
					cap = 1024;
		Portal		portal;
		rm_allocator tmp = {ctx_alloc, ctx_release, callctx};
		int			rc;

		/* Born under the call's context: an error mid-build frees it. */
		buildctx = AllocSetContextCreate(callctx, "riskmap road graph", ALLOCSET_DEFAULT_SIZES);
		old = MemoryContextSwitchTo(callctx);
		edges = palloc_extended(sizeof(rm_edge_in) * cap, MCXT_ALLOC_HUGE);
		MemoryContextSwitchTo(old);
		portal = SPI_cursor_open_with_args(NULL,
										   "SELECT id, source, target, cost_s, reverse_cost_s,"
										   " ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)),"
										   " ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom))"
										   " FROM riskmap.road",
										   0, NULL, NULL, NULL, true, 0);
		for (;;)
		{
			uint64		i;

			SPI_cursor_fetch(portal, true, 20000);
			if (SPI_processed == 0)
				break;
			for (i = 0; i < SPI_processed; i++)
			{
				HeapTuple	t = SPI_tuptable->vals[i];
				TupleDesc	d = SPI_tuptable->tupdesc;
				rm_edge_in *e;

				if (n == cap)
				{
					cap *= 2;
					edges = repalloc_huge(edges, sizeof(rm_edge_in) * cap);
				}
				e = &edges[n++];
				e->id = geti8(t, d, 1, &isnull);
				e->source = geti8(t, d, 2, &isnull);
				e->target = geti8(t, d, 3, &isnull);
				e->cost = getf8(t, d, 4);
				e->reverse_cost = getf8(t, d, 5);
				e->x1 = getf8(t, d, 6);
				e->y1 = getf8(t, d, 7);
				e->x2 = getf8(t, d, 8);
				e->y2 = getf8(t, d, 9);
			}
			SPI_freetuptable(SPI_tuptable);
			CHECK_FOR_INTERRUPTS();
		}
		SPI_cursor_close(portal);
		(void) tmp;
		cache.alloc.alloc = ctx_alloc;
		cache.alloc.release = ctx_release;
		cache.alloc.ctx = buildctx;
		{
			rm_interrupt intr = {check_interrupts, NULL};

			rc = rm_graph_build(&cache.g, &cache.alloc, edges, n, &intr);
		}
		pfree(edges);
		if (rc != RM_OK)
		{
			memset(&cache.g, 0, sizeof cache.g);
			MemoryContextDelete(buildctx);
			core_error(rc, "building the road graph");
		}
		/* Complete: adopt it. */
		MemoryContextSetParent(buildctx, TopMemoryContext);
		cache.ctx = buildctx;
		cache.relid = relid;
		cache.version = version;
		cache.n_edges = n;
		cache.builds++;
	}
	return &cache;
}

/* ------------------------------------------------------------------ */
/* arguments and data                                                   */

typedef struct evac_args
{
	double		max_time;
	double		speed;
	bool		capacitated;
	text	   *district;		/* NULL = all */
} evac_args;

static void
read_args(FunctionCallInfo fcinfo, evac_args *a)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_max_time_s must not be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_speed_mps must not be NULL")));
	if (PG_ARGISNULL(2))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_capacitated must not be NULL")));
	a->max_time = PG_GETARG_FLOAT8(0);
	a->speed = PG_GETARG_FLOAT8(1);
	a->capacitated = PG_GETARG_BOOL(2);
	a->district = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	if (isnan(a->max_time) || a->max_time < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_max_time_s must be a non-negative number of seconds, got %g", a->max_time)));
	if (isnan(a->speed) || a->speed <= 0 || isinf(a->speed))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_speed_mps must be a positive finite speed in m/s, got %g", a->speed)));
}

static void
check_district(evac_args *a)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	int			ret;

	if (!a->district)
		return;
	values[0] = PointerGetDatum(a->district);
	ret = SPI_execute_with_args("SELECT 1 FROM riskmap.district WHERE code = $1",
								1, argtypes, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %d", ret);
	if (SPI_processed == 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("unknown district code \"%s\"", text_to_cstring(a->district))));
	SPI_freetuptable(SPI_tuptable);
}

typedef struct evac_data
{
	rm_evac_cell *cells;
	int32		n_cells;
	rm_evac_shelter *shelters;
	int32		n_shelters;
	int32	   *shelter_capacity;
	char	  **cell_district;	/* only for catchments */
	bytea	  **cell_wkb;		/* only for catchments */
} evac_data;

static void
read_data(evac_args *a, evac_data *d, MemoryContext callctx, bool with_geometry)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	char		nulls[1];
	Portal		portal;
	int64		cap = 1024;
	int			ret;
	uint64		i;
	MemoryContext old;

	values[0] = a->district ? PointerGetDatum(a->district) : (Datum) 0;
	nulls[0] = a->district ? ' ' : 'n';

	old = MemoryContextSwitchTo(callctx);
	d->cells = palloc_extended(sizeof(rm_evac_cell) * cap, MCXT_ALLOC_HUGE);
	if (with_geometry)
		d->cell_wkb = palloc_extended(sizeof(bytea *) * cap, MCXT_ALLOC_HUGE);
	MemoryContextSwitchTo(old);
	d->n_cells = 0;
	portal = SPI_cursor_open_with_args(NULL,
									   with_geometry ?
									   "SELECT id, people, ST_X(c), ST_Y(c), ST_AsEWKB(geom) FROM"
									   " (SELECT id, people, ST_Centroid(geom) AS c, geom FROM riskmap.population"
									   "  WHERE $1::text IS NULL OR district_code = $1) s ORDER BY id" :
									   "SELECT id, people, ST_X(c), ST_Y(c) FROM"
									   " (SELECT id, people, ST_Centroid(geom) AS c FROM riskmap.population"
									   "  WHERE $1::text IS NULL OR district_code = $1) s ORDER BY id",
									   1, argtypes, values, nulls, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 20000);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	t = SPI_tuptable->vals[i];
			TupleDesc	td = SPI_tuptable->tupdesc;
			rm_evac_cell *c;
			bool		isnull;

			if (d->n_cells == cap)
			{
				if (cap >= INT32_MAX / 2)
					ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
									errmsg("too many population cells")));
				cap *= 2;
				d->cells = repalloc_huge(d->cells, sizeof(rm_evac_cell) * cap);
				if (with_geometry)
					d->cell_wkb = repalloc_huge(d->cell_wkb, sizeof(bytea *) * cap);
			}
			c = &d->cells[d->n_cells];
			c->id = geti8(t, td, 1, &isnull);
			c->people = getf8(t, td, 2);
			c->lon = getf8(t, td, 3);
			c->lat = getf8(t, td, 4);
			if (!(c->people >= 0) || isinf(c->people))
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("population %lld has an invalid people count", (long long) c->id)));
			if (!isnan(c->lon) && !rm_lonlat_valid(c->lon, c->lat))
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("population %lld has a centroid outside lon/lat range (%g %g)",
									   (long long) c->id, c->lon, c->lat)));
			if (with_geometry)
			{
				Datum		g = SPI_getbinval(t, td, 5, &isnull);

				old = MemoryContextSwitchTo(callctx);
				d->cell_wkb[d->n_cells] = isnull ? NULL : DatumGetByteaPCopy(g);
				MemoryContextSwitchTo(old);
			}
			d->n_cells++;
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);

	ret = SPI_execute("SELECT id, capacity, ST_X(geom), ST_Y(geom) FROM riskmap.shelter"
					  " WHERE kind = 'shelter' ORDER BY id", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %d", ret);
	if (SPI_processed > INT32_MAX / 2)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("too many shelters")));
	old = MemoryContextSwitchTo(callctx);
	d->n_shelters = (int32) SPI_processed;
	d->shelters = palloc_extended(sizeof(rm_evac_shelter) * (d->n_shelters + 1), MCXT_ALLOC_HUGE);
	d->shelter_capacity = palloc(sizeof(int32) * (d->n_shelters + 1));
	MemoryContextSwitchTo(old);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		rm_evac_shelter *s = &d->shelters[i];
		bool		isnull;
		Datum		capd;

		s->id = geti8(t, td, 1, &isnull);
		capd = SPI_getbinval(t, td, 2, &isnull);
		d->shelter_capacity[i] = isnull ? 0 : DatumGetInt32(capd);
		s->capacity = d->shelter_capacity[i] > 0 ? (double) d->shelter_capacity[i] : 0.0;
		s->lon = getf8(t, td, 3);
		s->lat = getf8(t, td, 4);
		if (!isnan(s->lon) && !rm_lonlat_valid(s->lon, s->lat))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("shelter %lld lies outside lon/lat range (%g %g)",
								   (long long) s->id, s->lon, s->lat)));
	}
	SPI_freetuptable(SPI_tuptable);
}

/* Runs the whole assignment inside SPI (arguments read); result rows in callctx. */
static void
run_assignment(evac_args *args, evac_data *data,
			   rm_evac_result *res, MemoryContext callctx, bool with_geometry)
{
	graph_cache *gc;
	rm_allocator alloc = {ctx_alloc, ctx_release, callctx};
	rm_interrupt intr = {check_interrupts, NULL};
	rm_evac_params p;
	int			rc;
	TimestampTz t0 = GetCurrentTimestamp();

	gc = graph_get(callctx);
	elog(DEBUG1, "evacuation: road graph ready (%lld edges, %d nodes, version %lld, %lld builds) after %.3f s",
		 (long long) gc->n_edges, gc->g.n_nodes, (long long) gc->version, (long long) gc->builds,
		 (GetCurrentTimestamp() - t0) / 1e6);
	read_data(args, data, callctx, with_geometry);
	elog(DEBUG1, "evacuation: read %d cells and %d shelters after %.3f s",
		 data->n_cells, data->n_shelters, (GetCurrentTimestamp() - t0) / 1e6);
	memset(&p, 0, sizeof p);
	p.max_time_s = args->max_time;
	p.speed_mps = args->speed;
	p.capacitated = args->capacitated;
	p.max_pairs = riskmap_evacuation_max_pairs;
	rc = rm_evacuate(gc->n_edges > 0 ? &gc->g : NULL, gc->n_edges > 0,
					 data->cells, data->n_cells, data->shelters, data->n_shelters,
					 &p, &alloc, &intr, res);
	core_error(rc, "evacuation_assignment");
	elog(DEBUG1, "evacuation: %d cells, %d shelters, %s mode, %lld pairs (%lld in the flow network, %lld pricing rounds, %lld cost-scaling passes), %lld rows; snapping and searches %.3f s, flow %.3f s",
		 data->n_cells, data->n_shelters, gc->n_edges > 0 ? "road" : "straight-line",
		 (long long) res->n_pairs, (long long) res->pairs_used, (long long) res->pricing_rounds,
		 (long long) res->augmentations, (long long) res->n_rows, res->t_prepare_s, res->t_flow_s);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Stores a computed assignment in the shared cache; returns the entry id (0: not stored). */
static int64
store_assignment(const evac_key *k, const evac_data *data, const rm_evac_result *res)
{
	int64	   *pid,
			   *sid;
	double	   *ppl,
			   *tim;
	int64		r,
				id;

	if (!k->usable || !k->writable || res->n_rows > INT32_MAX / 2)
		return 0;
	pid = palloc_extended(sizeof(int64) * (res->n_rows + 1), MCXT_ALLOC_HUGE);
	sid = palloc_extended(sizeof(int64) * (res->n_rows + 1), MCXT_ALLOC_HUGE);
	ppl = palloc_extended(sizeof(double) * (res->n_rows + 1), MCXT_ALLOC_HUGE);
	tim = palloc_extended(sizeof(double) * (res->n_rows + 1), MCXT_ALLOC_HUGE);
	for (r = 0; r < res->n_rows; r++)
	{
		const rm_evac_row *row = &res->rows[r];

		pid[r] = data->cells[row->cell].id;
		sid[r] = row->shelter >= 0 ? data->shelters[row->shelter].id : -1;
		ppl[r] = row->people;
		tim[r] = row->shelter >= 0 ? row->time_s : 0;
	}
	id = evac_cache_store(k, (int) res->n_rows, pid, sid, ppl, tim);
	elog(DEBUG1, "evacuation: %s cache entry %lld (%lld rows)", id > 0 ? "stored" : "did not store",
		 (long long) id, (long long) res->n_rows);
	return id;
}

/* The rows of a cached entry as core rows over data (sorted by id); false if they do not match. */
static bool
rows_from_cache(const evac_cached *c, const evac_data *data, rm_evac_result *res, MemoryContext callctx)
{
	int			r;
	int64	   *sids = MemoryContextAlloc(callctx, sizeof(int64) * (data->n_shelters + 1));
	int64	   *cids = MemoryContextAllocHuge(callctx, sizeof(int64) * (data->n_cells + 1));
	int32		i;

	for (i = 0; i < data->n_shelters; i++)
		sids[i] = data->shelters[i].id;
	for (i = 0; i < data->n_cells; i++)
		cids[i] = data->cells[i].id;
	memset(res, 0, sizeof *res);
	res->rows = MemoryContextAllocHuge(callctx, sizeof(rm_evac_row) * (c->n + 1));
	for (r = 0; r < c->n; r++)
	{
		int64		pid = DatumGetInt64(c->population_id[r]);
		int64	   *cp = bsearch(&pid, cids, data->n_cells, sizeof(int64), cmp_i64);
		rm_evac_row *row = &res->rows[r];

		if (!cp)
			return false;
		row->cell = (int32) (cp - cids);
		row->shelter = -1;
		if (!c->shelter_null[r])
		{
			int64		sid = DatumGetInt64(c->shelter_id[r]);
			int64	   *sp = bsearch(&sid, sids, data->n_shelters, sizeof(int64), cmp_i64);

			if (!sp)
				return false;
			row->shelter = (int32) (sp - sids);
		}
		row->people = DatumGetFloat8(c->people[r]);
		row->time_s = c->time_null[r] ? NAN : DatumGetFloat8(c->time_s[r]);
	}
	res->n_rows = c->n;
	return true;
}

Datum
riskmap_evacuation_assignment(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callctx;
	evac_args	args;
	evac_data	data;
	evac_key	key;
	evac_cached cached;
	rm_evac_result res;
	int64		r;

	InitMaterializedSRF(fcinfo, 0);
	callctx = AllocSetContextCreate(CurrentMemoryContext, "riskmap evacuation",
									ALLOCSET_DEFAULT_SIZES);
	memset(&data, 0, sizeof data);
	memset(&res, 0, sizeof res);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	read_args(fcinfo, &args);
	check_district(&args);
	evac_key_read(&key, args.max_time, args.speed, args.capacitated, args.district);
	if (evac_cache_lookup(&key, &cached))
	{
		elog(DEBUG1, "evacuation: cache hit, entry %lld (%d rows)", (long long) cached.id, cached.n);
		for (r = 0; r < cached.n; r++)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};

			values[0] = cached.population_id[r];
			values[1] = cached.shelter_id[r];
			nulls[1] = cached.shelter_null[r];
			values[2] = cached.people[r];
			values[3] = cached.time_s[r];
			nulls[3] = cached.time_null[r];
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		SPI_finish();
		MemoryContextDelete(callctx);
		return (Datum) 0;
	}
	elog(DEBUG1, "evacuation: cache %s", key.usable ? "miss" : "not available");
	run_assignment(&args, &data, &res, callctx, false);
	store_assignment(&key, &data, &res);
	SPI_finish();

	for (r = 0; r < res.n_rows; r++)
	{
		rm_evac_row *row = &res.rows[r];
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Int64GetDatum(data.cells[row->cell].id);
		if (row->shelter >= 0)
		{
			values[1] = Int64GetDatum(data.shelters[row->shelter].id);
			values[3] = Float8GetDatum(row->time_s);
		}
		else
		{
			nulls[1] = true;
			nulls[3] = true;
			values[1] = values[3] = (Datum) 0;
		}
		values[2] = Float8GetDatum(row->people);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(callctx);
	return (Datum) 0;
}

/* ------------------------------------------------------------------ */
/* catchments                                                           */

typedef struct catch_result
{
	int32		n;				/* shelters */
	bool	   *serves;
	double	   *served,
			   *maxt;
	bytea	  **copies;			/* EWKB per shelter that serves */
} catch_result;

/* SPI connected; data read with geometry and res known. */
static void
compute_catchments(evac_args *args, evac_data *data, rm_evac_result *res,
				   MemoryContext callctx, catch_result *cr)
{
	int32	   *owner;
	unsigned char **out_wkb;
	size_t	   *out_len;
	const unsigned char **wkb;
	size_t	   *wkb_len;
	bytea	   *clip = NULL;
	int64		r;
	int32		i,
				j;
	int			rc;
	char		errbuf[512] = "";
	rm_catch_input in;
	rm_interrupt intr = {cancel_pending, NULL};
	TimestampTz t0 = GetCurrentTimestamp();

	/* clip region for point cells: the union of the districts of the cells */
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		values[1];
		char		nulls[1];
		int			ret;
		bool		isnull;

		values[0] = args->district ? PointerGetDatum(args->district) : (Datum) 0;
		nulls[0] = args->district ? ' ' : 'n';
		ret = SPI_execute_with_args(
									"SELECT CASE WHEN bool_and(d.geom IS NOT NULL) THEN ST_AsEWKB(ST_Union(d.geom)) END"
									" FROM riskmap.district d WHERE d.code IN"
									" (SELECT DISTINCT district_code FROM riskmap.population"
									"  WHERE ($1::text IS NULL OR district_code = $1)"
									"  AND GeometryType(geom) IN ('POINT', 'MULTIPOINT'))",
									1, argtypes, values, nulls, true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute_with_args failed: %d", ret);
		if (SPI_processed == 1)
		{
			Datum		g = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			if (!isnull)
			{
				MemoryContext old = MemoryContextSwitchTo(callctx);

				clip = DatumGetByteaPCopy(g);
				MemoryContextSwitchTo(old);
			}
		}
	}

	cr->n = data->n_shelters;
	owner = MemoryContextAllocHuge(callctx, sizeof(int32) * (data->n_cells + 1));
	rm_catchment_owner(res->rows, res->n_rows, data->n_cells, owner);
	cr->served = MemoryContextAllocZero(callctx, sizeof(double) * (data->n_shelters + 1));
	cr->maxt = MemoryContextAllocZero(callctx, sizeof(double) * (data->n_shelters + 1));
	cr->serves = MemoryContextAllocZero(callctx, sizeof(bool) * (data->n_shelters + 1));
	for (r = 0; r < res->n_rows; r++)
	{
		rm_evac_row *row = &res->rows[r];

		if (row->shelter < 0)
			continue;
		cr->served[row->shelter] += row->people;
		if (!cr->serves[row->shelter] || row->time_s > cr->maxt[row->shelter])
			cr->maxt[row->shelter] = row->time_s;
		cr->serves[row->shelter] = true;
	}
	wkb = MemoryContextAllocHuge(callctx, sizeof(unsigned char *) * (data->n_cells + 1));
	wkb_len = MemoryContextAllocHuge(callctx, sizeof(size_t) * (data->n_cells + 1));
	for (i = 0; i < data->n_cells; i++)
	{
		wkb[i] = data->cell_wkb[i] ? (const unsigned char *) VARDATA_ANY(data->cell_wkb[i]) : NULL;
		wkb_len[i] = data->cell_wkb[i] ? VARSIZE_ANY_EXHDR(data->cell_wkb[i]) : 0;
	}
	out_wkb = MemoryContextAllocZero(callctx, sizeof(unsigned char *) * (data->n_shelters + 1));
	out_len = MemoryContextAllocZero(callctx, sizeof(size_t) * (data->n_shelters + 1));
	in.n_cells = data->n_cells;
	in.wkb = wkb;
	in.wkb_len = wkb_len;
	in.owner = owner;
	in.n_shelters = data->n_shelters;
	in.clip_wkb = clip ? (const unsigned char *) VARDATA_ANY(clip) : NULL;
	in.clip_len = clip ? VARSIZE_ANY_EXHDR(clip) : 0;
	/* The core frees all of its GEOS objects before it returns. */
	rc = rm_catchments(&in, &intr, out_wkb, out_len, errbuf, sizeof errbuf);
	if (rc != RM_OK)
	{
		rm_catchment_free_output(out_wkb, data->n_shelters);
		if (rc == RM_EGEOS)
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
							errmsg("evacuation_catchments: GEOS error: %s", errbuf)));
		core_error(rc, "evacuation_catchments");
	}
	/* copy out of malloc'd memory before anything can throw */
	cr->copies = MemoryContextAllocZero(callctx, sizeof(bytea *) * (data->n_shelters + 1));
	for (j = 0; j < data->n_shelters; j++)
		if (out_wkb[j])
		{
			bytea	   *b = MemoryContextAllocExtended(callctx, VARHDRSZ + out_len[j],
													   MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);

			if (b)
			{
				SET_VARSIZE(b, VARHDRSZ + out_len[j]);
				memcpy(VARDATA(b), out_wkb[j], out_len[j]);
			}
			cr->copies[j] = b;
		}
	rm_catchment_free_output(out_wkb, data->n_shelters);
	for (j = 0; j < data->n_shelters; j++)
		if (cr->serves[j] && !cr->copies[j])
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
							errmsg("out of memory in evacuation_catchments")));
	elog(DEBUG1, "evacuation: catchments of %d shelters in %.3f s", data->n_shelters,
		 (GetCurrentTimestamp() - t0) / 1e6);
}

/*
 * SPI connected, arguments and key read. Computes the catchments (from the
 * cached assignment when there is one), stores them, returns the entry id.
 */
static int64
catchments_fill(evac_args *args, evac_key *key, bool hit, evac_cached *cached,
				evac_data *data, MemoryContext callctx, catch_result *cr)
{
	rm_evac_result res;
	int64		id = 0;

	memset(&res, 0, sizeof res);
	if (hit)
	{
		read_data(args, data, callctx, true);
		if (rows_from_cache(cached, data, &res, callctx))
			id = cached->id;
		else
			hit = false;
	}
	if (!hit)
	{
		run_assignment(args, data, &res, callctx, true);
		id = store_assignment(key, data, &res);
	}
	compute_catchments(args, data, &res, callctx, cr);
	if (id > 0 && key->writable)
	{
		int64	   *sid = palloc(sizeof(int64) * (cr->n + 1));
		bytea	  **g = palloc(sizeof(bytea *) * (cr->n + 1));
		double	   *ppl = palloc(sizeof(double) * (cr->n + 1));
		int32	   *cap = palloc(sizeof(int32) * (cr->n + 1));
		double	   *mt = palloc(sizeof(double) * (cr->n + 1));
		int32		j,
					m = 0;

		for (j = 0; j < cr->n; j++)
			if (cr->serves[j])
			{
				sid[m] = data->shelters[j].id;
				g[m] = cr->copies[j];
				ppl[m] = cr->served[j];
				cap[m] = data->shelter_capacity[j];
				mt[m] = cr->maxt[j];
				m++;
			}
		evac_cache_store_catchments(id, m, sid, g, ppl, cap, mt);
	}
	return id;
}

Datum
riskmap_evacuation_catchments(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callctx;
	evac_args	args;
	evac_data	data;
	evac_key	key;
	evac_cached cached;
	catch_result cr;
	bool		hit;
	int32		j;

	InitMaterializedSRF(fcinfo, 0);
	callctx = AllocSetContextCreate(CurrentMemoryContext, "riskmap catchments",
									ALLOCSET_DEFAULT_SIZES);
	memset(&data, 0, sizeof data);
	memset(&cr, 0, sizeof cr);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	read_args(fcinfo, &args);
	check_district(&args);
	evac_key_read(&key, args.max_time, args.speed, args.capacitated, args.district);
	hit = evac_cache_lookup(&key, &cached);
	if (hit && cached.has_catchments)
	{
		Oid			t = INT8OID;
		Datum		v = Int64GetDatum(cached.id);
		uint64		r;

		if (SPI_execute_with_args("SELECT shelter_id, ST_AsEWKB(catchment), people, capacity, max_time_s"
								  " FROM riskmap.evacuation_cache_catchment WHERE cache_id = $1 ORDER BY shelter_id",
								  1, &t, &v, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "evacuation cache: catchment lookup failed");
		elog(DEBUG1, "evacuation: catchments from cache entry %lld", (long long) cached.id);
		for (r = 0; r < SPI_processed; r++)
		{
			Datum		values[5];
			bool		nulls[5];
			int			c;

			for (c = 0; c < 5; c++)
				values[c] = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c + 1, &nulls[c]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		SPI_finish();
		MemoryContextDelete(callctx);
		return (Datum) 0;
	}
	catchments_fill(&args, &key, hit, &cached, &data, callctx, &cr);
	SPI_finish();
	for (j = 0; j < data.n_shelters; j++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		if (!cr.serves[j])
			continue;
		values[0] = Int64GetDatum(data.shelters[j].id);
		values[1] = PointerGetDatum(cr.copies[j]);
		values[2] = Float8GetDatum(cr.served[j]);
		values[3] = Int32GetDatum(data.shelter_capacity[j]);
		values[4] = Float8GetDatum(cr.maxt[j]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(callctx);
	return (Datum) 0;
}

/*
 * riskmap._evacuation_cache_key(max_time, speed, capacitated, district,
 * catchments): the id of the cache entry for these parameters and the data
 * as this statement sees it, filled when missing (with the catchments when
 * asked); NULL when the cache cannot be written here (read-only transaction,
 * standby, a concurrent transaction stored the same entry first).
 */
Datum
riskmap_evacuation_cache_key(PG_FUNCTION_ARGS)
{
	MemoryContext callctx;
	evac_args	args;
	evac_data	data;
	evac_key	key;
	evac_cached cached;
	catch_result cr;
	bool		hit,
				want;
	int64		id = 0;

	callctx = AllocSetContextCreate(CurrentMemoryContext, "riskmap evacuation cache key",
									ALLOCSET_DEFAULT_SIZES);
	memset(&data, 0, sizeof data);
	memset(&cr, 0, sizeof cr);
	want = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	read_args(fcinfo, &args);
	check_district(&args);
	evac_key_read(&key, args.max_time, args.speed, args.capacitated, args.district);
	if (key.usable && key.writable)
	{
		bool		has_catchments = false;

		/* the cheap probe first: a tile only needs the id */
		if (evac_cache_find(&key, &id, &has_catchments) && (!want || has_catchments))
			hit = true;
		else if ((hit = evac_cache_lookup(&key, &cached)) && !want)
			id = cached.id;
		else if (want)
			id = catchments_fill(&args, &key, hit, &cached, &data, callctx, &cr);
		else
		{
			rm_evac_result res;

			memset(&res, 0, sizeof res);
			run_assignment(&args, &data, &res, callctx, false);
			id = store_assignment(&key, &data, &res);
		}
	}
	SPI_finish();
	MemoryContextDelete(callctx);
	if (id <= 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/* Diagnostics for tests: (builds, version, nodes, arcs, bytes). */
Datum
riskmap_evacuation_cache_info(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	InitMaterializedSRF(fcinfo, 0);
	values[0] = Int64GetDatum(cache.builds);
	values[1] = Int64GetDatum(cache.version);
	nulls[1] = cache.ctx == NULL;
	values[2] = Int64GetDatum(cache.g.n_nodes);
	values[3] = Int64GetDatum(cache.g.n_arcs);
	values[4] = Int64GetDatum(cache.ctx ? (int64) MemoryContextMemAllocated(cache.ctx, true) : 0);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}

/*
 * riskmap._shelter_travel_times(lon, lat, speed): travel time from a point to
 * every shelter of kind 'shelter', measured as evacuation_assignment does
 * (over the cached road graph when road has rows, else straight line);
 * unreachable shelters are left out. Used by blind_scenario.
 */
PG_FUNCTION_INFO_V1(riskmap_shelter_travel_times);

Datum
riskmap_shelter_travel_times(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callctx;
	graph_cache *gc;
	rm_allocator alloc;
	rm_interrupt intr = {check_interrupts, NULL};
	rm_evac_shelter *sh;
	double	   *times;
	double		lon,
				lat,
				speed;
	int32		n,
				j;
	int			rc;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("_shelter_travel_times: NULL argument")));
	lon = PG_GETARG_FLOAT8(0);
	lat = PG_GETARG_FLOAT8(1);
	speed = PG_GETARG_FLOAT8(2);
	if (!rm_lonlat_valid(lon, lat))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("_shelter_travel_times: point (%g %g) outside lon/lat range", lon, lat)));
	if (!(speed > 0) || isinf(speed))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("_shelter_travel_times: speed must be positive and finite, got %g", speed)));
	callctx = AllocSetContextCreate(CurrentMemoryContext, "riskmap shelter times", ALLOCSET_DEFAULT_SIZES);
	alloc.alloc = ctx_alloc;
	alloc.release = ctx_release;
	alloc.ctx = callctx;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	gc = graph_get(callctx);
	if (SPI_execute("SELECT id, ST_X(geom), ST_Y(geom) FROM riskmap.shelter WHERE kind = 'shelter' ORDER BY id",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed");
	n = (int32) SPI_processed;
	sh = MemoryContextAllocZero(callctx, sizeof(rm_evac_shelter) * (n + 1));
	times = MemoryContextAllocZero(callctx, sizeof(double) * (n + 1));
	for (j = 0; j < n; j++)
	{
		bool		isnull;

		sh[j].id = geti8(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 1, &isnull);
		sh[j].lon = getf8(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 2);
		sh[j].lat = getf8(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 3);
	}
	rc = rm_evac_times_from(gc->n_edges > 0 ? &gc->g : NULL, lon, lat, speed, sh, n, &alloc, &intr, times);
	core_error(rc, "_shelter_travel_times");
	SPI_finish();
	for (j = 0; j < n; j++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		if (!isfinite(times[j]))
			continue;
		values[0] = Int64GetDatum(sh[j].id);
		values[1] = Float8GetDatum(times[j]);
		values[2] = BoolGetDatum(gc->n_edges > 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(callctx);
	return (Datum) 0;
}

/* The cached graph for other glue (clearance_fmgr.c). SPI connected. */
const struct rm_graph *
riskmap_cached_road_graph(MemoryContext callctx, int64 *n_edges)
{
	graph_cache *gc = graph_get(callctx);

	*n_edges = gc->n_edges;
	return &gc->g;
}
