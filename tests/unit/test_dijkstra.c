/*
 * test_dijkstra.c — bounded multi-source Dijkstra against Bellman-Ford on
 * random graphs (one-way arcs, zero costs, parallel arcs, disconnected parts),
 * tie-breaking by label, and the road graph's reversed CSR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rm_dijkstra.h"

typedef struct arc
{
	int			u,
				v;
	double		c;
} arc;

/* CSR of arcs into each node (the search runs backwards along arcs) */
static void
build_in_csr(int n, const arc *a, int m, int64_t **off, int32_t **adj, double **cost)
{
	int			i;
	int64_t    *o = calloc(n + 2, sizeof(int64_t));
	int32_t    *ad = malloc(sizeof(int32_t) * (m + 1));
	double	   *c = malloc(sizeof(double) * (m + 1));
	int64_t    *fill = calloc(n + 1, sizeof(int64_t));

	for (i = 0; i < m; i++)
		o[a[i].v + 1]++;
	for (i = 0; i < n; i++)
		o[i + 1] += o[i];
	for (i = 0; i < m; i++)
	{
		int64_t		k = o[a[i].v] + fill[a[i].v]++;

		ad[k] = a[i].u;
		c[k] = a[i].c;
	}
	free(fill);
	*off = o;
	*adj = ad;
	*cost = c;
}

/* brute force: for each node, min over sources of init + d(v -> src), ties lower label */
static void
brute(int n, const arc *a, int m, int ns, const int32_t *src, const double *init,
	  const int32_t *lab, double bound, double *bd, int32_t *bl)
{
	int			s,
				i,
				it;
	double	   *d = malloc(sizeof(double) * n);

	for (i = 0; i < n; i++)
		bd[i] = INFINITY, bl[i] = -1;
	for (s = 0; s < ns; s++)
	{
		/* d[v] = shortest v -> src[s] (Bellman-Ford on reversed arcs) */
		for (i = 0; i < n; i++)
			d[i] = INFINITY;
		d[src[s]] = init[s];
		for (it = 0; it < n; it++)
			for (i = 0; i < m; i++)
				if (d[a[i].v] + a[i].c < d[a[i].u])
					d[a[i].u] = d[a[i].v] + a[i].c;
		for (i = 0; i < n; i++)
			if (d[i] <= bound && (d[i] < bd[i] || (d[i] == bd[i] && lab[s] < bl[i])))
				bd[i] = d[i], bl[i] = lab[s];
	}
	free(d);
}

static void
test_random_vs_bellman_ford(void **state)
{
	unsigned	seed = 4242;
	int			r;
	rm_dijkstra_ws ws;

	for (r = 0; r < 400; r++)
	{
		int			n = 2 + r % 30,
					m = rand_r(&seed) % (3 * n + 1),
					i,
					ns = 1 + rand_r(&seed) % 4;
		arc		   *a = malloc(sizeof(arc) * (m + 1));
		int64_t    *off;
		int32_t    *adj;
		double	   *cost;
		rm_csr		g;
		int32_t		src[4],
					lab[4];
		double		init[4],
				   *bd = malloc(sizeof(double) * n);
		int32_t    *bl = malloc(sizeof(int32_t) * n);
		double		bound = (r % 3 == 0) ? INFINITY : (double) (rand_r(&seed) % 40);

		for (i = 0; i < m; i++)
		{
			a[i].u = rand_r(&seed) % n;
			a[i].v = rand_r(&seed) % n;
			a[i].c = rand_r(&seed) % 10;	/* integers: sums are exact, ties are real */
		}
		for (i = 0; i < ns; i++)
		{
			src[i] = rand_r(&seed) % n;
			init[i] = rand_r(&seed) % 5;
			lab[i] = ns - i;	/* labels not in source order */
		}
		build_in_csr(n, a, m, &off, &adj, &cost);
		g.n = n;
		g.off = off;
		g.adj = adj;
		g.cost = cost;
		assert_int_equal(rm_dijkstra_ws_init(&ws, &rm_malloc_allocator, n), RM_OK);
		/* run twice to exercise the reset */
		assert_int_equal(rm_dijkstra_run(&ws, &g, 1, src, init, lab, INFINITY, NULL), RM_OK);
		assert_int_equal(rm_dijkstra_run(&ws, &g, ns, src, init, lab, bound, NULL), RM_OK);
		brute(n, a, m, ns, src, init, lab, bound, bd, bl);
		for (i = 0; i < n; i++)
		{
			if (bd[i] != ws.dist[i] || bl[i] != ws.label[i])
				fail_msg("run %d node %d: dist %g/%g label %d/%d", r, i, ws.dist[i], bd[i],
						 ws.label[i], bl[i]);
		}
		rm_dijkstra_ws_free(&ws);
		free(a);
		free(off);
		free(adj);
		free(cost);
		free(bd);
		free(bl);
	}
}

