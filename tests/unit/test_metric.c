/*
 * test_metric.c — unit tests of rm_metric (ground buffers, areas) against
 * geodesic arithmetic and closed formulas.
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
#include <geodesic.h>

#include "rm_metric.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static struct geod_geodesic G;

static double
gdist(double lon1, double lat1, double lon2, double lat2)
{
	double		s;

	geod_inverse(&G, lat1, lon1, lat2, lon2, &s, NULL, NULL);
	return s;
}

static GEOSGeometry *
wkt(rm_geo *geo, const char *text)
{
	GEOSWKTReader *r = GEOSWKTReader_create_r(rm_geo_geos(geo));
	GEOSGeometry *g = GEOSWKTReader_read_r(rm_geo_geos(geo), r, text);

	GEOSWKTReader_destroy_r(rm_geo_geos(geo), r);
	assert_non_null(g);
	GEOSSetSRID_r(rm_geo_geos(geo), g, 4326);
	return g;
}

/* Calls fn(x, y, arg) on every vertex of every ring of polygonal g. */
static void
each_vertex(rm_geo *geo, const GEOSGeometry *g, void (*fn) (double, double, void *), void *arg)
{
	GEOSContextHandle_t h = rm_geo_geos(geo);
	int			t = GEOSGeomTypeId_r(h, g);

	if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION)
	{
		for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
			each_vertex(geo, GEOSGetGeometryN_r(h, g, i), fn, arg);
		return;
	}
	if (t == GEOS_POLYGON)
	{
		const GEOSGeometry *rings[64];
		int			n = 0;

		rings[n++] = GEOSGetExteriorRing_r(h, g);
		for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g) && n < 64; i++)
			rings[n++] = GEOSGetInteriorRingN_r(h, g, i);
		for (int k = 0; k < n; k++)
		{
			const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, rings[k]);
			unsigned	sz;

			GEOSCoordSeq_getSize_r(h, cs, &sz);
			for (unsigned i = 0; i < sz; i++)
			{
				double		x,
							y;

				GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
				fn(x, y, arg);
			}
		}
	}
}

typedef struct
{
	double		cx,
				cy,
				r;				/* the radius the vertices should be at */
	double		max_err;
	int			n;
} circle_check;

static void
check_circle_vertex(double x, double y, void *arg)
{
	circle_check *c = arg;
	double		e = fabs(gdist(c->cx, c->cy, x, y) / c->r - 1);

	if (e > c->max_err)
		c->max_err = e;
	c->n++;
}

static void
test_segments(void **state)
{
	(void) state;
	/* 1 - cos(pi / n) <= tol */
	assert_true(1 - cos(M_PI / rm_circle_segments(0.005)) <= 0.005);
	assert_true(1 - cos(M_PI / rm_circle_segments(0.0012)) <= 0.0012);
	assert_int_equal(rm_circle_segments(0.005) % 4, 0);
	assert_int_equal(rm_circle_segments(-1), 8);
	/* balanced polygon: vertices k - 1 out, chord midpoints as far in */
	{
		double		k = rm_circle_scale(RM_CIRCLE_SEGMENTS);

		assert_true(fabs((k - 1) - (1 - k * cos(M_PI / RM_CIRCLE_SEGMENTS))) < 1e-12);
		assert_true(k - 1 < 0.0025);
	}
}

