/*
 * render_layers.c — the layer queries of the renderer, shared by the tile
 * (tile_fmgr.c) and the print sheet (print_fmgr.c) so that a map sheet and
 * a tile draw the same rows the same way: one GiST-indexed bbox query per
 * layer (the output grown by the layer's margin, rm_render_query_bounds)
 * fed to plugin/core/rm_render.c; and the style read from riskmap.tile_style.
 *
 * Errors are ereport(ERROR): the callers release their renderer from a
 * reset callback on their memory context.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "render_layers.h"
#include "riskmap_pg.h"

/* The layer queries. $1..$4: minlon, minlat, maxlon, maxlat. */
#define ENV "ST_MakeEnvelope($1, $2, $3, $4, 4326)"

static const char *const layer_sql[RM_LAYER_NTYPES] = {
	/* district_borders */
	"SELECT ST_AsEWKB(geom) FROM riskmap.district WHERE geom && " ENV " ORDER BY code",
	/* district_labels: the label point, or a point on the surface */
	"SELECT name, ST_X(p), ST_Y(p), ST_Area(geom) FROM ("
	" SELECT code, name, geom, coalesce(label_point, ST_PointOnSurface(geom)) AS p FROM riskmap.district"
	" WHERE label_point && " ENV " OR (label_point IS NULL AND geom && " ENV ")) s"
	" WHERE p && " ENV " ORDER BY code",
	/* impact_zones: higher levels drawn last (on top) */
	"SELECT ST_AsEWKB(geom), impact_radius_m, risk_level FROM riskmap.risk_source"
	" WHERE riskmap._zone_box(geom, impact_radius_m) && " ENV
	" ORDER BY risk_level DESC, id",
	/* undrilled: riskmap.undrilled_areas($6) restricted to the sources
	 * whose zone can reach the tile; $5 = max level, $6 = the year */
	"SELECT ST_AsEWKB(s.geom), s.impact_radius_m, s.risk_level FROM riskmap.risk_source s"
	" WHERE riskmap._zone_box(s.geom, s.impact_radius_m) && " ENV " AND s.risk_level <= $5"
	" AND NOT EXISTS (SELECT 1 FROM riskmap.drill_target t JOIN riskmap.drill d ON d.id = t.drill_id"
	"   WHERE t.source_id = s.id AND d.year = $6"
	"   AND d.status IN ('planned', 'completed'))"
	" AND NOT EXISTS (SELECT 1 FROM riskmap.drill d WHERE d.area && s.geom AND ST_Intersects(d.area, s.geom)"
	"   AND d.year = $6 AND d.status IN ('planned', 'completed'))"
	" ORDER BY s.id",
	/* sources: higher levels drawn last */
	"SELECT ST_AsEWKB(geom), category, risk_level FROM riskmap.risk_source WHERE geom && " ENV
	" ORDER BY risk_level DESC, id",
	/* shelters */
	"SELECT ST_AsEWKB(geom), kind FROM riskmap.shelter WHERE geom && " ENV " ORDER BY id",
	/* catchments (only when riskmap.evacuation_catchments exists) */
	"SELECT shelter_id, ST_AsEWKB(catchment) FROM riskmap.evacuation_catchments()"
	" WHERE catchment && " ENV " ORDER BY shelter_id",
	/* unserved population (only when riskmap.evacuation_assignment exists) */
	"SELECT ST_AsEWKB(p.geom), sum(a.people) FROM riskmap.evacuation_assignment() a"
	" JOIN riskmap.population p ON p.id = a.population_id"
	" WHERE a.shelter_id IS NULL AND a.people > 0 AND p.geom && " ENV " GROUP BY p.id, p.geom ORDER BY p.id",
	/* clearance_zones: sources of level <= $5 whose zone reaches the tile,
	 * checked against their plans; 1 fails, 2 no time promised, 3 meets
	 * (fails drawn last, on top) */
	"SELECT ST_AsEWKB(s.geom), s.impact_radius_m,"
	" CASE WHEN c.meets_plan THEN 3 WHEN c.meets_plan IS NULL THEN 2 ELSE 1 END AS state"
	" FROM riskmap._clearance_checked($5, NULL, 1.2, 14400, ARRAY(SELECT id FROM riskmap.risk_source"
	"   WHERE riskmap._zone_box(geom, impact_radius_m) && " ENV " AND risk_level <= $5)) c"
	" JOIN riskmap.risk_source s ON s.id = c.source_id ORDER BY state DESC, s.id",
	/* bottlenecks: the bottleneck edges of the sources whose zone lies
	 * within 0.05 degrees of the tile, where they cross it */
	"SELECT ST_AsEWKB(r.geom) FROM riskmap._clearance_checked($5, NULL, 1.2, 14400, ARRAY(SELECT id FROM riskmap.risk_source"
	"   WHERE riskmap._zone_box(geom, impact_radius_m) && ST_Expand(" ENV ", 0.05) AND risk_level <= $5)) c"
	" CROSS JOIN LATERAL unnest(c.bottleneck_edges) AS b(id)"
	" JOIN riskmap.road r ON r.id = b.id WHERE r.geom && " ENV " GROUP BY r.id, r.geom ORDER BY r.id",
};

