/*
 * test_evacuation.c — the assignment against brute force on small random
 * road networks (Floyd-Warshall on the arcs, snapping by measuring every
 * node) and in straight-line mode; capacitated runs are compared with the
 * transport solver fed brute-force pairs (that solver is itself checked
 * against an independent formulation in test_mincostflow).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rm_evacuation.h"
#include "rm_mincostflow.h"

static double
frand(unsigned *s)
{
	return rand_r(s) / (double) RAND_MAX;
}

typedef struct world
{
	int			n_nodes;		/* node ids 1..n */
	double	   *nlon,
			   *nlat;
	rm_edge_in *e;
	int			n_edges;
	rm_evac_cell *c;
	int			nc;
	rm_evac_shelter *s;
	int			ns;
} world;

static void
make_world(world *w, unsigned *seed, int road)
{
	int			i;

	w->n_nodes = 2 + rand_r(seed) % 25;
	w->nlon = malloc(sizeof(double) * (w->n_nodes + 1));
	w->nlat = malloc(sizeof(double) * (w->n_nodes + 1));
	for (i = 1; i <= w->n_nodes; i++)
	{
		w->nlon[i] = 106.5 + 0.05 * frand(seed);
		w->nlat[i] = 29.5 + 0.05 * frand(seed);
	}
	w->n_edges = road ? rand_r(seed) % (2 * w->n_nodes + 1) + 1 : 0;
	w->e = malloc(sizeof(rm_edge_in) * (w->n_edges + 1));
	for (i = 0; i < w->n_edges; i++)
	{
		int			a = 1 + rand_r(seed) % w->n_nodes,
					b = 1 + rand_r(seed) % w->n_nodes;

		w->e[i].id = i + 1;
		w->e[i].source = a;
		w->e[i].target = b;
		w->e[i].cost = (rand_r(seed) % 4 == 0) ? -1 : rand_r(seed) % 600;
		w->e[i].reverse_cost = (rand_r(seed) % 3 == 0) ? -1 : rand_r(seed) % 600;
		w->e[i].x1 = w->nlon[a];
		w->e[i].y1 = w->nlat[a];
		w->e[i].x2 = w->nlon[b];
		w->e[i].y2 = w->nlat[b];
	}
	w->nc = rand_r(seed) % 30;
	w->c = malloc(sizeof(rm_evac_cell) * (w->nc + 1));
	for (i = 0; i < w->nc; i++)
	{
		w->c[i].id = 10 + 3 * i;
		w->c[i].lon = 106.5 + 0.05 * frand(seed);
		w->c[i].lat = 29.5 + 0.05 * frand(seed);
		w->c[i].people = (rand_r(seed) % 7 == 0) ? 0 : 0.5 + rand_r(seed) % 100 + frand(seed);
		if (rand_r(seed) % 15 == 0)
			w->c[i].lon = w->c[i].lat = NAN;	/* empty geometry: no centroid */
	}
	w->ns = rand_r(seed) % 6;
	w->s = malloc(sizeof(rm_evac_shelter) * (w->ns + 1));
	for (i = 0; i < w->ns; i++)
	{
		w->s[i].id = 100 + 5 * i;
		w->s[i].lon = 106.5 + 0.05 * frand(seed);
		w->s[i].lat = 29.5 + 0.05 * frand(seed);
		w->s[i].capacity = (rand_r(seed) % 5 == 0) ? 0 : rand_r(seed) % 300;
	}
}

static void
free_world(world *w)
{
	free(w->nlon);
	free(w->nlat);
	free(w->e);
	free(w->c);
	free(w->s);
}

/* node actually used by edges (coordinates known) */
static int
used_node(const world *w, int v)
{
	int			i;

	for (i = 0; i < w->n_edges; i++)
		if (w->e[i].source == v || w->e[i].target == v)
			return 1;
	return 0;
}