static void
test_circle_radius(void **state)
{
	rm_geo	   *geo = rm_geo_new();
	const double lats[] = {0, 29.5, -45, 60, 80, -85};
	const double radii[] = {10, 500, 3000, 25000, 200000};

	(void) state;
	assert_non_null(geo);
	for (size_t i = 0; i < sizeof lats / sizeof *lats; i++)
		for (size_t j = 0; j < sizeof radii / sizeof *radii; j++)
		{
			int			nseg = RM_CIRCLE_SEGMENTS * (radii[j] > 50000 ? 2 : 1) * (fabs(lats[i]) > 60 ? 2 : 1);
			double		k = rm_circle_scale(nseg);
			circle_check c = {106.5, lats[i], radii[j] * k, 0, 0};
			GEOSGeometry *g = rm_geodesic_circle(geo, c.cx, c.cy, radii[j], RM_CIRCLE_SEGMENTS);
			const GEOSCoordSequence *cs;
			unsigned	n;

			assert_non_null(g);
			each_vertex(geo, g, check_circle_vertex, &c);
			assert_int_equal(c.n, nseg + 1);
			/* vertices lie on the true radius (local formula up to 20 km, geod_direct beyond) */
			if (c.max_err >= 2e-5)
				fprintf(stderr, "lat %g r %g: vertex off by %g\n", c.cy, c.r, c.max_err);
			assert_true(c.max_err < 2e-5);
			/* every point of the boundary within 0.25 % of the true radius: the
			 * vertices (above) and the chord midpoints (in lon/lat) */
			cs = GEOSGeom_getCoordSeq_r(rm_geo_geos(geo), GEOSGetExteriorRing_r(rm_geo_geos(geo), g));
			GEOSCoordSeq_getSize_r(rm_geo_geos(geo), cs, &n);
			for (unsigned k = 0; k + 1 < n; k++)
			{
				double		x0,
							y0,
							x1,
							y1,
							e;

				GEOSCoordSeq_getXY_r(rm_geo_geos(geo), cs, k, &x0, &y0);
				GEOSCoordSeq_getXY_r(rm_geo_geos(geo), cs, k + 1, &x1, &y1);
				e = gdist(c.cx, c.cy, (x0 + x1) / 2, (y0 + y1) / 2) / radii[j] - 1;
				if (fabs(e) >= 0.0026)
					fprintf(stderr, "lat %g r %g: edge midpoint off by %g\n", c.cy, radii[j], e);
				assert_true(fabs(e) < 0.0026);	/* 0.24 %; lon/lat chords bend on 200 km circles */
			}
			/* valid, counter-clockwise, area of the inscribed polygon */
			assert_int_equal(GEOSisValid_r(rm_geo_geos(geo), g), 1);
			if (radii[j] < 30000)
			{
				double		n_ = nseg;
				double		polygon = M_PI * c.r * c.r * sin(2 * M_PI / n_) * n_ / (2 * M_PI);

				assert_true(fabs(rm_ground_area(geo, g) / polygon - 1) < 1e-4);
				/* 0.16 % below pi r^2 */
				assert_true(fabs(rm_ground_area(geo, g) / (M_PI * radii[j] * radii[j]) - 1) < 0.002);
			}
			GEOSGeom_destroy_r(rm_geo_geos(geo), g);
		}
	rm_geo_free(geo);
}

/* rm_geodesic_ring (the tile renderer's circles): n vertices on the true
 * radius, vertex i at azimuth 360 i / n, at several latitudes and radii
 * (local formula up to 20 km and 85 degrees, geod_direct beyond); bad input
 * is an error, not a crash. */
static void
test_ring_vertices(void **state)
{
	rm_geo	   *geo = rm_geo_new();
	const double lats[] = {0, 29.56, -45, 60, 79.9, 85, 89.5};
	const double radii[] = {1, 150, 1500, 9999, 10000, 20000, 50000, 300000};
	double		xy[2 * 64];

	(void) state;
	assert_non_null(geo);
	for (size_t a = 0; a < sizeof lats / sizeof *lats; a++)
		for (size_t b = 0; b < sizeof radii / sizeof *radii; b++)
		{
			/* 63: an odd count, the mirrored halves meet differently */
			int			n = (a + b) % 2 ? 63 : 64;

			assert_int_equal(rm_geodesic_ring(geo, 106.55, lats[a], radii[b], n, xy), 1);
			for (int i = 0; i < n; i++)
			{
				double		s12,
							azi1;

				geod_inverse(&G, lats[a], 106.55, xy[2 * i + 1], xy[2 * i], &s12, &azi1, NULL);
				if (fabs(s12 - radii[b]) > radii[b] * 2e-5)
					fail_msg("lat %g r %g vertex %d: %.6f m", lats[a], radii[b], i, s12);
				/* vertex i at azimuth 360 i / n, clockwise from north (about:
				 * the local formula bends it by s tan(lat) / 2R) */
				if (fabs(remainder(azi1 - 360.0 * i / n, 360.0)) > 2)
					fail_msg("lat %g r %g: vertex %d of %d at azimuth %g", lats[a], radii[b], i, n, azi1);
			}
		}
	assert_int_equal(rm_geodesic_ring(geo, 106.55, 29.56, 0, 64, xy), 0);
	assert_int_equal(rm_geodesic_ring(geo, 106.55, 29.56, NAN, 64, xy), 0);
	assert_int_equal(rm_geodesic_ring(geo, 106.55, 95, 100, 64, xy), 0);
	assert_int_equal(rm_geodesic_ring(geo, 106.55, 29.56, 100, 2, xy), 0);
	assert_true(rm_geo_error(geo)[0] != '\0');
	rm_geo_free(geo);
}

