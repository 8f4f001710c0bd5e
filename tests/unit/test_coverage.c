/*
 * test_coverage.c — unit tests of the coverage-gap core (rm_coverage).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rm_coverage.h"
#include "rm_metric.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* EWKB of a WKT text (malloc'd copy). */
typedef struct
{
	unsigned char *buf;
	size_t		len;
} blob;

static blob
ewkb(rm_geo *geo, const char *text)
{
	GEOSContextHandle_t h = rm_geo_geos(geo);
	GEOSWKTReader *r = GEOSWKTReader_create_r(h);
	GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
	blob		b;
	unsigned char *w;

	GEOSWKTReader_destroy_r(h, r);
	assert_non_null(g);
	GEOSSetSRID_r(h, g, 4326);
	w = rm_wkb_write(geo, g, &b.len);
	assert_non_null(w);
	b.buf = malloc(b.len);
	memcpy(b.buf, w, b.len);
	rm_wkb_free(geo, w);
	GEOSGeom_destroy_r(h, g);
	return b;
}

static double
circle_area(rm_geo *geo, double x, double y, double r)
{
	GEOSGeometry *c = rm_geodesic_circle(geo, x, y, r, RM_CIRCLE_SEGMENTS);
	double		a = rm_ground_area(geo, c);

	GEOSGeom_destroy_r(rm_geo_geos(geo), c);
	return a;
}

/* Two districts A | B with the border at x = 106.2. */
typedef struct
{
	rm_geo	   *geo;
	blob		da,
				db,
				s1,
				s2;
	rm_cov_district d[2];
	rm_cov_source s[2];
	rm_cov_point sh[2];
	rm_cov_cell cells[4];
	rm_cov_input in;
} fixture;

static int
setup(void **state)
{
	fixture    *f = calloc(1, sizeof *f);

	f->geo = rm_geo_new();
	f->da = ewkb(f->geo, "MULTIPOLYGON(((106.0 29.0, 106.2 29.0, 106.2 29.2, 106.0 29.2, 106.0 29.0)))");
	f->db = ewkb(f->geo, "MULTIPOLYGON(((106.2 29.0, 106.4 29.0, 106.4 29.2, 106.2 29.2, 106.2 29.0)))");
	f->s1 = ewkb(f->geo, "POINT(106.195 29.1)");
	f->s2 = ewkb(f->geo, "POINT(106.05 29.05)");
	f->d[0] = (rm_cov_district) {"500101", f->da.buf, f->da.len, 1};
	f->d[1] = (rm_cov_district) {"500102", f->db.buf, f->db.len, 1};
	f->s[0] = (rm_cov_source) {11, f->s1.buf, f->s1.len, 2000};
	f->s[1] = (rm_cov_source) {7, f->s2.buf, f->s2.len, 1000};
	f->cells[0] = (rm_cov_cell) {106.2, 29.1, 5, 1};	/* on the border, own B */
	f->cells[1] = (rm_cov_cell) {106.2, 29.1, 3, 0};	/* on the border, own A */
	f->cells[2] = (rm_cov_cell) {106.19, 29.1, 2, 0};	/* inside A */
	f->cells[3] = (rm_cov_cell) {106.05, 29.05, 100, 0};	/* at source 7 */
	f->in.districts = f->d;
	f->in.n_districts = 2;
	f->in.sources = f->s;
	f->in.n_sources = 2;
	f->in.shelters = f->sh;
	f->in.n_shelters = 0;
	f->in.cells = f->cells;
	f->in.n_cells = 4;
	f->in.reach_m = 3000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture    *f = *state;

	free(f->da.buf);
	free(f->db.buf);
	free(f->s1.buf);
	free(f->s2.buf);
	rm_geo_free(f->geo);
	free(f);
	return 0;
}

