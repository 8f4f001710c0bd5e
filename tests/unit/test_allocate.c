/*
 * test_allocate.c — the drill allocation core: best groups, the near graph,
 * months, augmenting paths, and the heuristic against the exact branch and
 * bound (itself checked against brute force) on many random small instances.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rm_allocate.h"
#include "rm_geodesy.h"

/* ---- helpers ------------------------------------------------------ */
static uint64_t rng_state;
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}
static int
rndi(int n)
{
	return (int) (rnd() % (uint64_t) n);
}

static size_t
wkb_point(unsigned char *b, double x, double y)
{
	uint32_t t = 1;

	b[0] = 1;
	memcpy(b + 1, &t, 4);
	memcpy(b + 5, &x, 8);
	memcpy(b + 13, &y, 8);
	return 21;
}

static size_t
wkb_line(unsigned char *b, double x1, double y1, double x2, double y2)
{
	uint32_t t = 2, n = 2;

	b[0] = 1;
	memcpy(b + 1, &t, 4);
	memcpy(b + 5, &n, 4);
	memcpy(b + 9, &x1, 8);
	memcpy(b + 17, &y1, 8);
	memcpy(b + 25, &x2, 8);
	memcpy(b + 33, &y2, 8);
	return 41;
}

/* CSR from an adjacency matrix. */
static void
csr_from_matrix(int n, const char *adj, int *start, int *nbr)
{
	int e = 0;

	for (int i = 0; i < n; i++)
	{
		start[i] = e;
		for (int j = 0; j < n; j++)
			if (i != j && adj[i * n + j])
				nbr[e++] = j;
	}
	start[n] = e;
}

static int
group_of(const rm_alloc_solution *sol, int n, int s, int *out)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (sol->slot_of[i] == s)
			out[k++] = i;
	return k;
}

/* ---- hand-made cases ---------------------------------------------- */

/* One special slot: the category whose top K weigh most wins. */
static void
test_special_best_category(void **state)
{
	(void) state;
	double w[] = {8, 4, 4, 4, 8, 1};
	int cat[] = {0, 1, 1, 1, 0, 0};
	int pool[] = {0, 1, 2, 3, 4, 5};
	rm_alloc_slot sl = {0, RM_ALLOC_SPECIAL, pool, 6};
	rm_alloc_problem p = {6, w, cat, 2, NULL, NULL, 1, &sl, 3, NULL, NULL};
	rm_alloc_solution sol;
	int g[6];

	assert_int_equal(rm_alloc_solution_init(&sol, 6), RM_OK);
	assert_int_equal(rm_alloc_heuristic(&p, &sol), RM_OK);
	/* category 0: 8+8+1 = 17 beats category 1: 4+4+4 = 12 */
	assert_int_equal(group_of(&sol, 6, 0, g), 3);
	assert_int_equal(g[0], 0);
	assert_int_equal(g[1], 4);
	assert_int_equal(g[2], 5);
	assert_true(fabs(sol.score - 17) < 1e-9);
	/* K = 2: 8+8 = 16 beats 4+4 */
	p.max_targets = 2;
	assert_int_equal(rm_alloc_heuristic(&p, &sol), RM_OK);
	assert_true(fabs(sol.score - 16) < 1e-9);
	rm_alloc_solution_free(&sol);
}

/* Comprehensive: the heaviest set of pairwise-near sources. */
static void
test_comprehensive_clique(void **state)
{
	(void) state;
	/* 0-1-2 mutually near (weights 4,4,4); 3 (weight 8) near 0 only; 4 (weight 8) near 3 */
	int n = 5;
	double w[] = {4, 4, 4, 8, 8};
	int cat[] = {0, 0, 0, 0, 0};
	char adj[25] = {0};
	int start[6], nbr[25];
	int pool[] = {0, 1, 2, 3, 4};
	rm_alloc_slot sl = {0, RM_ALLOC_COMPREHENSIVE, pool, 5};
	rm_alloc_problem p = {5, w, cat, 1, start, nbr, 1, &sl, 3, NULL, NULL};
	rm_alloc_solution sol;
	int g[5];

#define E(a, b) (adj[(a) * n + (b)] = adj[(b) * n + (a)] = 1)
	E(0, 1);
	E(0, 2);
	E(1, 2);
	E(3, 0);
	E(3, 4);
#undef E
	csr_from_matrix(n, adj, start, nbr);
	assert_int_equal(rm_alloc_solution_init(&sol, n), RM_OK);
	assert_int_equal(rm_alloc_heuristic(&p, &sol), RM_OK);
	/* {3,4} = 16 beats {0,1,2} = 12 and {0,3} = 12 */
	assert_int_equal(group_of(&sol, n, 0, g), 2);
	assert_int_equal(g[0], 3);
	assert_int_equal(g[1], 4);
	/* with weight 9 each on 0..2 the triangle wins (27 > 16) */
	w[0] = w[1] = w[2] = 9;
	assert_int_equal(rm_alloc_heuristic(&p, &sol), RM_OK);
	assert_int_equal(group_of(&sol, n, 0, g), 3);
	assert_int_equal(g[2], 2);
	rm_alloc_solution_free(&sol);
}

