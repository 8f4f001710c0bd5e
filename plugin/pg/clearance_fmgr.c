/*
 * clearance_fmgr.c — riskmap.evacuation_clearance / _clearance_report /
 * _clearance_solve: glue over plugin/core/rm_clearance.c.
 *
 * Reuses the evacuation engine's cached road graph (nodes, node positions,
 * snapping: evacuation_fmgr.c) and reads the edges' capacities once per call.
 * A source's zone, its cells and the shelters outside it come from SPI (all
 * read_only, so one call sees one snapshot). Times are counted in steps of
 * riskmap.evacuation_step_s in the core and multiplied back here.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include <math.h>

#include "rm_clearance.h"
#include "rm_graph.h"
#include "riskmap_pg.h"

PG_FUNCTION_INFO_V1(riskmap_evacuation_clearance);
PG_FUNCTION_INFO_V1(riskmap_clearance_report);
PG_FUNCTION_INFO_V1(riskmap_clearance_solve);

#define MAX_HORIZON_S 604800.0

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

static int
check_interrupts(void *arg)
{
	CHECK_FOR_INTERRUPTS();
	return 0;
}

static void
core_error(int rc, const char *what)
{
	if (rc == RM_OK)
		return;
	if (rc == RM_ENOMEM)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory in %s", what)));
	if (rc == RM_EINTERRUPTED)
	{
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("canceling statement due to user request")));
	}
	if (rc == RM_EINVAL)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("%s: values out of the solvable range", what)));
	ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("%s failed (code %d)", what, rc)));
}

static double
getf8(HeapTuple t, TupleDesc d, int col)
{
	bool		isnull;
	Datum		v = SPI_getbinval(t, d, col, &isnull);

	return isnull ? NAN : DatumGetFloat8(v);
}

static int64
geti8(HeapTuple t, TupleDesc d, int col)
{
	bool		isnull;
	Datum		v = SPI_getbinval(t, d, col, &isnull);

	return isnull ? 0 : DatumGetInt64(v);
}

/* ------------------------------------------------------------------ */
/* arguments                                                            */

typedef struct clr_args
{
	double		speed;
	double		horizon_s;
	double		step_s;
	int32		H;
} clr_args;

static void
read_speed_horizon(FunctionCallInfo fcinfo, int speed_arg, int horizon_arg, clr_args *a)
{
	if (PG_ARGISNULL(speed_arg))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_speed_mps must not be NULL")));
	if (PG_ARGISNULL(horizon_arg))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_horizon_s must not be NULL")));
	a->speed = PG_GETARG_FLOAT8(speed_arg);
	a->horizon_s = PG_GETARG_FLOAT8(horizon_arg);
	if (isnan(a->speed) || a->speed <= 0 || isinf(a->speed))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_speed_mps must be a positive finite speed in m/s, got %g", a->speed)));
	if (isnan(a->horizon_s) || a->horizon_s < 0 || a->horizon_s > MAX_HORIZON_S)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_horizon_s must be a number of seconds from 0 to %.0f, got %g",
							   MAX_HORIZON_S, a->horizon_s)));
	if (riskmap_evacuation_step_s < 1 || riskmap_evacuation_step_s > 600)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("riskmap.evacuation_step_s must be from 1 to 600 seconds, got %d",
							   riskmap_evacuation_step_s)));
	a->step_s = riskmap_evacuation_step_s;
	a->H = (int32) floor(a->horizon_s / a->step_s + 1e-9);
}

/* ------------------------------------------------------------------ */
/* the road network with capacities, once per call                      */

typedef struct road_net
{
	const rm_graph *g;			/* NULL: straight-line mode */
	rm_clr_arc *arcs;
	int64		n_arcs;
} road_net;

