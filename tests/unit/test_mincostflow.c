/*
 * test_mincostflow.c — the transport min-cost flow against an independent
 * formulation: Bellman-Ford successive shortest paths on the explicit
 * network (source -> cells -> shelters -> sink, plus cell -> sink
 * "unserved" arcs of big-M cost) from the zero flow, and an optimality
 * certificate: no negative cycle in the residual network under the
 * lexicographic costs (served first, then person-seconds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rm_mincostflow.h"

/* ---------------- reference: explicit network, Bellman-Ford SSP ---------------- */

typedef struct rarc
{
	int			u,
				v;
	double		cap,
				cost,
				flow;
} rarc;

typedef struct rnet
{
	int			n;
	rarc	   *a;
	int			m,
				cap;
} rnet;

static int
radd(rnet *g, int u, int v, double cap, double cost)
{
	if (g->m == g->cap)
	{
		g->cap = g->cap ? 2 * g->cap : 64;
		g->a = realloc(g->a, sizeof(rarc) * g->cap);
	}
	g->a[g->m] = (rarc) {u, v, cap, cost, 0};
	return g->m++;
}

/* residual arc r: even = forward of arc r/2, odd = backward */
static void
ref_solve(rnet *g, int s, int t)
{
	double	   *d = malloc(sizeof(double) * g->n);
	int		   *pred = malloc(sizeof(int) * g->n);

	for (;;)
	{
		int			i,
					it,
					changed = 1;
		double		delta = INFINITY;
		int			v;

		for (i = 0; i < g->n; i++)
			d[i] = INFINITY, pred[i] = -1;
		d[s] = 0;
		for (it = 0; it < g->n && changed; it++)
		{
			changed = 0;
			for (i = 0; i < 2 * g->m; i++)
			{
				rarc	   *a = &g->a[i / 2];
				int			fw = (i % 2) == 0;
				int			u = fw ? a->u : a->v,
							w = fw ? a->v : a->u;
				double		res = fw ? a->cap - a->flow : a->flow;
				double		c = fw ? a->cost : -a->cost;

				if (res > 1e-12 && d[u] < INFINITY && d[u] + c < d[w] - 1e-9)
				{
					d[w] = d[u] + c;
					pred[w] = i;
					changed = 1;
				}
			}
		}
		if (d[t] == INFINITY)
			break;
		for (v = t; v != s;)
		{
			int			i = pred[v];
			rarc	   *a = &g->a[i / 2];
			double		res = (i % 2 == 0) ? a->cap - a->flow : a->flow;

			if (res < delta)
				delta = res;
			v = (i % 2 == 0) ? a->u : a->v;
		}
		for (v = t; v != s;)
		{
			int			i = pred[v];
			rarc	   *a = &g->a[i / 2];

			if (i % 2 == 0)
				a->flow += delta;
			else
				a->flow -= delta;
			v = (i % 2 == 0) ? a->u : a->v;
		}
	}
	free(d);
	free(pred);
}

typedef struct inst
{
	int			ns,
				nk;
	double	   *supply,
			   *cap;
	int64_t    *off;
	int32_t    *snk;
	double	   *cost;
} inst;

static void
inst_free(inst *x)
{
	free(x->supply);
	free(x->cap);
	free(x->off);
	free(x->snk);
	free(x->cost);
}

static void
random_inst(inst *x, unsigned *seed, int ns, int nk, int frac)
{
	int			i,
				j;
	int64_t		k = 0;

	x->ns = ns;
	x->nk = nk;
	x->supply = malloc(sizeof(double) * ns);
	x->cap = malloc(sizeof(double) * nk);
	x->off = malloc(sizeof(int64_t) * (ns + 1));
	x->snk = malloc(sizeof(int32_t) * ns * nk + 1);
	x->cost = malloc(sizeof(double) * ns * nk + 1);
	for (i = 0; i < ns; i++)
	{
		x->supply[i] = rand_r(seed) % 20;
		if (frac)
			x->supply[i] += (rand_r(seed) % 1000) / 997.0;
		x->off[i] = k;
		for (j = 0; j < nk; j++)
			if (rand_r(seed) % 3 != 0)
			{
				x->snk[k] = j;
				x->cost[k] = 1 + rand_r(seed) % 50;
				if (frac)
					x->cost[k] += (rand_r(seed) % 100) / 7.0;
				k++;
			}
	}
	x->off[ns] = k;
	for (j = 0; j < nk; j++)
	{
		x->cap[j] = rand_r(seed) % 30;
		if (rand_r(seed) % 5 == 0)
			x->cap[j] = 0;
		if (frac)
			x->cap[j] += (rand_r(seed) % 10) / 3.0;
	}
}

