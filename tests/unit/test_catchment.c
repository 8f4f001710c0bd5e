/*
 * test_catchment.c — rm_catchment_owner and rm_catchments: polygon cells
 * unioned per shelter, point cells split by Voronoi within a clip region,
 * shelters without cells, interrupts, unreadable cells. Geometries are
 * built and measured with GEOS (the library the core uses), never compared
 * as bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <geos_c.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rm_catchment.h"

static GEOSContextHandle_t h;

static int
setup(void **state)
{
	(void) state;
	h = GEOS_init_r();
	return h ? 0 : -1;
}

static int
teardown(void **state)
{
	(void) state;
	GEOS_finish_r(h);
	return 0;
}

/* EWKB (SRID 4326) of a WKT, malloc'ed. */
static unsigned char *
ewkb(const char *wkt, size_t *len)
{
	GEOSWKTReader *r = GEOSWKTReader_create_r(h);
	GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
	GEOSGeometry *g = GEOSWKTReader_read_r(h, r, wkt);
	unsigned char *buf, *out;

	assert_non_null(g);
	GEOSSetSRID_r(h, g, 4326);
	GEOSWKBWriter_setIncludeSRID_r(h, w, 1);
	buf = GEOSWKBWriter_write_r(h, w, g, len);
	out = malloc(*len);
	memcpy(out, buf, *len);
	GEOSFree_r(h, buf);
	GEOSGeom_destroy_r(h, g);
	GEOSWKBWriter_destroy_r(h, w);
	GEOSWKTReader_destroy_r(h, r);
	return out;
}

static GEOSGeometry *
read_ewkb(const unsigned char *b, size_t len)
{
	GEOSWKBReader *r = GEOSWKBReader_create_r(h);
	GEOSGeometry *g = GEOSWKBReader_read_r(h, r, b, len);

	GEOSWKBReader_destroy_r(h, r);
	assert_non_null(g);
	return g;
}

static double
area(const GEOSGeometry *g)
{
	double a = -1;

	assert_int_equal(GEOSArea_r(h, g, &a), 1);
	return a;
}

/* Area of a ∩ b. */
static double
overlap(const GEOSGeometry *a, const GEOSGeometry *b)
{
	GEOSGeometry *i = GEOSIntersection_r(h, a, b);
	double v;

	assert_non_null(i);
	v = area(i);
	GEOSGeom_destroy_r(h, i);
	return v;
}

static int
covers_wkt(const GEOSGeometry *g, const char *wkt)
{
	GEOSWKTReader *r = GEOSWKTReader_create_r(h);
	GEOSGeometry *p = GEOSWKTReader_read_r(h, r, wkt);
	int c = GEOSCovers_r(h, g, p);

	GEOSGeom_destroy_r(h, p);
	GEOSWKTReader_destroy_r(h, r);
	return c == 1;
}

/* ------------------------------------------------------------------ */

static void
test_owner_largest_share(void **state)
{
	/* cell 0: 60 to shelter 1, 40 to shelter 0 -> 1
	 * cell 1: 50 / 50 between shelters 2 and 0 -> 0 (lower index)
	 * cell 2: 30 to shelter 0, 70 unserved -> none
	 * cell 3: 30 to shelter 2, 30 unserved -> 2 (not strictly larger)
	 * cell 4: no row -> none */
	rm_evac_row rows[] = {
	    {0, 0, 40, 10},
	    {0, 1, 60, 20},
	    {1, 2, 50, 10},
	    {1, 0, 50, 30},
	    {2, 0, 30, 10},
	    {2, -1, 70, NAN},
	    {3, 2, 30, 10},
	    {3, -1, 30, NAN},
	};
	int32_t owner[5];

	(void) state;
	rm_catchment_owner(rows, sizeof rows / sizeof rows[0], 5, owner);
	assert_int_equal(owner[0], 1);
	assert_int_equal(owner[1], 0);
	assert_int_equal(owner[2], -1);
	assert_int_equal(owner[3], 2);
	assert_int_equal(owner[4], -1);
}

