/*
 * tile_fmgr.c — riskmap.tile(z, x, y, style, scale) and the style check.
 *
 * Thin glue: checks the arguments, reads the style from riskmap.tile_style,
 * runs one bbox query per visible layer (GiST-indexed, the tile grown by the
 * layer's margin) through SPI and feeds the rows to the renderer of
 * plugin/core/rm_render.c, then returns its PNG. Nothing is cached between
 * calls except SPI plans: every tile reads the data as committed (and as seen
 * by the calling transaction) when it is rendered.
 *
 * The renderer holds malloc'd memory and cairo/pango/GEOS/PROJ handles; a
 * reset callback on the caller's memory context releases them if an ERROR
 * (or a cancel) leaves this function early.
 */
#include "postgres.h"

#include <math.h>
#include <time.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "rm_render.h"
#include "rm_style.h"

PG_FUNCTION_INFO_V1(riskmap_tile);
PG_FUNCTION_INFO_V1(riskmap_tile_style_validate);
PG_FUNCTION_INFO_V1(riskmap_tile_profile);

typedef struct tile_state
{
	MemoryContextCallback cb;
	rm_render  *r;
	rm_style   *style;			/* malloc'd */
	unsigned char *png;			/* malloc'd */
} tile_state;

static void
tile_state_release(void *arg)
{
	tile_state *st = arg;

	if (st->r)
		rm_render_free(st->r);
	st->r = NULL;
	free(st->style);
	st->style = NULL;
	free(st->png);
	st->png = NULL;
}

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
	/* undrilled: riskmap.undrilled_areas(current year) restricted to the
	 * sources whose zone can reach the tile; $5 = max level */
	"SELECT ST_AsEWKB(s.geom), s.impact_radius_m, s.risk_level FROM riskmap.risk_source s"
	" WHERE riskmap._zone_box(s.geom, s.impact_radius_m) && " ENV " AND s.risk_level <= $5"
	" AND NOT EXISTS (SELECT 1 FROM riskmap.drill_target t JOIN riskmap.drill d ON d.id = t.drill_id"
	"   WHERE t.source_id = s.id AND d.year = extract(year FROM current_date)::integer"
	"   AND d.status IN ('planned', 'completed'))"
	" AND NOT EXISTS (SELECT 1 FROM riskmap.drill d WHERE d.area && s.geom AND ST_Intersects(d.area, s.geom)"
	"   AND d.year = extract(year FROM current_date)::integer AND d.status IN ('planned', 'completed'))"
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
	/* bottlenecks: the bottleneck edges of those sources (of sources whose
	 * zone lies within 0.05 degrees of the tile) that cross the tile */
	"SELECT ST_AsEWKB(r.geom) FROM riskmap._clearance_checked($5, NULL, 1.2, 14400, ARRAY(SELECT id FROM riskmap.risk_source"
	"   WHERE riskmap._zone_box(geom, impact_radius_m) && ST_Expand(" ENV ", 0.05) AND risk_level <= $5)) c"
	" CROSS JOIN LATERAL unnest(c.bottleneck_edges) AS b(id)"
	" JOIN riskmap.road r ON r.id = b.id WHERE r.geom && " ENV " GROUP BY r.id, r.geom ORDER BY r.id",
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

static void
render_failed(tile_state *st, const char *what)
{
	char		msg[600];

	snprintf(msg, sizeof msg, "%s", st->r ? rm_render_error(st->r) : "out of memory");
	tile_state_release(st);
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("riskmap.tile: %s: %s", what, msg)));
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

static int
draw_layer(tile_state *st, const rm_layer *l)
{
	Datum		args[5];
	Oid			types[5] = {FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, INT4OID};
	double		box[4];
	int			nargs = (l->type == RM_LAYER_UNDRILLED || l->type == RM_LAYER_CLEARANCE_ZONES ||
						 l->type == RM_LAYER_BOTTLENECKS) ? 5 : 4;
	int			rc,
				i;
	uint64		row;
	SPITupleTable *tt;

	if (layer_needs[l->type] && !function_exists(layer_needs[l->type]))
		return 0;				/* that part of the engine is not installed: empty layer */
	rm_render_query_bounds(st->r, l, box);
	for (i = 0; i < 4; i++)
		args[i] = Float8GetDatum(box[i]);
	args[4] = Int32GetDatum(l->max_level);
	if (layer_needs[l->type])
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
				elog(ERROR, "riskmap.tile: cannot prepare the %s query: %s",
					 rm_layer_type_name(l->type), SPI_result_code_string(SPI_result));
			if (SPI_keepplan(p))
				elog(ERROR, "riskmap.tile: SPI_keepplan failed");
			layer_plan[l->type] = p;
		}
		rc = SPI_execute_plan(layer_plan[l->type], args, NULL, true, 0);
	}
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "riskmap.tile: the %s query failed: %s",
			 rm_layer_type_name(l->type), SPI_result_code_string(rc));

	if (rm_render_begin(st->r, l))
		render_failed(st, l->name);
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
		if (rm_render_feature(st->r, l, &f))
			render_failed(st, l->name);
		if (key)
			pfree(key);
		if (f.text)
			pfree((char *) f.text);
	}
	SPI_freetuptable(tt);
	if (rm_render_end(st->r, l))
		render_failed(st, l->name);
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