/* reference optimum: (unserved, cost) */
static void
ref_optimum(const inst *x, double *unserved, double *cost)
{
	rnet		g = {0};
	int			S = x->ns + x->nk,
				T = S + 1,
				i,
				j;
	int64_t		k;
	const double M = 1e7;
	int		   *un = malloc(sizeof(int) * x->ns);
	int		   *pa = malloc(sizeof(int) * (x->off[x->ns] + 1));

	g.n = T + 1;
	for (i = 0; i < x->ns; i++)
		radd(&g, S, i, x->supply[i], 0);
	for (i = 0; i < x->ns; i++)
		for (k = x->off[i]; k < x->off[i + 1]; k++)
			pa[k] = radd(&g, i, x->ns + x->snk[k], INFINITY, x->cost[k]);
	for (i = 0; i < x->ns; i++)
		un[i] = radd(&g, i, T, INFINITY, M);
	for (j = 0; j < x->nk; j++)
		radd(&g, x->ns + j, T, x->cap[j], 0);
	ref_solve(&g, S, T);
	*unserved = 0;
	*cost = 0;
	for (i = 0; i < x->ns; i++)
		*unserved += g.a[un[i]].flow;
	for (k = 0; k < x->off[x->ns]; k++)
		*cost += g.a[pa[k]].flow * x->cost[k];
	free(g.a);
	free(un);
	free(pa);
}

/*
 * Certificate: the residual network of the solver's flow (nodes: cells,
 * shelters, U, T; lexicographic costs) has no negative cycle.
 */
static int
has_negative_cycle(const inst *x, const double *flow, const double *unserved)
{
	int			n = x->ns + x->nk + 2,
				U = x->ns + x->nk,
				T = U + 1,
				i,
				j,
				it;
	double	   *da = calloc(n, sizeof(double)),
			   *db = calloc(n, sizeof(double));
	double	   *load = calloc(x->nk + 1, sizeof(double));
	int64_t		k;
	int			changed = 1;

#define RELAX(u, v, ca, cb) do { \
		double na = da[u] + (ca), nb = db[u] + (cb); \
		if (na < da[v] - 1e-9 || (fabs(na - da[v]) <= 1e-9 && nb < db[v] - 1e-7)) \
		{ da[v] = na; db[v] = nb; changed = 1; } } while (0)

	for (k = 0; k < x->off[x->ns]; k++)
		load[x->snk[k]] += flow[k];
	for (it = 0; it <= n && changed; it++)
	{
		changed = 0;
		for (i = 0; i < x->ns; i++)
		{
			for (k = x->off[i]; k < x->off[i + 1]; k++)
			{
				int			s = x->ns + x->snk[k];

				RELAX(i, s, 0, x->cost[k]);
				if (flow[k] > 1e-9)
					RELAX(s, i, 0, -x->cost[k]);
			}
			RELAX(i, U, 1, 0);
			if (unserved[i] > 1e-9)
				RELAX(U, i, -1, 0);
		}
		for (j = 0; j < x->nk; j++)
		{
			if (x->cap[j] - load[j] > 1e-9)
				RELAX(x->ns + j, T, 0, 0);
			if (load[j] > 1e-9)
				RELAX(T, x->ns + j, 0, 0);
		}
		RELAX(U, T, 0, 0);
	}
	free(da);
	free(db);
	free(load);
	return changed;				/* still relaxing after n rounds: negative cycle */