/*
 * The evacuation layers read the shared evacuation cache (filled on demand by
 * riskmap._evacuation_cache_key, default parameters) through its indexes,
 * when this transaction can write it; otherwise (read-only transaction,
 * standby: unlogged tables cannot be read there) they run the functions.
 */
static const char *const layer_sql_cached[RM_LAYER_NTYPES] = {
	[RM_LAYER_CATCHMENTS] =
	"SELECT c.shelter_id, ST_AsEWKB(c.catchment) FROM riskmap.evacuation_cache_catchment c"
	" WHERE c.cache_id = (SELECT riskmap._evacuation_cache_key(3600, 1.2, true, NULL, true))"
	" AND c.catchment && " ENV " ORDER BY c.shelter_id",
	[RM_LAYER_UNSERVED] =
	"SELECT ST_AsEWKB(p.geom), u.people FROM riskmap.evacuation_cache_unserved u"
	" JOIN riskmap.population p ON p.id = u.population_id"
	" WHERE u.cache_id = (SELECT riskmap._evacuation_cache_key(3600, 1.2, true, NULL, false))"
	" AND p.geom && " ENV " ORDER BY p.id",
};

/* The function a layer depends on, when it is not part of the base tables. */
static const char *const layer_needs[RM_LAYER_NTYPES] = {
	[RM_LAYER_CATCHMENTS] = "riskmap.evacuation_catchments(double precision,double precision,boolean,text)",
	[RM_LAYER_UNSERVED] = "riskmap.evacuation_assignment(double precision,double precision,boolean,text)",
	[RM_LAYER_CLEARANCE_ZONES] = "riskmap._clearance_checked(integer,text,double precision,double precision,bigint[])",
	[RM_LAYER_BOTTLENECKS] = "riskmap._clearance_checked(integer,text,double precision,double precision,bigint[])",
};

static SPIPlanPtr layer_plan[RM_LAYER_NTYPES];

static bool
function_exists(const char *sig)
{
	Datum		arg = CStringGetTextDatum(sig);
	Oid			argtype = TEXTOID;
	int			rc;

	rc = SPI_execute_with_args("SELECT to_regprocedure($1) IS NOT NULL", 1, &argtype, &arg, NULL, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		return false;
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		return !isnull && DatumGetBool(d);
	}
}

static void layer_failed(rm_render *r, const rm_layer *l, const char *who) pg_attribute_noreturn();

static void
layer_failed(rm_render *r, const rm_layer *l, const char *who)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("%s: %s: %s", who, l->name, r ? rm_render_error(r) : "out of memory")));
}

