/*
 * rm_mincostflow.c — see rm_mincostflow.h.
 *
 * Network: S -> cell i (capacity s_i), cell i -> shelter j for each allowed
 * pair (capacity s_i, integer cost), shelter j -> T (capacity u_j).
 *
 * Phase 1, maximum flow S -> T (Dinic): the most people that can be served.
 * Phase 2, min-cost circulation in the residual network of that flow (cost
 * scaling push-relabel, Goldberg & Tarjan): a circulation keeps the flow value
 * at every node, S included, so the result is the cheapest maximum flow — the
 * lexicographic optimum — with no big-M constant.
 *
 * Costs: seconds are turned into integers at a resolution chosen per call so
 * that (number of nodes + 1) * largest cost stays below 2^48 (for one hour and
 * 100,000 cells that is about a microsecond); multiplied by (n + 1), the
 * prices end 1-optimal, which for integer costs is optimal. The result is
 * thus the exact optimum for costs rounded to that resolution (documented in
 * docs/evacuation.md). Flows are doubles: every push moves min(excess,
 * residual), which leaves a saturated arc at exactly 0.
 */
#include "rm_mincostflow.h"

#include <math.h>
#include <string.h>

typedef struct arcs
{
	int32_t    *head;
	int64_t    *rev;
	double	   *res;
	int64_t    *cost;
	int64_t    *first;			/* N + 1 */
	int64_t		m;
} arcs;

typedef struct net
{
	const rm_allocator *a;
	int32_t		N,
				S,
				T;
	arcs		g;
	double	   *excess;
	int64_t    *price;
	int64_t    *cur;
	int32_t    *queue;			/* circular FIFO of N */
	uint8_t    *inq;
	int32_t    *level;
	double		tiny;
} net;

#define NODE_CELL(i) (1 + (i))

static void
net_free(net *n)
{
	const rm_allocator *a = n->a;

	rm_free(a, n->g.head);
	rm_free(a, n->g.rev);
	rm_free(a, n->g.res);
	rm_free(a, n->g.cost);
	rm_free(a, n->g.first);
	rm_free(a, n->excess);
	rm_free(a, n->price);
	rm_free(a, n->cur);
	rm_free(a, n->queue);
	rm_free(a, n->inq);
	rm_free(a, n->level);
}

/* ---------------- phase 1: Dinic ---------------- */

static int
bfs_levels(net *n)
{
	int32_t		qh = 0,
				qt = 0,
				v;

	for (v = 0; v < n->N; v++)
		n->level[v] = -1;
	n->level[n->S] = 0;
	n->queue[qt++] = n->S;
	while (qh < qt)
	{
		int64_t		k;

		v = n->queue[qh++];
		for (k = n->g.first[v]; k < n->g.first[v + 1]; k++)
		{
			int32_t		w = n->g.head[k];

			if (n->g.res[k] > 0 && n->level[w] < 0)
			{
				n->level[w] = n->level[v] + 1;
				n->queue[qt++] = w;
			}
		}
	}
	return n->level[n->T] >= 0;
}

/* one augmenting path in the level graph (iterative DFS); returns the amount */
static double
dfs_augment(net *n, int64_t *path)
{
	int32_t		v = n->S;
	int32_t		depth = 0;

	for (;;)
	{
		if (v == n->T)
		{
			double		delta = INFINITY;
			int32_t		i;

			for (i = 0; i < depth; i++)
				if (n->g.res[path[i]] < delta)
					delta = n->g.res[path[i]];
			for (i = 0; i < depth; i++)
			{
				n->g.res[path[i]] -= delta;
				n->g.res[n->g.rev[path[i]]] += delta;
			}
			return delta;
		}
		for (; n->cur[v] < n->g.first[v + 1]; n->cur[v]++)
		{
			int64_t		k = n->cur[v];
			int32_t		w = n->g.head[k];

			if (n->g.res[k] > 0 && n->level[w] == n->level[v] + 1)
				break;
		}
		if (n->cur[v] < n->g.first[v + 1])
		{
			path[depth++] = n->cur[v];
			v = n->g.head[n->cur[v]];
		}
		else
		{
			/* dead end: retreat */
			n->level[v] = -1;
			if (depth == 0)
				return 0;
			depth--;
			v = (depth == 0) ? n->S : n->g.head[path[depth - 1]];
			n->cur[v]++;
		}
	}
}