/* Per-stage timings of one tile (riskmap.tile_profile). */
#define MAX_STAGES (RM_STYLE_MAX_LAYERS + 4)
typedef struct tile_timing
{
	int			n;
	char		stage[MAX_STAGES][RM_STYLE_NAME_LEN + 8];
	double		ms[MAX_STAGES];
	int			rows[MAX_STAGES];
} tile_timing;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
timing_add(tile_timing *tm, const char *stage, double t0, int rows)
{
	if (!tm || tm->n >= MAX_STAGES)
		return;
	snprintf(tm->stage[tm->n], sizeof tm->stage[0], "%s", stage);
	tm->ms[tm->n] = now_ms() - t0;
	tm->rows[tm->n] = rows;
	tm->n++;
}

static SPIPlanPtr style_plan;

/*
 * Renders the tile and returns its PNG as a bytea in the caller's memory
 * context. Arguments are checked here; tm, when given, gets the timings.
 */
static bytea *
render_tile(FunctionCallInfo fcinfo, tile_timing *tm)
{
	static const char *const argname[5] = {"z", "x", "y", "style", "scale"};
	int			z,
				x,
				y,
				scale,
				i,
				rc;
	char	   *style_name;
	char		err[512];
	MemoryContext caller = CurrentMemoryContext;
	tile_state *st;
	bytea	   *result;
	size_t		len;
	double		t0 = now_ms(),
				t1;

	for (i = 0; i < 5; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("riskmap.tile: %s must not be NULL", argname[i])));
	z = PG_GETARG_INT32(0);
	x = PG_GETARG_INT32(1);
	y = PG_GETARG_INT32(2);
	style_name = text_to_cstring(PG_GETARG_TEXT_PP(3));
	scale = PG_GETARG_INT32(4);
	if (rm_tile_check(z, x, y, scale, err, sizeof err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("riskmap.tile: %s", err)));

	st = palloc0(sizeof *st);
	st->cb.func = tile_state_release;
	st->cb.arg = st;
	MemoryContextRegisterResetCallback(caller, &st->cb);

	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "riskmap.tile: SPI_connect failed: %s", SPI_result_code_string(rc));

	/* The style, as committed (or as changed by this transaction). */
	{
		Datum		arg = CStringGetTextDatum(style_name);
		Oid			argtype = TEXTOID;
		char	   *spec;

		if (!style_plan)
		{
			SPIPlanPtr	p = SPI_prepare_cursor("SELECT spec::text FROM riskmap.tile_style WHERE name = $1", 1, &argtype,
											   CURSOR_OPT_GENERIC_PLAN);

			if (!p || SPI_keepplan(p))
				elog(ERROR, "riskmap.tile: cannot prepare the style query: %s", SPI_result_code_string(SPI_result));
			style_plan = p;
		}
		rc = SPI_execute_plan(style_plan, &arg, NULL, true, 1);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "riskmap.tile: reading riskmap.tile_style failed: %s", SPI_result_code_string(rc));
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("riskmap.tile: unknown style \"%s\"", style_name),
					 errhint("Known styles: %s (table riskmap.tile_style).", known_styles())));
		spec = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		if (!spec)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("riskmap.tile: style \"%s\" has no spec", style_name)));
		st->style = malloc(sizeof(rm_style));
		if (!st->style)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		if (rm_style_parse(spec, strlen(spec), st->style, err, sizeof err))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("riskmap.tile: style \"%s\" is invalid: %s", style_name, err)));
		SPI_freetuptable(SPI_tuptable);
	}
	timing_add(tm, "style", t0, 1);

	st->r = rm_render_new(st->style, z, x, y, scale);
	if (!st->r)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("riskmap.tile: cannot create the renderer")));

	for (i = 0; i < st->style->nlayers; i++)
	{
		const rm_layer *l = &st->style->layers[i];
		int			rows;

		if (!rm_render_layer_visible(st->r, l))
			continue;
		t1 = now_ms();
		rows = draw_layer(st, l);
		timing_add(tm, l->name, t1, rows);
	}

	t1 = now_ms();
	if (rm_render_png(st->r, &st->png, &len))
		render_failed(st, "png");
	timing_add(tm, rm_render_is_empty(st->r) ? "png (empty constant)" : "png", t1, (int) len);
	SPI_finish();

	result = (bytea *) MemoryContextAlloc(caller, len + VARHDRSZ);
	SET_VARSIZE(result, len + VARHDRSZ);
	memcpy(VARDATA(result), st->png, len);
	tile_state_release(st);
	timing_add(tm, "total", t0, (int) len);
	return result;
}

Datum
riskmap_tile(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(render_tile(fcinfo, NULL));
}

/* riskmap.tile_profile(z, x, y, style, scale): where a tile's time goes,
 * one row per stage (style read, each layer's query + drawing, PNG, total). */
Datum
riskmap_tile_profile(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	tile_timing *tm = palloc0(sizeof(tile_timing));
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	(void) render_tile(fcinfo, tm);
	for (i = 0; i < tm->n; i++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(tm->stage[i]);
		values[1] = Float8GetDatum(tm->ms[i]);
		values[2] = Int32GetDatum(tm->rows[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* riskmap._tile_style_validate(name text, spec text): ERROR 23514 naming the
 * JSON path when the spec is not a valid style (used by the table's trigger). */
Datum
riskmap_tile_style_validate(PG_FUNCTION_ARGS)
{
	char	   *name,
			   *spec;
	char		err[512];
	rm_style   *s;
	int			bad;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("tile style name and spec must not be NULL")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	spec = text_to_cstring(PG_GETARG_TEXT_PP(1));
	s = palloc(sizeof(rm_style));
	bad = rm_style_parse(spec, strlen(spec), s, err, sizeof err);
	pfree(s);
	if (bad)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("invalid tile style \"%s\": %s", name, err),
				 errdetail("See docs/tiles.md for the style format.")));
	PG_RETURN_VOID();
}