/* A department that can only take source 0 and a district that would like
 * 0 and 1: both get a drill (augmenting path / pair move). */
static void
test_fill_before_weight(void **state)
{
	(void) state;
	double w[] = {40, 1};
	int cat[] = {0, 1};
	int pool_d[] = {0, 1}, pool_dep[] = {0};
	rm_alloc_slot sl[] = {{0, RM_ALLOC_SPECIAL, pool_d, 2}, {1, RM_ALLOC_SPECIAL, pool_dep, 1}};
	rm_alloc_problem p = {2, w, cat, 2, NULL, NULL, 2, sl, 5, NULL, NULL};
	rm_alloc_solution sol;

	assert_int_equal(rm_alloc_solution_init(&sol, 2), RM_OK);
	assert_int_equal(rm_alloc_heuristic(&p, &sol), RM_OK);
	assert_int_equal(sol.filled, 2);
	assert_int_equal(sol.slot_of[0], 1);
	assert_int_equal(sol.slot_of[1], 0);
	rm_alloc_solution_free(&sol);
}

/* Not enough sources: fewer groups, never an empty-handed duplicate. */
static void
test_not_enough_sources(void **state)
{
	(void) state;
	double w[] = {8, 0, 2};		/* source 1 is covered already */
	int cat[] = {0, 0, 1};
	int pool[] = {0, 1, 2};
	int start[4] = {0, 0, 0, 0}, nbr[1];
	rm_alloc_slot sl[] = {{0, RM_ALLOC_COMPREHENSIVE, pool, 3}, {0, RM_ALLOC_SPECIAL, pool, 3},
						  {0, RM_ALLOC_SPECIAL, pool, 3}};
	rm_alloc_problem p = {3, w, cat, 2, start, nbr, 3, sl, 5, NULL, NULL};
	rm_alloc_solution sol;
	char err[200];

	assert_int_equal(rm_alloc_solution_init(&sol, 3), RM_OK);
	assert_int_equal(rm_alloc_heuristic(&p, &sol), RM_OK);
	assert_int_equal(sol.filled, 2);
	assert_int_equal(sol.slot_of[1], -1);
	assert_true(fabs(sol.score - 10) < 1e-9);
	assert_true(rm_alloc_check(&p, &sol, err, sizeof(err)));
	assert_int_equal(rm_alloc_exact(&p, &sol, 0), RM_OK);
	assert_int_equal(sol.filled, 2);
	assert_true(sol.optimal);
	rm_alloc_solution_free(&sol);
}

static void
test_ground_distance(void **state)
{
	(void) state;
	/* 0.1 degree of latitude at 29.5 N on WGS 84: 11,086 m (meridian arc) */
	double d = rm_local_distance(106.5, 29.45, 106.5, 29.55);

	assert_true(fabs(d - 11086.0) < 3.0);
	/* 0.1 degree of longitude at 29.5 N: 9,696.5 m */
	d = rm_local_distance(106.45, 29.5, 106.55, 29.5);
	assert_true(fabs(d - 9696.5) < 3.0);
}