static const unsigned char *
bytea_arg(HeapTuple tup, TupleDesc td, int col, size_t *len)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, td, col, &isnull);
	bytea	   *b;

	if (isnull)
		return NULL;
	b = DatumGetByteaPP(d);
	*len = VARSIZE_ANY_EXHDR(b);
	return (const unsigned char *) VARDATA_ANY(b);
}

static double
float_arg(HeapTuple tup, TupleDesc td, int col, double dflt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, td, col, &isnull);

	if (isnull)
		return dflt;
	switch (SPI_gettypeid(td, col))
	{
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		default:
			return dflt;
	}
}

int
riskmap_draw_layer(rm_render *r, const rm_layer *l, int year, const char *who)
{
	Datum		args[6];
	Oid			types[6] = {FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, INT4OID, INT4OID};
	double		box[4];
	int			nargs = (l->type == RM_LAYER_UNDRILLED) ? 6 :
		(l->type == RM_LAYER_CLEARANCE_ZONES || l->type == RM_LAYER_BOTTLENECKS) ? 5 : 4;
	int			rc,
				i;
	uint64		row;
	SPITupleTable *tt;

	if (layer_needs[l->type] && !function_exists(layer_needs[l->type]))
		return 0;				/* that part of the engine is not installed: empty layer */
	rm_render_query_bounds(r, l, box);
	for (i = 0; i < 4; i++)
		args[i] = Float8GetDatum(box[i]);
	args[4] = Int32GetDatum(l->max_level);
	args[5] = Int32GetDatum(year);
	if (layer_sql_cached[l->type] && !RecoveryInProgress() && !XactReadOnly &&
		function_exists("riskmap._evacuation_cache_key(double precision,double precision,boolean,text,boolean)"))
		rc = SPI_execute_with_args(layer_sql_cached[l->type], nargs, types, args, NULL, false, 0);
	else if (l->type == RM_LAYER_CLEARANCE_ZONES || l->type == RM_LAYER_BOTTLENECKS)
	{
		/*
		 * A tile draws the clearance heuristic's verdict with its bounds and
		 * never the exact time-expanded fallback (riskmap.clearance_exact_arcs
		 * = 0 for this query only): one exact solve can take tens of seconds,
		 * and a tile at a low zoom covers every high-risk zone of the city.
		 * clearance_report() stays the authority (docs/clearance.md).
		 */
		int			saved = riskmap_clearance_exact_arcs;

		riskmap_clearance_exact_arcs = 0;
		PG_TRY();
		{
			rc = SPI_execute_with_args(layer_sql[l->type], nargs, types, args, NULL, true, 0);
		}
		PG_FINALLY();
		{
			riskmap_clearance_exact_arcs = saved;
		}
		PG_END_TRY();
	}
	else if (layer_needs[l->type])
		rc = SPI_execute_with_args(layer_sql[l->type], nargs, types, args, NULL, true, 0);
	else
	{
		if (!layer_plan[l->type])
		{
			/* A generic plan: the queries are bbox lookups whose best plan
			 * does not depend on the box, and re-planning them on every tile
			 * would cost more than running them. */
			SPIPlanPtr	p = SPI_prepare_cursor(layer_sql[l->type], nargs, types, CURSOR_OPT_GENERIC_PLAN);

			if (!p)
				elog(ERROR, "%s: cannot prepare the %s query: %s", who,
					 rm_layer_type_name(l->type), SPI_result_code_string(SPI_result));
			if (SPI_keepplan(p))
				elog(ERROR, "%s: SPI_keepplan failed", who);
			layer_plan[l->type] = p;
		}
		rc = SPI_execute_plan(layer_plan[l->type], args, NULL, true, 0);
	}
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "%s: the %s query failed: %s", who,
			 rm_layer_type_name(l->type), SPI_result_code_string(rc));

	if (rm_render_begin(r, l))
		layer_failed(r, l, who);
	tt = SPI_tuptable;
	for (row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tup = tt->vals[row];
		TupleDesc	td = tt->tupdesc;
		rm_feature	f;
		char	   *key = NULL;

		CHECK_FOR_INTERRUPTS();
		memset(&f, 0, sizeof f);
		switch (l->type)
		{
			case RM_LAYER_DISTRICT_LABELS:
				f.text = SPI_getvalue(tup, td, 1);
				f.lon = float_arg(tup, td, 2, NAN);
				f.lat = float_arg(tup, td, 3, NAN);
				f.priority = float_arg(tup, td, 4, 0);
				if (!f.text)
					continue;
				break;
			case RM_LAYER_CATCHMENTS:
				f.id = (long long) float_arg(tup, td, 1, 0);
				f.wkb = bytea_arg(tup, td, 2, &f.wkb_len);
				break;
			case RM_LAYER_IMPACT_ZONES:
			case RM_LAYER_UNDRILLED:
			case RM_LAYER_CLEARANCE_ZONES:
				f.wkb = bytea_arg(tup, td, 1, &f.wkb_len);
				f.radius_m = float_arg(tup, td, 2, 0);
				f.level = (int) float_arg(tup, td, 3, 4);
				break;
			case RM_LAYER_SOURCES:
				f.wkb = bytea_arg(tup, td, 1, &f.wkb_len);
				f.key = key = SPI_getvalue(tup, td, 2);
				f.level = (int) float_arg(tup, td, 3, 4);
				break;
			case RM_LAYER_SHELTERS:
				f.wkb = bytea_arg(tup, td, 1, &f.wkb_len);
				f.key = key = SPI_getvalue(tup, td, 2);
				break;
			default:
				f.wkb = bytea_arg(tup, td, 1, &f.wkb_len);
				break;
		}
		if (l->type != RM_LAYER_DISTRICT_LABELS && !f.wkb)
			continue;
		if (rm_render_feature(r, l, &f))
			layer_failed(r, l, who);
		if (key)
			pfree(key);
		if (f.text)
			pfree((char *) f.text);
	}
	SPI_freetuptable(tt);
	if (rm_render_end(r, l))
		layer_failed(r, l, who);
	return (int) row;
}


