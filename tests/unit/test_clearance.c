/*
 * test_clearance.c — rm_clearance against an independent exact solver: the
 * full time-expanded network (every node at every step 0..T, no pruning)
 * solved by Edmonds-Karp for each T in turn. On small random instances
 * (zero-step arcs, one-way arcs, capacity-limited arcs and shelters, waiting
 * that pays off) every schedule is checked step by step (paths, step counts,
 * per-step capacities, shelter capacities, supplies), the exact mode must
 * match the optimum, auto mode must serve the maximum within 10 % plus one
 * step of the optimal clearance, and every lower bound must hold.
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

#include "rm_clearance.h"

/* ---------------- independent reference: Edmonds-Karp ---------------- */

typedef struct ref
{
	int			n,
				m;
	int		   *head,
			   *next,
			   *to;
	double	   *cap;
} ref;

static void
ref_init(ref *r, int n, int m_max)
{
	r->n = n;
	r->m = 0;
	r->head = malloc(sizeof(int) * n);
	r->next = malloc(sizeof(int) * 2 * m_max);
	r->to = malloc(sizeof(int) * 2 * m_max);
	r->cap = malloc(sizeof(double) * 2 * m_max);
	for (int i = 0; i < n; i++)
		r->head[i] = -1;
}

static void
ref_add(ref *r, int u, int v, double c)
{
	r->to[r->m] = v;
	r->cap[r->m] = c;
	r->next[r->m] = r->head[u];
	r->head[u] = r->m++;
	r->to[r->m] = u;
	r->cap[r->m] = 0;
	r->next[r->m] = r->head[v];
	r->head[v] = r->m++;
}

static double
ref_maxflow(ref *r, int s, int t)
{
	double		total = 0;
	int		   *pe = malloc(sizeof(int) * r->n),
			   *q = malloc(sizeof(int) * r->n);

	for (;;)
	{
		int			qh = 0,
					qt = 0;

		for (int i = 0; i < r->n; i++)
			pe[i] = -2;
		pe[s] = -1;
		q[qt++] = s;
		while (qh < qt && pe[t] == -2)
		{
			int			u = q[qh++];

			for (int e = r->head[u]; e >= 0; e = r->next[e])
				if (r->cap[e] > 1e-9 && pe[r->to[e]] == -2)
				{
					pe[r->to[e]] = e;
					q[qt++] = r->to[e];
				}
		}
		if (pe[t] == -2)
			break;
		double		b = INFINITY;

		for (int v = t; v != s; v = r->to[pe[v] ^ 1])
			if (r->cap[pe[v]] < b)
				b = r->cap[pe[v]];
		for (int v = t; v != s; v = r->to[pe[v] ^ 1])
		{
			r->cap[pe[v]] -= b;
			r->cap[pe[v] ^ 1] += b;
		}
		total += b;
	}
	free(pe);
	free(q);
	return total;
}

static void
ref_free(ref *r)
{
	free(r->head);
	free(r->next);
	free(r->to);
	free(r->cap);
}

/* people that can arrive by T in the full time-expanded network */
static double
ref_F(const rm_clr_problem *p, int T)
{
	int			N = p->n_nodes,
				nn = 2 + p->n_snk + N * (T + 1);
	ref			r;
	double		v;

#define ID(v, t) (2 + p->n_snk + (v) * (T + 1) + (t))
	ref_init(&r, nn, p->n_src + N * (T + 1) * (1 + (int) p->n_arcs) + p->n_snk * (T + 2) + 8);
	for (int i = 0; i < p->n_src; i++)
		if (p->src[i].walk <= T)
			ref_add(&r, 0, ID(p->src[i].node, p->src[i].walk), p->src[i].people);
	for (int v2 = 0; v2 < N; v2++)
		for (int t = 0; t < T; t++)
			ref_add(&r, ID(v2, t), ID(v2, t + 1), 1e18);
	for (int k = 0; k < p->n_arcs; k++)
		for (int t = 0; t + p->arcs[k].steps <= T; t++)
			ref_add(&r, ID(p->arcs[k].from, t), ID(p->arcs[k].to, t + p->arcs[k].steps),
					isinf(p->arcs[k].cap) ? 1e18 : p->arcs[k].cap);
	for (int j = 0; j < p->n_snk; j++)
	{
		for (int t = 0; t + p->snk[j].walk <= T; t++)
			ref_add(&r, ID(p->snk[j].node, t), 2 + j, 1e18);
		ref_add(&r, 2 + j, 1, p->snk[j].capacity);
	}
#undef ID
	v = ref_maxflow(&r, 0, 1);
	ref_free(&r);
	return v;
}

/* ---------------- schedule checker ---------------- */