static void
read_road(road_net *rn, const clr_args *a, MemoryContext callctx)
{
	int64		n_edges,
				cap = 1024;
	Portal		portal;
	MemoryContext old;

	rn->g = riskmap_cached_road_graph(callctx, &n_edges);
	rn->n_arcs = 0;
	rn->arcs = NULL;
	if (n_edges == 0)
	{
		rn->g = NULL;
		return;
	}
	old = MemoryContextSwitchTo(callctx);
	rn->arcs = palloc_extended(sizeof(rm_clr_arc) * cap, MCXT_ALLOC_HUGE);
	MemoryContextSwitchTo(old);
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT id, source, target, cost_s, reverse_cost_s, capacity_pph"
									   " FROM riskmap.road ORDER BY id",
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
			int64		id = geti8(t, d, 1);
			int32		u = rm_graph_node_index(rn->g, geti8(t, d, 2)),
						v = rm_graph_node_index(rn->g, geti8(t, d, 3));
			double		cost[2] = {getf8(t, d, 4), getf8(t, d, 5)};
			double		pph = getf8(t, d, 6);
			double		c;
			int			dir;

			if (!isnan(pph) && (pph < 0 || isinf(pph)))
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("road %lld has an invalid capacity_pph %g", (long long) id, pph)));
			c = isnan(pph) ? INFINITY : pph * a->step_s / 3600.0;
			if (u < 0 || v < 0 || c == 0)
				continue;
			for (dir = 0; dir < 2; dir++)
			{
				rm_clr_arc *arc;

				if (!(cost[dir] >= 0))
					continue;
				if (rn->n_arcs == cap)
				{
					cap *= 2;
					rn->arcs = repalloc_huge(rn->arcs, sizeof(rm_clr_arc) * cap);
				}
				arc = &rn->arcs[rn->n_arcs++];
				arc->from = dir == 0 ? u : v;
				arc->to = dir == 0 ? v : u;
				arc->steps = rm_clr_steps(cost[dir], a->step_s);
				arc->cap = c;
				arc->edge_id = id;
			}
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
}

/* ------------------------------------------------------------------ */
/* one source: zone, cells, shelters, the problem                       */

typedef struct clr_source
{
	int64		source_id;
	int32		n_cells;
	int64	   *cell_id;
	double	   *cell_people;
	int32	   *cell_src;		/* index into problem sources, -1 = cannot join */
	double	   *lon,
			   *lat;			/* cell centroids */
	double		people;			/* in the zone */
	int32		n_shelters;
	int64	   *shelter_id;
	double	   *slon,
			   *slat;
	rm_clr_problem p;
	rm_clr_result res;
	bool		solved;
} clr_source;