static char *
known_styles(void)
{
	int			rc = SPI_execute("SELECT string_agg(quote_literal(name), ', ' ORDER BY name) FROM riskmap.tile_style",
								 true, 1);

	if (rc == SPI_OK_SELECT && SPI_processed == 1)
	{
		char	   *s = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (s)
			return s;
	}
	return "none";
}

static SPIPlanPtr style_plan;

rm_style *
riskmap_load_style(const char *style_name, const char *who)
{
	Datum		arg = CStringGetTextDatum(style_name);
	Oid			argtype = TEXTOID;
	char	   *spec;
	char		err[512];
	int			rc;
	rm_style   *style;

	if (!style_plan)
	{
		SPIPlanPtr	p = SPI_prepare_cursor("SELECT spec::text FROM riskmap.tile_style WHERE name = $1", 1, &argtype,
										   CURSOR_OPT_GENERIC_PLAN);

		if (!p || SPI_keepplan(p))
			elog(ERROR, "%s: cannot prepare the style query: %s", who, SPI_result_code_string(SPI_result));
		style_plan = p;
	}
	rc = SPI_execute_plan(style_plan, &arg, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "%s: reading riskmap.tile_style failed: %s", who, SPI_result_code_string(rc));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: unknown style \"%s\"", who, style_name),
				 errhint("Known styles: %s (table riskmap.tile_style).", known_styles())));
	spec = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (!spec)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: style \"%s\" has no spec", who, style_name)));
	style = palloc(sizeof(rm_style));
	if (rm_style_parse(spec, strlen(spec), style, err, sizeof err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: style \"%s\" is invalid: %s", who, style_name, err)));
	SPI_freetuptable(SPI_tuptable);
	return style;
}