static void
test_no_shelter(void **state)
{
	fixture    *f = *state;
	rm_cov_result res;
	double		full = circle_area(f->geo, 106.195, 29.1, 2000) + circle_area(f->geo, 106.05, 29.05, 1000);

	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 2);
	assert_int_equal(res.gaps[0].district, 0);
	assert_int_equal(res.gaps[1].district, 1);
	/* the pieces of the zone across the border add up to the whole */
	assert_true(fabs((res.gaps[0].area_m2 + res.gaps[1].area_m2) / full - 1) < 1e-6);
	/* ids sorted: A has 7 and 11, B only 11 */
	assert_int_equal(res.gaps[0].n_source_ids, 2);
	assert_int_equal(res.gaps[0].source_ids[0], 7);
	assert_int_equal(res.gaps[0].source_ids[1], 11);
	assert_int_equal(res.gaps[1].n_source_ids, 1);
	assert_int_equal(res.gaps[1].source_ids[0], 11);
	/* border cells count once, in their own district */
	assert_true(res.gaps[0].people == 3 + 2 + 100);
	assert_true(res.gaps[1].people == 5);
	rm_cov_result_free(&res);
}

static void
test_shelters(void **state)
{
	fixture    *f = *state;
	rm_cov_result res;

	/* a shelter on source 7 covers it, one on source 11 covers that one */
	f->sh[0] = (rm_cov_point) {106.05, 29.05};
	f->in.n_shelters = 1;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 2);
	assert_int_equal(res.gaps[0].n_source_ids, 1);
	assert_int_equal(res.gaps[0].source_ids[0], 11);
	assert_true(res.gaps[0].people == 5);
	rm_cov_result_free(&res);

	f->sh[1] = (rm_cov_point) {106.195, 29.1};
	f->in.n_shelters = 2;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 0);
	rm_cov_result_free(&res);

	/* with a short reach part of zone 11 stays uncovered: a ring */
	f->in.reach_m = 1500;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 2);
	{
		double		ring = circle_area(f->geo, 106.195, 29.1, 2000) - circle_area(f->geo, 106.195, 29.1, 1500);

		assert_true(fabs((res.gaps[0].area_m2 + res.gaps[1].area_m2) / ring - 1) < 1e-3);
	}
	/* the cells at the centre are covered now */
	assert_true(res.gaps[0].people == 0);
	assert_true(res.gaps[1].people == 0);
	rm_cov_result_free(&res);
}

static void
test_selected_only(void **state)
{
	fixture    *f = *state;
	rm_cov_result res;

	f->d[0].selected = 0;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 1);
	assert_int_equal(res.gaps[0].district, 1);
	/* the border cell of B still counts in B */
	assert_true(res.gaps[0].people == 5);
	rm_cov_result_free(&res);
}

static void
test_zero_radius_and_empty(void **state)
{
	fixture    *f = *state;
	rm_cov_result res;

	f->s[0].radius_m = 0;
	f->s[1].radius_m = 0;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 0);
	rm_cov_result_free(&res);
	f->in.n_sources = 0;
	f->in.n_cells = 0;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 0);
	rm_cov_result_free(&res);
	f->in.n_districts = 0;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 0);
}

static int
always(void *arg)
{
	int		   *calls = arg;

	return ++*calls >= 3;
}

static void
test_interrupt(void **state)
{
	fixture    *f = *state;
	rm_cov_result res;
	int			calls = 0;

	f->in.interrupted = always;
	f->in.interrupt_arg = &calls;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_EINTERRUPTED);
	assert_int_equal(res.n_gaps, 0);
	assert_null(res.gaps);
	f->in.interrupted = NULL;
	/* and the next call works */
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 2);
	rm_cov_result_free(&res);
}

static void
test_bad_input(void **state)
{
	fixture    *f = *state;
	rm_cov_result res;
	const unsigned char junk[] = {1, 3, 0, 0, 0, 9, 9};

	f->s[1].wkb = junk;
	f->s[1].wkb_len = sizeof junk;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_EINPUT);
	assert_non_null(strstr(rm_geo_error(f->geo), "risk_source 7"));
	f->s[1].wkb = f->s2.buf;
	f->s[1].wkb_len = f->s2.len;
	f->s[1].radius_m = NAN;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_EINPUT);
	assert_non_null(strstr(rm_geo_error(f->geo), "risk_source 7"));
	f->s[1].radius_m = 1000;
	f->in.reach_m = -1;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_EINPUT);
	f->in.reach_m = 3000;
	f->d[1].wkb = junk;
	f->d[1].wkb_len = sizeof junk;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_EINPUT);
	assert_non_null(strstr(rm_geo_error(f->geo), "district 500102"));
}