/* The near graph: 10 km on the ground, points and lines. */
static void
test_near_graph(void **state)
{
	(void) state;
	unsigned char b[5][64];
	const unsigned char *wkb[5];
	size_t len[5];
	int *start, *nbr;
	char err[200];
	/* at 29.5 N, 0.1 deg of longitude = 9.70 km, 0.105 = 10.18 km */
	len[0] = wkb_point(b[0], 106.0, 29.5);
	len[1] = wkb_point(b[1], 106.1, 29.5);		/* 9.70 km from 0 */
	len[2] = wkb_point(b[2], 106.205, 29.5);	/* 10.18 km from 1, 19.9 from 0 */
	/* a north-south line 10.18 km east of 2 ... and one 9.70 km east of it */
	len[3] = wkb_line(b[3], 106.31, 29.0, 106.31, 30.0);
	len[4] = wkb_line(b[4], 106.41, 29.4, 106.41, 29.6);
	for (int i = 0; i < 5; i++)
		wkb[i] = b[i];
	assert_int_equal(rm_alloc_near_graph(5, wkb, len, NULL, NULL, 10000, &start, &nbr, err, sizeof(err), NULL, NULL),
					 RM_OK);
	assert_int_equal(start[1] - start[0], 1);
	assert_int_equal(nbr[start[0]], 1);
	assert_int_equal(start[2] - start[1], 1);	/* 1: only 0 */
	assert_int_equal(start[3] - start[2], 0);	/* 2: none (10.18 km to 1 and to 3) */
	assert_int_equal(start[4] - start[3], 1);	/* 3-4: 9.70 km */
	assert_int_equal(nbr[start[3]], 4);
	free(start);
	free(nbr);
	/* only the wanted sources get neighbours */
	{
		char want[5] = {1, 0, 1, 1, 1};

		assert_int_equal(rm_alloc_near_graph(5, wkb, len, want, NULL, 10000, &start, &nbr, err, sizeof(err), NULL, NULL),
						 RM_OK);
		assert_int_equal(start[5], 2);
		free(start);
		free(nbr);
	}
	/* only pairs within one group */
	{
		int group[5] = {0, 1, 0, 0, 0};

		assert_int_equal(rm_alloc_near_graph(5, wkb, len, NULL, group, 10000, &start, &nbr, err, sizeof(err), NULL, NULL),
						 RM_OK);
		assert_int_equal(start[5], 2);	/* 3-4 only */
		assert_int_equal(nbr[start[3]], 4);
		free(start);
		free(nbr);
	}
	/* garbage bytes: an error, no crash */
	{
		unsigned char junk[7] = {1, 9, 9, 9, 9, 1, 2};

		wkb[2] = junk;
		len[2] = sizeof(junk);
		assert_int_equal(rm_alloc_near_graph(5, wkb, len, NULL, NULL, 10000, &start, &nbr, err, sizeof(err), NULL, NULL),
						 RM_EGEOS);
		assert_non_null(strstr(err, "#2"));
		assert_null(start);
	}
}

static void
test_months(void **state)
{
	(void) state;
	int m[12];

	assert_int_equal(rm_alloc_months(0, 3, m), 3);
	assert_int_equal(m[0], 3);
	assert_int_equal(m[1], 7);
	assert_int_equal(m[2], 11);
	assert_int_equal(rm_alloc_months(0, 1, m), 1);
	assert_int_equal(m[0], 7);
	/* March and July taken: 10 free months 1,2,4,5,6,8,9,10,11,12 */
	assert_int_equal(rm_alloc_months((1u << 2) | (1u << 6), 3, m), 3);
	assert_int_equal(m[0], 2);
	assert_int_equal(m[1], 8);
	assert_int_equal(m[2], 11);
	/* only December free */
	assert_int_equal(rm_alloc_months(0x7FF, 3, m), 1);
	assert_int_equal(m[0], 12);
	assert_int_equal(rm_alloc_months(0xFFF, 2, m), 0);
}

static void
test_bad_input(void **state)
{
	(void) state;
	double w[] = {1};
	int cat[] = {5};
	int pool[] = {3};
	rm_alloc_slot sl = {0, RM_ALLOC_SPECIAL, pool, 1};
	rm_alloc_problem p = {1, w, cat, 2, NULL, NULL, 1, &sl, 5, NULL, NULL};
	rm_alloc_solution sol;

	assert_int_equal(rm_alloc_solution_init(&sol, 1), RM_OK);
	assert_int_equal(rm_alloc_heuristic(&p, &sol), RM_EINVAL);	/* category out of range */
	cat[0] = 0;
	assert_int_equal(rm_alloc_heuristic(&p, &sol), RM_EINVAL);	/* pool index out of range */
	pool[0] = 0;
	p.max_targets = 0;
	assert_int_equal(rm_alloc_heuristic(&p, &sol), RM_EINVAL);
	p.max_targets = 1;
	sl.cls = RM_ALLOC_COMPREHENSIVE;		/* no near graph */
	assert_int_equal(rm_alloc_exact(&p, &sol, 0), RM_EINVAL);
	rm_alloc_solution_free(&sol);
}

static int stop_now(void *arg)
{
	(void) arg;
	return 1;
}

/* ---- random instances --------------------------------------------- */

typedef struct
{
	int n, S, K, ncat;
	double w[16];
	int cat[16];
	char adj[256];
	int start[17], nbr[256];
	int pools[8][16];
	rm_alloc_slot sl[8];
} inst_t;