static void
test_one_way_and_disconnected(void **state)
{
	/* 0 -> 1 -> 2 one way, 3 isolated, 4 <-> 5 */
	arc			a[] = {{0, 1, 5}, {1, 2, 5}, {4, 5, 1}, {5, 4, 1}};
	int64_t    *off;
	int32_t    *adj;
	double	   *cost;
	rm_csr		g;
	rm_dijkstra_ws ws;
	int32_t		src = 2,
				lab = 7;
	double		init = 0;

	build_in_csr(6, a, 4, &off, &adj, &cost);
	g.n = 6;
	g.off = off;
	g.adj = adj;
	g.cost = cost;
	assert_int_equal(rm_dijkstra_ws_init(&ws, &rm_malloc_allocator, 6), RM_OK);
	assert_int_equal(rm_dijkstra_run(&ws, &g, 1, &src, &init, &lab, INFINITY, NULL), RM_OK);
	assert_true(ws.dist[0] == 10 && ws.dist[1] == 5 && ws.dist[2] == 0);
	assert_true(isinf(ws.dist[3]) && isinf(ws.dist[4]) && ws.label[4] == -1);
	/* from 0: nobody can reach 0 except itself (arcs point away) */
	src = 0;
	assert_int_equal(rm_dijkstra_run(&ws, &g, 1, &src, &init, &lab, INFINITY, NULL), RM_OK);
	assert_true(ws.dist[0] == 0 && isinf(ws.dist[1]) && isinf(ws.dist[2]));
	/* bound */
	src = 2;
	assert_int_equal(rm_dijkstra_run(&ws, &g, 1, &src, &init, &lab, 9.5, NULL), RM_OK);
	assert_true(ws.dist[1] == 5 && isinf(ws.dist[0]));
	rm_dijkstra_ws_free(&ws);
	free(off);
	free(adj);
	free(cost);
}

static void
test_ties_lower_label(void **state)
{
	/* 1 is 3 from both 0 and 2 */
	arc			a[] = {{1, 0, 3}, {1, 2, 3}};
	int64_t    *off;
	int32_t    *adj;
	double	   *cost;
	rm_csr		g;
	rm_dijkstra_ws ws;
	int32_t		src[] = {0, 2},
				lab[] = {9, 4};
	double		init[] = {0, 0};

	build_in_csr(3, a, 2, &off, &adj, &cost);
	g.n = 3;
	g.off = off;
	g.adj = adj;
	g.cost = cost;
	assert_int_equal(rm_dijkstra_ws_init(&ws, &rm_malloc_allocator, 3), RM_OK);
	assert_int_equal(rm_dijkstra_run(&ws, &g, 2, src, init, lab, INFINITY, NULL), RM_OK);
	assert_true(ws.dist[1] == 3 && ws.label[1] == 4);
	rm_dijkstra_ws_free(&ws);
	free(off);
	free(adj);
	free(cost);
}

static int
stop_now(void *arg)
{
	return 1;
}

static void
test_road_graph_and_interrupt(void **state)
{
	/* a line of 6000 nodes; negative cost = not travelable that way */
	int			n = 6000,
				i;
	rm_edge_in *e = calloc(n, sizeof(rm_edge_in));
	rm_graph	gr;
	rm_csr		g;
	rm_dijkstra_ws ws;
	int32_t		src;
	double		init = 0;
	int32_t		lab = 0;
	rm_interrupt in = {stop_now, NULL};

	for (i = 0; i < n - 1; i++)
	{
		e[i].id = i + 1;
		e[i].source = 100 + i;
		e[i].target = 101 + i;
		e[i].cost = 2;
		e[i].reverse_cost = (i == 10) ? -1 : 3;
		e[i].x1 = e[i].y1 = e[i].x2 = e[i].y2 = NAN;
	}
	assert_int_equal(rm_graph_build(&gr, &rm_malloc_allocator, e, n - 1, NULL), RM_OK);
	assert_int_equal(gr.n_nodes, n);
	assert_int_equal(gr.n_arcs, 2 * (n - 1) - 1);
	g = rm_graph_reverse_csr(&gr);
	assert_int_equal(rm_dijkstra_ws_init(&ws, &rm_malloc_allocator, gr.n_nodes), RM_OK);
	src = rm_graph_node_index(&gr, 100 + 20);
	assert_int_equal(rm_dijkstra_run(&ws, &g, 1, &src, &init, &lab, INFINITY, NULL), RM_OK);
	/* node 100+0 -> 120 forward: 20 * 2 */
	assert_true(ws.dist[rm_graph_node_index(&gr, 100)] == 40);
	/* node 100+30 -> 120 backward: 10 * 3 */
	assert_true(ws.dist[rm_graph_node_index(&gr, 130)] == 30);
	/* toward node 105 from the right: blocked at edge 10 (111 -> 110 not allowed) */
	src = rm_graph_node_index(&gr, 105);
	assert_int_equal(rm_dijkstra_run(&ws, &g, 1, &src, &init, &lab, INFINITY, NULL), RM_OK);
	assert_true(ws.dist[rm_graph_node_index(&gr, 110)] == 15);
	assert_true(isinf(ws.dist[rm_graph_node_index(&gr, 111)]));
	/* interrupted */
	src = rm_graph_node_index(&gr, 5000);
	assert_int_equal(rm_dijkstra_run(&ws, &g, 1, &src, &init, &lab, INFINITY, &in), RM_EINTERRUPTED);
	rm_dijkstra_ws_free(&ws);
	rm_graph_free(&gr, &rm_malloc_allocator);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_way_and_disconnected),
		cmocka_unit_test(test_ties_lower_label),
		cmocka_unit_test(test_road_graph_and_interrupt),
		cmocka_unit_test(test_random_vs_bellman_ford),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