static int
max_flow(net *n, const rm_interrupt *intr)
{
	int64_t    *path = rm_alloc(n->a, sizeof(int64_t) * (size_t) (n->N + 1));
	int64_t		iter = 0;

	if (!path)
		return RM_ENOMEM;
	while (bfs_levels(n))
	{
		int32_t		v;

		for (v = 0; v < n->N; v++)
			n->cur[v] = n->g.first[v];
		while (dfs_augment(n, path) > 0)
		{
			if ((++iter & 0x3ff) == 0 && rm_interrupted(intr))
			{
				rm_free(n->a, path);
				return RM_EINTR;
			}
		}
		if (rm_interrupted(intr))
		{
			rm_free(n->a, path);
			return RM_EINTR;
		}
	}
	rm_free(n->a, path);
	return RM_OK;
}

/* ---------------- phase 2: cost scaling ---------------- */

#define PRICE_FLOOR (-(INT64_C(1) << 62))

static inline int64_t
rcost(const net *n, int32_t v, int64_t k)
{
	return n->g.cost[k] + n->price[v] - n->price[n->g.head[k]];
}

static void
enqueue(net *n, int32_t v, int32_t *qt, int64_t *qlen)
{
	if (!n->inq[v])
	{
		n->inq[v] = 1;
		n->queue[*qt] = v;
		*qt = (*qt + 1 == n->N) ? 0 : *qt + 1;
		(*qlen)++;
	}
}

static int
refine(net *n, int64_t eps, const rm_interrupt *intr)
{
	int32_t		v,
				qh = 0,
				qt = 0;
	int64_t		qlen = 0,
				ops = 0;

	/* saturate every residual arc of negative reduced cost */
	for (v = 0; v < n->N; v++)
	{
		int64_t		k;

		for (k = n->g.first[v]; k < n->g.first[v + 1]; k++)
			if (n->g.res[k] > 0 && rcost(n, v, k) < 0)
			{
				double		d = n->g.res[k];

				n->g.res[k] = 0;
				n->g.res[n->g.rev[k]] += d;
				n->excess[v] -= d;
				n->excess[n->g.head[k]] += d;
			}
		n->inq[v] = 0;
	}
	for (v = 0; v < n->N; v++)
	{
		n->cur[v] = n->g.first[v];
		if (n->excess[v] > n->tiny)
			enqueue(n, v, &qt, &qlen);
	}
	while (qlen > 0)
	{
		v = n->queue[qh];
		qh = (qh + 1 == n->N) ? 0 : qh + 1;
		qlen--;
		n->inq[v] = 0;
		if ((++ops & 0xfff) == 0 && rm_interrupted(intr))
			return RM_EINTR;
		/* discharge v */
		while (n->excess[v] > n->tiny)
		{
			int64_t		k = n->cur[v],
						end = n->g.first[v + 1];

			for (; k < end; k++)
				if (n->g.res[k] > 0 && rcost(n, v, k) < 0)
					break;
			n->cur[v] = k;
			if (k < end)
			{
				int32_t		w = n->g.head[k];
				double		d = n->excess[v] < n->g.res[k] ? n->excess[v] : n->g.res[k];

				n->g.res[k] -= d;
				n->g.res[n->g.rev[k]] += d;
				n->excess[v] -= d;
				n->excess[w] += d;
				if (n->excess[w] > n->tiny)
					enqueue(n, w, &qt, &qlen);
			}
			else
			{
				/* relabel */
				int64_t		best = INT64_MIN;
				int64_t		j;

				for (j = n->g.first[v]; j < end; j++)
					if (n->g.res[j] > 0)
					{
						int64_t		cand = n->price[n->g.head[j]] - n->g.cost[j];

						if (cand > best)
							best = cand;
					}
				if (best == INT64_MIN)
				{
					/* no residual arc out: cannot happen in a circulation; drop the crumb */
					n->excess[v] = 0;
					break;
				}
				n->price[v] = best - eps;
				if (n->price[v] < PRICE_FLOOR)
					return RM_EINVAL;
				n->cur[v] = n->g.first[v];
			}
		}
	}
	return RM_OK;
}