static int
snap_brute(const world *w, double lon, double lat, double *d)
{
	int			v,
				best = -1;
	double		bd = INFINITY;

	for (v = 1; v <= w->n_nodes; v++)
	{
		double		g;

		if (!used_node(w, v))
			continue;
		g = rm_ground_distance(lon, lat, w->nlon[v], w->nlat[v]);
		if (g < bd)
			bd = g, best = v;
	}
	*d = bd;
	return best;
}

/* times[i * ns + j], INFINITY when unreachable */
static double *
brute_times(const world *w, double speed, int road)
{
	int			n = w->n_nodes + 1,
				i,
				j,
				k;
	double	   *D = malloc(sizeof(double) * n * n);
	double	   *t = malloc(sizeof(double) * (w->nc * w->ns + 1));

	for (i = 0; i < n * n; i++)
		D[i] = INFINITY;
	for (i = 0; i < n; i++)
		D[i * n + i] = 0;
	for (i = 0; i < w->n_edges; i++)
	{
		const rm_edge_in *e = &w->e[i];

		if (e->cost >= 0 && e->cost < D[e->source * n + e->target])
			D[e->source * n + e->target] = e->cost;
		if (e->reverse_cost >= 0 && e->reverse_cost < D[e->target * n + e->source])
			D[e->target * n + e->source] = e->reverse_cost;
	}
	for (k = 0; k < n; k++)
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (D[i * n + k] + D[k * n + j] < D[i * n + j])
					D[i * n + j] = D[i * n + k] + D[k * n + j];
	for (i = 0; i < w->nc; i++)
		for (j = 0; j < w->ns; j++)
		{
			double		dc,
						ds;

			t[i * w->ns + j] = INFINITY;
			if (isnan(w->c[i].lon))
				continue;
			if (!road)
			{
				t[i * w->ns + j] = rm_ground_distance(w->c[i].lon, w->c[i].lat,
													  w->s[j].lon, w->s[j].lat) / speed;
				continue;
			}
			{
				int			a = snap_brute(w, w->c[i].lon, w->c[i].lat, &dc),
							b = snap_brute(w, w->s[j].lon, w->s[j].lat, &ds);

				if (a > 0 && b > 0)
					t[i * w->ns + j] = dc / speed + D[a * n + b] + ds / speed;
			}
		}
	free(D);
	return t;
}