/* Area of the lon/lat quadrangle [lon0, lon0 + dlon] x [lat1, lat2] with
 * edges along parallels, on WGS 84 (authalic formula). */
static double
quad_area(double dlon, double lat1, double lat2)
{
	const double a = 6378137.0,
				f = 1 / 298.257223563;
	double		b = a * (1 - f),
				e = sqrt(f * (2 - f));
	double		q[2];
	double		lats[2] = {lat1, lat2};

	for (int i = 0; i < 2; i++)
	{
		double		s = sin(lats[i] * M_PI / 180);

		q[i] = s / (1 - e * e * s * s) + log((1 + e * s) / (1 - e * s)) / (2 * e);
	}
	return dlon * M_PI / 180 * b * b / 2 * (q[1] - q[0]);
}

static void
test_area_known(void **state)
{
	rm_geo	   *geo = rm_geo_new();
	GEOSGeometry *g;
	double		a;

	(void) state;
	/* a small cell: edges along parallels and geodesics differ by < 1e-6 */
	g = wkt(geo, "POLYGON((106.5 29.5, 106.51 29.5, 106.51 29.51, 106.5 29.51, 106.5 29.5))");
	a = rm_ground_area(geo, g);
	assert_true(fabs(a / quad_area(0.01, 29.5, 29.51) - 1) < 1e-5);
	GEOSGeom_destroy_r(rm_geo_geos(geo), g);
	/* a 1 degree cell at the equator: 1.2309e10 m^2, geodesic top edge bulges a bit */
	g = wkt(geo, "POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))");
	a = rm_ground_area(geo, g);
	assert_true(fabs(a / quad_area(1, 0, 1) - 1) < 1e-3);
	assert_true(fabs(a / 1.2308778e10 - 1) < 1e-3);
	GEOSGeom_destroy_r(rm_geo_geos(geo), g);
	/* holes are subtracted, orientation does not matter */
	g = wkt(geo, "MULTIPOLYGON(((106.5 29.5, 106.5 29.52, 106.52 29.52, 106.52 29.5, 106.5 29.5),"
			"(106.505 29.505, 106.515 29.505, 106.515 29.515, 106.505 29.515, 106.505 29.505)))");
	a = rm_ground_area(geo, g);
	assert_true(fabs(a / (quad_area(0.02, 29.5, 29.52) - quad_area(0.01, 29.505, 29.515)) - 1) < 1e-5);
	GEOSGeom_destroy_r(rm_geo_geos(geo), g);
	/* lines and points have no area */
	g = wkt(geo, "LINESTRING(0 0, 1 1)");
	assert_true(rm_ground_area(geo, g) == 0);
	GEOSGeom_destroy_r(rm_geo_geos(geo), g);
	rm_geo_free(geo);
}

typedef struct
{
	double		lon[2],
				lat[2];			/* one segment */
	double		r;
	double		max_err;
} seg_check;

/* distance from (x, y) to the geodesic segment, by dense sampling */
static double
dist_to_segment(const seg_check *c, double x, double y)
{
	struct geod_geodesicline l;
	double		s12,
				azi1,
				best = INFINITY;
	const int	n = 4000;

	geod_inverse(&G, c->lat[0], c->lon[0], c->lat[1], c->lon[1], &s12, &azi1, NULL);
	geod_lineinit(&l, &G, c->lat[0], c->lon[0], azi1, 0);
	for (int i = 0; i <= n; i++)
	{
		double		la,
					lo,
					d;

		geod_position(&l, s12 * i / n, &la, &lo, NULL);
		d = gdist(lo, la, x, y);
		if (d < best)
			best = d;
	}
	return best;
}