/* Two districts with own sources, 0..2 departments over categories. */
static void
make_instance(inst_t *in, int nmax)
{
	static const double lw[] = {8, 4, 2, 1};
	int ndist = 1 + rndi(2), ndep = rndi(3), s = 0;
	int owner[16];
	double x[16], y[16];

	memset(in, 0, sizeof(*in));
	in->n = 3 + rndi(nmax - 2);
	in->K = 1 + rndi(3);
	in->ncat = 1 + rndi(3);
	for (int i = 0; i < in->n; i++)
	{
		/* some already covered (weight 0) */
		in->w[i] = rndi(8) == 0 ? 0 : lw[rndi(4)] * (1 + rndi(5));
		in->cat[i] = rndi(in->ncat);
		owner[i] = rndi(ndist);
		x[i] = rndi(30);
		y[i] = rndi(30);
	}
	for (int i = 0; i < in->n; i++)
		for (int j = 0; j < in->n; j++)
			in->adj[i * in->n + j] = i != j && hypot(x[i] - x[j], y[i] - y[j]) <= 10;
	csr_from_matrix(in->n, in->adj, in->start, in->nbr);
	for (int d = 0; d < ndist; d++)
	{
		int np = 0, nc = rndi(2), ns = 1 + rndi(2);

		for (int i = 0; i < in->n; i++)
			if (owner[i] == d)
				in->pools[d][np++] = i;
		for (int k = 0; k < nc + ns && s < 8; k++, s++)
		{
			in->sl[s].org = d;
			in->sl[s].cls = k < nc ? RM_ALLOC_COMPREHENSIVE : RM_ALLOC_SPECIAL;
			in->sl[s].pool = in->pools[d];
			in->sl[s].n_pool = np;
		}
	}
	for (int d = 0; d < ndep && s < 8; d++, s++)
	{
		int np = 0, c1 = rndi(in->ncat), c2 = rndi(in->ncat);

		for (int i = 0; i < in->n; i++)
			if (in->cat[i] == c1 || in->cat[i] == c2)
				in->pools[ndist + d][np++] = i;
		in->sl[s].org = ndist + d;
		in->sl[s].cls = RM_ALLOC_SPECIAL;
		in->sl[s].pool = in->pools[ndist + d];
		in->sl[s].n_pool = np;
	}
	in->S = s;
}

static void
problem_of(inst_t *in, rm_alloc_problem *p)
{
	memset(p, 0, sizeof(*p));
	p->n_sources = in->n;
	p->weight = in->w;
	p->category = in->cat;
	p->n_categories = in->ncat;
	p->near_start = in->start;
	p->near = in->nbr;
	p->n_slots = in->S;
	p->slots = in->sl;
	p->max_targets = in->K;
}

/* Brute force: every source to a slot or none. */
static void
brute(const rm_alloc_problem *p, int *best_f, double *best_w)
{
	rm_alloc_solution sol;
	int n = p->n_sources, S = p->n_slots;
	long total = 1;
	char err[100];

	rm_alloc_solution_init(&sol, n);
	for (int i = 0; i < n; i++)
		total *= (S + 1);
	*best_f = 0;
	*best_w = 0;
	for (long code = 0; code < total; code++)
	{
		long c = code;

		for (int i = 0; i < n; i++)
		{
			sol.slot_of[i] = (int) (c % (S + 1)) - 1;
			c /= (S + 1);
		}
		if (rm_alloc_check(p, &sol, err, sizeof(err))
			&& (sol.filled > *best_f || (sol.filled == *best_f && sol.score > *best_w + 1e-9)))
		{
			*best_f = sol.filled;
			*best_w = sol.score;
		}
	}
	rm_alloc_solution_free(&sol);
}

static void
test_exact_vs_brute_force(void **state)
{
	(void) state;
	rng_state = 12345;
	for (int it = 0; it < 300; it++)
	{
		inst_t in;
		rm_alloc_problem p;
		rm_alloc_solution sol;
		int bf;
		double bw;
		char err[200];

		make_instance(&in, 7);
		if (in.S > 4)
			in.S = 4;
		problem_of(&in, &p);
		brute(&p, &bf, &bw);
		rm_alloc_solution_init(&sol, in.n);
		assert_int_equal(rm_alloc_exact(&p, &sol, 0), RM_OK);
		assert_true(sol.optimal);
		assert_true(rm_alloc_check(&p, &sol, err, sizeof(err)));
		assert_int_equal(sol.filled, bf);
		assert_true(fabs(sol.score - bw) < 1e-9);
		rm_alloc_solution_free(&sol);
	}
}