static void
test_polygon_cells_union(void **state)
{
	/* a 2 x 2 grid of 0.01° cells; shelter 0 owns the two western ones,
	 * shelter 1 the north-east one, nobody the south-east one, shelter 2
	 * nothing */
	const char *wkt[4] = {
	    "POLYGON((106.50 29.50, 106.51 29.50, 106.51 29.51, 106.50 29.51, 106.50 29.50))",
	    "POLYGON((106.50 29.51, 106.51 29.51, 106.51 29.52, 106.50 29.52, 106.50 29.51))",
	    "POLYGON((106.51 29.51, 106.52 29.51, 106.52 29.52, 106.51 29.52, 106.51 29.51))",
	    "POLYGON((106.51 29.50, 106.52 29.50, 106.52 29.51, 106.51 29.51, 106.51 29.50))",
	};
	unsigned char *cell[4];
	size_t len[4];
	int32_t owner[4] = {0, 0, 1, -1};
	unsigned char *out[3] = {NULL, NULL, NULL};
	size_t out_len[3] = {0, 0, 0};
	char err[256] = "";
	rm_catch_input in = {0};
	GEOSGeometry *c0, *c1;

	(void) state;
	for (int i = 0; i < 4; i++)
		cell[i] = ewkb(wkt[i], &len[i]);
	in.n_cells = 4;
	in.wkb = (const unsigned char *const *) cell;
	in.wkb_len = len;
	in.owner = owner;
	in.n_shelters = 3;
	assert_int_equal(rm_catchments(&in, NULL, out, out_len, err, sizeof err), 0);
	assert_non_null(out[0]);
	assert_non_null(out[1]);
	/* a shelter that owns no cell gets an empty MultiPolygon (rm_catchment.h
	 * says NULL; the top comment's "possibly empty" is what the code does) */
	assert_non_null(out[2]);
	{
		GEOSGeometry *c2 = read_ewkb(out[2], out_len[2]);

		assert_int_equal(GEOSGeomTypeId_r(h, c2), GEOS_MULTIPOLYGON);
		assert_int_equal(GEOSisEmpty_r(h, c2), 1);
		GEOSGeom_destroy_r(h, c2);
	}

	c0 = read_ewkb(out[0], out_len[0]);
	c1 = read_ewkb(out[1], out_len[1]);
	assert_int_equal(GEOSGeomTypeId_r(h, c0), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSGeomTypeId_r(h, c1), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSGetSRID_r(h, c0), 4326);
	/* the two western cells merged into one polygon of their summed area */
	assert_int_equal(GEOSGetNumGeometries_r(h, c0), 1);
	assert_true(fabs(area(c0) - 2e-4) < 1e-12);
	assert_true(fabs(area(c1) - 1e-4) < 1e-12);
	assert_true(overlap(c0, c1) < 1e-15);
	/* the unowned south-east cell is in neither */
	assert_false(covers_wkt(c0, "POINT(106.515 29.505)"));
	assert_false(covers_wkt(c1, "POINT(106.515 29.505)"));
	assert_true(covers_wkt(c0, "POINT(106.505 29.515)"));

	GEOSGeom_destroy_r(h, c0);
	GEOSGeom_destroy_r(h, c1);
	rm_catchment_free_output(out, 3);
	assert_null(out[0]);
	for (int i = 0; i < 4; i++)
		free(cell[i]);
}

