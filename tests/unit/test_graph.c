/*
 * test_graph.c — ground distance, k-d tree snapping against brute force,
 * node coordinates and arcs of the CSR road graph.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rm_graph.h"

static void
test_ground_distance(void **state)
{
	/* one degree of latitude at the equator on WGS 84: 110574.389 m */
	assert_true(fabs(rm_ground_distance(0, 0, 0, 1) - 110574.389) < 0.01);
	/* one degree of longitude at the equator: 111319.491 m */
	assert_true(fabs(rm_ground_distance(0, 0, 1, 0) - 111319.491) < 0.01);
	assert_true(rm_ground_distance(106.5, 29.5, 106.5, 29.5) == 0);
	assert_true(isnan(rm_ground_distance(0, 91, 0, 0)));
	assert_true(isnan(rm_ground_distance(NAN, 0, 0, 0)));
	assert_false(rm_lonlat_valid(0, -90.5));
}

static double
frand(unsigned *s)
{
	return rand_r(s) / (double) RAND_MAX;
}

static void
test_snap_vs_brute_force(void **state)
{
	unsigned	seed = 99;
	int			r;

	for (r = 0; r < 40; r++)
	{
		int			n = 1 + rand_r(&seed) % 400,
					i,
					q;
		double	   *lon = malloc(sizeof(double) * n),
				   *lat = malloc(sizeof(double) * n);
		int64_t    *key = malloc(sizeof(int64_t) * n);
		rm_pointindex pi;
		double		span = (r % 4 == 0) ? 5.0 : 0.05;

		for (i = 0; i < n; i++)
		{
			/* coarse lattice: plenty of exact ties and duplicates */
			lon[i] = 106.0 + span * (rand_r(&seed) % 20) / 20.0;
			lat[i] = 29.0 + span * (rand_r(&seed) % 20) / 20.0;
			key[i] = 1000 - (i * 7919) % 1000;
		}
		assert_int_equal(rm_pointindex_build(&pi, &rm_malloc_allocator, n, lon, lat, key, NULL, n), RM_OK);
		for (q = 0; q < 200; q++)
		{
			double		x = 106.0 - 0.1 + (span + 0.2) * frand(&seed),
						y = 29.0 - 0.1 + (span + 0.2) * frand(&seed),
						d,
						bd = INFINITY;
			int32_t		got,
						best = -1;

			if (q % 5 == 0)
			{
				/* exactly between lattice points */
				x = 106.0 + span * (rand_r(&seed) % 20) / 20.0 + span / 40.0;
				y = 29.0 + span * (rand_r(&seed) % 20) / 20.0;
			}
			for (i = 0; i < n; i++)
			{
				double		g = rm_ground_distance(x, y, lon[i], lat[i]);

				if (g < bd || (g == bd && key[i] < key[best]))
					bd = g, best = i;
			}
			got = rm_pointindex_nearest(&pi, x, y, &d);
			if (got != best)
				fail_msg("run %d query %d: got %d (%.6f) want %d (%.6f)", r, q, got, d, best, bd);
			assert_true(d == bd);
		}
		rm_pointindex_free(&pi, &rm_malloc_allocator);
		free(lon);
		free(lat);
		free(key);
	}
}

typedef struct cnt
{
	int			n;
	double		r;
	int			bad;
} cnt;

static int
count_cb(void *arg, int32_t idx, double d)
{
	cnt		   *c = arg;

	c->n++;
	if (d > c->r)
		c->bad++;
	return 0;
}

