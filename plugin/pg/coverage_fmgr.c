/*
 * coverage_fmgr.c — fmgr glue for ground buffers/areas and coverage gaps.
 *
 *   riskmap._ground_buffer(ewkb bytea, radius_m float8, what text) -> bytea
 *   riskmap._ground_area(ewkb bytea) -> float8
 *   riskmap._coverage_gaps(reach float8, max_level int, district text, kinds text[])
 *       -> SETOF (district_code text, gap bytea, gap_area_m2 float8,
 *                 exposed_people float8, source_ids int8[])
 *
 * Arguments in, SPI, results out; the geometry work is in plugin/core
 * (rm_metric.c, rm_coverage.c). The core never longjmps; it returns an error
 * code after releasing its GEOS objects, and polls rm_pg_interrupted() between
 * steps. A result still held when an ERROR unwinds is released by a memory
 * context reset callback.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "rm_coverage.h"
#include "rm_metric.h"
#include "rm_pg.h"
#include "riskmap_pg.h"

PG_FUNCTION_INFO_V1(riskmap_ground_buffer);
PG_FUNCTION_INFO_V1(riskmap_ground_area);
PG_FUNCTION_INFO_V1(riskmap_coverage_gaps);

/* ---------------------------------------------------------------------- */

Datum
riskmap_ground_buffer(PG_FUNCTION_ARGS)
{
	bytea	   *wkb;
	double		r;
	const char *what;
	rm_geo	   *geo;
	GEOSContextHandle_t h;
	GEOSGeometry *g,
			   *b;
	unsigned char *buf;
	size_t		len;
	int			srid;
	char		msg[600];
	bytea	   *out;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	wkb = PG_GETARG_BYTEA_PP(0);
	r = PG_GETARG_FLOAT8(1);
	what = PG_ARGISNULL(2) ? "geometry" : text_to_cstring(PG_GETARG_TEXT_PP(2));

	if (isnan(r) || r < 0 || r > RM_MAX_RADIUS_M)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: radius %g m is out of range [0, %g]", what, r, RM_MAX_RADIUS_M)));

	geo = rm_pg_geo();
	h = rm_geo_geos(geo);
	g = rm_wkb_read(geo, (const unsigned char *) VARDATA_ANY(wkb), VARSIZE_ANY_EXHDR(wkb));
	if (!g)
	{
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: invalid geometry: %s", what, rm_geo_error(geo))));
	}
	srid = GEOSGetSRID_r(h, g);
	if (srid != 0 && srid != 4326)
	{
		GEOSGeom_destroy_r(h, g);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: geometry has SRID %d, expected 4326 (lon/lat)", what, srid)));
	}
	if (!rm_check_lonlat(geo, g))
	{
		snprintf(msg, sizeof msg, "%s", rm_geo_error(geo));
		GEOSGeom_destroy_r(h, g);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s", what, msg)));
	}
	{
		int			nv = GEOSGetNumCoordinates_r(h, g);

		if (nv > riskmap_max_vertices)
		{
			GEOSGeom_destroy_r(h, g);
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s: geometry has %d vertices, more than riskmap.max_vertices (%d)", what, nv,
							riskmap_max_vertices),
					 errhint("Simplify the geometry, or raise riskmap.max_vertices.")));
		}
	}
	b = rm_ground_buffer(geo, g, r, RM_CIRCLE_SEGMENTS);
	GEOSGeom_destroy_r(h, g);
	if (!b)
	{
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("%s: ground buffer failed: %s", what, rm_geo_error(geo))));
	}
	buf = rm_wkb_write(geo, b, &len);
	GEOSGeom_destroy_r(h, b);
	if (!buf)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("%s: %s", what, rm_geo_error(geo))));
	/* palloc may ERROR (out of memory): free the core's malloc'ed EWKB then too */
	PG_TRY();
	{
		out = rm_pg_bytea(buf, len);
	}
	PG_CATCH();
	{
		rm_wkb_free(geo, buf);
		PG_RE_THROW();
	}
	PG_END_TRY();
	rm_wkb_free(geo, buf);
	PG_RETURN_BYTEA_P(out);
}

Datum
riskmap_ground_area(PG_FUNCTION_ARGS)
{
	bytea	   *wkb = PG_GETARG_BYTEA_PP(0);
	rm_geo	   *geo = rm_pg_geo();
	GEOSGeometry *g;
	double		a;
	char		msg[600];

	g = rm_wkb_read(geo, (const unsigned char *) VARDATA_ANY(wkb), VARSIZE_ANY_EXHDR(wkb));
	if (!g)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid geometry: %s", rm_geo_error(geo))));
	a = rm_ground_area(geo, g);
	GEOSGeom_destroy_r(rm_geo_geos(geo), g);
	if (isnan(a))
	{
		snprintf(msg, sizeof msg, "%s", rm_geo_error(geo));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ground area: %s", msg)));
	}
	PG_RETURN_FLOAT8(a);
}