static void
run_world(world *w, int road, int capacitated, double T, double speed)
{
	rm_graph	g;
	rm_evac_params p = {.max_time_s = T, .speed_mps = speed, .capacitated = capacitated};
	rm_evac_result res;
	double	   *t = brute_times(w, speed, road);
	int			i,
				j;
	int64_t		r = 0;

	memset(&g, 0, sizeof g);
	if (road)
		assert_int_equal(rm_graph_build(&g, &rm_malloc_allocator, w->e, w->n_edges, NULL), RM_OK);
	assert_int_equal(rm_evacuate(road ? &g : NULL, road, w->c, w->nc, w->s, w->ns, &p,
								 &rm_malloc_allocator, NULL, &res), RM_OK);
	/* rows ordered by cell, then shelter, unserved last */
	for (r = 1; r < res.n_rows; r++)
	{
		const rm_evac_row *a = &res.rows[r - 1],
				   *b = &res.rows[r];

		assert_true(a->cell < b->cell ||
					(a->cell == b->cell && a->shelter >= 0 &&
					 (b->shelter < 0 || a->shelter < b->shelter)));
	}
	if (!capacitated)
	{
		assert_int_equal(res.n_rows, w->nc);
		for (i = 0; i < w->nc; i++)
		{
			const rm_evac_row *row = &res.rows[i];
			int			best = -1;

			for (j = 0; j < w->ns; j++)
				if (isfinite(t[i * w->ns + j]) && t[i * w->ns + j] <= T && (best < 0 || t[i * w->ns + j] < t[i * w->ns + best] - 1e-9))
					best = j;
			assert_int_equal(row->cell, i);
			assert_true(row->people == w->c[i].people);
			if (best < 0)
			{
				/* allow the rounding edge t == T */
				if (row->shelter >= 0)
					assert_true(fabs(row->time_s - T) < 1e-6);
				continue;
			}
			if (row->shelter != best)
			{
				/* only a tie (up to rounding) may differ, and then the lower id wins */
				if (row->shelter < 0)
					fail_msg("cell %d: brute force %d at %.9g (T %g), got none", i, best,
							 t[i * w->ns + best], T);
				assert_true(fabs(t[i * w->ns + row->shelter] - t[i * w->ns + best]) < 1e-6);
			}
			assert_true(fabs(row->time_s - t[i * w->ns + row->shelter]) < 1e-6);
		}
	}
	else
	{
		/* reference: the transport solver on brute-force pairs */
		int64_t    *off = malloc(sizeof(int64_t) * (w->nc + 1));
		int32_t    *snk = malloc(sizeof(int32_t) * (w->nc * w->ns + 1));
		double	   *cost = malloc(sizeof(double) * (w->nc * w->ns + 1));
		double	   *flow = malloc(sizeof(double) * (w->nc * w->ns + 1));
		double	   *uns = malloc(sizeof(double) * (w->nc + 1));
		double	   *sup = malloc(sizeof(double) * (w->nc + 1));
		double	   *cap = malloc(sizeof(double) * (w->ns + 1));
		double	   *load = calloc(w->ns + 1, sizeof(double));
		double		ru = 0,
					rc = 0,
					gu = 0,
					gc = 0,
					tot = 0;
		int64_t		k = 0;
		rm_transport tp;

		for (i = 0; i < w->nc; i++)
		{
			off[i] = k;
			sup[i] = w->c[i].people;
			tot += sup[i];
			for (j = 0; j < w->ns; j++)
				if (isfinite(t[i * w->ns + j]) && t[i * w->ns + j] <= T && w->s[j].capacity > 0)
				{
					snk[k] = j;
					cost[k] = t[i * w->ns + j];
					k++;
				}
		}
		off[w->nc] = k;
		for (j = 0; j < w->ns; j++)
			cap[j] = w->s[j].capacity;
		tp = (rm_transport) {w->nc, w->ns, sup, cap, off, snk, cost};
		assert_int_equal(rm_transport_solve(&tp, &rm_malloc_allocator, NULL, flow, uns, NULL), RM_OK);
		for (i = 0; i < w->nc; i++)
			ru += uns[i];
		for (k = 0; k < off[w->nc]; k++)
			rc += flow[k] * cost[k];
		assert_int_equal(res.n_pairs, off[w->nc]);
		for (r = 0; r < res.n_rows; r++)
		{
			const rm_evac_row *row = &res.rows[r];

			if (row->shelter < 0)
			{
				gu += row->people;
				assert_true(isnan(row->time_s));
			}
			else
			{
				gc += row->people * row->time_s;
				load[row->shelter] += row->people;
				assert_true(row->time_s <= T);
				assert_true(fabs(row->time_s - t[row->cell * w->ns + row->shelter]) < 1e-6);
			}
		}
		for (j = 0; j < w->ns; j++)
			assert_true(load[j] <= w->s[j].capacity * (1 + 1e-12) + 1e-12);
		if (fabs(gu - ru) > 1e-6 * (1 + tot) || fabs(gc - rc) > 1e-6 * (1 + rc))
			fail_msg("unserved %.9g vs %.9g, person-seconds %.9g vs %.9g", gu, ru, gc, rc);
		free(off);
		free(snk);
		free(cost);
		free(flow);
		free(uns);
		free(sup);
		free(cap);
		free(load);
	}
	rm_evac_result_free(&res, &rm_malloc_allocator);
	if (road)
		rm_graph_free(&g, &rm_malloc_allocator);
	free(t);
}

static void
test_random_worlds(void **state)
{
	unsigned	seed = 2026;
	int			r;

	for (r = 0; r < 200; r++)
	{
		world		w;
		int			road = r % 4 != 0;
		double		T = (r % 5 == 0) ? INFINITY : 300 + rand_r(&seed) % 3000;

		make_world(&w, &seed, road);
		run_world(&w, road, 0, T, 1.2);
		run_world(&w, road, 1, T, 1.2);
		run_world(&w, road, 1, T, 0.8);
		free_world(&w);
	}
}

