/*
 * test_geodesy.c — rm_geodesy (WGS 84 radii, local distance, lon/lat
 * ranges) against PROJ's geodesic.h (Karney, as PostGIS geography), and
 * rm_common's status names and error messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <geodesic.h>
#include <math.h>
#include <string.h>

#include "rm_common.h"
#include "rm_geodesy.h"

static void
test_radii(void **state)
{
	double m, n;

	(void) state;
	/* equator: M = a (1 - e2), N = a */
	rm_local_radii(0, &m, &n);
	assert_true(fabs(m - 6335439.327) < 1e-3);
	assert_true(fabs(n - RM_WGS84_A) < 1e-6);
	/* pole: M = N = a / sqrt(1 - e2) */
	rm_local_radii(90, &m, &n);
	assert_true(fabs(m - 6399593.626) < 1e-3);
	assert_true(fabs(n - 6399593.626) < 1e-3);
	/* metres per degree against geodesics over a thousandth of a degree */
	{
		struct geod_geodesic g;
		const double lats[] = {0, 29.5, 45, 70};

		geod_init(&g, RM_WGS84_A, RM_WGS84_F);
		for (size_t i = 0; i < sizeof lats / sizeof lats[0]; i++)
		{
			double s_lat, s_lon;

			rm_metres_per_degree(lats[i], &m, &n);
			geod_inverse(&g, lats[i] - 0.0005, 106, lats[i] + 0.0005, 106, &s_lat, NULL, NULL);
			geod_inverse(&g, lats[i], 105.9995, lats[i], 106.0005, &s_lon, NULL, NULL);
			assert_true(fabs(m - s_lat / 0.001) < 1e-6 * m);
			assert_true(fabs(n - s_lon / 0.001) < 1e-6 * n);
		}
	}
}

static void
test_local_distance_agrees_with_geodesics(void **state)
{
	struct geod_geodesic g;
	const double pts[][4] = {
	    {106.50, 29.50, 106.55, 29.55},  /* ~7 km, Chongqing */
	    {106.50, 29.50, 106.50, 29.59},  /* 10 km north */
	    {106.40, 29.50, 106.80, 29.70},  /* ~45 km */
	    {-70.00, -33.4, -69.80, -33.30}, /* southern hemisphere */
	};

	(void) state;
	geod_init(&g, RM_WGS84_A, RM_WGS84_F);
	for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++)
	{
		double s12;
		double d = rm_local_distance(pts[i][0], pts[i][1], pts[i][2], pts[i][3]);

		geod_inverse(&g, pts[i][1], pts[i][0], pts[i][3], pts[i][2], &s12, NULL, NULL);
		assert_true(fabs(d - s12) <= 1e-5 * s12);
	}
	assert_true(rm_local_distance(106.5, 29.5, 106.5, 29.5) == 0.0);
}

static void
test_lonlat_ranges(void **state)
{
	(void) state;
	assert_true(rm_lonlat_storable(180, 90));
	assert_true(rm_lonlat_storable(-180, -90));
	assert_false(rm_lonlat_storable(180.0000001, 0));
	assert_false(rm_lonlat_storable(0, -90.5));
	assert_false(rm_lonlat_storable(NAN, 0));
	assert_false(rm_lonlat_storable(0, INFINITY));
	assert_true(rm_lonlat_measurable(539, 0));
	assert_true(rm_lonlat_measurable(-540, 89));
	assert_false(rm_lonlat_measurable(541, 0));
	assert_false(rm_lonlat_measurable(0, 91));
	assert_false(rm_lonlat_measurable(NAN, 0));
}

static void
test_status_and_errors(void **state)
{
	char buf[8];

	(void) state;
	assert_string_equal(rm_status_name(RM_OK), "RM_OK");
	assert_string_equal(rm_status_name(RM_ENOMEM), "RM_ENOMEM");
	assert_string_equal(rm_status_name(RM_EINTERRUPTED), "RM_EINTERRUPTED");
	assert_string_equal(rm_status_name(RM_EINPUT), "RM_EINPUT");
	assert_string_equal(rm_status_name(99), "unknown status");
	/* rm_graph.h's values, which it keeps until it includes rm_common.h */
	assert_int_equal(RM_ENOMEM, 1);
	assert_int_equal(RM_EINTERRUPTED, 2);
	assert_int_equal(RM_EINVAL, 3);
	assert_int_equal(RM_EGEOS, 4);
	assert_int_equal(RM_ELIMIT, 5);
	/* truncated and terminated */
	rm_set_error(buf, sizeof buf, "source %d: %s", 12, "radius out of range");
	assert_string_equal(buf, "source ");
	rm_set_error(NULL, 0, "ignored %d", 1);
	rm_set_error(buf, 0, "ignored %d", 1);
	assert_string_equal(buf, "source ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_radii),
	    cmocka_unit_test(test_local_distance_agrees_with_geodesics),
	    cmocka_unit_test(test_lonlat_ranges),
	    cmocka_unit_test(test_status_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
