/*
 * Unit tests of rm_geometry_check: the geometry guard over EWKB.
 * Test inputs are made with GEOS (WKT → EWKB) or written byte by byte.
 */
#define GEOS_USE_ONLY_R_API
#include <setjmp.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <geos_c.h>

#include "rm_geometry_check.h"

static GEOSContextHandle_t t_ctx;

static int
setup(void **state)
{
	(void) state;
	t_ctx = GEOS_init_r();
	return t_ctx == NULL;
}

static int
teardown(void **state)
{
	(void) state;
	GEOS_finish_r(t_ctx);
	rm_geometry_check_finish();
	return 0;
}

/* EWKB (little-endian, with SRID when srid != 0) of a WKT text; caller frees. */
static unsigned char *
ewkb(const char *wkt, int srid, size_t *len)
{
	GEOSWKTReader *r = GEOSWKTReader_create_r(t_ctx);
	GEOSWKBWriter *w = GEOSWKBWriter_create_r(t_ctx);
	GEOSGeometry *g = GEOSWKTReader_read_r(t_ctx, r, wkt);
	unsigned char *out,
			   *copy;

	assert_non_null(g);
	GEOSSetSRID_r(t_ctx, g, srid);
	GEOSWKBWriter_setIncludeSRID_r(t_ctx, w, srid != 0);
	GEOSWKBWriter_setOutputDimension_r(t_ctx, w, 3);
	out = GEOSWKBWriter_write_r(t_ctx, w, g, len);
	assert_non_null(out);
	copy = malloc(*len);
	memcpy(copy, out, *len);
	GEOSFree_r(t_ctx, out);
	GEOSGeom_destroy_r(t_ctx, g);
	GEOSWKBWriter_destroy_r(t_ctx, w);
	GEOSWKTReader_destroy_r(t_ctx, r);
	return copy;
}

static rm_geom_status
check_wkt(const char *wkt, int srid, char *msg, size_t msglen)
{
	size_t		len;
	unsigned char *b = ewkb(wkt, srid, &len);
	rm_geom_status st = rm_geometry_problem(b, len, false, msg, msglen);

	free(b);
	return st;
}

static void
expect_wkt(const char *wkt, int srid, rm_geom_status want, const char *want_msg)
{
	char		msg[512];
	rm_geom_status st = check_wkt(wkt, srid, msg, sizeof msg);

	if (st != want || strcmp(msg, want_msg) != 0)
		fail_msg("%s: got status %d \"%s\", expected %d \"%s\"", wkt, st, msg, want, want_msg);
}

/* A little-endian EWKB point with SRID 4326 and the given coordinates. */
static void
ewkb_point(unsigned char out[25], double x, double y)
{
	const unsigned char head[9] = {1, 1, 0, 0, 0x20, 0xE6, 0x10, 0, 0};

	memcpy(out, head, 9);
	memcpy(out + 9, &x, 8);		/* the test machines are little-endian */
	memcpy(out + 17, &y, 8);
}

static void
test_fine(void **state)
{
	(void) state;
	expect_wkt("POLYGON ((106.5 29.5, 106.6 29.5, 106.6 29.6, 106.5 29.6, 106.5 29.5))", 4326, RM_GEOM_FINE, "");
	expect_wkt("POINT (106.55 29.56)", 4326, RM_GEOM_FINE, "");
	expect_wkt("POINT Z (106.55 29.56 230)", 4326, RM_GEOM_FINE, "");
	expect_wkt("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2)))", 4326, RM_GEOM_FINE, "");
	expect_wkt("LINESTRING (-180 -90, 180 90)", 4326, RM_GEOM_FINE, "");
	expect_wkt("GEOMETRYCOLLECTION (POINT (1 1), POINT EMPTY, LINESTRING (0 0, 1 1))", 4326, RM_GEOM_FINE, "");
	expect_wkt("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))", 4326, RM_GEOM_FINE, "");
}

static void
test_srid(void **state)
{
	(void) state;
	expect_wkt("POINT (1 2)", 0, RM_GEOM_PROBLEM, "SRID is 0, not 4326");
	expect_wkt("POINT (11855000 3440000)", 3857, RM_GEOM_PROBLEM, "SRID is 3857, not 4326");
}

static void
test_empty(void **state)
{
	(void) state;
	expect_wkt("POINT EMPTY", 4326, RM_GEOM_PROBLEM, "geometry is empty");
	expect_wkt("POLYGON EMPTY", 4326, RM_GEOM_PROBLEM, "geometry is empty");
	expect_wkt("GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING EMPTY)", 4326, RM_GEOM_PROBLEM, "geometry is empty");
}