/* ---------------------------------------------------------------------- */
/* coverage_gaps */

static const char *const shelter_kinds[] = {"shelter", "hospital", "fire_station", "warehouse"};

typedef struct cov_holder
{
	MemoryContextCallback cb;
	rm_cov_result res;
	rm_cov_run *run;
	double	   *boxes;
} cov_holder;

static void
cov_holder_release(void *arg)
{
	cov_holder *hd = arg;

	rm_cov_run_free(hd->run);
	hd->run = NULL;
	free(hd->boxes);
	hd->boxes = NULL;
	rm_cov_result_free(&hd->res);
}

/* Raises the error of a failed core call (nothing is held by the core). */
static void
cov_raise(rm_geo *geo, int rc)
{
	if (rc == RM_EINTERRUPTED)
		rm_pg_raise(rc, NULL, NULL);
	rm_pg_raise(rc, "coverage_gaps", rm_geo_error(geo));
}

static int
cmp_district(const void *a, const void *b)
{
	return strcmp(((const rm_cov_district *) a)->code, ((const rm_cov_district *) b)->code);
}

static int
find_district(const rm_cov_district *d, size_t n, const char *code)
{
	size_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		size_t		mid = (lo + hi) / 2;
		int			c = strcmp(d[mid].code, code);

		if (c == 0)
			return (int) mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The arguments of coverage_gaps, checked (22023 naming the bad one). */
typedef struct cov_args
{
	double		reach;
	int			max_level;
	char	   *district;		/* NULL: every district */
	ArrayType  *kinds;			/* NULL: every shelter kind */
} cov_args;

static void
cov_read_args(FunctionCallInfo fcinfo, cov_args *a)
{
	memset(a, 0, sizeof *a);
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coverage_gaps: p_reach_m must not be NULL")));
	a->reach = PG_GETARG_FLOAT8(0);
	if (isnan(a->reach) || a->reach < 0 || a->reach > RM_MAX_RADIUS_M)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coverage_gaps: p_reach_m %g is out of range [0, %g]", a->reach, RM_MAX_RADIUS_M)));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coverage_gaps: p_max_level must not be NULL")));
	a->max_level = PG_GETARG_INT32(1);
	if (a->max_level < 1 || a->max_level > 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coverage_gaps: p_max_level %d is out of range 1..4", a->max_level)));
	if (!PG_ARGISNULL(2))
		a->district = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (!PG_ARGISNULL(3))
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		a->kinds = PG_GETARG_ARRAYTYPE_P(3);
		if (ARR_NDIM(a->kinds) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("coverage_gaps: p_kinds must be a one-dimensional array")));
		deconstruct_array(a->kinds, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
		{
			char	   *k;
			bool		known = false;

			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("coverage_gaps: p_kinds contains NULL")));
			k = TextDatumGetCString(elems[i]);
			for (int j = 0; j < (int) lengthof(shelter_kinds); j++)
				if (strcmp(k, shelter_kinds[j]) == 0)
					known = true;
			if (!known)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("coverage_gaps: unknown shelter kind \"%s\"", k),
						 errhint("Known kinds: shelter, hospital, fire_station, warehouse.")));
		}
	}
}

/* ERROR 22023 unless the district exists (inside SPI). */
static void
cov_check_district(const char *district)
{
	Oid			t[1] = {TEXTOID};
	Datum		v[1] = {CStringGetTextDatum(district)};

	if (SPI_execute_with_args("SELECT 1 FROM riskmap.district WHERE code = $1",
							  1, t, v, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "coverage_gaps: district lookup failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coverage_gaps: unknown district code \"%s\"", district)));
}

/*
 * The table readers below run one SPI query each and copy its rows into
 * cxt (they outlive SPI_finish); rows with NULLs where a value is needed are
 * skipped. *n is the number of entries.
 */

/* Every district with a geometry (border cells are assigned among all of
 * them), sorted by code; `selected` marks `district` (all when NULL). */