/* Reads the zone's cells and the shelters outside it. false: unknown source. */
static bool
read_source(int64 source_id, clr_source *cs, MemoryContext callctx)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];
	Oid			zt[1] = {BYTEAOID};
	Datum		zv[1];
	bytea	   *zone;
	bool		isnull;
	int			ret;
	uint64		i;
	MemoryContext old;

	memset(cs, 0, sizeof *cs);
	cs->source_id = source_id;
	values[0] = Int64GetDatum(source_id);
	ret = SPI_execute_with_args("SELECT riskmap._ground_buffer(ST_AsEWKB(geom), impact_radius_m, 'risk_source ' || id)"
								" FROM riskmap.risk_source WHERE id = $1",
								1, argtypes, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %d", ret);
	if (SPI_processed == 0)
		return false;
	zv[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return true;			/* no zone, nobody in it */
	old = MemoryContextSwitchTo(callctx);
	zone = DatumGetByteaPCopy(zv[0]);
	MemoryContextSwitchTo(old);
	zv[0] = PointerGetDatum(zone);

	/* a centroid lies in its cell's box, so the box test is a sound prefilter */
	ret = SPI_execute_with_args("SELECT p.id, p.people, ST_X(c), ST_Y(c)"
								" FROM (SELECT $1::geometry AS g) z, riskmap.population p,"
								" LATERAL ST_Centroid(p.geom) c"
								" WHERE p.people > 0 AND p.geom && z.g AND ST_Intersects(z.g, c)"
								" ORDER BY p.id",
								1, zt, zv, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %d", ret);
	if (SPI_processed > INT32_MAX / 4)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("too many population cells")));
	old = MemoryContextSwitchTo(callctx);
	cs->n_cells = (int32) SPI_processed;
	cs->cell_id = palloc_extended(sizeof(int64) * (cs->n_cells + 1), MCXT_ALLOC_HUGE);
	cs->cell_people = palloc_extended(sizeof(double) * (cs->n_cells + 1), MCXT_ALLOC_HUGE);
	cs->cell_src = palloc_extended(sizeof(int32) * (cs->n_cells + 1), MCXT_ALLOC_HUGE);
	{
		rm_clr_source *src = palloc_extended(sizeof(rm_clr_source) * (cs->n_cells + 1), MCXT_ALLOC_HUGE);
		double	   *lon = palloc_extended(sizeof(double) * (cs->n_cells + 1), MCXT_ALLOC_HUGE);
		double	   *lat = palloc_extended(sizeof(double) * (cs->n_cells + 1), MCXT_ALLOC_HUGE);

		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	t = SPI_tuptable->vals[i];
			TupleDesc	d = SPI_tuptable->tupdesc;

			cs->cell_id[i] = geti8(t, d, 1);
			cs->cell_people[i] = getf8(t, d, 2);
			lon[i] = getf8(t, d, 3);
			lat[i] = getf8(t, d, 4);
			if (!(cs->cell_people[i] > 0) || isinf(cs->cell_people[i]))
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("population %lld has an invalid people count", (long long) cs->cell_id[i])));
			if (!rm_lonlat_valid(lon[i], lat[i]))
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("population %lld has a centroid outside lon/lat range (%g %g)",
									   (long long) cs->cell_id[i], lon[i], lat[i])));
		}
		cs->p.src = src;
		cs->lon = lon;
		cs->lat = lat;
		for (i = 0; i < (uint64) cs->n_cells; i++)
			cs->people += cs->cell_people[i];
		SPI_freetuptable(SPI_tuptable);
		MemoryContextSwitchTo(old);

		ret = SPI_execute_with_args("SELECT s.id, s.capacity, ST_X(s.geom), ST_Y(s.geom)"
									" FROM (SELECT $1::geometry AS g) z, riskmap.shelter s"
									" WHERE s.kind = 'shelter' AND s.capacity > 0 AND NOT ST_Intersects(z.g, s.geom)"
									" ORDER BY s.id",
									1, zt, zv, NULL, true, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute_with_args failed: %d", ret);
		old = MemoryContextSwitchTo(callctx);
		cs->n_shelters = (int32) SPI_processed;
		cs->shelter_id = palloc(sizeof(int64) * (cs->n_shelters + 1));
		{
			rm_clr_sink *snk = palloc(sizeof(rm_clr_sink) * (cs->n_shelters + 1));
			double	   *slon = palloc(sizeof(double) * (cs->n_shelters + 1));
			double	   *slat = palloc(sizeof(double) * (cs->n_shelters + 1));

			for (i = 0; i < SPI_processed; i++)
			{
				HeapTuple	t = SPI_tuptable->vals[i];
				TupleDesc	d = SPI_tuptable->tupdesc;
				bool		nul;

				cs->shelter_id[i] = geti8(t, d, 1);
				snk[i].capacity = DatumGetInt32(SPI_getbinval(t, d, 2, &nul));
				slon[i] = getf8(t, d, 3);
				slat[i] = getf8(t, d, 4);
				if (!rm_lonlat_valid(slon[i], slat[i]))
					ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
									errmsg("shelter %lld lies outside lon/lat range (%g %g)",
										   (long long) cs->shelter_id[i], slon[i], slat[i])));
			}
			cs->p.snk = snk;
			cs->slon = slon;
			cs->slat = slat;
			SPI_freetuptable(SPI_tuptable);
			MemoryContextSwitchTo(old);
		}
	}
	return true;
}

