/*
 * rm_dijkstra.c — see rm_dijkstra.h.
 */
#include "rm_dijkstra.h"

#include <math.h>
#include <string.h>

int
rm_dijkstra_ws_init(rm_dijkstra_ws *ws, const rm_allocator *a, int32_t n)
{
	int32_t		i;

	memset(ws, 0, sizeof *ws);
	ws->a = a;
	ws->n = n;
	ws->dist = rm_alloc(a, sizeof(double) * (size_t) (n + 1));
	ws->label = rm_alloc(a, sizeof(int32_t) * (size_t) (n + 1));
	ws->touched = rm_alloc(a, sizeof(int32_t) * (size_t) (n + 1));
	ws->heap_cap = 1024;
	ws->heap = rm_alloc(a, sizeof(rm_heap_item) * (size_t) ws->heap_cap);
	if (!ws->dist || !ws->label || !ws->touched || !ws->heap)
	{
		rm_dijkstra_ws_free(ws);
		return RM_ENOMEM;
	}
	for (i = 0; i < n; i++)
	{
		ws->dist[i] = INFINITY;
		ws->label[i] = -1;
	}
	return RM_OK;
}

void
rm_dijkstra_ws_free(rm_dijkstra_ws *ws)
{
	if (!ws->a)
		return;
	rm_free(ws->a, ws->dist);
	rm_free(ws->a, ws->label);
	rm_free(ws->a, ws->touched);
	rm_free(ws->a, ws->heap);
	memset(ws, 0, sizeof *ws);
}

static inline int
item_less(const rm_heap_item *x, const rm_heap_item *y)
{
	return x->d < y->d || (x->d == y->d && x->label < y->label);
}

static int
heap_push(rm_dijkstra_ws *ws, double d, int32_t label, int32_t v)
{
	int64_t		i;
	rm_heap_item it = {d, label, v};

	if (ws->heap_len == ws->heap_cap)
	{
		int64_t		cap = ws->heap_cap * 2;
		rm_heap_item *nh = rm_alloc(ws->a, sizeof(rm_heap_item) * (size_t) cap);

		if (!nh)
			return RM_ENOMEM;
		memcpy(nh, ws->heap, sizeof(rm_heap_item) * (size_t) ws->heap_len);
		rm_free(ws->a, ws->heap);
		ws->heap = nh;
		ws->heap_cap = cap;
	}
	i = ws->heap_len++;
	while (i > 0)
	{
		int64_t		p = (i - 1) / 2;

		if (!item_less(&it, &ws->heap[p]))
			break;
		ws->heap[i] = ws->heap[p];
		i = p;
	}
	ws->heap[i] = it;
	return RM_OK;
}

static rm_heap_item
heap_pop(rm_dijkstra_ws *ws)
{
	rm_heap_item top = ws->heap[0],
				last = ws->heap[--ws->heap_len];
	int64_t		i = 0,
				n = ws->heap_len;

	for (;;)
	{
		int64_t		c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && item_less(&ws->heap[c + 1], &ws->heap[c]))
			c++;
		if (!item_less(&ws->heap[c], &last))
			break;
		ws->heap[i] = ws->heap[c];
		i = c;
	}
	if (n > 0)
		ws->heap[i] = last;
	return top;
}

static inline int
relax(rm_dijkstra_ws *ws, int32_t v, double d, int32_t label)
{
	if (d < ws->dist[v] || (d == ws->dist[v] && label < ws->label[v]))
	{
		if (ws->label[v] < 0)
			ws->touched[ws->n_touched++] = v;
		ws->dist[v] = d;
		ws->label[v] = label;
		return heap_push(ws, d, label, v);
	}
	return RM_OK;
}

int
rm_dijkstra_run(rm_dijkstra_ws *ws, const rm_csr *g, int32_t n_src,
				const int32_t *src, const double *init, const int32_t *lab,
				double bound, const rm_interrupt *intr)
{
	int32_t		i;
	int64_t		pops = 0;
	int			rc;

	for (i = 0; i < ws->n_touched; i++)
	{
		ws->dist[ws->touched[i]] = INFINITY;
		ws->label[ws->touched[i]] = -1;
	}
	ws->n_touched = 0;
	ws->heap_len = 0;
	for (i = 0; i < n_src; i++)
	{
		int32_t		v = src[i];
		double		d = init ? init[i] : 0.0;

		if (v < 0 || v >= g->n || !(d >= 0) || d > bound)
			continue;
		if ((rc = relax(ws, v, d, lab ? lab[i] : i)) != RM_OK)
			return rc;
	}
	while (ws->heap_len > 0)
	{
		rm_heap_item it = heap_pop(ws);
		int32_t		v = it.v;
		int64_t		k;

		if (it.d != ws->dist[v] || it.label != ws->label[v])
			continue;			/* stale */
		if ((++pops & 0xfff) == 0 && rm_interrupted(intr))
			return RM_EINTERRUPTED;
		for (k = g->off[v]; k < g->off[v + 1]; k++)
		{
			double		nd = it.d + g->cost[k];

			if (nd <= bound && (rc = relax(ws, g->adj[k], nd, it.label)) != RM_OK)
				return rc;
		}
	}
	return RM_OK;
}

rm_csr
rm_graph_reverse_csr(const rm_graph *g)
{
	rm_csr		c;

	c.n = g->n_nodes;
	c.off = g->in_off;
	c.adj = g->in_from;
	c.cost = g->in_cost;
	return c;
}
