/*
 * print_fmgr.c — riskmap.map_pdf, riskmap.atlas_pdf, riskmap.map_sheet_frame.
 *
 * Thin glue: checks the arguments, reads the sheet's extent and table rows
 * through SPI (riskmap._sheet_extent, riskmap.sheet_sources), lays the page
 * out (plugin/core/rm_sheet.c), draws the style's layers into the map frame
 * with the tiles' renderer and layer queries (render_layers.c), then the
 * decorations, and returns the PDF. The sheet and renderer hold cairo/pango
 * handles and malloc'd memory: a reset callback on the caller's memory
 * context releases them if an ERROR (or a cancel) leaves early.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/memutils.h"

#include "render_layers.h"
#include "rm_render.h"
#include "rm_sheet.h"

PG_FUNCTION_INFO_V1(riskmap_map_pdf);
PG_FUNCTION_INFO_V1(riskmap_atlas_pdf);
PG_FUNCTION_INFO_V1(riskmap_map_sheet_frame);

typedef struct print_state
{
	MemoryContextCallback cb;
	rm_sheet   *sheet;
	rm_render  *r;
	unsigned char *pdf;			/* malloc'd */
} print_state;

static void
print_state_release(void *arg)
{
	print_state *st = arg;

	if (st->r)
		rm_render_free(st->r);
	st->r = NULL;
	if (st->sheet)
		rm_sheet_free(st->sheet);
	st->sheet = NULL;
	free(st->pdf);
	st->pdf = NULL;
}

typedef struct sheet_args
{
	const char *who;
	char	   *style_name;
	char	   *paper;
	bool		landscape;
	DateADT		as_of;
	int			year,
				month,
				day;
} sheet_args;