static void
check_schedule(const rm_clr_problem *p, const rm_clr_result *res)
{
	double	   *got = calloc(p->n_src, sizeof(double));
	double	   *into = calloc(p->n_snk, sizeof(double));
	int			H = p->horizon;
	double	   *load = calloc((size_t) p->n_arcs * (H + 1) + 1, sizeof(double));
	double		served = 0;
	int			clearance = -1;

	for (int64_t g = 0; g < res->n_groups; g++)
	{
		const rm_clr_group *gr = &res->groups[g];

		assert_true(gr->src >= 0 && gr->src < p->n_src);
		assert_true(gr->people > 0);
		got[gr->src] += gr->people;
		if (g > 0)
			assert_true(res->groups[g - 1].src <= gr->src);
		if (gr->snk < 0)
			continue;
		served += gr->people;
		into[gr->snk] += gr->people;
		assert_true(gr->depart >= 0);
		int			at = gr->depart + p->src[gr->src].walk;
		int			node = p->src[gr->src].node;

		for (int k = 0; k < gr->path_len; k++)
		{
			int			a = res->path_arc[gr->path_off + k],
						t = res->path_enter[gr->path_off + k];

			assert_int_equal(p->arcs[a].from, node);
			assert_true(t >= at);
			load[(size_t) a * (H + 1) + t] += gr->people;
			at = t + p->arcs[a].steps;
			node = p->arcs[a].to;
		}
		assert_int_equal(node, p->snk[gr->snk].node);
		assert_true(gr->arrive >= at + p->snk[gr->snk].walk);
		assert_true(gr->arrive <= H);
		if (gr->arrive > clearance)
			clearance = gr->arrive;
	}
	for (int i = 0; i < p->n_src; i++)
		assert_true(fabs(got[i] - p->src[i].people) < 1e-6);
	for (int j = 0; j < p->n_snk; j++)
		assert_true(into[j] <= p->snk[j].capacity + 1e-6);
	for (int64_t k = 0; k < p->n_arcs; k++)
		if (!isinf(p->arcs[k].cap))
			for (int t = 0; t <= H; t++)
				assert_true(load[(size_t) k * (H + 1) + t] <= p->arcs[k].cap + 1e-6);
	assert_true(fabs(served - res->served) < 1e-6);
	assert_int_equal(clearance, res->clearance);
	free(got);
	free(into);
	free(load);
}

/* ---------------- random instances ---------------- */

static unsigned long long rng_state = 12345;

static unsigned
rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned) ((rng_state >> 33) % n);
}

typedef struct inst
{
	rm_clr_problem p;
	rm_clr_arc	arcs[40];
	rm_clr_source src[4];
	rm_clr_sink snk[3];
} inst;

static void
random_instance(inst *in)
{
	int			n = 2 + rnd(7),
				m = rnd(3 * n + 1);
	static const double caps[] = {1, 2, 3, 0.5, 5};

	memset(in, 0, sizeof *in);
	for (int k = 0; k < m && k < 40; k++)
	{
		rm_clr_arc *a = &in->arcs[k];

		a->from = rnd(n);
		a->to = rnd(n);
		a->steps = rnd(4);
		a->cap = rnd(4) == 0 ? INFINITY : caps[rnd(5)];
		a->edge_id = 100 + k;
	}
	in->p.n_nodes = n;
	in->p.arcs = in->arcs;
	in->p.n_arcs = m < 40 ? m : 40;
	in->p.n_src = 1 + rnd(4);
	for (int i = 0; i < in->p.n_src; i++)
	{
		in->src[i].node = rnd(n);
		in->src[i].walk = rnd(3);
		in->src[i].people = 1 + rnd(20) + (rnd(3) == 0 ? 0.25 : 0);
	}
	in->p.n_snk = 1 + rnd(3);
	for (int j = 0; j < in->p.n_snk; j++)
	{
		in->snk[j].node = rnd(n);
		in->snk[j].walk = rnd(3);
		in->snk[j].capacity = rnd(3) == 0 ? 1e9 : 1 + rnd(30);
	}
	in->p.src = in->src;
	in->p.snk = in->snk;
	in->p.horizon = 4 + rnd(14);
}