static void
test_within_vs_brute_force(void **state)
{
	unsigned	seed = 5;
	int			n = 2000,
				i,
				q;
	double	   *lon = malloc(sizeof(double) * n),
			   *lat = malloc(sizeof(double) * n);
	rm_pointindex pi;

	for (i = 0; i < n; i++)
	{
		lon[i] = 106.3 + 0.5 * frand(&seed);
		lat[i] = 29.3 + 0.5 * frand(&seed);
	}
	assert_int_equal(rm_pointindex_build(&pi, &rm_malloc_allocator, n, lon, lat, NULL, NULL, n), RM_OK);
	for (q = 0; q < 50; q++)
	{
		double		x = 106.3 + 0.5 * frand(&seed),
					y = 29.3 + 0.5 * frand(&seed),
					r = 8000 * frand(&seed);
		cnt			c = {0, r, 0};
		int			want = 0;

		for (i = 0; i < n; i++)
			if (rm_ground_distance(x, y, lon[i], lat[i]) <= r)
				want++;
		rm_pointindex_within(&pi, x, y, r, count_cb, &c);
		assert_int_equal(c.n, want);
		assert_int_equal(c.bad, 0);
	}
	rm_pointindex_free(&pi, &rm_malloc_allocator);
	free(lon);
	free(lat);
}

static void
test_all_duplicates(void **state)
{
	int			n = 50000,
				i;
	double	   *lon = malloc(sizeof(double) * n),
			   *lat = malloc(sizeof(double) * n);
	int64_t    *key = malloc(sizeof(int64_t) * n);
	rm_pointindex pi;
	double		d;

	for (i = 0; i < n; i++)
		lon[i] = 106.5, lat[i] = 29.5, key[i] = n - i;
	assert_int_equal(rm_pointindex_build(&pi, &rm_malloc_allocator, n, lon, lat, key, NULL, n), RM_OK);
	assert_int_equal(rm_pointindex_nearest(&pi, 106.6, 29.6, &d), n - 1);	/* lowest key */
	rm_pointindex_free(&pi, &rm_malloc_allocator);
	free(lon);
	free(lat);
	free(key);
}

static void
test_graph_build(void **state)
{
	rm_edge_in	e[] = {
		/* id, source, target, cost, reverse, x1, y1, x2, y2 */
		{7, 50, 60, 10, -1, 106.0, 29.0, 106.01, 29.0},
		{3, 60, 70, 5, 5, 106.011, 29.0, 106.02, 29.0},	/* lower id: node 60 at 106.011 */
		{9, 70, 80, -1, -2, NAN, NAN, NAN, NAN},	/* no arcs, no geometry */
		{4, 80, 50, 0, 0, 106.03, 29.0, 106.0, 29.0},
	};
	rm_graph	g;
	int32_t		k;
	double		d;

	assert_int_equal(rm_graph_build(&g, &rm_malloc_allocator, e, 4, NULL), RM_OK);
	assert_int_equal(g.n_nodes, 4);
	assert_int_equal(g.n_arcs, 1 + 2 + 0 + 2);
	k = rm_graph_node_index(&g, 60);
	assert_true(g.lon[k] == 106.011);
	assert_int_equal(rm_graph_node_index(&g, 61), -1);
	/* arcs into 60: from 50 (cost 10) and from 70 (reverse 5) */
	assert_int_equal(g.in_off[k + 1] - g.in_off[k], 2);
	/* node 80 has coordinates from edge 4 */
	assert_true(g.lon[rm_graph_node_index(&g, 80)] == 106.03);
	/* snapping: nearest node to 106.021 is 70 */
	assert_int_equal(g.node_id[rm_graph_snap(&g, 106.021, 29.0, &d)], 70);
	assert_true(fabs(d - rm_ground_distance(106.021, 29.0, 106.02, 29.0)) < 1e-9);
	rm_graph_free(&g, &rm_malloc_allocator);

	/* empty */
	assert_int_equal(rm_graph_build(&g, &rm_malloc_allocator, e, 0, NULL), RM_OK);
	assert_int_equal(g.n_nodes, 0);
	assert_int_equal(rm_graph_snap(&g, 106, 29, &d), -1);
	rm_graph_free(&g, &rm_malloc_allocator);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ground_distance),
		cmocka_unit_test(test_snap_vs_brute_force),
		cmocka_unit_test(test_within_vs_brute_force),
		cmocka_unit_test(test_all_duplicates),
		cmocka_unit_test(test_graph_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