static void
get_sheet_args(FunctionCallInfo fcinfo, int first, sheet_args *a, const char *who)
{
	static const char *const names[4] = {"p_style", "p_paper", "p_landscape", "p_as_of"};
	int			i;
	char		err[256];
	double		w,
				h;

	a->who = who;
	for (i = 0; i < 4; i++)
		if (PG_ARGISNULL(first + i))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: %s must not be NULL", who, names[i])));
	a->style_name = text_to_cstring(PG_GETARG_TEXT_PP(first));
	a->paper = text_to_cstring(PG_GETARG_TEXT_PP(first + 1));
	a->landscape = PG_GETARG_BOOL(first + 2);
	a->as_of = PG_GETARG_DATEADT(first + 3);
	if (DATE_NOT_FINITE(a->as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: p_as_of must be a finite date", who)));
	if (rm_sheet_paper(a->paper, a->landscape, &w, &h, err, sizeof err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s", who, err)));
	j2date(a->as_of + POSTGRES_EPOCH_JDATE, &a->year, &a->month, &a->day);
}

/* The extent and the name of the sheet of district code (NULL: the city). */
static void
sheet_extent(const char *who, const char *code, double box[4], char **name)
{
	Datum		arg = code ? CStringGetTextDatum(code) : (Datum) 0;
	Oid			type = TEXTOID;
	int			rc,
				i;
	bool		isnull;

	rc = SPI_execute_with_args("SELECT * FROM riskmap._sheet_extent($1)", 1, &type, &arg, code ? NULL : "n",
							   true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "%s: reading the sheet's extent failed: %s", who, SPI_result_code_string(rc));
	for (i = 0; i < 4; i++)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);

		box[i] = isnull ? 0 : DatumGetFloat8(d);
	}
	*name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5);
	if (!*name)
		*name = code ? pstrdup(code) : "全市";
}

static void
make_layout(const sheet_args *a, const char *code, rm_sheet_layout *lo, char **name)
{
	double		box[4];
	char		err[256];

	sheet_extent(a->who, code, box, name);
	if (rm_sheet_layout_make(a->paper, a->landscape, box, lo, err, sizeof err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s%s%s", a->who, err, code ? " for district " : "", code ? code : "")));
}

/* What a style's sheet is called and what its map shows. */
static const char *const style_text[][3] = {
	{"risk", "风险源与演练覆盖图", "风险源影响范围按等级着色，斜线为本年度未安排演练的高风险区域"},
	{"evacuation", "人员疏散分区图", "疏散分区、避难场所与无法安置的人口"},
	{"clearance", "疏散能力核查图", "高风险区域能否在预案时限内完成疏散，以及疏散瓶颈路段"},
};

static const char *
style_says(const char *style, int what)
{
	size_t		i;

	for (i = 0; i < lengthof(style_text); i++)
		if (strcmp(style, style_text[i][0]) == 0)
			return style_text[i][what];
	return what == 1 ? "应急地图" : "地图图层";
}

/* One page: the map of code (NULL: the city) on st->sheet (made on first use). */
static void
draw_page(print_state *st, const sheet_args *a, const rm_style *style, const char *code)
{
	rm_sheet_layout lo;
	char	   *name;
	int			i,
				nrows,
				rc;
	rm_sheet_row *rows;
	rm_sheet_text tx;
	cairo_t    *cr;

	make_layout(a, code, &lo, &name);
	if (!st->sheet)
	{
		st->sheet = rm_sheet_new(&lo, style->font);
		if (!st->sheet)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("%s: cannot create the PDF surface", a->who)));
	}
	if (rm_sheet_page_begin(st->sheet, &lo))
		elog(ERROR, "%s: %s", a->who, rm_sheet_error(st->sheet));

	/* the map: the tiles' layers through the frame's projection */
	cr = rm_sheet_map_begin(st->sheet);
	st->r = rm_render_new_proj(style, &lo.proj, cr);
	if (!st->r)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("%s: cannot create the renderer", a->who)));
	for (i = 0; i < style->nlayers; i++)
		if (rm_render_layer_visible(st->r, &style->layers[i]))
			(void) riskmap_draw_layer(st->r, &style->layers[i], a->year, a->who);
	if (code)
	{
		/* the district stands out: its neighbours veiled, its border bold */
		Datum		arg = CStringGetTextDatum(code);
		Oid			type = TEXTOID;

		rc = SPI_execute_with_args("SELECT ST_AsEWKB(geom) FROM riskmap.district WHERE code = $1", 1, &type, &arg,
								   NULL, true, 1);
		if (rc == SPI_OK_SELECT && SPI_processed == 1)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			if (!isnull)
			{
				bytea	   *b = DatumGetByteaPP(d);
				const rm_color veil = {1, 1, 1, 0.55},
							outline = {0.17, 0.13, 0.25, 1};

				if (rm_render_mask_outside(st->r, (const unsigned char *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b),
										   veil, outline, 2.6))
					elog(ERROR, "%s: %s", a->who, rm_render_error(st->r));
			}
		}
	}
	rm_render_free(st->r);
	st->r = NULL;
	if (rm_sheet_map_end(st->sheet))
		elog(ERROR, "%s: %s", a->who, rm_sheet_error(st->sheet));

	/* the table */
	{
		Datum		args[2];
		Oid			types[2] = {TEXTOID, DATEOID};

		args[0] = code ? CStringGetTextDatum(code) : (Datum) 0;
		args[1] = DateADTGetDatum(a->as_of);
		rc = SPI_execute_with_args("SELECT name, risk_level, lon, lat FROM riskmap.sheet_sources($1, $2)",
								   2, types, args, code ? "  " : "n ", true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "%s: reading the source table failed: %s", a->who, SPI_result_code_string(rc));
	}
	nrows = (int) SPI_processed;
	rows = palloc0(sizeof(rm_sheet_row) * (nrows + 1));
	for (i = 0; i < nrows; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		n1,
					n2,
					n3;
		Datum		lev = SPI_getbinval(t, td, 2, &n1),
					lon = SPI_getbinval(t, td, 3, &n2),
					lat = SPI_getbinval(t, td, 4, &n3);

		rows[i].name = SPI_getvalue(t, td, 1);
		rows[i].level = n1 ? 4 : DatumGetInt16(lev);
		rows[i].lon = n2 ? NAN : DatumGetFloat8(lon);
		rows[i].lat = n3 ? NAN : DatumGetFloat8(lat);
	}
	tx.title = psprintf("%s%s", name, style_says(a->style_name, 1));
	tx.subtitle = psprintf("%s · 数据截至 %d年%d月%d日", style_says(a->style_name, 2), a->year, a->month, a->day);
	tx.table_title = psprintf("%d年未安排演练的高风险风险源（共 %d 处）", a->year, nrows);
	tx.footer = psprintf("riskmap 生成 · 参考网格：列 A–%c 自西向东，行 1–%d 自北向南 · Web 墨卡托投影，比例尺按图幅中心纬度",
						 'A' + lo.cols - 1, lo.rows);
	if (rm_sheet_decorate(st->sheet, style, &tx, rows, nrows))
		elog(ERROR, "%s: %s", a->who, rm_sheet_error(st->sheet));
}