#undef RELAX
}

static void
check_instance(const inst *x)
{
	rm_transport t = {x->ns, x->nk, x->supply, x->cap, x->off, x->snk, x->cost};
	double	   *flow = malloc(sizeof(double) * (x->off[x->ns] + 1));
	double	   *uns = malloc(sizeof(double) * (x->ns + 1));
	double	   *load = calloc(x->nk + 1, sizeof(double));
	double		ru,
				rc,
				su = 0,
				sc = 0,
				total = 0;
	int			i;
	int64_t		k;
	rm_transport_stats st;

	assert_int_equal(rm_transport_solve(&t, &rm_malloc_allocator, NULL, flow, uns, &st), RM_OK);
	/* feasibility */
	for (i = 0; i < x->ns; i++)
	{
		double		out = uns[i];

		assert_true(uns[i] >= 0);
		for (k = x->off[i]; k < x->off[i + 1]; k++)
		{
			assert_true(flow[k] >= 0);
			out += flow[k];
			load[x->snk[k]] += flow[k];
			sc += flow[k] * x->cost[k];
		}
		assert_true(fabs(out - x->supply[i]) <= 1e-9 * (1 + x->supply[i]));
		su += uns[i];
		total += x->supply[i];
	}
	for (i = 0; i < x->nk; i++)
		assert_true(load[i] <= x->cap[i] + 1e-9 * (1 + x->cap[i]));
	ref_optimum(x, &ru, &rc);
	if (fabs(su - ru) > 1e-6 * (1 + total) || fabs(sc - rc) > 1e-6 * (1 + rc))
		fail_msg("unserved %.9g vs %.9g, cost %.9g vs %.9g", su, ru, sc, rc);
	assert_false(has_negative_cycle(x, flow, uns));
	free(flow);
	free(uns);
	free(load);
}

static void
test_random_integral(void **state)
{
	unsigned	seed = 12345;
	int			r;

	for (r = 0; r < 300; r++)
	{
		inst		x;

		random_inst(&x, &seed, 1 + r % 9, 1 + (r / 9) % 6, 0);
		check_instance(&x);
		inst_free(&x);
	}
}

static void
test_random_fractional(void **state)
{
	unsigned	seed = 777;
	int			r;

	for (r = 0; r < 300; r++)
	{
		inst		x;

		random_inst(&x, &seed, 1 + r % 12, 1 + (r / 7) % 7, 1);
		check_instance(&x);
		inst_free(&x);
	}
}

static void
test_hand_made(void **state)
{
	/* two cells, two shelters; cell 0 prefers shelter 0 but must yield */
	double		supply[] = {10, 10};
	double		cap[] = {10, 15};
	int64_t		off[] = {0, 2, 3};
	int32_t		snk[] = {0, 1, 0};
	double		cost[] = {1, 2, 1.5};
	double		flow[3],
				uns[2];
	rm_transport t = {2, 2, supply, cap, off, snk, cost};

	assert_int_equal(rm_transport_solve(&t, &rm_malloc_allocator, NULL, flow, uns, NULL), RM_OK);
	/* cell 1 has only shelter 0 -> it takes it (10); cell 0 goes to shelter 1 */
	assert_true(fabs(flow[0]) < 1e-12);
	assert_true(fabs(flow[1] - 10) < 1e-12);
	assert_true(fabs(flow[2] - 10) < 1e-12);
	assert_true(uns[0] == 0 && uns[1] == 0);
}

static void
test_capacity_zero_and_no_pairs(void **state)
{
	double		supply[] = {5, 0.25, 3};
	double		cap[] = {0, 1};
	int64_t		off[] = {0, 1, 3, 3};
	int32_t		snk[] = {0, 0, 1};
	double		cost[] = {1, 1, 7};
	double		flow[3],
				uns[3];
	rm_transport t = {3, 2, supply, cap, off, snk, cost};

	assert_int_equal(rm_transport_solve(&t, &rm_malloc_allocator, NULL, flow, uns, NULL), RM_OK);
	assert_true(flow[0] == 0 && uns[0] == 5);
	assert_true(flow[1] == 0 && flow[2] == 0.25 && uns[1] == 0);
	assert_true(uns[2] == 3);
}

