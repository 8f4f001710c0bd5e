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
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/memutils.h"

#include "rm_render.h"
#include "rm_style.h"
#include "render_layers.h"

PG_FUNCTION_INFO_V1(riskmap_tile);
PG_FUNCTION_INFO_V1(riskmap_tile_style_validate);
PG_FUNCTION_INFO_V1(riskmap_tile_profile);

typedef struct tile_state
{
	MemoryContextCallback cb;
	rm_render  *r;
	rm_style   *style;			/* palloc'd */
	unsigned char *png;			/* malloc'd */
} tile_state;

static void
tile_state_release(void *arg)
{
	tile_state *st = arg;

	if (st->r)
		rm_render_free(st->r);
	st->r = NULL;
	free(st->png);
	st->png = NULL;
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
	int			year;
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
	st->style = riskmap_load_style(style_name, "riskmap.tile");
	timing_add(tm, "style", t0, 1);
	{
		int			mon,
					mday;

		/* the undrilled layer: drills of the current year */
		j2date(GetSQLCurrentDate() + POSTGRES_EPOCH_JDATE, &year, &mon, &mday);
	}

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
		rows = riskmap_draw_layer(st->r, l, year, "riskmap.tile");
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