static void
test_one_way_and_unreachable(void **state)
{
	/* nodes 1 -> 2 one way; shelter near 2, cells near 1 and near 2; node 3 apart */
	rm_edge_in	e[] = {
		{1, 1, 2, 60, -1, 106.50, 29.50, 106.51, 29.50},
		{2, 3, 3, 0, 0, 106.60, 29.60, 106.60, 29.60},
	};
	rm_evac_cell c[] = {
		{1, 106.5000, 29.5000, 10},
		{2, 106.5100, 29.5000, 20},
		{3, 106.6000, 29.6000, 30},	/* snaps to the island */
	};
	rm_evac_shelter s[] = {{7, 106.5100, 29.5000, 100}};
	rm_graph	g;
	rm_evac_params p = {.max_time_s = 3600, .speed_mps = 1.2, .capacitated = 0};
	rm_evac_result res;

	assert_int_equal(rm_graph_build(&g, &rm_malloc_allocator, e, 2, NULL), RM_OK);
	assert_int_equal(rm_evacuate(&g, 1, c, 3, s, 1, &p, &rm_malloc_allocator, NULL, &res), RM_OK);
	assert_int_equal(res.n_rows, 3);
	assert_int_equal(res.rows[0].shelter, 0);
	assert_true(fabs(res.rows[0].time_s - 60) < 1e-9);
	assert_int_equal(res.rows[1].shelter, 0);
	assert_true(res.rows[1].time_s == 0);
	assert_int_equal(res.rows[2].shelter, -1);
	rm_evac_result_free(&res, &rm_malloc_allocator);

	/* the other way round: the shelter at node 1 cannot be reached from node 2 */
	s[0].lon = 106.50;
	assert_int_equal(rm_evacuate(&g, 1, c, 3, s, 1, &p, &rm_malloc_allocator, NULL, &res), RM_OK);
	assert_int_equal(res.rows[0].shelter, 0);
	assert_int_equal(res.rows[1].shelter, -1);
	rm_evac_result_free(&res, &rm_malloc_allocator);

	/* capacitated, capacity 25 < 30 people that can reach it: max served, then quickest */
	p.capacitated = 1;
	s[0].lon = 106.51;
	s[0].capacity = 25;
	assert_int_equal(rm_evacuate(&g, 1, c, 3, s, 1, &p, &rm_malloc_allocator, NULL, &res), RM_OK);
	/* cell 2 (time 0) gets 20, cell 1 (time 60) gets 5, 5 unserved; cell 3 unserved */
	assert_int_equal(res.n_rows, 4);
	assert_true(res.rows[0].cell == 0 && res.rows[0].shelter == 0 && res.rows[0].people == 5);
	assert_true(res.rows[1].cell == 0 && res.rows[1].shelter == -1 && res.rows[1].people == 5);
	assert_true(res.rows[2].cell == 1 && res.rows[2].people == 20);
	assert_true(res.rows[3].cell == 2 && res.rows[3].shelter == -1);
	rm_evac_result_free(&res, &rm_malloc_allocator);
	rm_graph_free(&g, &rm_malloc_allocator);
}