static void
test_coordinates(void **state)
{
	unsigned char p[25];
	char		msg[200];

	(void) state;
	expect_wkt("POINT (180.0001 10)", 4326, RM_GEOM_PROBLEM,
			   "coordinate (180.0001 10) is outside lon [-180, 180] / lat [-90, 90]");
	expect_wkt("LINESTRING (0 0, 10 -90.5)", 4326, RM_GEOM_PROBLEM,
			   "coordinate (10 -90.5) is outside lon [-180, 180] / lat [-90, 90]");
	/* projected metres stored with the wrong SRID */
	expect_wkt("POLYGON ((11855000 3440000, 11856000 3440000, 11856000 3441000, 11855000 3440000))", 4326,
			   RM_GEOM_PROBLEM, "coordinate (11855000 3440000) is outside lon [-180, 180] / lat [-90, 90]");
	/* an interior ring and a collection member are looked at too */
	expect_wkt("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 95, 2 2))", 4326, RM_GEOM_PROBLEM,
			   "coordinate (3 95) is outside lon [-180, 180] / lat [-90, 90]");
	expect_wkt("GEOMETRYCOLLECTION (POINT (1 1), MULTIPOINT ((2 2), (-200 2)))", 4326, RM_GEOM_PROBLEM,
			   "coordinate (-200 2) is outside lon [-180, 180] / lat [-90, 90]");

	ewkb_point(p, NAN, 1);
	assert_int_equal(rm_geometry_problem(p, 25, false, msg, sizeof msg), RM_GEOM_PROBLEM);
	assert_string_equal(msg, "coordinate (nan 1) is not finite");
	ewkb_point(p, 1, -INFINITY);
	assert_int_equal(rm_geometry_problem(p, 25, false, msg, sizeof msg), RM_GEOM_PROBLEM);
	assert_string_equal(msg, "coordinate (1 -inf) is not finite");
	ewkb_point(p, 180, -90);
	assert_int_equal(rm_geometry_problem(p, 25, false, msg, sizeof msg), RM_GEOM_FINE);
	assert_string_equal(msg, "");
}

static void
test_invalid(void **state)
{
	(void) state;
	/* the bow-tie of the brief: its two diagonals cross at (106.52 29.56) */
	expect_wkt("POLYGON ((106.5 29.5, 106.54 29.62, 106.54 29.5, 106.5 29.62, 106.5 29.5))", 4326,
			   RM_GEOM_PROBLEM, "Self-intersection at POINT (106.52 29.56)");
	expect_wkt("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (20 20, 21 20, 21 21, 20 20))", 4326,
			   RM_GEOM_PROBLEM, "Hole lies outside shell at POINT (20 20)");
	expect_wkt("LINESTRING (1 1, 1 1)", 4326, RM_GEOM_PROBLEM, "Too few points in geometry component at POINT (1 1)");
	expect_wkt("MULTIPOLYGON (((0 0, 2 0, 2 2, 0 2, 0 0)), ((1 1, 3 1, 3 3, 1 3, 1 1)))", 4326,
			   RM_GEOM_PROBLEM, "Self-intersection at POINT (2 1)");
	/* a ring touching itself is invalid in the OGC sense (flags 0) */
	expect_wkt("POLYGON ((0 0, 4 0, 4 4, 2 0, 0 4, 0 0))", 4326, RM_GEOM_PROBLEM,
			   "Ring Self-intersection at POINT (2 0)");
}

static void
test_unreadable(void **state)
{
	const unsigned char zero[1] = {0};
	/* LINESTRING with 2^28 points and no coordinates */
	const unsigned char huge[] = {1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0};
	/* a polygon with 2^31-1 rings */
	const unsigned char rings[] = {1, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f};
	const unsigned char badtype[] = {1, 99, 0, 0, 0, 0, 0, 0, 0};
	char		msg[300];

	(void) state;
	assert_int_equal(rm_geometry_problem(zero, 1, false, msg, sizeof msg), RM_GEOM_UNREADABLE);
	assert_non_null(strstr(msg, "ParseException"));
	assert_int_equal(rm_geometry_problem(zero, 0, false, msg, sizeof msg), RM_GEOM_UNREADABLE);
	assert_string_equal(msg, "empty input");
	assert_int_equal(rm_geometry_problem(NULL, 10, false, msg, sizeof msg), RM_GEOM_UNREADABLE);
	assert_int_equal(rm_geometry_problem(huge, sizeof huge, false, msg, sizeof msg), RM_GEOM_UNREADABLE);
	assert_int_equal(rm_geometry_problem(rings, sizeof rings, false, msg, sizeof msg), RM_GEOM_UNREADABLE);
	assert_int_equal(rm_geometry_problem(badtype, sizeof badtype, false, msg, sizeof msg), RM_GEOM_UNREADABLE);
	assert_non_null(strstr(msg, "Unknown WKB type"));
}