static void
test_heuristic_vs_exact(void **state)
{
	(void) state;
	double worst = 1, sum = 0, polish_sum = 0, heur_sum = 0;
	int count = 0, optimal_hits = 0;

	int iters = getenv("RM_ALLOC_ITERS") ? atoi(getenv("RM_ALLOC_ITERS")) : 3000;

	rng_state = getenv("RM_ALLOC_SEED") ? strtoull(getenv("RM_ALLOC_SEED"), NULL, 10) : 2026;
	for (int it = 0; it < iters; it++)
	{
		inst_t in;
		rm_alloc_problem p;
		rm_alloc_solution h, e;
		char err[200];
		double ub;

		make_instance(&in, 14);
		problem_of(&in, &p);
		rm_alloc_solution_init(&h, in.n);
		rm_alloc_solution_init(&e, in.n);
		assert_int_equal(rm_alloc_heuristic(&p, &h), RM_OK);
		if (!rm_alloc_check(&p, &h, err, sizeof(err)))
			fail_msg("instance %d: heuristic invalid: %s", it, err);
		/* the per-organisation polish keeps the solution valid and never worse */
		{
			rm_alloc_solution q;
			double before = h.score;
			int fb = h.filled;

			rm_alloc_solution_init(&q, in.n);
			rm_alloc_solution_copy(&q, &h, in.n);
			assert_int_equal(rm_alloc_polish_orgs(&p, &q, 0), RM_OK);
			if (!rm_alloc_check(&p, &q, err, sizeof(err)))
				fail_msg("instance %d: polished solution invalid: %s", it, err);
			assert_true(q.filled > fb || (q.filled == fb && q.score >= before - 1e-9));
			polish_sum += q.score;
			heur_sum += before;
			rm_alloc_solution_free(&q);
		}
		/* exact from scratch (no incumbent) */
		assert_int_equal(rm_alloc_exact(&p, &e, 0), RM_OK);
		assert_true(e.optimal);
		assert_true(rm_alloc_check(&p, &e, err, sizeof(err)));
		ub = rm_alloc_upper_bound(&p);
		assert_true(ub >= e.score - 1e-9);
		if (h.filled != e.filled)
			fail_msg("instance %d: heuristic fills %d drills, exact %d", it, h.filled, e.filled);
		assert_true(h.score <= e.score + 1e-9);
		if (e.score > 0)
		{
			double r = h.score / e.score;

			if (r < worst)
				worst = r;
			if (r < 0.95 && getenv("DUMP"))
			{
				printf("it %d r %.3f K %d S %d n %d\n", it, r, in.K, in.S, in.n);
				for (int i = 0; i < in.n; i++)
				{
					printf(" src %d w %g cat %d h-slot %d e-slot %d near:", i, in.w[i], in.cat[i], h.slot_of[i], e.slot_of[i]);
					for (int q = in.start[i]; q < in.start[i + 1]; q++)
						printf(" %d", in.nbr[q]);
					printf("\n");
				}
				for (int t = 0; t < in.S; t++)
				{
					printf(" slot %d org %d cls %d pool:", t, in.sl[t].org, in.sl[t].cls);
					for (int q = 0; q < in.sl[t].n_pool; q++)
						printf(" %d", in.sl[t].pool[q]);
					printf("\n");
				}
			}
			sum += r;
			count++;
			if (r > 1 - 1e-12)
				optimal_hits++;
		}
		rm_alloc_solution_free(&h);
		rm_alloc_solution_free(&e);
	}
	print_message("heuristic / exact optimum over %d random instances: worst %.4f, mean %.5f, optimal in %d\n",
				  count, worst, sum / count, optimal_hits);
	print_message("per-organisation polish: total score %.0f -> %.0f\n", heur_sum, polish_sum);
	assert_true(worst >= 0.9);
}

static void
test_interrupt(void **state)
{
	(void) state;
	inst_t in;
	rm_alloc_problem p;
	rm_alloc_solution sol;

	rng_state = 99;
	do
		make_instance(&in, 14);
	while (in.n < 10);
	problem_of(&in, &p);
	p.interrupted = stop_now;
	rm_alloc_solution_init(&sol, in.n);
	assert_int_equal(rm_alloc_exact(&p, &sol, 0), RM_EINTERRUPTED);
	rm_alloc_solution_free(&sol);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_special_best_category),
		cmocka_unit_test(test_comprehensive_clique),
		cmocka_unit_test(test_fill_before_weight),
		cmocka_unit_test(test_not_enough_sources),
		cmocka_unit_test(test_ground_distance),
		cmocka_unit_test(test_near_graph),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_exact_vs_brute_force),
		cmocka_unit_test(test_heuristic_vs_exact),
		cmocka_unit_test(test_interrupt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