static void
test_invalid_district(void **state)
{
	fixture    *f = *state;
	rm_cov_result res;
	blob		bow = ewkb(f->geo, "MULTIPOLYGON(((106.2 29.0, 106.4 29.2, 106.4 29.0, 106.2 29.2, 106.2 29.0)))");
	blob		src = ewkb(f->geo, "LINESTRING(106.21 29.1, 106.39 29.1)");

	f->d[1].wkb = bow.buf;
	f->d[1].wkb_len = bow.len;
	f->s[0].wkb = src.buf;
	f->s[0].wkb_len = src.len;
	f->s[0].radius_m = 20000;	/* covers the whole bow tie */
	f->in.n_sources = 1;
	f->d[0].selected = 0;
	assert_int_equal(rm_coverage_gaps(f->geo, &f->in, &res), RM_OK);
	assert_int_equal(res.n_gaps, 1);
	/* two triangles of 0.2 x 0.1 degrees each: half the square */
	{
		double		sq = 0;
		blob		q = ewkb(f->geo, "POLYGON((106.2 29.0, 106.4 29.0, 106.4 29.2, 106.2 29.2, 106.2 29.0))");
		GEOSGeometry *g = rm_wkb_read(f->geo, q.buf, q.len);

		sq = rm_ground_area(f->geo, g);
		GEOSGeom_destroy_r(rm_geo_geos(f->geo), g);
		free(q.buf);
		assert_true(fabs(res.gaps[0].area_m2 / (sq / 2) - 1) < 1e-3);
	}
	rm_cov_result_free(&res);
	free(bow.buf);
	free(src.buf);
}

/* The two passes: the boxes cover the cells that count, and the people of
 * the cells inside the boxes only equal those of all cells. */
static void
test_two_passes(void **state)
{
	fixture    *f = *state;
	rm_cov_result res;
	rm_cov_run *run = NULL;
	double	   *boxes = NULL;
	size_t		nbox = 0,
				nsel = 0;
	rm_cov_cell sel[5];
	rm_cov_cell far = {106.39, 29.19, 1000, 1};	/* in B, far from any zone */

	assert_int_equal(rm_cov_run_gaps(f->geo, &f->in, &run, &res), RM_OK);
	assert_non_null(run);
	assert_int_equal(res.n_gaps, 2);
	assert_true(res.gaps[0].people == 0 && res.gaps[1].people == 0);
	assert_int_equal(rm_cov_run_boxes(run, &boxes, &nbox), RM_OK);
	assert_true(nbox >= 2);
	for (size_t i = 0; i < 5; i++)
	{
		const rm_cov_cell *c = i < 4 ? &f->cells[i] : &far;
		int			in_box = 0;

		for (size_t k = 0; k < nbox; k++)
			in_box |= c->x >= boxes[4 * k] && c->x <= boxes[4 * k + 2] &&
				c->y >= boxes[4 * k + 1] && c->y <= boxes[4 * k + 3];
		/* every cell of the fixture is in a gap; the far one in no box */
		assert_int_equal(in_box, i < 4);
		if (in_box)
			sel[nsel++] = *c;
	}
	assert_int_equal(rm_cov_run_people(run, sel, nsel, &res), RM_OK);
	assert_true(res.gaps[0].people == 3 + 2 + 100);
	assert_true(res.gaps[1].people == 5);
	/* a second call counts afresh; the far cell adds nothing */
	sel[nsel++] = far;
	assert_int_equal(rm_cov_run_people(run, sel, nsel, &res), RM_OK);
	assert_true(res.gaps[1].people == 5);
	free(boxes);
	rm_cov_run_free(run);
	rm_cov_result_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_shelter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shelters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selected_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_radius_and_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_district, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_passes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