int
rm_transport_solve(const rm_transport *t, const rm_allocator *a,
				   const rm_interrupt *intr, double *flow, double *unserved,
				   rm_transport_stats *stats)
{
	net			n;
	int32_t		i,
				j;
	int64_t		k,
				m,
				n_pairs = t->off[t->n_src];
	int64_t    *fill = NULL,
			   *pair_arc = NULL,
			   *src_arc = NULL;
	double		total = 0,
				maxc = 0,
				scale;
	int64_t		eps,
				maxci = 0;
	int			rc = RM_ENOMEM;

	if (stats)
		memset(stats, 0, sizeof *stats);
	if (t->n_src < 0 || t->n_snk < 0 || t->n_src > INT32_MAX / 2 - t->n_snk - 2)
		return RM_EINVAL;
	for (i = 0; i < t->n_src; i++)
	{
		if (!(t->supply[i] >= 0) || !isfinite(t->supply[i]) || t->off[i + 1] < t->off[i])
			return RM_EINVAL;
		total += t->supply[i];
	}
	if (!isfinite(total))
		return RM_EINVAL;
	for (j = 0; j < t->n_snk; j++)
		if (!(t->cap[j] >= 0))
			return RM_EINVAL;
	for (k = 0; k < n_pairs; k++)
	{
		if (t->snk[k] < 0 || t->snk[k] >= t->n_snk || !(t->cost[k] >= 0) || !isfinite(t->cost[k]))
			return RM_EINVAL;
		if (t->cost[k] > maxc)
			maxc = t->cost[k];
	}

	memset(&n, 0, sizeof n);
	n.a = a;
	n.S = 0;
	n.T = t->n_src + t->n_snk + 1;
	n.N = n.T + 1;
	n.tiny = total * 1e-13;
	m = 2 * ((int64_t) t->n_src + n_pairs + t->n_snk);
	if (m >= INT64_MAX / 64)
		return RM_EINVAL;
	n.g.m = m;
	n.g.head = rm_alloc(a, sizeof(int32_t) * (size_t) (m + 1));
	n.g.rev = rm_alloc(a, sizeof(int64_t) * (size_t) (m + 1));
	n.g.res = rm_alloc(a, sizeof(double) * (size_t) (m + 1));
	n.g.cost = rm_alloc(a, sizeof(int64_t) * (size_t) (m + 1));
	n.g.first = rm_alloc(a, sizeof(int64_t) * (size_t) (n.N + 1));
	n.excess = rm_alloc(a, sizeof(double) * (size_t) n.N);
	n.price = rm_alloc(a, sizeof(int64_t) * (size_t) n.N);
	n.cur = rm_alloc(a, sizeof(int64_t) * (size_t) n.N);
	n.queue = rm_alloc(a, sizeof(int32_t) * (size_t) n.N);
	n.inq = rm_alloc(a, (size_t) n.N);
	n.level = rm_alloc(a, sizeof(int32_t) * (size_t) n.N);
	fill = rm_alloc(a, sizeof(int64_t) * (size_t) n.N);
	pair_arc = rm_alloc(a, sizeof(int64_t) * (size_t) (n_pairs + 1));
	src_arc = rm_alloc(a, sizeof(int64_t) * (size_t) (t->n_src + 1));
	if (!n.g.head || !n.g.rev || !n.g.res || !n.g.cost || !n.g.first || !n.excess ||
		!n.price || !n.cur || !n.queue || !n.inq || !n.level || !fill || !pair_arc || !src_arc)
		goto done;

	/* integer costs: resolution such that (N + 1) * max cost <= 2^48 */
	scale = maxc > 0 ? ldexp(1.0, 48) / ((double) (n.N + 1) * maxc) : 1.0;
	if (scale > 1e9)
		scale = 1e9;			/* nanoseconds are plenty */

	/* degrees */
	memset(n.g.first, 0, sizeof(int64_t) * (size_t) (n.N + 1));
	for (i = 0; i < t->n_src; i++)
	{
		n.g.first[n.S + 1]++;
		n.g.first[NODE_CELL(i) + 1]++;
		for (k = t->off[i]; k < t->off[i + 1]; k++)
		{
			n.g.first[NODE_CELL(i) + 1]++;
			n.g.first[1 + t->n_src + t->snk[k] + 1]++;
		}
	}
	for (j = 0; j < t->n_snk; j++)
	{
		n.g.first[1 + t->n_src + j + 1]++;
		n.g.first[n.T + 1]++;
	}
	for (i = 0; i < n.N; i++)
		n.g.first[i + 1] += n.g.first[i];
	for (i = 0; i < n.N; i++)
		fill[i] = n.g.first[i];

#define ADD_ARC(u, v, cap, c, out) do { \
		int64_t _x = fill[u]++, _y = fill[v]++; \
		n.g.head[_x] = (v); n.g.rev[_x] = _y; n.g.res[_x] = (cap); n.g.cost[_x] = (c); \
		n.g.head[_y] = (u); n.g.rev[_y] = _x; n.g.res[_y] = 0; n.g.cost[_y] = -(c); \
		(out) = _x; } while (0)

	for (i = 0; i < t->n_src; i++)
	{
		int64_t		x;

		ADD_ARC(n.S, NODE_CELL(i), t->supply[i], 0, x);
		src_arc[i] = x;
		for (k = t->off[i]; k < t->off[i + 1]; k++)
		{
			int64_t		c = (int64_t) llround(t->cost[k] * scale) * (int64_t) (n.N + 1);

			if (c > maxci)
				maxci = c;
			ADD_ARC(NODE_CELL(i), 1 + t->n_src + t->snk[k], t->supply[i], c, x);
			pair_arc[k] = x;
		}
	}
	for (j = 0; j < t->n_snk; j++)
	{
		int64_t		x;
		double		u = isfinite(t->cap[j]) ? t->cap[j] : total;

		ADD_ARC(1 + t->n_src + j, n.T, u, 0, x);
		(void) x;
	}
#undef ADD_ARC

	/* phase 1 */
	if ((rc = max_flow(&n, intr)) != RM_OK)
		goto done;

	/* phase 2 */
	for (i = 0; i < n.N; i++)
	{
		n.excess[i] = 0;
		n.price[i] = 0;
	}
	eps = maxci;
	while (eps >= 1)
	{
		if ((rc = refine(&n, eps, intr)) != RM_OK)
			goto done;
		if (stats)
			stats->augmentations++;
		if (eps == 1)
			break;
		eps = eps / 8 > 1 ? eps / 8 : 1;
	}

	for (k = 0; k < n_pairs; k++)
	{
		double		f = n.g.res[n.g.rev[pair_arc[k]]];

		flow[k] = f > n.tiny ? f : 0;
	}
	for (i = 0; i < t->n_src; i++)
	{
		double		sent = 0,
					u;

		for (k = t->off[i]; k < t->off[i + 1]; k++)
			sent += flow[k];
		u = t->supply[i] - sent;
		unserved[i] = u > n.tiny ? u : 0;
		(void) src_arc;
	}
	rc = RM_OK;
done:
	rm_free(a, fill);
	rm_free(a, pair_arc);
	rm_free(a, src_arc);
	net_free(&n);
	return rc;
}