/* Turns what read_source found into the core's problem over the network. */
static void
build_problem(clr_source *cs, const road_net *rn, const clr_args *a, MemoryContext callctx)
{
	double	   *lon = cs->lon,
			   *lat = cs->lat,
			   *slon = cs->slon,
			   *slat = cs->slat;
	rm_clr_source *src = (rm_clr_source *) cs->p.src;
	rm_clr_sink *snk = (rm_clr_sink *) cs->p.snk;
	int32		i,
				j,
				ns = 0,
				nk = 0;
	int32	   *snk_index = MemoryContextAlloc(callctx, sizeof(int32) * (cs->n_shelters + 1));

	if (rn->g)
	{
		for (j = 0; j < cs->n_shelters; j++)
		{
			double		dm;
			int32		node = rm_graph_snap(rn->g, slon[j], slat[j], &dm);

			snk_index[j] = -1;
			if (node < 0)
				continue;
			snk[nk].node = node;
			snk[nk].walk = rm_clr_steps(dm / a->speed, a->step_s);
			snk[nk].capacity = snk[j].capacity;
			cs->shelter_id[nk] = cs->shelter_id[j];
			snk_index[j] = nk++;
		}
		for (i = 0; i < cs->n_cells; i++)
		{
			double		dm;
			int32		node = rm_graph_snap(rn->g, lon[i], lat[i], &dm);

			cs->cell_src[i] = -1;
			if (node < 0)
				continue;
			src[ns].node = node;
			src[ns].walk = rm_clr_steps(dm / a->speed, a->step_s);
			src[ns].people = cs->cell_people[i];
			cs->cell_src[i] = ns++;
		}
		cs->p.n_nodes = rn->g->n_nodes;
		cs->p.arcs = rn->arcs;
		cs->p.n_arcs = rn->n_arcs;
	}
	else
	{
		/* straight line: a node per cell and per shelter, a pseudo arc per pair in reach */
		rm_clr_arc *arcs;
		int64		m = 0;

		arcs = MemoryContextAllocExtended(callctx, sizeof(rm_clr_arc) * ((Size) cs->n_cells * cs->n_shelters + 1),
										  MCXT_ALLOC_HUGE);
		for (i = 0; i < cs->n_cells; i++)
		{
			src[i].node = i;
			src[i].walk = 0;
			src[i].people = cs->cell_people[i];
			cs->cell_src[i] = i;
			for (j = 0; j < cs->n_shelters; j++)
			{
				double		dm = rm_ground_distance(lon[i], lat[i], slon[j], slat[j]);
				int32		steps = rm_clr_steps(dm / a->speed, a->step_s);

				if (isnan(dm) || steps > a->H)
					continue;
				arcs[m].from = i;
				arcs[m].to = cs->n_cells + j;
				arcs[m].steps = steps;
				arcs[m].cap = INFINITY;
				arcs[m].edge_id = -1;
				m++;
			}
			if ((i & 255) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		for (j = 0; j < cs->n_shelters; j++)
		{
			snk[j].node = cs->n_cells + j;
			snk[j].walk = 0;
		}
		ns = cs->n_cells;
		nk = cs->n_shelters;
		cs->p.n_nodes = cs->n_cells + cs->n_shelters;
		cs->p.arcs = arcs;
		cs->p.n_arcs = m;
	}
	cs->p.n_src = ns;
	cs->p.n_snk = nk;
	cs->n_shelters = nk;
	cs->p.horizon = a->H;
}

static void
solve_source(clr_source *cs, const road_net *rn, const clr_args *a, int mode, MemoryContext callctx)
{
	rm_allocator alloc = {ctx_alloc, ctx_release, callctx};
	rm_interrupt intr = {check_interrupts, NULL};
	/* AUTO: above riskmap.clearance_exact_arcs arcs the heuristic stands (0: always) */
	rm_clr_options o = {mode, riskmap_clearance_exact_arcs > 0 ? riskmap_clearance_exact_arcs : -1};

	build_problem(cs, rn, a, callctx);
	core_error(rm_clearance_solve(&cs->p, &o, &alloc, &intr, &cs->res), "evacuation_clearance");
	elog(DEBUG1, "clearance: source %lld, %d sources, %d sinks, served %g (exact flow %g), clearance %d, lb %d, exact %d",
		 (long long) cs->source_id, cs->p.n_src, cs->p.n_snk, cs->res.served, cs->res.exact_value,
		 cs->res.clearance, cs->res.lower_bound, cs->res.exact);
	cs->solved = true;
}

static void
connect_and_check_source(int64 source_id, clr_source *cs, MemoryContext callctx)
{
	if (!read_source(source_id, cs, callctx))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("unknown risk source %lld", (long long) source_id)));
}

static double
unserved_of(const clr_source *cs)
{
	double		u = 0;
	int64		g;
	int32		i;

	for (g = 0; g < cs->res.n_groups; g++)
		if (cs->res.groups[g].snk < 0)
			u += cs->res.groups[g].people;
	for (i = 0; i < cs->n_cells; i++)
		if (cs->cell_src[i] < 0)
			u += cs->cell_people[i];
	return u;
}

/* ------------------------------------------------------------------ */
/* evacuation_clearance(p_source_id, p_speed_mps, p_horizon_s)          */