static bytea *
finish(print_state *st, const char *who, MemoryContext caller)
{
	size_t		len;
	bytea	   *result;

	if (rm_sheet_finish(st->sheet, &st->pdf, &len))
		elog(ERROR, "%s: %s", who, rm_sheet_error(st->sheet));
	result = (bytea *) MemoryContextAlloc(caller, len + VARHDRSZ);
	SET_VARSIZE(result, len + VARHDRSZ);
	memcpy(VARDATA(result), st->pdf, len);
	print_state_release(st);
	return result;
}

static print_state *
begin(MemoryContext caller, const char *who)
{
	print_state *st = palloc0(sizeof *st);
	int			rc;

	st->cb.func = print_state_release;
	st->cb.arg = st;
	MemoryContextRegisterResetCallback(caller, &st->cb);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "%s: SPI_connect failed: %s", who, SPI_result_code_string(rc));
	return st;
}

Datum
riskmap_map_pdf(PG_FUNCTION_ARGS)
{
	const char *who = "riskmap.map_pdf";
	MemoryContext caller = CurrentMemoryContext;
	sheet_args	a;
	char	   *code = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	print_state *st;
	rm_style   *style;
	bytea	   *result;

	get_sheet_args(fcinfo, 1, &a, who);
	st = begin(caller, who);
	style = riskmap_load_style(a.style_name, who);
	draw_page(st, &a, style, code);
	result = finish(st, who, caller);
	SPI_finish();
	PG_RETURN_BYTEA_P(result);
}

Datum
riskmap_atlas_pdf(PG_FUNCTION_ARGS)
{
	const char *who = "riskmap.atlas_pdf";
	MemoryContext caller = CurrentMemoryContext;
	sheet_args	a;
	print_state *st;
	rm_style   *style;
	bytea	   *result;
	int			rc,
				n,
				i;
	char	  **codes;

	get_sheet_args(fcinfo, 0, &a, who);
	st = begin(caller, who);
	style = riskmap_load_style(a.style_name, who);
	rc = SPI_execute("SELECT code FROM riskmap.district ORDER BY code", true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "%s: reading the districts failed: %s", who, SPI_result_code_string(rc));
	n = (int) SPI_processed;
	codes = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
		codes[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	draw_page(st, &a, style, NULL);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		draw_page(st, &a, style, codes[i]);
	}
	result = finish(st, who, caller);
	SPI_finish();
	PG_RETURN_BYTEA_P(result);
}

/* riskmap.map_sheet_frame(p_district, p_paper, p_landscape): the frame's
 * lon/lat box and grid, so that a grid square can be checked from outside. */
Datum
riskmap_map_sheet_frame(PG_FUNCTION_ARGS)
{
	const char *who = "riskmap.map_sheet_frame";
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	sheet_args	a;
	char	   *code = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	rm_sheet_layout lo;
	char	   *name;
	Datum		values[8];
	bool		nulls[8] = {0};
	double		lon0,
				lat0,
				lon1,
				lat1;
	int			rc;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: p_paper and p_landscape must not be NULL", who)));
	memset(&a, 0, sizeof a);
	a.who = who;
	a.paper = text_to_cstring(PG_GETARG_TEXT_PP(1));
	a.landscape = PG_GETARG_BOOL(2);
	InitMaterializedSRF(fcinfo, 0);
	if ((rc = SPI_connect()) != SPI_OK_CONNECT)
		elog(ERROR, "%s: SPI_connect failed: %s", who, SPI_result_code_string(rc));
	make_layout(&a, code, &lo, &name);
	SPI_finish();
	rm_proj_inverse(&lo.proj, 0, lo.map_h, &lon0, &lat0);
	rm_proj_inverse(&lo.proj, lo.map_w, 0, &lon1, &lat1);
	values[0] = Float8GetDatum(lon0);
	values[1] = Float8GetDatum(lat0);
	values[2] = Float8GetDatum(lon1);
	values[3] = Float8GetDatum(lat1);
	values[4] = Int32GetDatum(lo.cols);
	values[5] = Int32GetDatum(lo.rows);
	values[6] = Float8GetDatum(lo.map_w);
	values[7] = Float8GetDatum(lo.map_h);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