static void
test_point_cells_voronoi(void **state)
{
	/* four points in a row inside a clip box; the two western ones go to
	 * shelter 0, the two eastern ones to shelter 1: the catchments split the
	 * box at the bisector x = 106.525 */
	const char *wkt[4] = {
	    "POINT(106.505 29.51)",
	    "POINT(106.515 29.51)",
	    "POINT(106.535 29.51)",
	    "POINT(106.545 29.51)",
	};
	unsigned char *cell[4], *clip;
	size_t len[4], clip_len;
	int32_t owner[4] = {0, 0, 1, 1};
	unsigned char *out[2] = {NULL, NULL};
	size_t out_len[2] = {0, 0};
	char err[256] = "";
	rm_catch_input in = {0};
	GEOSGeometry *c0, *c1;
	double box = 0.05 * 0.02;

	(void) state;
	for (int i = 0; i < 4; i++)
		cell[i] = ewkb(wkt[i], &len[i]);
	clip = ewkb("MULTIPOLYGON(((106.50 29.50, 106.55 29.50, 106.55 29.52, 106.50 29.52, 106.50 29.50)))", &clip_len);
	in.n_cells = 4;
	in.wkb = (const unsigned char *const *) cell;
	in.wkb_len = len;
	in.owner = owner;
	in.n_shelters = 2;
	in.clip_wkb = clip;
	in.clip_len = clip_len;
	assert_int_equal(rm_catchments(&in, NULL, out, out_len, err, sizeof err), 0);
	assert_non_null(out[0]);
	assert_non_null(out[1]);
	c0 = read_ewkb(out[0], out_len[0]);
	c1 = read_ewkb(out[1], out_len[1]);
	/* a partition of the clip box */
	assert_true(fabs(area(c0) + area(c1) - box) < 1e-9 * box + 1e-15);
	assert_true(overlap(c0, c1) < 1e-12 * box);
	assert_true(fabs(area(c0) - box / 2) < 1e-9);
	for (int i = 0; i < 4; i++)
		assert_true(covers_wkt(owner[i] == 0 ? c0 : c1, wkt[i]));
	assert_false(covers_wkt(c0, "POINT(106.53 29.51)"));
	assert_true(covers_wkt(c1, "POINT(106.53 29.51)"));

	GEOSGeom_destroy_r(h, c0);
	GEOSGeom_destroy_r(h, c1);
	rm_catchment_free_output(out, 2);
	for (int i = 0; i < 4; i++)
		free(cell[i]);
	free(clip);
}

static int
stop_now(void *arg)
{
	(*(int *) arg)++;
	return 1;
}

static void
test_interrupt_leaves_nothing(void **state)
{
	unsigned char *cell[2];
	size_t len[2];
	int32_t owner[2] = {0, 0};
	unsigned char *out[1] = {NULL};
	size_t out_len[1] = {0};
	char err[256] = "";
	rm_catch_input in = {0};
	int polls = 0;
	rm_interrupt intr = {stop_now, &polls};
	int rc;

	(void) state;
	cell[0] = ewkb("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))", &len[0]);
	cell[1] = ewkb("POLYGON((1 0, 2 0, 2 1, 1 1, 1 0))", &len[1]);
	in.n_cells = 2;
	in.wkb = (const unsigned char *const *) cell;
	in.wkb_len = len;
	in.owner = owner;
	in.n_shelters = 1;
	rc = rm_catchments(&in, &intr, out, out_len, err, sizeof err);
	assert_int_equal(rc, RM_EINTERRUPTED);
	assert_true(polls > 0);
	assert_null(out[0]);
	free(cell[0]);
	free(cell[1]);
}

static void
test_unreadable_cell_is_an_error(void **state)
{
	unsigned char junk[5] = {1, 3, 0, 0, 0}; /* a polygon with no bytes after the type */
	const unsigned char *cell[1] = {junk};
	size_t len[1] = {sizeof junk};
	int32_t owner[1] = {0};
	unsigned char *out[1] = {NULL};
	size_t out_len[1] = {0};
	char err[256] = "";
	rm_catch_input in = {0};

	(void) state;
	in.n_cells = 1;
	in.wkb = cell;
	in.wkb_len = len;
	in.owner = owner;
	in.n_shelters = 1;
	assert_int_equal(rm_catchments(&in, NULL, out, out_len, err, sizeof err), RM_EGEOS);
	assert_null(out[0]);
	assert_true(err[0] != '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_owner_largest_share),
	    cmocka_unit_test(test_polygon_cells_union),
	    cmocka_unit_test(test_point_cells_voronoi),
	    cmocka_unit_test(test_interrupt_leaves_nothing),
	    cmocka_unit_test(test_unreadable_cell_is_an_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