Datum
riskmap_evacuation_clearance(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callctx;
	clr_args	a;
	road_net	rn;
	clr_source	cs;
	int64		source_id;
	int32		i;
	int64		g = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_source_id must not be NULL")));
	source_id = PG_GETARG_INT64(0);
	read_speed_horizon(fcinfo, 1, 2, &a);
	callctx = AllocSetContextCreate(CurrentMemoryContext, "riskmap clearance", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	connect_and_check_source(source_id, &cs, callctx);
	if (cs.n_cells > 0)
	{
		read_road(&rn, &a, callctx);
		solve_source(&cs, &rn, &a, RM_CLR_AUTO, callctx);
	}
	SPI_finish();

	for (i = 0; i < cs.n_cells; i++)
	{
		int32		si = cs.cell_src[i];
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		values[0] = Int64GetDatum(cs.cell_id[i]);
		if (si < 0)
		{
			values[2] = Float8GetDatum(cs.cell_people[i]);
			nulls[1] = nulls[3] = nulls[4] = nulls[5] = nulls[6] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}
		while (g < cs.res.n_groups && cs.res.groups[g].src < si)
			g++;
		for (; g < cs.res.n_groups && cs.res.groups[g].src == si; g++)
		{
			rm_clr_group *gr = &cs.res.groups[g];

			memset(nulls, 0, sizeof nulls);
			values[2] = Float8GetDatum(gr->people);
			if (gr->snk < 0)
			{
				nulls[1] = nulls[3] = nulls[4] = nulls[5] = nulls[6] = true;
			}
			else
			{
				Datum	   *ed = palloc(sizeof(Datum) * (gr->path_len + 1));
				Datum	   *td = palloc(sizeof(Datum) * (gr->path_len + 1));
				int			n = 0,
							k;

				for (k = 0; k < gr->path_len; k++)
				{
					const rm_clr_arc *arc = &cs.p.arcs[cs.res.path_arc[gr->path_off + k]];

					if (arc->edge_id < 0)
						continue;
					ed[n] = Int64GetDatum(arc->edge_id);
					td[n] = Float8GetDatum(cs.res.path_enter[gr->path_off + k] * a.step_s);
					n++;
				}
				values[1] = Int64GetDatum(cs.shelter_id[gr->snk]);
				values[3] = Float8GetDatum(gr->depart * a.step_s);
				values[4] = Float8GetDatum(gr->arrive * a.step_s);
				values[5] = PointerGetDatum(construct_array(ed, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
				values[6] = PointerGetDatum(construct_array(td, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			}
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	MemoryContextDelete(callctx);
	return (Datum) 0;
}

/* ------------------------------------------------------------------ */
/* _clearance_report(p_max_level, p_district, p_speed_mps, p_horizon_s, p_ids) */

Datum
riskmap_clearance_report(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callctx,
				srcctx;
	clr_args	a;
	road_net	rn;
	int32		max_level;
	text	   *district;
	int64	   *ids;
	char	  **dist;
	int16	   *level;
	int64		n,
				k;
	Oid			argtypes[3] = {INT4OID, TEXTOID, INT8ARRAYOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	int			ret;
	bool		road_read = false;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_max_level must not be NULL")));
	max_level = PG_GETARG_INT32(0);
	if (max_level < 1 || max_level > 4)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_max_level %d is out of range 1..4", max_level)));
	district = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	read_speed_horizon(fcinfo, 2, 3, &a);
	callctx = AllocSetContextCreate(CurrentMemoryContext, "riskmap clearance report", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (district)
	{
		Oid			t1[1] = {TEXTOID};
		Datum		v1[1] = {PointerGetDatum(district)};

		ret = SPI_execute_with_args("SELECT 1 FROM riskmap.district WHERE code = $1", 1, t1, v1, NULL, true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "SPI_execute_with_args failed: %d", ret);
		if (SPI_processed == 0)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("unknown district code \"%s\"", text_to_cstring(district))));
	}
	values[0] = Int32GetDatum(max_level);
	values[1] = district ? PointerGetDatum(district) : (Datum) 0;
	nulls[1] = district ? ' ' : 'n';
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
	{
		values[2] = PG_GETARG_DATUM(4);
		nulls[2] = ' ';
	}
	else
	{
		values[2] = (Datum) 0;
		nulls[2] = 'n';
	}
	ret = SPI_execute_with_args("SELECT id, district_code, risk_level FROM riskmap.risk_source"
								" WHERE risk_level <= $1 AND ($2::text IS NULL OR district_code = $2)"
								" AND ($3::bigint[] IS NULL OR id = ANY ($3))"
								" ORDER BY id", 3, argtypes, values, nulls, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %d", ret);
	n = (int64) SPI_processed;
	ids = MemoryContextAlloc(callctx, sizeof(int64) * (n + 1));
	dist = MemoryContextAlloc(callctx, sizeof(char *) * (n + 1));
	level = MemoryContextAlloc(callctx, sizeof(int16) * (n + 1));
	for (k = 0; k < n; k++)
	{
		HeapTuple	t = SPI_tuptable->vals[k];
		TupleDesc	d = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *s;

		ids[k] = geti8(t, d, 1);
		s = SPI_getvalue(t, d, 2);
		dist[k] = s ? MemoryContextStrdup(callctx, s) : NULL;
		level[k] = DatumGetInt16(SPI_getbinval(t, d, 3, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);

	srcctx = AllocSetContextCreate(callctx, "riskmap clearance source", ALLOCSET_DEFAULT_SIZES);
	for (k = 0; k < n; k++)
	{
		clr_source	cs;
		Datum		ov[8];
		bool		on[8] = {false, false, false, false, false, false, false, false};
		MemoryContext old;

		MemoryContextReset(srcctx);
		if (!read_source(ids[k], &cs, srcctx) || cs.n_cells == 0)
			continue;
		if (!road_read)
		{
			read_road(&rn, &a, callctx);
			road_read = true;
		}
		solve_source(&cs, &rn, &a, RM_CLR_AUTO, srcctx);
		old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
		ov[0] = Int64GetDatum(ids[k]);
		if (dist[k])
			ov[1] = CStringGetTextDatum(dist[k]);
		else
			on[1] = true;
		ov[2] = Int16GetDatum(level[k]);
		ov[3] = Float8GetDatum(cs.people);
		ov[4] = Float8GetDatum(unserved_of(&cs));
		if (cs.res.clearance >= 0)
		{
			ov[5] = Float8GetDatum(cs.res.clearance * a.step_s);
			ov[6] = Float8GetDatum(cs.res.lower_bound * a.step_s);
		}
		else
			on[5] = on[6] = true;
		{
			int			nb = cs.res.n_bottlenecks < 10 ? cs.res.n_bottlenecks : 10,
						b;
			Datum	   *bd = palloc(sizeof(Datum) * (nb + 1));

			for (b = 0; b < nb; b++)
				bd[b] = Int64GetDatum(cs.res.bottlenecks[b].edge_id);
			ov[7] = PointerGetDatum(construct_array(bd, nb, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		}
		MemoryContextSwitchTo(old);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, ov, on);
	}
	SPI_finish();
	MemoryContextDelete(callctx);
	return (Datum) 0;
}

/* ------------------------------------------------------------------ */
/* _clearance_solve(p_source_id, p_speed_mps, p_horizon_s, p_mode):     */
/* one source in a chosen mode, with the solver's figures (tests, bench) */

Datum
riskmap_clearance_solve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callctx;
	clr_args	a;
	road_net	rn;
	clr_source	cs;
	char	   *mode_s;
	int			mode;
	Datum		ov[10];
	bool		on[10] = {false, false, false, false, false, false, false, false, false, false};

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(3))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_source_id and p_mode must not be NULL")));
	read_speed_horizon(fcinfo, 1, 2, &a);
	mode_s = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (strcmp(mode_s, "auto") == 0)
		mode = RM_CLR_AUTO;
	else if (strcmp(mode_s, "heuristic") == 0)
		mode = RM_CLR_HEURISTIC;
	else if (strcmp(mode_s, "exact") == 0)
		mode = RM_CLR_EXACT;
	else
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("p_mode must be 'auto', 'heuristic' or 'exact', got \"%s\"", mode_s)));
	callctx = AllocSetContextCreate(CurrentMemoryContext, "riskmap clearance", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	connect_and_check_source(PG_GETARG_INT64(0), &cs, callctx);
	if (cs.n_cells > 0)
	{
		read_road(&rn, &a, callctx);
		solve_source(&cs, &rn, &a, mode, callctx);
	}
	SPI_finish();
	if (cs.n_cells > 0)
	{
		ov[0] = Float8GetDatum(cs.people);
		ov[1] = Float8GetDatum(cs.res.served);
		ov[2] = Float8GetDatum(cs.res.clearance * a.step_s);
		on[2] = cs.res.clearance < 0;
		ov[3] = Float8GetDatum(cs.res.lower_bound * a.step_s);
		on[3] = cs.res.lower_bound < 0;
		ov[4] = Float8GetDatum(cs.res.heuristic_clearance * a.step_s);
		on[4] = cs.res.heuristic_clearance < 0;
		ov[5] = BoolGetDatum(cs.res.exact);
		ov[6] = BoolGetDatum(cs.res.served_proven);
		ov[7] = Int64GetDatum(cs.res.exact_arcs);
		ov[8] = Int32GetDatum(cs.res.exact_flows);
		ov[9] = Int32GetDatum(cs.p.n_src);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, ov, on);
	}
	MemoryContextDelete(callctx);
	return (Datum) 0;
}