static void
test_random_against_reference(void **state)
{
	int			certified_heuristic = 0,
				exact_used = 0;

	(void) state;
	for (int it = 0; it < 1000; it++)
	{
		inst		in;
		double		best;
		int			tstar = -1;

		random_instance(&in);
		best = ref_F(&in.p, in.p.horizon);
		if (best > 1e-9)
			for (int T = 0; T <= in.p.horizon; T++)
				if (ref_F(&in.p, T) >= best - 1e-7)
				{
					tstar = T;
					break;
				}
		for (int mode = 0; mode < 3; mode++)
		{
			rm_clr_options o = {mode, 0};
			rm_clr_result r;

			assert_int_equal(rm_clearance_solve(&in.p, &o, &rm_malloc_allocator, NULL, &r), RM_OK);
			check_schedule(&in.p, &r);
			assert_true(r.served <= best + 1e-6);
			if (best > 1e-9)
			{
								assert_true(r.lower_bound >= 0);
				assert_true(r.lower_bound <= tstar);
				assert_true(r.lb_relaxation <= tstar);
				assert_true(r.lb_cut <= tstar);
			}
			if (mode == RM_CLR_EXACT)
			{
				assert_true(fabs(r.served - best) < 1e-6);
				assert_int_equal(r.clearance, tstar);
				assert_int_equal(r.lower_bound, tstar);
			}
			if (mode == RM_CLR_AUTO)
			{
				assert_true(fabs(r.served - best) < 1e-6);
				assert_true(r.served_proven);
				assert_true(10 * r.clearance <= 11 * tstar + 10);
				if (r.exact)
					exact_used++;
				else
					certified_heuristic++;
			}
			rm_clr_result_free(&r, &rm_malloc_allocator);
		}
	}
	/* both paths of auto mode were exercised */
	assert_true(certified_heuristic > 50);
	assert_true(exact_used > 0);
}

/* One road of 2 steps, capacity 3 per step, 10 people: 4 waves. */
static void
test_one_road(void **state)
{
	rm_clr_arc	a[1] = {{0, 1, 2, 3, 7}};
	rm_clr_source s[1] = {{0, 1, 10}};
	rm_clr_sink k[1] = {{1, 1, 100}};
	rm_clr_problem p = {2, a, 1, s, 1, k, 1, 100};
	rm_clr_options o = {RM_CLR_AUTO, 0};
	rm_clr_result r;

	(void) state;
	assert_int_equal(rm_clearance_solve(&p, &o, &rm_malloc_allocator, NULL, &r), RM_OK);
	check_schedule(&p, &r);
	/* enter at 1,2,3,4 (3+3+3+1), last arrives 4 + 2 + 1 = 7 */
	assert_int_equal(r.clearance, 7);
	assert_int_equal(r.lower_bound, 7);
	assert_int_equal(r.n_bottlenecks, 1);
	assert_int_equal(r.bottlenecks[0].edge_id, 7);
	assert_int_equal(r.bottlenecks[0].saturated_steps, 3);
	rm_clr_result_free(&r, &rm_malloc_allocator);
}

/* Nobody can get there by the horizon: one unserved group. */
static void
test_unserved(void **state)
{
	rm_clr_arc	a[1] = {{0, 1, 5, INFINITY, 7}};
	rm_clr_source s[1] = {{0, 0, 4}};
	rm_clr_sink k[1] = {{1, 0, 100}};
	rm_clr_problem p = {2, a, 1, s, 1, k, 1, 4};
	rm_clr_result r;

	(void) state;
	assert_int_equal(rm_clearance_solve(&p, NULL, &rm_malloc_allocator, NULL, &r), RM_OK);
	assert_int_equal(r.n_groups, 1);
	assert_int_equal(r.groups[0].snk, -1);
	assert_true(r.groups[0].people == 4);
	assert_int_equal(r.clearance, -1);
	assert_int_equal(r.lower_bound, -1);
	rm_clr_result_free(&r, &rm_malloc_allocator);
}

static void
test_bad_input(void **state)
{
	rm_clr_arc	a[1] = {{0, 5, 1, 1, 7}};
	rm_clr_source s[1] = {{0, 0, 4}};
	rm_clr_sink k[1] = {{1, 0, 100}};
	rm_clr_problem p = {2, a, 1, s, 1, k, 1, 4};
	rm_clr_result r;

	(void) state;
	assert_int_equal(rm_clearance_solve(&p, NULL, &rm_malloc_allocator, NULL, &r), RM_EINVAL);
	a[0].to = 1;
	a[0].cap = 0;
	assert_int_equal(rm_clearance_solve(&p, NULL, &rm_malloc_allocator, NULL, &r), RM_EINVAL);
	a[0].cap = NAN;
	assert_int_equal(rm_clearance_solve(&p, NULL, &rm_malloc_allocator, NULL, &r), RM_EINVAL);
	assert_int_equal(rm_clr_steps(120.0, 60.0), 2);
	assert_int_equal(rm_clr_steps(120.5, 60.0), 3);
	assert_int_equal(rm_clr_steps(0.0, 60.0), 0);
	assert_int_equal(rm_clr_steps(0.1 * 3, 0.1), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_road),
		cmocka_unit_test(test_unserved),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_random_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