static void
check_seg_vertex(double x, double y, void *arg)
{
	seg_check  *c = arg;
	double		e = fabs(dist_to_segment(c, x, y) / c->r - 1);

	if (e > c->max_err)
		c->max_err = e;
}

static void
test_line_buffer(void **state)
{
	rm_geo	   *geo = rm_geo_new();
	const double lats[] = {0, 29.5, 60};

	(void) state;
	for (size_t i = 0; i < sizeof lats / sizeof *lats; i++)
	{
		seg_check	c = {{106.5, 106.6}, {lats[i], lats[i] + 0.05}, 1500, 0};
		char		text[200];
		GEOSGeometry *g,
				   *b;

		snprintf(text, sizeof text, "LINESTRING(%f %f, %f %f)", c.lon[0], c.lat[0], c.lon[1], c.lat[1]);
		g = wkt(geo, text);
		b = rm_ground_buffer(geo, g, c.r, RM_CIRCLE_SEGMENTS);
		assert_non_null(b);
		assert_int_equal(GEOSGeomTypeId_r(rm_geo_geos(geo), b), GEOS_MULTIPOLYGON);
		each_vertex(geo, b, check_seg_vertex, &c);
		/* every vertex within 0.25 % of the true radius (sampling adds ~1e-4) */
		assert_true(c.max_err < 0.0027);
		/* area: a stadium of length L and radius r, inscribed round caps */
		{
			double		L = gdist(c.lon[0], c.lat[0], c.lon[1], c.lat[1]);
			double		expect = 2 * c.r * L + M_PI * c.r * c.r;

			assert_true(fabs(rm_ground_area(geo, b) / expect - 1) < 0.005);
			(void) 0;
		}
		GEOSGeom_destroy_r(rm_geo_geos(geo), g);
		GEOSGeom_destroy_r(rm_geo_geos(geo), b);
	}
	rm_geo_free(geo);
}

static void
test_polygon_buffer(void **state)
{
	rm_geo	   *geo = rm_geo_new();
	GEOSGeometry *g = wkt(geo, "POLYGON((106.5 29.5, 106.52 29.5, 106.52 29.52, 106.5 29.52, 106.5 29.5))");
	GEOSGeometry *b = rm_ground_buffer(geo, g, 1000, RM_CIRCLE_SEGMENTS);
	GEOSGeometry *z = rm_ground_buffer(geo, g, 0, RM_CIRCLE_SEGMENTS);
	double		a0 = rm_ground_area(geo, g);
	double		w = gdist(106.5, 29.51, 106.52, 29.51),
				hgt = gdist(106.51, 29.5, 106.51, 29.52);

	(void) state;
	assert_non_null(b);
	assert_non_null(z);
	/* square + 4 strips + a full circle */
	assert_true(fabs(rm_ground_area(geo, b) / (a0 + 2 * 1000 * (w + hgt) + M_PI * 1e6) - 1) < 0.005);
	/* radius 0: the polygon itself */
	assert_true(fabs(rm_ground_area(geo, z) / a0 - 1) < 1e-12);
	assert_int_equal(GEOSGeomTypeId_r(rm_geo_geos(geo), z), GEOS_MULTIPOLYGON);
	GEOSGeom_destroy_r(rm_geo_geos(geo), b);
	GEOSGeom_destroy_r(rm_geo_geos(geo), z);
	GEOSGeom_destroy_r(rm_geo_geos(geo), g);
	rm_geo_free(geo);
}