static void
test_more_people_than_capacity(void **state)
{
	/* max served first: 1 person can only go far (cost 100) but cell 1 could take the near one */
	double		supply[] = {1, 1};
	double		cap[] = {1, 1};
	int64_t		off[] = {0, 2, 3};
	int32_t		snk[] = {0, 1, 0};
	double		cost[] = {1, 100, 2};
	double		flow[3],
				uns[2];
	rm_transport t = {2, 2, supply, cap, off, snk, cost};

	assert_int_equal(rm_transport_solve(&t, &rm_malloc_allocator, NULL, flow, uns, NULL), RM_OK);
	/* serving both (cost 102) beats serving one cheaply (cost 1) */
	assert_true(flow[1] == 1 && flow[2] == 1 && uns[0] == 0 && uns[1] == 0);
}

static void
test_bad_input(void **state)
{
	double		supply[] = {NAN};
	double		cap[] = {1};
	int64_t		off[] = {0, 1};
	int32_t		snk[] = {0};
	double		cost[] = {1};
	double		flow[1],
				uns[1];
	rm_transport t = {1, 1, supply, cap, off, snk, cost};

	assert_int_equal(rm_transport_solve(&t, &rm_malloc_allocator, NULL, flow, uns, NULL), RM_EINVAL);
	supply[0] = 1;
	snk[0] = 3;
	assert_int_equal(rm_transport_solve(&t, &rm_malloc_allocator, NULL, flow, uns, NULL), RM_EINVAL);
}

static int
stop_now(void *arg)
{
	return 1;
}

static void
test_interrupt(void **state)
{
	double		supply[] = {10, 10};
	double		cap[] = {1, 1};
	int64_t		off[] = {0, 2, 4};
	int32_t		snk[] = {0, 1, 0, 1};
	double		cost[] = {1, 2, 1, 2};
	double		flow[4],
				uns[2];
	rm_transport t = {2, 2, supply, cap, off, snk, cost};
	rm_interrupt in = {stop_now, NULL};

	assert_int_equal(rm_transport_solve(&t, &rm_malloc_allocator, &in, flow, uns, NULL), RM_EINTERRUPTED);
}

/* Many shelters per cell: only a few cheapest pairs enter the first network, the rest by pricing. */
static void
test_random_pricing(void **state)
{
	unsigned	seed = 4242;
	int			r;

	for (r = 0; r < 60; r++)
	{
		inst		x;

		random_inst(&x, &seed, 5 + r % 20, 12 + (r * 7) % 25, r % 2);
		check_instance(&x);
		inst_free(&x);
	}
}

/* Scale-free people: hundredths of a person, and 1e-7 next to millions. */
static void
test_tiny_and_huge_people(void **state)
{
	unsigned	seed = 99;
	int			r;

	for (r = 0; r < 80; r++)
	{
		inst		x;
		int			i,
					j;

		random_inst(&x, &seed, 3 + r % 10, 2 + r % 9, 1);
		for (i = 0; i < x.ns; i++)
			x.supply[i] = (r % 2) ? 0.01 * (1 + rand_r(&seed) % 5)
				: ((i % 3 == 0) ? 1e-7 * (1 + i) : 1e6 + 0.25 * i);
		for (j = 0; j < x.nk; j++)
			x.cap[j] = (r % 2) ? 0.01 * (rand_r(&seed) % 7) : 1e6 * (rand_r(&seed) % 3) + 3e-7;
		check_instance(&x);
		inst_free(&x);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_made),
		cmocka_unit_test(test_capacity_zero_and_no_pairs),
		cmocka_unit_test(test_more_people_than_capacity),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_random_integral),
		cmocka_unit_test(test_random_fractional),
		cmocka_unit_test(test_random_pricing),
		cmocka_unit_test(test_tiny_and_huge_people),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