static void
test_truncations_and_noise(void **state)
{
	size_t		len;
	unsigned char *b = ewkb("GEOMETRYCOLLECTION (POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2)), "
							"MULTILINESTRING ((0 0, 1 1), (2 2, 3 3)), POINT (5 5))", 4326, &len);
	unsigned char *c = malloc(len);
	char		msg[128];

	(void) state;
	/* every proper prefix is unreadable */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(rm_geometry_problem(b, n, false, msg, sizeof msg), RM_GEOM_UNREADABLE);
	assert_int_equal(rm_geometry_problem(b, len, false, msg, sizeof msg), RM_GEOM_FINE);
	/* every single-byte change: whatever comes out, it is a status and a terminated message */
	srand(42);
	for (size_t i = 0; i < len; i++)
		for (int v = 0; v < 256; v += 7)
		{
			rm_geom_status st;

			memcpy(c, b, len);
			c[i] = (unsigned char) v;
			st = rm_geometry_problem(c, len, false, msg, sizeof msg);
			assert_true(st >= RM_GEOM_FINE && st <= RM_GEOM_FAILED);
			assert_true(strlen(msg) < sizeof msg);
		}
	/* random bytes */
	for (int round = 0; round < 20000; round++)
	{
		unsigned char r[64];
		size_t		n = (size_t) (rand() % 64);

		for (size_t i = 0; i < n; i++)
			r[i] = (unsigned char) (i < 5 && round % 2 ? "\x01\x07\x00\x00\x20"[i] : rand());
		(void) rm_geometry_problem(r, n, false, msg, sizeof msg);
	}
	free(c);
	free(b);
}

/* n nested GEOMETRYCOLLECTION headers (SRID 4326 on the outermost) around POINT (1 2); caller frees. */
static unsigned char *
nested(size_t n, size_t *len)
{
	unsigned char *b = malloc(9 * n + 4 + 21);
	unsigned char *p = b;
	double		x = 1,
				y = 2;

	for (size_t i = 0; i < n; i++)
	{
		*p++ = 1;
		if (i == 0)
		{
			const unsigned char t[8] = {7, 0, 0, 0x20, 0xE6, 0x10, 0, 0};

			memcpy(p, t, 8);
			p += 8;
		}
		else
		{
			const unsigned char t[4] = {7, 0, 0, 0};

			memcpy(p, t, 4);
			p += 4;
		}
		memcpy(p, "\x01\x00\x00\x00", 4);
		p += 4;
	}
	memcpy(p, "\x01\x01\x00\x00\x00", 5);
	p += 5;
	memcpy(p, &x, 8);
	memcpy(p + 8, &y, 8);
	p += 16;
	*len = (size_t) (p - b);
	return b;
}

static void
test_deep_nesting(void **state)
{
	size_t		len;
	unsigned char *b;
	char		msg[300];

	(void) state;
	/* 1500 levels fit under the unchecked limit and are read */
	b = nested(1500, &len);
	assert_true(len <= RM_GEOM_UNCHECKED_MAX_BYTES);
	assert_int_equal(rm_geometry_problem(b, len, false, msg, sizeof msg), RM_GEOM_FINE);
	free(b);

	/* 200000 levels (1.8 MB) would overflow GEOS 3.11's recursive reader: refused unless checked */
	b = nested(200000, &len);
	assert_int_equal(rm_geometry_problem(b, len, false, msg, sizeof msg), RM_GEOM_UNREADABLE);
	assert_non_null(strstr(msg, "nesting"));
	free(b);

	/* a big but flat geometry is read when the caller vouches for its nesting */
	{
		char	   *wkt = malloc(2000 * 40 + 64);
		size_t		n = (size_t) sprintf(wkt, "LINESTRING (");

		for (int i = 0; i < 2000; i++)
			n += (size_t) sprintf(wkt + n, "%s%d.5 %d.25", i ? ", " : "", i % 170, i % 80);
		strcpy(wkt + n, ")");
		b = ewkb(wkt, 4326, &len);
		assert_true(len > RM_GEOM_UNCHECKED_MAX_BYTES);
		assert_int_equal(rm_geometry_problem(b, len, false, msg, sizeof msg), RM_GEOM_UNREADABLE);
		assert_int_equal(rm_geometry_problem(b, len, true, msg, sizeof msg), RM_GEOM_FINE);
		free(b);
		free(wkt);
	}
}

static void
test_small_message_buffer(void **state)
{
	char		msg[8];

	(void) state;
	memset(msg, 'x', sizeof msg);
	assert_int_equal(check_wkt("POINT (1 2)", 0, msg, sizeof msg), RM_GEOM_PROBLEM);
	assert_string_equal(msg, "SRID is");
	/* msglen 0: status only, msg untouched */
	msg[0] = 'q';
	assert_int_equal(check_wkt("POINT (1 2)", 0, msg, 0), RM_GEOM_PROBLEM);
	assert_int_equal(msg[0], 'q');
}

static void
test_context_restart(void **state)
{
	char		msg[64];

	(void) state;
	rm_geometry_check_finish();
	rm_geometry_check_finish();
	assert_int_equal(check_wkt("POINT (1 2)", 4326, msg, sizeof msg), RM_GEOM_FINE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fine),
		cmocka_unit_test(test_srid),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_coordinates),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_truncations_and_noise),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_small_message_buffer),
		cmocka_unit_test(test_context_restart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