static void
test_zero_and_errors(void **state)
{
	rm_geo	   *geo = rm_geo_new();
	GEOSContextHandle_t h = rm_geo_geos(geo);
	GEOSGeometry *p = wkt(geo, "POINT(106.5 29.5)");
	GEOSGeometry *l = wkt(geo, "LINESTRING(106.5 29.5, 106.6 29.6)");
	GEOSGeometry *bad = wkt(geo, "POINT(106.5 95)");
	GEOSGeometry *bow = wkt(geo, "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))");
	GEOSGeometry *b;

	(void) state;
	b = rm_ground_buffer(geo, p, 0, RM_CIRCLE_SEGMENTS);
	assert_non_null(b);
	assert_int_equal(GEOSisEmpty_r(h, b), 1);
	assert_int_equal(GEOSGeomTypeId_r(h, b), GEOS_MULTIPOLYGON);
	GEOSGeom_destroy_r(h, b);
	b = rm_ground_buffer(geo, l, 0, RM_CIRCLE_SEGMENTS);
	assert_non_null(b);
	assert_int_equal(GEOSisEmpty_r(h, b), 1);
	GEOSGeom_destroy_r(h, b);
	/* negative, NaN, infinite, too large radius */
	assert_null(rm_ground_buffer(geo, p, -1, RM_CIRCLE_SEGMENTS));
	assert_non_null(strstr(rm_geo_error(geo), "radius"));
	assert_null(rm_ground_buffer(geo, p, NAN, RM_CIRCLE_SEGMENTS));
	assert_null(rm_ground_buffer(geo, p, INFINITY, RM_CIRCLE_SEGMENTS));
	assert_null(rm_ground_buffer(geo, p, 3e6, RM_CIRCLE_SEGMENTS));
	/* latitude out of range */
	assert_null(rm_ground_buffer(geo, bad, 10, RM_CIRCLE_SEGMENTS));
	assert_non_null(strstr(rm_geo_error(geo), "longitude/latitude"));
	assert_null(rm_geodesic_circle(geo, 0, 91, 10, 64));
	/* an invalid polygon is made valid: two triangles */
	b = rm_ground_buffer(geo, bow, 0, RM_CIRCLE_SEGMENTS);
	assert_non_null(b);
	assert_int_equal(GEOSisValid_r(h, b), 1);
	assert_int_equal(GEOSGetNumGeometries_r(h, b), 2);
	GEOSGeom_destroy_r(h, b);
	/* garbage WKB */
	{
		const unsigned char junk[] = {1, 2, 3, 0, 0, 0, 0, 0, 0};
		const unsigned char trunc[] = {1, 1, 0, 0, 0, 0, 0, 0, 0};

		assert_null(rm_wkb_read(geo, junk, sizeof junk));
		assert_null(rm_wkb_read(geo, trunc, sizeof trunc));
		assert_null(rm_wkb_read(geo, junk, 0));
	}
	GEOSGeom_destroy_r(h, p);
	GEOSGeom_destroy_r(h, l);
	GEOSGeom_destroy_r(h, bad);
	GEOSGeom_destroy_r(h, bow);
	rm_geo_free(geo);
}

static void
test_wkb_roundtrip(void **state)
{
	rm_geo	   *geo = rm_geo_new();
	GEOSGeometry *p = wkt(geo, "POINT(106.5 29.5)");
	GEOSGeometry *b = rm_ground_buffer(geo, p, 100, RM_CIRCLE_SEGMENTS);
	size_t		len;
	unsigned char *buf = rm_wkb_write(geo, b, &len);
	GEOSGeometry *back;

	(void) state;
	assert_non_null(buf);
	/* EWKB with SRID flag */
	assert_true(len > 9);
	back = rm_wkb_read(geo, buf, len);
	assert_non_null(back);
	assert_int_equal(GEOSGetSRID_r(rm_geo_geos(geo), back), 4326);
	assert_int_equal(GEOSEquals_r(rm_geo_geos(geo), back, b), 1);
	rm_wkb_free(geo, buf);
	GEOSGeom_destroy_r(rm_geo_geos(geo), back);
	GEOSGeom_destroy_r(rm_geo_geos(geo), b);
	GEOSGeom_destroy_r(rm_geo_geos(geo), p);
	rm_geo_free(geo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_circle_radius),
		cmocka_unit_test(test_ring_vertices),
		cmocka_unit_test(test_area_known),
		cmocka_unit_test(test_line_buffer),
		cmocka_unit_test(test_polygon_buffer),
		cmocka_unit_test(test_zero_and_errors),
		cmocka_unit_test(test_wkb_roundtrip),
	};

	geod_init(&G, 6378137.0, 1 / 298.257223563);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