static void
test_empty_inputs(void **state)
{
	rm_evac_cell c[] = {{1, 106.5, 29.5, 3}};
	rm_evac_shelter s[] = {{1, 106.5, 29.5, 0}};
	rm_evac_params p = {.max_time_s = 3600, .speed_mps = 1.2, .capacitated = 0};
	rm_evac_result res;

	assert_int_equal(rm_evacuate(NULL, 0, c, 0, s, 1, &p, &rm_malloc_allocator, NULL, &res), RM_OK);
	assert_int_equal(res.n_rows, 0);
	rm_evac_result_free(&res, &rm_malloc_allocator);
	assert_int_equal(rm_evacuate(NULL, 0, c, 1, s, 0, &p, &rm_malloc_allocator, NULL, &res), RM_OK);
	assert_int_equal(res.n_rows, 1);
	assert_int_equal(res.rows[0].shelter, -1);
	rm_evac_result_free(&res, &rm_malloc_allocator);
	/* uncapacitated ignores capacity 0; capacitated cannot use it */
	assert_int_equal(rm_evacuate(NULL, 0, c, 1, s, 1, &p, &rm_malloc_allocator, NULL, &res), RM_OK);
	assert_int_equal(res.rows[0].shelter, 0);
	rm_evac_result_free(&res, &rm_malloc_allocator);
	p.capacitated = 1;
	assert_int_equal(rm_evacuate(NULL, 0, c, 1, s, 1, &p, &rm_malloc_allocator, NULL, &res), RM_OK);
	assert_int_equal(res.rows[0].shelter, -1);
	assert_true(res.rows[0].people == 3);
	rm_evac_result_free(&res, &rm_malloc_allocator);
	/* bad parameters */
	p.speed_mps = 0;
	assert_int_equal(rm_evacuate(NULL, 0, c, 1, s, 1, &p, &rm_malloc_allocator, NULL, &res), RM_EINVAL);
	p.speed_mps = 1;
	p.max_time_s = NAN;
	assert_int_equal(rm_evacuate(NULL, 0, c, 1, s, 1, &p, &rm_malloc_allocator, NULL, &res), RM_EINVAL);
}

/*
 * rm_evac_times_from (blind_scenario's shelters) measures like rm_evacuate:
 * from a cell's centroid, the quickest shelter and its time are the
 * uncapacitated assignment's (ties to the lower index).
 */
static void
test_times_from(void **state)
{
	unsigned	seed = 77;
	int			r;

	for (r = 0; r < 150; r++)
	{
		world		w;
		int			road = r % 3 != 0;
		rm_graph	g;
		rm_evac_params p;
		rm_evac_result res;
		double	   *t;
		int			i,
					j;

		make_world(&w, &seed, road);
		for (j = 0; j < w.ns; j++)
			if (w.s[j].capacity <= 0)
				w.s[j].capacity = 1;
		memset(&p, 0, sizeof p);
		p.max_time_s = INFINITY;
		p.speed_mps = 1.2;
		if (road)
			assert_int_equal(rm_graph_build(&g, &rm_malloc_allocator, w.e, w.n_edges, NULL), RM_OK);
		assert_int_equal(rm_evacuate(road ? &g : NULL, road, w.c, w.nc, w.s, w.ns, &p,
									 &rm_malloc_allocator, NULL, &res), RM_OK);
		t = malloc(sizeof(double) * (w.ns + 1));
		for (i = 0; i < w.nc; i++)
		{
			int			best = -1;

			if (!rm_lonlat_valid(w.c[i].lon, w.c[i].lat))
				continue;
			assert_int_equal(rm_evac_times_from(road ? &g : NULL, w.c[i].lon, w.c[i].lat, 1.2, w.s, w.ns,
												&rm_malloc_allocator, NULL, t), RM_OK);
			for (j = 0; j < w.ns; j++)
				if (isfinite(t[j]) && (best < 0 || t[j] < t[best]))
					best = j;
			/* rows are one per cell here, in cell order */
			assert_int_equal(res.rows[i].cell, i);
			if (best < 0)
				assert_int_equal(res.rows[i].shelter, -1);
			else
			{
				assert_true(res.rows[i].shelter >= 0);
				assert_true(fabs(t[res.rows[i].shelter] - t[best]) <= 1e-9 * (1 + t[best]));
				assert_true(fabs(res.rows[i].time_s - t[best]) <= 1e-9 * (1 + t[best]));
			}
		}
		free(t);
		rm_evac_result_free(&res, &rm_malloc_allocator);
		if (road)
			rm_graph_free(&g, &rm_malloc_allocator);
		free_world(&w);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_one_way_and_unreachable),
		cmocka_unit_test(test_random_worlds),
		cmocka_unit_test(test_times_from),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