static rm_cov_district *
cov_read_districts(MemoryContext cxt, const char *district, size_t *n)
{
	rm_cov_district *dists;
	MemoryContext oldcxt;
	size_t		nd;

	if (SPI_execute("SELECT code, ST_AsEWKB(geom) FROM riskmap.district "
					"WHERE geom IS NOT NULL", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "coverage_gaps: reading districts failed");
	nd = SPI_processed;
	oldcxt = MemoryContextSwitchTo(cxt);
	dists = palloc0(sizeof(rm_cov_district) * (nd ? nd : 1));
	for (size_t i = 0; i < nd; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bytea	   *b = rm_spi_bytea(tup, td, 2);

		dists[i].code = SPI_getvalue(tup, td, 1);
		if (b)
		{
			dists[i].wkb = (const unsigned char *) VARDATA(b);
			dists[i].wkb_len = VARSIZE(b) - VARHDRSZ;
		}
		dists[i].selected = district == NULL || strcmp(dists[i].code, district) == 0;
	}
	MemoryContextSwitchTo(oldcxt);
	qsort(dists, nd, sizeof *dists, cmp_district);
	SPI_freetuptable(SPI_tuptable);
	*n = nd;
	return dists;
}

/* The sources of risk_level <= max_level, by id. */
static rm_cov_source *
cov_read_sources(MemoryContext cxt, int max_level, size_t *n)
{
	Oid			t[1] = {INT4OID};
	Datum		v[1] = {Int32GetDatum(max_level)};
	rm_cov_source *srcs;
	MemoryContext oldcxt;
	size_t		k = 0;

	if (SPI_execute_with_args("SELECT id, ST_AsEWKB(geom), impact_radius_m "
							  "FROM riskmap.risk_source WHERE risk_level <= $1 ORDER BY id",
							  1, t, v, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "coverage_gaps: reading risk sources failed");
	oldcxt = MemoryContextSwitchTo(cxt);
	srcs = palloc0(sizeof(rm_cov_source) * (SPI_processed ? SPI_processed : 1));
	for (size_t i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		n1,
					n3;
		int64		id = rm_spi_int8(tup, td, 1, &n1);
		double		r = rm_spi_float8(tup, td, 3, &n3);
		bytea	   *b;

		if (n1 || n3)
			continue;
		b = rm_spi_bytea(tup, td, 2);
		if (!b)
			continue;
		srcs[k].id = id;
		srcs[k].wkb = (const unsigned char *) VARDATA(b);
		srcs[k].wkb_len = VARSIZE(b) - VARHDRSZ;
		srcs[k].radius_m = r;
		k++;
	}
	MemoryContextSwitchTo(oldcxt);
	SPI_freetuptable(SPI_tuptable);
	*n = k;
	return srcs;
}

/* The shelter points of the given kinds (all when NULL), by id. */
static rm_cov_point *
cov_read_shelters(MemoryContext cxt, ArrayType *kinds, size_t *n)
{
	Oid			t[1] = {TEXTARRAYOID};
	Datum		v[1] = {PointerGetDatum(kinds)};
	char		nl[2] = {kinds ? ' ' : 'n', '\0'};
	rm_cov_point *shel;
	MemoryContext oldcxt;
	size_t		k = 0;

	if (SPI_execute_with_args("SELECT ST_X(geom), ST_Y(geom) FROM riskmap.shelter "
							  "WHERE ($1::text[] IS NULL OR kind = ANY ($1)) ORDER BY id",
							  1, t, v, nl, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "coverage_gaps: reading shelters failed");
	oldcxt = MemoryContextSwitchTo(cxt);
	shel = palloc0(sizeof(rm_cov_point) * (SPI_processed ? SPI_processed : 1));
	for (size_t i = 0; i < SPI_processed; i++)
	{
		bool		n1,
					n2;
		double		x = rm_spi_float8(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &n1);
		double		y = rm_spi_float8(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &n2);

		if (n1 || n2)
			continue;
		shel[k].x = x;
		shel[k].y = y;
		k++;
	}
	MemoryContextSwitchTo(oldcxt);
	SPI_freetuptable(SPI_tuptable);
	*n = k;
	return shel;
}

/*
 * The centroids of the populated cells whose bounding box meets one of the
 * nbox envelopes (x0, y0, x1, y1): only those can have their centroid in a
 * gap. The GiST index finds them (one bitmap index probe per envelope), and
 * ST_Centroid runs on those only.
 */
static rm_cov_cell *
cov_read_cells(MemoryContext cxt, const double *boxes, size_t nbox,
			   const rm_cov_district *dists, size_t nd, size_t *n)
{
	Datum	   *bv = palloc(sizeof(Datum) * (nbox ? 4 * nbox : 1));
	Oid			t[1] = {FLOAT8ARRAYOID};
	Datum		v[1];
	rm_cov_cell *cells;
	MemoryContext oldcxt;
	size_t		k = 0;

	for (size_t i = 0; i < 4 * nbox; i++)
		bv[i] = Float8GetDatum(boxes[i]);
	v[0] = PointerGetDatum(construct_array(bv, (int) (4 * nbox), FLOAT8OID, sizeof(float8),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	if (SPI_execute_with_args("SELECT ST_X(c), ST_Y(c), people, district_code FROM "
							  "(SELECT ST_Centroid(p.geom) AS c, p.people, p.district_code "
							  "   FROM riskmap.population p "
							  "  WHERE p.people > 0 AND p.geom && ANY (ARRAY("
							  "        SELECT ST_MakeEnvelope($1[i], $1[i + 1], $1[i + 2], $1[i + 3], 4326) "
							  "          FROM generate_series(1, cardinality($1), 4) AS i))) q",
							  1, t, v, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "coverage_gaps: reading population failed");
	oldcxt = MemoryContextSwitchTo(cxt);
	cells = palloc0(sizeof(rm_cov_cell) * (SPI_processed ? SPI_processed : 1));
	for (size_t i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		n1,
					n2,
					n3;
		double		x = rm_spi_float8(tup, td, 1, &n1);
		double		y = rm_spi_float8(tup, td, 2, &n2);
		double		p = rm_spi_float8(tup, td, 3, &n3);
		char	   *code;

		if (n1 || n2 || n3)
			continue;
		code = SPI_getvalue(tup, td, 4);
		cells[k].x = x;
		cells[k].y = y;
		cells[k].people = p;
		cells[k].district = code ? find_district(dists, nd, code) : -1;
		if (code)
			pfree(code);
		k++;
	}
	MemoryContextSwitchTo(oldcxt);
	SPI_freetuptable(SPI_tuptable);
	*n = k;
	return cells;
}

/* One result row per gap. */
static void
cov_emit_rows(ReturnSetInfo *rsinfo, const rm_cov_result *res, const rm_cov_district *dists)
{
	for (size_t i = 0; i < res->n_gaps; i++)
	{
		const rm_cov_gap *g = &res->gaps[i];
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		Datum	   *ids = palloc(sizeof(Datum) * (g->n_source_ids ? g->n_source_ids : 1));

		for (size_t k = 0; k < g->n_source_ids; k++)
			ids[k] = Int64GetDatum(g->source_ids[k]);
		values[0] = CStringGetTextDatum(dists[g->district].code);
		values[1] = PointerGetDatum(rm_pg_bytea(g->wkb, g->wkb_len));
		values[2] = Float8GetDatum(g->area_m2);
		values[3] = Float8GetDatum(g->people);
		values[4] = PointerGetDatum(construct_array(ids, (int) g->n_source_ids, INT8OID,
													sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

Datum
riskmap_coverage_gaps(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cov_args	a;
	MemoryContext cxt;
	cov_holder *hd;
	rm_cov_input in;
	rm_cov_district *dists;
	size_t		nd;
	rm_geo	   *geo;
	int			rc;

	cov_read_args(fcinfo, &a);
	InitMaterializedSRF(fcinfo, 0);

	/* what the core mallocs is released with cxt, also when an ERROR unwinds */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "riskmap coverage_gaps", ALLOCSET_DEFAULT_SIZES);
	hd = MemoryContextAllocZero(cxt, sizeof *hd);
	hd->cb.func = cov_holder_release;
	hd->cb.arg = hd;
	MemoryContextRegisterResetCallback(cxt, &hd->cb);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "coverage_gaps: SPI_connect failed");
	if (a.district)
		cov_check_district(a.district);

	/* pass 1: the gaps (without people) */
	memset(&in, 0, sizeof in);
	in.districts = dists = cov_read_districts(cxt, a.district, &nd);
	in.n_districts = nd;
	in.sources = cov_read_sources(cxt, a.max_level, &in.n_sources);
	in.shelters = cov_read_shelters(cxt, a.kinds, &in.n_shelters);
	in.reach_m = a.reach;
	in.nseg = RM_CIRCLE_SEGMENTS;
	in.interrupted = rm_pg_interrupted;
	geo = rm_pg_geo();
	rc = rm_cov_run_gaps(geo, &in, &hd->run, &hd->res);
	if (rc != RM_OK)
		cov_raise(geo, rc);

	/* pass 2: the people of the cells that can lie in a gap */
	if (hd->res.n_gaps > 0)
	{
		size_t		nbox = 0,
					nc;
		rm_cov_cell *cells;

		rc = rm_cov_run_boxes(hd->run, &hd->boxes, &nbox);
		if (rc != RM_OK)
			cov_raise(geo, rc);
		cells = cov_read_cells(cxt, hd->boxes, nbox, dists, nd, &nc);
		rc = rm_cov_run_people(hd->run, cells, nc, &hd->res);
		if (rc != RM_OK)
			cov_raise(geo, rc);
	}
	rm_cov_run_free(hd->run);
	hd->run = NULL;

	cov_emit_rows(rsinfo, &hd->res, dists);
	SPI_finish();
	/* runs cov_holder_release */
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
