/*
 * rm_clearance.c — evacuation clearance: CCRP heuristic, proven bounds and
 * the exact time-expanded max flow (see rm_clearance.h, docs/clearance.md).
 */
#include "rm_clearance.h"
#include "rm_dijkstra.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NO_TIME INT32_MAX
#define EPS 1e-9
#define NO_BASE INT64_MIN

/* ------------------------------------------------------------------ */
/* tracked allocations: everything temporary is freed at the end        */

typedef struct ws
{
	const rm_allocator *a;
	const rm_interrupt *intr;
	void	  **ptrs;
	int64_t		n_ptrs,
				cap_ptrs;
	int			oom;
} ws;

static void *
ws_alloc(ws *w, size_t size)
{
	void	   *p;

	if (w->oom)
		return NULL;
	if (w->n_ptrs == w->cap_ptrs)
	{
		int64_t		nc = w->cap_ptrs ? w->cap_ptrs * 2 : 64;
		void	  **np = rm_alloc(w->a, sizeof(void *) * (size_t) nc);

		if (!np)
		{
			w->oom = 1;
			return NULL;
		}
		if (w->ptrs)
		{
			memcpy(np, w->ptrs, sizeof(void *) * (size_t) w->n_ptrs);
			rm_free(w->a, w->ptrs);
		}
		w->ptrs = np;
		w->cap_ptrs = nc;
	}
	p = rm_alloc(w->a, size ? size : 1);
	if (!p)
	{
		w->oom = 1;
		return NULL;
	}
	w->ptrs[w->n_ptrs++] = p;
	return p;
}

static void *
ws_zalloc(ws *w, size_t size)
{
	void	   *p = ws_alloc(w, size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* frees one tracked block now (the last few allocated are searched first) */
static void
ws_release(ws *w, void *p)
{
	int64_t		i;

	if (!p)
		return;
	for (i = w->n_ptrs - 1; i >= 0; i--)
		if (w->ptrs[i] == p)
		{
			rm_free(w->a, p);
			w->ptrs[i] = w->ptrs[--w->n_ptrs];
			return;
		}
}

static void
ws_free_all(ws *w)
{
	int64_t		i;

	for (i = 0; i < w->n_ptrs; i++)
		rm_free(w->a, w->ptrs[i]);
	if (w->ptrs)
		rm_free(w->a, w->ptrs);
	w->ptrs = NULL;
	w->n_ptrs = w->cap_ptrs = 0;
}

int32_t
rm_clr_steps(double seconds, double step_s)
{
	double		x = seconds / step_s;
	double		c;

	if (!(x > 0))
		return 0;
	c = ceil(x - 1e-9 * (x > 1 ? x : 1));
	if (c > INT32_MAX / 4)
		return INT32_MAX / 4;
	return (int32_t) c;
}

/* ------------------------------------------------------------------ */
/* Dinic max flow on doubles (INFINITY = unlimited)                     */

typedef struct mf
{
	int32_t		n;
	int64_t		m,
				cap_m;
	int32_t    *eu,
			   *ev;
	double	   *ec;
	int64_t    *off;
	int32_t    *to;
	double	   *cap,
			   *flow;
	int64_t    *rev;
	int64_t    *pos;			/* original edge -> csr index */
	int32_t    *level;
	int64_t    *it;
	int32_t    *queue;
	int64_t    *path;
	int32_t    *pnode;
} mf;

static int
mf_init(ws *w, mf *f, int32_t n, int64_t m_max)
{
	memset(f, 0, sizeof *f);
	f->n = n;
	f->cap_m = m_max;
	f->eu = ws_alloc(w, sizeof(int32_t) * (size_t) (m_max + 1));
	f->ev = ws_alloc(w, sizeof(int32_t) * (size_t) (m_max + 1));
	f->ec = ws_alloc(w, sizeof(double) * (size_t) (m_max + 1));
	return w->oom ? RM_ENOMEM : RM_OK;
}

static inline void
mf_add(mf *f, int32_t u, int32_t v, double c)
{
	f->eu[f->m] = u;
	f->ev[f->m] = v;
	f->ec[f->m] = c;
	f->m++;
}

static int
mf_finalize(ws *w, mf *f)
{
	int64_t		e,
			   *fill;
	int32_t		v;
	int64_t		m2 = 2 * f->m;

	f->off = ws_zalloc(w, sizeof(int64_t) * (size_t) (f->n + 2));
	f->to = ws_alloc(w, sizeof(int32_t) * (size_t) (m2 + 1));
	f->cap = ws_alloc(w, sizeof(double) * (size_t) (m2 + 1));
	f->flow = ws_zalloc(w, sizeof(double) * (size_t) (m2 + 1));
	f->rev = ws_alloc(w, sizeof(int64_t) * (size_t) (m2 + 1));
	f->pos = ws_alloc(w, sizeof(int64_t) * (size_t) (f->m + 1));
	f->level = ws_alloc(w, sizeof(int32_t) * (size_t) (f->n + 1));
	f->it = ws_alloc(w, sizeof(int64_t) * (size_t) (f->n + 1));
	f->queue = ws_alloc(w, sizeof(int32_t) * (size_t) (f->n + 1));
	f->path = ws_alloc(w, sizeof(int64_t) * (size_t) (f->n + 1));
	f->pnode = ws_alloc(w, sizeof(int32_t) * (size_t) (f->n + 2));
	fill = ws_alloc(w, sizeof(int64_t) * (size_t) (f->n + 1));
	if (w->oom)
		return RM_ENOMEM;
	for (e = 0; e < f->m; e++)
	{
		f->off[f->eu[e] + 1]++;
		f->off[f->ev[e] + 1]++;
	}
	for (v = 0; v < f->n; v++)
		f->off[v + 1] += f->off[v];
	for (v = 0; v < f->n; v++)
		fill[v] = f->off[v];
	for (e = 0; e < f->m; e++)
	{
		int64_t		p = fill[f->eu[e]]++,
					q = fill[f->ev[e]]++;

		f->to[p] = f->ev[e];
		f->cap[p] = f->ec[e];
		f->rev[p] = q;
		f->to[q] = f->eu[e];
		f->cap[q] = 0;
		f->rev[q] = p;
		f->pos[e] = p;
	}
	ws_release(w, fill);
	/* the edge lists are not needed any more except eu (tails for decomposition) */
	ws_release(w, f->ec);
	f->ec = NULL;
	return RM_OK;
}

static int
mf_bfs(mf *f, int32_t s, int32_t t)
{
	int32_t		qh = 0,
				qt = 0,
				v;

	for (v = 0; v < f->n; v++)
		f->level[v] = -1;
	f->level[s] = 0;
	f->queue[qt++] = s;
	while (qh < qt)
	{
		int32_t		u = f->queue[qh++];
		int64_t		k;

		for (k = f->off[u]; k < f->off[u + 1]; k++)
		{
			int32_t		x = f->to[k];

			if (f->level[x] < 0 && f->cap[k] - f->flow[k] > EPS)
			{
				f->level[x] = f->level[u] + 1;
				f->queue[qt++] = x;
			}
		}
	}
	return f->level[t] >= 0;
}

/*
 * Max flow s -> t from the current flow. *value gets the flow added.
 * Returns RM_OK, RM_EINTERRUPTED, or RM_EINVAL when an unlimited path exists
 * (*value = INFINITY then).
 */
static int
mf_run(mf *f, int32_t s, int32_t t, const rm_interrupt *intr, double *value)
{
	double		total = 0;
	int64_t		work = 0;

	*value = 0;
	while (mf_bfs(f, s, t))
	{
		int32_t		depth = 0,
					u = s;
		int32_t		v;

		for (v = 0; v < f->n; v++)
			f->it[v] = f->off[v];
		f->pnode[0] = s;
		for (;;)
		{
			if ((++work & 0xffff) == 0 && rm_interrupted(intr))
				return RM_EINTERRUPTED;
			if (u == t)
			{
				double		b = INFINITY;
				int32_t		i,
							first_sat = -1;

				for (i = 0; i < depth; i++)
				{
					double		r = f->cap[f->path[i]] - f->flow[f->path[i]];

					if (r < b)
						b = r;
				}
				if (isinf(b))
				{
					*value = INFINITY;
					return RM_EINVAL;
				}
				for (i = 0; i < depth; i++)
				{
					int64_t		k = f->path[i];

					f->flow[k] += b;
					f->flow[f->rev[k]] -= b;
					if (first_sat < 0 && f->cap[k] - f->flow[k] <= EPS)
						first_sat = i;
				}
				total += b;
				if (first_sat < 0)
					first_sat = 0;
				depth = first_sat;
				u = f->pnode[depth];
				continue;
			}
			{
				int64_t		k;
				int			found = 0;

				for (k = f->it[u]; k < f->off[u + 1]; k++)
				{
					int32_t		x = f->to[k];

					if (f->level[x] == f->level[u] + 1 && f->cap[k] - f->flow[k] > EPS)
					{
						found = 1;
						break;
					}
				}
				f->it[u] = k;
				if (found)
				{
					f->path[depth++] = k;
					u = f->to[k];
					f->pnode[depth] = u;
				}
				else
				{
					f->level[u] = -1;
					if (depth == 0)
						break;
					depth--;
					u = f->pnode[depth];
				}
			}
		}
	}
	*value = total;
	return RM_OK;
}

/* ------------------------------------------------------------------ */
/* solver state                                                         */

typedef struct solver
{
	ws			w;
	const rm_clr_problem *p;
	int32_t		H;
	/* forward CSR over arcs */
	int64_t    *foff;
	int32_t    *farc;			/* arc index */
	int32_t    *fadj;
	double	   *fcost;
	int32_t		pairs_bound;	/* pairs hold every pair with steps <= this; -1 none */
	int32_t    *e;				/* earliest arrival at node from any source */
	int32_t    *d;				/* shortest steps from node to any sink (incl. walk) */
	/* (source, sink, steps) pairs within the horizon */
	int32_t    *pair_src,
			   *pair_snk,
			   *pair_t;
	int64_t		n_pairs,
				pairs_cap;
	double		total;
	/* output under construction */
	rm_clr_group *g;
	int64_t		n_g,
				cap_g;
	int32_t    *parc,
			   *pent;
	int64_t		n_p,
				cap_p;
	double		dropped;		/* flow lost to rounding in decompositions */
} solver;

static int
dists(solver *s)
{
	const rm_clr_problem *p = s->p;
	rm_dijkstra_ws dw;
	rm_csr		c;
	int64_t    *off,
			   *roff,
				k;
	int32_t    *adj,
			   *radj,
			   *srcn,
				i,
				v;
	double	   *cost,
			   *rcost,
			   *init;
	int			rc;

	off = ws_zalloc(&s->w, sizeof(int64_t) * (size_t) (p->n_nodes + 2));
	roff = ws_zalloc(&s->w, sizeof(int64_t) * (size_t) (p->n_nodes + 2));
	adj = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (p->n_arcs + 1));
	radj = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (p->n_arcs + 1));
	cost = ws_alloc(&s->w, sizeof(double) * (size_t) (p->n_arcs + 1));
	rcost = ws_alloc(&s->w, sizeof(double) * (size_t) (p->n_arcs + 1));
	s->farc = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (p->n_arcs + 1));
	s->e = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (p->n_nodes + 1));
	s->d = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (p->n_nodes + 1));
	i = p->n_src > p->n_snk ? p->n_src : p->n_snk;
	srcn = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (i + 1));
	init = ws_alloc(&s->w, sizeof(double) * (size_t) (i + 1));
	if (s->w.oom)
		return RM_ENOMEM;
	for (k = 0; k < p->n_arcs; k++)
	{
		off[p->arcs[k].from + 1]++;
		roff[p->arcs[k].to + 1]++;
	}
	for (v = 0; v < p->n_nodes; v++)
	{
		off[v + 1] += off[v];
		roff[v + 1] += roff[v];
	}
	{
		int64_t    *f1 = ws_alloc(&s->w, sizeof(int64_t) * (size_t) (p->n_nodes + 1));
		int64_t    *f2 = ws_alloc(&s->w, sizeof(int64_t) * (size_t) (p->n_nodes + 1));

		if (s->w.oom)
			return RM_ENOMEM;
		memcpy(f1, off, sizeof(int64_t) * (size_t) p->n_nodes);
		memcpy(f2, roff, sizeof(int64_t) * (size_t) p->n_nodes);
		for (k = 0; k < p->n_arcs; k++)
		{
			const rm_clr_arc *a = &p->arcs[k];
			int64_t		x = f1[a->from]++,
						y = f2[a->to]++;

			adj[x] = a->to;
			cost[x] = a->steps;
			s->farc[x] = (int32_t) k;
			radj[y] = a->from;
			rcost[y] = a->steps;
		}
		ws_release(&s->w, f1);
		ws_release(&s->w, f2);
	}
	s->foff = off;
	if ((rc = rm_dijkstra_ws_init(&dw, s->w.a, p->n_nodes)) != RM_OK)
		return rc;
	/* earliest arrival from the sources */
	c.n = p->n_nodes;
	c.off = off;
	c.adj = adj;
	c.cost = cost;
	for (i = 0; i < p->n_src; i++)
	{
		srcn[i] = p->src[i].node;
		init[i] = p->src[i].walk;
	}
	rc = rm_dijkstra_run(&dw, &c, p->n_src, srcn, init, NULL, s->H, s->w.intr);
	if (rc == RM_OK)
		for (v = 0; v < p->n_nodes; v++)
			s->e[v] = isinf(dw.dist[v]) ? NO_TIME : (int32_t) dw.dist[v];
	/* to the nearest sink */
	c.off = roff;
	c.adj = radj;
	c.cost = rcost;
	for (v = 0; v < p->n_nodes; v++)
		s->d[v] = NO_TIME;
	for (i = 0; i < p->n_snk; i++)
	{
		srcn[i] = p->snk[i].node;
		init[i] = p->snk[i].walk;
	}
	if (rc == RM_OK)
		rc = rm_dijkstra_run(&dw, &c, p->n_snk, srcn, init, NULL, s->H, s->w.intr);
	if (rc == RM_OK)
		for (v = 0; v < p->n_nodes; v++)
			s->d[v] = isinf(dw.dist[v]) ? NO_TIME : (int32_t) dw.dist[v];
	s->fadj = adj;
	s->fcost = cost;
	s->pairs_bound = -1;
	rm_dijkstra_ws_free(&dw);
	return rc;
}

/*
 * (source, sink, steps) pairs with steps <= bound: one forward search per
 * distinct source node (cells of a zone share few road nodes).
 */
static int
compute_pairs(solver *s, int32_t bound)
{
	const rm_clr_problem *p = s->p;
	rm_dijkstra_ws dw;
	rm_csr		c;
	int32_t    *snk_first,
			   *snk_next,
			   *done_node,
				i,
				j;
	int64_t		cap = 1024;
	int			rc;

	if (s->pairs_bound >= bound)
		return RM_OK;
	s->n_pairs = 0;
	snk_first = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (p->n_nodes + 1));
	snk_next = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (p->n_snk + 1));
	done_node = ws_zalloc(&s->w, sizeof(int32_t) * (size_t) (p->n_nodes + 1));
	if (!s->pair_src)
	{
		s->pair_src = ws_alloc(&s->w, sizeof(int32_t) * cap);
		s->pair_snk = ws_alloc(&s->w, sizeof(int32_t) * cap);
		s->pair_t = ws_alloc(&s->w, sizeof(int32_t) * cap);
		s->pairs_cap = cap;
	}
	if (s->w.oom)
		return RM_ENOMEM;
	for (i = 0; i < p->n_nodes; i++)
		snk_first[i] = -1;
	for (j = p->n_snk - 1; j >= 0; j--)
	{
		snk_next[j] = snk_first[p->snk[j].node];
		snk_first[p->snk[j].node] = j;
	}
	if ((rc = rm_dijkstra_ws_init(&dw, s->w.a, p->n_nodes)) != RM_OK)
		return rc;
	c.n = p->n_nodes;
	c.off = s->foff;
	c.adj = s->fadj;
	c.cost = s->fcost;
	for (i = 0; rc == RM_OK && i < p->n_src; i++)
	{
		int32_t		v = p->src[i].node,
					minwalk = NO_TIME,
					k,
					t;

		if (done_node[v])
			continue;
		done_node[v] = 1;
		for (k = i; k < p->n_src; k++)
			if (p->src[k].node == v && p->src[k].walk < minwalk)
				minwalk = p->src[k].walk;
		if (minwalk > bound)
			continue;
		rc = rm_dijkstra_run(&dw, &c, 1, &v, NULL, NULL, bound - minwalk, s->w.intr);
		if (rc != RM_OK)
			break;
		for (t = 0; t < dw.n_touched; t++)
		{
			int32_t		x = dw.touched[t];

			for (j = snk_first[x]; j >= 0; j = snk_next[j])
				for (k = i; k < p->n_src; k++)
				{
					int64_t		tt;

					if (p->src[k].node != v)
						continue;
					tt = (int64_t) p->src[k].walk + (int64_t) dw.dist[x] + p->snk[j].walk;
					if (tt > bound)
						continue;
					if (s->n_pairs == s->pairs_cap)
					{
						int64_t		nc = s->pairs_cap * 2;
						int32_t    *a1 = ws_alloc(&s->w, sizeof(int32_t) * nc),
								   *a2 = ws_alloc(&s->w, sizeof(int32_t) * nc),
								   *a3 = ws_alloc(&s->w, sizeof(int32_t) * nc);

						if (s->w.oom)
						{
							rm_dijkstra_ws_free(&dw);
							return RM_ENOMEM;
						}
						memcpy(a1, s->pair_src, sizeof(int32_t) * s->n_pairs);
						memcpy(a2, s->pair_snk, sizeof(int32_t) * s->n_pairs);
						memcpy(a3, s->pair_t, sizeof(int32_t) * s->n_pairs);
						ws_release(&s->w, s->pair_src);
						ws_release(&s->w, s->pair_snk);
						ws_release(&s->w, s->pair_t);
						s->pair_src = a1;
						s->pair_snk = a2;
						s->pair_t = a3;
						s->pairs_cap = nc;
					}
					s->pair_src[s->n_pairs] = k;
					s->pair_snk[s->n_pairs] = j;
					s->pair_t[s->n_pairs] = (int32_t) tt;
					s->n_pairs++;
				}
		}
	}
	rm_dijkstra_ws_free(&dw);
	ws_release(&s->w, snk_first);
	ws_release(&s->w, snk_next);
	ws_release(&s->w, done_node);
	if (rc == RM_OK)
		s->pairs_bound = bound;
	return rc;
}

/* ------------------------------------------------------------------ */
/* relaxation 1: transportation problem without road capacities         */

/* max people served when every pair with steps <= T may be used */
static int
relax_flow(solver *s, int32_t T, double *value)
{
	const rm_clr_problem *p = s->p;
	mf			f;
	int64_t		k;
	int32_t		i;
	int			rc;
	size_t		mark;

	if ((rc = compute_pairs(s, T)) != RM_OK)
		return rc;
	mark = (size_t) s->w.n_ptrs;
	rc = mf_init(&s->w, &f, p->n_src + p->n_snk + 2, s->n_pairs + p->n_src + p->n_snk);
	if (rc != RM_OK)
		return rc;
	for (i = 0; i < p->n_src; i++)
		mf_add(&f, 0, 2 + i, p->src[i].people);
	for (i = 0; i < p->n_snk; i++)
		mf_add(&f, 2 + p->n_src + i, 1, p->snk[i].capacity);
	for (k = 0; k < s->n_pairs; k++)
		if (s->pair_t[k] <= T)
			mf_add(&f, 2 + s->pair_src[k], 2 + p->n_src + s->pair_snk[k], INFINITY);
	if ((rc = mf_finalize(&s->w, &f)) != RM_OK)
		return rc;
	rc = mf_run(&f, 0, 1, s->w.intr, value);
	/* drop what this call allocated */
	while ((size_t) s->w.n_ptrs > mark)
		rm_free(s->w.a, s->w.ptrs[--s->w.n_ptrs]);
	return rc;
}

/* smallest T with relax_flow(T) >= target (target > 0 reachable by H) */
static int
relax_bound(solver *s, double target, int32_t hi, int32_t *lb)
{
	int32_t		lo = 0;
	int			rc;

	if ((rc = compute_pairs(s, hi)) != RM_OK)
		return rc;
	while (lo < hi)
	{
		int32_t		mid = lo + (hi - lo) / 2;
		double		v;

		if ((rc = relax_flow(s, mid, &v)) != RM_OK)
			return rc;
		if (v >= target - EPS * (1 + target))
			hi = mid;
		else
			lo = mid + 1;
	}
	*lb = lo;
	return RM_OK;
}

/* ------------------------------------------------------------------ */
/* relaxation 2: a minimum cut of the capacitated static network        */

static int
cut_bound(solver *s, double target, int32_t bound, int32_t *lb, double *through_at_bound)
{
	const rm_clr_problem *p = s->p;
	mf			f;
	int64_t		k;
	int32_t		i,
				n = p->n_nodes + 2;
	int			rc;
	double		value;
	size_t		mark = (size_t) s->w.n_ptrs;
	int32_t    *L;
	double	   *c;
	int64_t		nc = 0,
			   *arc_of;

	*lb = 0;
	if (through_at_bound)
		*through_at_bound = INFINITY;
	rc = mf_init(&s->w, &f, n, p->n_arcs + p->n_src + p->n_snk);
	if (rc != RM_OK)
		return rc;
	arc_of = ws_alloc(&s->w, sizeof(int64_t) * (size_t) (p->n_arcs + p->n_src + p->n_snk + 1));
	if (!arc_of)
		return RM_ENOMEM;
	for (i = 0; i < p->n_src; i++)
	{
		arc_of[f.m] = -1;
		mf_add(&f, 0, 2 + p->src[i].node, INFINITY);
	}
	for (i = 0; i < p->n_snk; i++)
	{
		arc_of[f.m] = -1;
		mf_add(&f, 2 + p->snk[i].node, 1, INFINITY);
	}
	for (k = 0; k < p->n_arcs; k++)
	{
		const rm_clr_arc *a = &p->arcs[k];

		if (s->e[a->from] == NO_TIME || s->d[a->to] == NO_TIME ||
			(int64_t) s->e[a->from] + a->steps + s->d[a->to] > bound)
			continue;
		arc_of[f.m] = k;
		mf_add(&f, 2 + a->from, 2 + a->to, a->cap);
	}
	if ((rc = mf_finalize(&s->w, &f)) != RM_OK)
		goto done;
	rc = mf_run(&f, 0, 1, s->w.intr, &value);
	if (rc == RM_EINVAL)
	{
		rc = RM_OK;				/* an unlimited path: no bound from here */
		goto done;
	}
	if (rc != RM_OK)
		goto done;
	/* source side: reachable from 0 in the residual network (the last BFS) */
	L = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (f.m + 1));
	c = ws_alloc(&s->w, sizeof(double) * (size_t) (f.m + 1));
	if (s->w.oom)
	{
		rc = RM_ENOMEM;
		goto done;
	}
	mf_bfs(&f, 0, 1);
	{
		int64_t		e;

		for (e = 0; e < f.m; e++)
		{
			int64_t		q = f.pos[e],
						ai = arc_of[e];
			int32_t		u = f.eu[e],
						v = f.to[q];

			if (ai >= 0 && f.level[u] >= 0 && f.level[v] < 0)
			{
				const rm_clr_arc *a = &p->arcs[ai];

				L[nc] = s->e[a->from] + a->steps + s->d[a->to];
				c[nc] = a->cap;
				nc++;
			}
		}
	}
	if (through_at_bound)
	{
		int64_t		j;
		double		through = 0;

		for (j = 0; j < nc; j++)
			if (bound >= L[j])
				through += c[j] * (double) (bound - L[j] + 1);
		*through_at_bound = through;
	}
	if (nc > 0 && target > 0)
	{
		int32_t		T;

		for (T = 0; T <= bound; T++)
		{
			double		through = 0;
			int64_t		j;

			for (j = 0; j < nc; j++)
				if (T >= L[j])
					through += c[j] * (double) (T - L[j] + 1);
			if (through >= target - EPS * (1 + target))
				break;
		}
		*lb = T > bound ? bound : T;
	}
done:
	while ((size_t) s->w.n_ptrs > mark)
		rm_free(s->w.a, s->w.ptrs[--s->w.n_ptrs]);
	return rc;
}

/* ------------------------------------------------------------------ */
/* output groups                                                        */

static int
add_group(solver *s, int32_t src, int32_t snk, double people, int32_t depart, int32_t arrive,
		  const int32_t *arcs, const int32_t *enter, int32_t len)
{
	rm_clr_group *g;

	if (s->n_g == s->cap_g)
	{
		int64_t		nc = s->cap_g ? s->cap_g * 2 : 256;
		rm_clr_group *ng = ws_alloc(&s->w, sizeof(rm_clr_group) * (size_t) nc);

		if (!ng)
			return RM_ENOMEM;
		if (s->g)
		{
			memcpy(ng, s->g, sizeof(rm_clr_group) * (size_t) s->n_g);
			ws_release(&s->w, s->g);
		}
		s->g = ng;
		s->cap_g = nc;
	}
	while (s->n_p + len > s->cap_p)
	{
		int64_t		nc = s->cap_p ? s->cap_p * 2 : 1024;
		int32_t    *na = ws_alloc(&s->w, sizeof(int32_t) * (size_t) nc),
				   *ne = ws_alloc(&s->w, sizeof(int32_t) * (size_t) nc);

		if (s->w.oom)
			return RM_ENOMEM;
		if (s->parc)
		{
			memcpy(na, s->parc, sizeof(int32_t) * (size_t) s->n_p);
			memcpy(ne, s->pent, sizeof(int32_t) * (size_t) s->n_p);
			ws_release(&s->w, s->parc);
			ws_release(&s->w, s->pent);
		}
		s->parc = na;
		s->pent = ne;
		s->cap_p = nc;
	}
	g = &s->g[s->n_g++];
	g->src = src;
	g->snk = snk;
	g->people = people;
	g->depart = depart;
	g->arrive = arrive;
	g->path_off = s->n_p;
	g->path_len = len;
	if (len > 0)
	{
		memcpy(s->parc + s->n_p, arcs, sizeof(int32_t) * (size_t) len);
		memcpy(s->pent + s->n_p, enter, sizeof(int32_t) * (size_t) len);
	}
	s->n_p += len;
	return RM_OK;
}

static void
clear_groups(solver *s)
{
	s->n_g = 0;
	s->n_p = 0;
}

/* ------------------------------------------------------------------ */
/* CCRP: earliest-arrival paths with capacity reserved per arc and step */

typedef struct hslot
{
	int64_t		key;			/* arc * (H + 1) + step, -1 = empty */
	double		used;
} hslot;

typedef struct usage
{
	hslot	   *t;
	int64_t		cap,
				n;
} usage;

static inline uint64_t
hmix(int64_t k)
{
	uint64_t	x = (uint64_t) k * 0x9E3779B97F4A7C15ull;

	return x ^ (x >> 29);
}

static int
usage_init(ws *w, usage *u, int64_t cap)
{
	int64_t		i;

	u->cap = cap;
	u->n = 0;
	u->t = ws_alloc(w, sizeof(hslot) * (size_t) cap);
	if (!u->t)
		return RM_ENOMEM;
	for (i = 0; i < cap; i++)
		u->t[i].key = -1;
	return RM_OK;
}

static double
usage_get(const usage *u, int64_t key)
{
	uint64_t	i = hmix(key) & (uint64_t) (u->cap - 1);

	for (;;)
	{
		if (u->t[i].key == key)
			return u->t[i].used;
		if (u->t[i].key < 0)
			return 0;
		i = (i + 1) & (uint64_t) (u->cap - 1);
	}
}

static int
usage_add(ws *w, usage *u, int64_t key, double x)
{
	uint64_t	i;

	if (2 * (u->n + 1) > u->cap)
	{
		usage		nu;
		int64_t		k;
		int			rc;

		if ((rc = usage_init(w, &nu, u->cap * 2)) != RM_OK)
			return rc;
		for (k = 0; k < u->cap; k++)
			if (u->t[k].key >= 0)
			{
				uint64_t	j = hmix(u->t[k].key) & (uint64_t) (nu.cap - 1);

				while (nu.t[j].key >= 0)
					j = (j + 1) & (uint64_t) (nu.cap - 1);
				nu.t[j] = u->t[k];
				nu.n++;
			}
		ws_release(w, u->t);
		*u = nu;
	}
	i = hmix(key) & (uint64_t) (u->cap - 1);
	for (;;)
	{
		if (u->t[i].key == key)
		{
			u->t[i].used += x;
			return RM_OK;
		}
		if (u->t[i].key < 0)
		{
			u->t[i].key = key;
			u->t[i].used = x;
			u->n++;
			return RM_OK;
		}
		i = (i + 1) & (uint64_t) (u->cap - 1);
	}
}

typedef struct hitem
{
	int32_t		t;
	int32_t		id;				/* node, or -1 - sink */
	int32_t		node;
	int64_t		seq;
} hitem;

static inline int
hless(const hitem *a, const hitem *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

typedef struct heap
{
	hitem	   *h;
	int64_t		n,
				cap;
	int64_t		seq;
} heap;

static int
heap_push(ws *w, heap *q, int32_t t, int32_t id, int32_t node)
{
	hitem		it = {t, id, node, q->seq++};
	int64_t		i;

	if (q->n == q->cap)
	{
		int64_t		nc = q->cap ? q->cap * 2 : 1024;
		hitem	   *nh = ws_alloc(w, sizeof(hitem) * (size_t) nc);

		if (!nh)
			return RM_ENOMEM;
		if (q->h)
		{
			memcpy(nh, q->h, sizeof(hitem) * (size_t) q->n);
			ws_release(w, q->h);
		}
		q->h = nh;
		q->cap = nc;
	}
	i = q->n++;
	while (i > 0)
	{
		int64_t		pp = (i - 1) / 2;

		if (!hless(&it, &q->h[pp]))
			break;
		q->h[i] = q->h[pp];
		i = pp;
	}
	q->h[i] = it;
	return RM_OK;
}

static hitem
heap_pop(heap *q)
{
	hitem		top = q->h[0],
				last = q->h[--q->n];
	int64_t		i = 0;

	for (;;)
	{
		int64_t		c = 2 * i + 1;

		if (c >= q->n)
			break;
		if (c + 1 < q->n && hless(&q->h[c + 1], &q->h[c]))
			c++;
		if (!hless(&q->h[c], &last))
			break;
		q->h[i] = q->h[c];
		i = c;
	}
	if (q->n > 0)
		q->h[i] = last;
	return top;
}

static int
ccrp(solver *s, double *served, int32_t *clearance)
{
	const rm_clr_problem *p = s->p;
	int32_t		n = p->n_nodes,
				H = s->H;
	int32_t    *lab,
			   *pa,
			   *pt,
			   *root,
			   *touched,
			   *snk_first,
			   *snk_next,
			   *path_a,
			   *path_t,
				i;
	int32_t		n_touched = 0;
	double	   *rem_src,
			   *rem_snk;
	usage		u;
	heap		q = {0};
	int			rc;
	int64_t		pops = 0;

	*served = 0;
	*clearance = -1;
	lab = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (n + 1));
	pa = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (n + 1));
	pt = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (n + 1));
	root = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (n + 1));
	touched = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (n + 1));
	snk_first = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (n + 1));
	snk_next = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (p->n_snk + 1));
	path_a = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (n + 1));
	path_t = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (n + 1));
	rem_src = ws_alloc(&s->w, sizeof(double) * (size_t) (p->n_src + 1));
	rem_snk = ws_alloc(&s->w, sizeof(double) * (size_t) (p->n_snk + 1));
	if (s->w.oom)
		return RM_ENOMEM;
	if ((rc = usage_init(&s->w, &u, 1024)) != RM_OK)
		return rc;
	for (i = 0; i < n; i++)
	{
		lab[i] = NO_TIME;
		snk_first[i] = -1;
	}
	for (i = p->n_snk - 1; i >= 0; i--)
	{
		snk_next[i] = snk_first[p->snk[i].node];
		snk_first[p->snk[i].node] = i;
		rem_snk[i] = p->snk[i].capacity;
	}
	for (i = 0; i < p->n_src; i++)
		rem_src[i] = p->src[i].people;

	for (;;)
	{
		hitem		found = {0, 0, -1, 0};
		int			have = 0;

		for (i = 0; i < n_touched; i++)
			lab[touched[i]] = NO_TIME;
		n_touched = 0;
		q.n = 0;
		q.seq = 0;
		for (i = 0; i < p->n_src; i++)
		{
			int32_t		v = p->src[i].node,
						t = p->src[i].walk;

			if (rem_src[i] <= EPS || s->d[v] == NO_TIME || (int64_t) t + s->d[v] > H)
				continue;
			if (t < lab[v])
			{
				if (lab[v] == NO_TIME)
					touched[n_touched++] = v;
				lab[v] = t;
				pa[v] = -1;
				root[v] = i;
				if ((rc = heap_push(&s->w, &q, t, v, v)) != RM_OK)
					return rc;
			}
		}
		while (q.n > 0)
		{
			hitem		it = heap_pop(&q);
			int32_t		v,
						j;
			int64_t		k;

			if ((++pops & 0xfff) == 0 && rm_interrupted(s->w.intr))
				return RM_EINTERRUPTED;
			if (it.id < 0)
			{
				found = it;
				have = 1;
				break;
			}
			v = it.id;
			if (it.t != lab[v])
				continue;
			for (j = snk_first[v]; j >= 0; j = snk_next[j])
				if (rem_snk[j] > EPS && (int64_t) it.t + p->snk[j].walk <= H)
					if ((rc = heap_push(&s->w, &q, it.t + p->snk[j].walk, -1 - j, v)) != RM_OK)
						return rc;
			for (k = s->foff[v]; k < s->foff[v + 1]; k++)
			{
				int32_t		ai = s->farc[k];
				const rm_clr_arc *a = &p->arcs[ai];
				int32_t		t = it.t,
							w = a->to;
				int64_t		arr;

				if (s->d[w] == NO_TIME)
					continue;
				if (!isinf(a->cap))
				{
					int64_t		base = (int64_t) ai * (H + 1);

					while ((int64_t) t + a->steps + s->d[w] <= H &&
						   usage_get(&u, base + t) >= a->cap - EPS * (1 + a->cap))
						t++;
				}
				arr = (int64_t) t + a->steps;
				if (arr + s->d[w] > H || arr >= lab[w])
					continue;
				if (lab[w] == NO_TIME)
					touched[n_touched++] = w;
				lab[w] = (int32_t) arr;
				pa[w] = ai;
				pt[w] = t;
				root[w] = root[v];
				if ((rc = heap_push(&s->w, &q, (int32_t) arr, w, w)) != RM_OK)
					return rc;
			}
		}
		if (!have)
			break;
		{
			int32_t		j = -1 - found.id,
						v = found.node,
						len = 0,
						src = root[v],
						x,
						depart;
			double		amount;

			amount = rem_src[src] < rem_snk[j] ? rem_src[src] : rem_snk[j];
			for (x = v; pa[x] >= 0; x = p->arcs[pa[x]].from)
			{
				const rm_clr_arc *a = &p->arcs[pa[x]];

				path_a[len] = pa[x];
				path_t[len] = pt[x];
				len++;
				if (!isinf(a->cap))
				{
					double		r = a->cap - usage_get(&u, (int64_t) pa[x] * (H + 1) + pt[x]);

					if (r < amount)
						amount = r;
				}
			}
			/* reverse into path order */
			for (x = 0; x < len / 2; x++)
			{
				int32_t		t1 = path_a[x],
							t2 = path_t[x];

				path_a[x] = path_a[len - 1 - x];
				path_t[x] = path_t[len - 1 - x];
				path_a[len - 1 - x] = t1;
				path_t[len - 1 - x] = t2;
			}
			if (amount <= 0)
				amount = 0;
			for (x = 0; x < len; x++)
				if (!isinf(p->arcs[path_a[x]].cap))
					if ((rc = usage_add(&s->w, &u, (int64_t) path_a[x] * (H + 1) + path_t[x], amount)) != RM_OK)
						return rc;
			rem_src[src] -= amount;
			rem_snk[j] -= amount;
			/* exhausted up to rounding: snap to zero so the loop ends */
			if (rem_src[src] <= EPS * (1 + p->src[src].people))
				rem_src[src] = 0;
			if (rem_snk[j] <= EPS * (1 + p->snk[j].capacity))
				rem_snk[j] = 0;
			depart = (len > 0 ? path_t[0] : found.t - p->snk[j].walk) - p->src[src].walk;
			if (amount > 0)
			{
				if ((rc = add_group(s, src, j, amount, depart, found.t, path_a, path_t, len)) != RM_OK)
					return rc;
				*served += amount;
				if (found.t > *clearance)
					*clearance = found.t;
			}
			else
			{
				/* a slot full up to rounding: mark it full and go on */
				for (x = 0; x < len; x++)
					if (!isinf(p->arcs[path_a[x]].cap))
					{
						double		r = p->arcs[path_a[x]].cap - usage_get(&u, (int64_t) path_a[x] * (H + 1) + path_t[x]);

						if (r <= EPS * (1 + p->arcs[path_a[x]].cap))
							if ((rc = usage_add(&s->w, &u, (int64_t) path_a[x] * (H + 1) + path_t[x], r + 1)) != RM_OK)
								return rc;
					}
			}
		}
	}
	return RM_OK;
}

/* ------------------------------------------------------------------ */
/* exact: the time-expanded network truncated at T                      */

enum
{
	TAG_SRC, TAG_HOLD, TAG_ARC, TAG_SINK, TAG_SHELTER
};

typedef struct tex
{
	mf			f;
	int64_t    *base;			/* node -> index of (node, 0), NO_BASE unused */
	uint8_t    *tag;
	int32_t    *tag_id;
	int32_t    *tag_t;
} tex;

static inline int32_t
win_hi(const solver *s, int32_t v, int32_t T)
{
	return s->d[v] == NO_TIME ? -1 : T - s->d[v];
}

static int64_t
tex_count(const solver *s, int32_t T, int64_t *n_nodes)
{
	const rm_clr_problem *p = s->p;
	int64_t		m = 0,
				nn = 2 + p->n_snk;
	int32_t		v,
				i;
	int64_t		k;

	for (v = 0; v < p->n_nodes; v++)
	{
		int32_t		lo = s->e[v],
					hi = win_hi(s, v, T);

		if (lo == NO_TIME || lo > hi)
			continue;
		nn += hi - lo + 1;
		m += hi - lo;			/* holdover */
	}
	for (k = 0; k < p->n_arcs; k++)
	{
		const rm_clr_arc *a = &p->arcs[k];
		int32_t		lo = s->e[a->from],
					hi = win_hi(s, a->from, T);

		if (lo == NO_TIME || lo > hi || s->d[a->to] == NO_TIME)
			continue;
		if ((int64_t) hi + a->steps > win_hi(s, a->to, T))
			hi = win_hi(s, a->to, T) - a->steps;
		if (lo <= hi)
			m += hi - lo + 1;
	}
	for (i = 0; i < p->n_snk; i++)
	{
		int32_t		v = p->snk[i].node,
					lo = s->e[v],
					hi = T - p->snk[i].walk;

		if (lo != NO_TIME && lo <= hi)
			m += hi - lo + 1;
		m++;
	}
	m += p->n_src;
	*n_nodes = nn;
	return m;
}

static int
tex_build(solver *s, tex *x, int32_t T)
{
	const rm_clr_problem *p = s->p;
	int64_t		nn,
				m = tex_count(s, T, &nn),
				next,
				k;
	int32_t		v,
				i,
				t;
	int			rc;

	if (nn > INT32_MAX - 4)
		return RM_EINVAL;
	if ((rc = mf_init(&s->w, &x->f, (int32_t) nn, m)) != RM_OK)
		return rc;
	x->base = ws_alloc(&s->w, sizeof(int64_t) * (size_t) (p->n_nodes + 1));
	x->tag = ws_alloc(&s->w, (size_t) (m + 1));
	x->tag_id = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (m + 1));
	x->tag_t = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (m + 1));
	if (s->w.oom)
		return RM_ENOMEM;
	next = 2 + p->n_snk;
	for (v = 0; v < p->n_nodes; v++)
	{
		int32_t		lo = s->e[v],
					hi = win_hi(s, v, T);

		if (lo == NO_TIME || lo > hi)
		{
			x->base[v] = NO_BASE;
			continue;
		}
		x->base[v] = next - lo; /* index of (v, t) = base + t */
		next += hi - lo + 1;
	}
#define TAG(kind, id, tt) do { x->tag[x->f.m] = (kind); x->tag_id[x->f.m] = (id); x->tag_t[x->f.m] = (tt); } while (0)
	for (i = 0; i < p->n_src; i++)
	{
		int32_t		vv = p->src[i].node,
					w = p->src[i].walk;

		if (x->base[vv] == NO_BASE || w > win_hi(s, vv, T))
			continue;
		TAG(TAG_SRC, i, w);
		mf_add(&x->f, 0, (int32_t) (x->base[vv] + w), p->src[i].people);
	}
	for (v = 0; v < p->n_nodes; v++)
	{
		if (x->base[v] == NO_BASE)
			continue;
		for (t = s->e[v]; t < win_hi(s, v, T); t++)
		{
			TAG(TAG_HOLD, v, t);
			mf_add(&x->f, (int32_t) (x->base[v] + t), (int32_t) (x->base[v] + t + 1), INFINITY);
		}
	}
	for (k = 0; k < p->n_arcs; k++)
	{
		const rm_clr_arc *a = &p->arcs[k];
		int32_t		lo = s->e[a->from],
					hi = win_hi(s, a->from, T);

		if (x->base[a->from] == NO_BASE || s->d[a->to] == NO_TIME || x->base[a->to] == NO_BASE)
			continue;
		if ((int64_t) hi + a->steps > win_hi(s, a->to, T))
			hi = win_hi(s, a->to, T) - a->steps;
		for (t = lo; t <= hi; t++)
		{
			TAG(TAG_ARC, (int32_t) k, t);
			mf_add(&x->f, (int32_t) (x->base[a->from] + t), (int32_t) (x->base[a->to] + t + a->steps), a->cap);
		}
	}
	for (i = 0; i < p->n_snk; i++)
	{
		int32_t		vv = p->snk[i].node,
					hi = T - p->snk[i].walk;

		if (x->base[vv] != NO_BASE)
		{
			if (hi > win_hi(s, vv, T))
				hi = win_hi(s, vv, T);
			for (t = s->e[vv]; t <= hi; t++)
			{
				TAG(TAG_SINK, i, t);
				mf_add(&x->f, (int32_t) (x->base[vv] + t), 2 + i, INFINITY);
			}
		}
		TAG(TAG_SHELTER, i, 0);
		mf_add(&x->f, 2 + i, 1, p->snk[i].capacity);
	}
#undef TAG
	return mf_finalize(&s->w, &x->f);
}

/* max flow of the network truncated at T; frees it unless keep */
static int
exact_flow(solver *s, int32_t T, double *value, tex *keep)
{
	tex			x;
	size_t		mark = (size_t) s->w.n_ptrs;
	int			rc;

	memset(&x, 0, sizeof x);
	rc = tex_build(s, &x, T);
	if (rc == RM_OK)
		rc = mf_run(&x.f, 0, 1, s->w.intr, value);
	if (rc == RM_EINVAL)
		rc = RM_EINVAL;
	if (keep && rc == RM_OK)
		*keep = x;
	else
		while ((size_t) s->w.n_ptrs > mark)
			rm_free(s->w.a, s->w.ptrs[--s->w.n_ptrs]);
	return rc;
}

/* Flow decomposition of x into groups (cycles cancelled). */
static int
decompose(solver *s, tex *x)
{
	const rm_clr_problem *p = s->p;
	mf		   *f = &x->f;
	int64_t    *edge_of,		/* csr index -> original edge */
			   *stack;
	int32_t    *onpath,
			   *pa,
			   *pe,
				depth = 0;
	int64_t    *cur,
				e;
	int32_t		v;
	int			rc;

	edge_of = ws_alloc(&s->w, sizeof(int64_t) * (size_t) (2 * f->m + 1));
	cur = ws_alloc(&s->w, sizeof(int64_t) * (size_t) (f->n + 1));
	onpath = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (f->n + 1));
	stack = ws_alloc(&s->w, sizeof(int64_t) * (size_t) (f->n + 2));
	pa = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (f->n + 2));
	pe = ws_alloc(&s->w, sizeof(int32_t) * (size_t) (f->n + 2));
	if (s->w.oom)
		return RM_ENOMEM;
	for (e = 0; e < 2 * f->m; e++)
		edge_of[e] = -1;
	for (e = 0; e < f->m; e++)
		edge_of[f->pos[e]] = e;
	for (v = 0; v < f->n; v++)
	{
		cur[v] = f->off[v];
		onpath[v] = -1;
	}
	/* stack[i] = csr arc taken at depth i; node at depth 0 is the source */
	{
		int32_t		u = 0;
		int64_t		iter = 0;

		onpath[0] = 0;
		for (;;)
		{
			int64_t		k;

			if ((++iter & 0xffff) == 0 && rm_interrupted(s->w.intr))
				return RM_EINTERRUPTED;
			if (u == 1)
			{
				double		b = INFINITY;
				int32_t		i,
							src = -1,
							snk = -1,
							len = 0,
							at = 0;

				for (i = 0; i < depth; i++)
					if (f->flow[stack[i]] < b)
						b = f->flow[stack[i]];
				for (i = 0; i < depth; i++)
				{
					int64_t		oe = edge_of[stack[i]];

					f->flow[stack[i]] -= b;
					f->flow[f->rev[stack[i]]] += b;
					switch (x->tag[oe])
					{
						case TAG_SRC:
							src = x->tag_id[oe];
							break;
						case TAG_ARC:
							pa[len] = x->tag_id[oe];
							pe[len] = x->tag_t[oe];
							len++;
							break;
						case TAG_SINK:
							snk = x->tag_id[oe];
							at = x->tag_t[oe];
							break;
						default:
							break;
					}
				}
				if (b > EPS && src >= 0 && snk >= 0)
				{
					int32_t		arrive = at + p->snk[snk].walk;
					int32_t		depart = (len > 0 ? pe[0] : at) - p->src[src].walk;

					if ((rc = add_group(s, src, snk, b, depart, arrive, pa, pe, len)) != RM_OK)
						return rc;
				}
				for (i = 1; i <= depth; i++)
					onpath[f->to[stack[i - 1]]] = -1;
				onpath[0] = 0;
				depth = 0;
				u = 0;
				continue;
			}
			for (k = cur[u]; k < f->off[u + 1]; k++)
				if (edge_of[k] >= 0 && f->flow[k] > EPS)
					break;
			cur[u] = k;
			if (k == f->off[u + 1])
			{
				int32_t		i;

				if (u == 0)
					break;
				/*
				 * Stuck on a rounding residue (inflow of a few 1e-9 whose
				 * outflow arcs are each below EPS): drop the path's smallest
				 * flow along it, which is that residue, and start again.
				 */
				{
					double		b = INFINITY;

					for (i = 0; i < depth; i++)
						if (f->flow[stack[i]] < b)
							b = f->flow[stack[i]];
					for (i = 0; i < depth; i++)
					{
						f->flow[stack[i]] -= b;
						f->flow[f->rev[stack[i]]] += b;
					}
					s->dropped += b;
				}
				for (i = 1; i <= depth; i++)
					onpath[f->to[stack[i - 1]]] = -1;
				onpath[0] = 0;
				depth = 0;
				u = 0;
				continue;
			}
			{
				int32_t		w = f->to[k];

				if (onpath[w] >= 0)
				{
					/* a cycle (zero-step arcs): cancel it */
					int32_t		from = onpath[w],
								i;
					double		b;

					stack[depth] = k;
					b = f->flow[k];
					for (i = from; i < depth; i++)
						if (f->flow[stack[i]] < b)
							b = f->flow[stack[i]];
					for (i = from; i <= depth; i++)
					{
						f->flow[stack[i]] -= b;
						f->flow[f->rev[stack[i]]] += b;
					}
					for (i = from + 1; i <= depth; i++)
						onpath[f->to[stack[i - 1]]] = -1;
					onpath[w] = from;
					depth = from;
					u = w;
					continue;
				}
				stack[depth++] = k;
				onpath[w] = depth;
				u = w;
			}
		}
	}
	return RM_OK;
}

/* ------------------------------------------------------------------ */
/* result assembly                                                      */

static const solver *sort_solver;

static int
group_cmp(const void *a, const void *b)
{
	const rm_clr_group *x = a,
			   *y = b;
	const solver *s = sort_solver;
	int32_t		i;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if ((x->snk < 0) != (y->snk < 0))
		return x->snk < 0 ? 1 : -1;
	if (x->depart != y->depart)
		return x->depart < y->depart ? -1 : 1;
	if (x->snk != y->snk)
		return x->snk < y->snk ? -1 : 1;
	if (x->arrive != y->arrive)
		return x->arrive < y->arrive ? -1 : 1;
	if (x->path_len != y->path_len)
		return x->path_len < y->path_len ? -1 : 1;
	for (i = 0; i < x->path_len; i++)
	{
		int32_t		a1 = s->parc[x->path_off + i],
					a2 = s->parc[y->path_off + i],
					t1 = s->pent[x->path_off + i],
					t2 = s->pent[y->path_off + i];

		if (a1 != a2)
			return a1 < a2 ? -1 : 1;
		if (t1 != t2)
			return t1 < t2 ? -1 : 1;
	}
	return 0;
}

static int
finish(solver *s, rm_clr_result *out)
{
	const rm_clr_problem *p = s->p;
	const rm_allocator *a = s->w.a;
	double	   *served;
	int64_t		i,
				n_out = 0,
				np = 0;
	int32_t		j;
	int			rc;

	served = ws_zalloc(&s->w, sizeof(double) * (size_t) (p->n_src + 1));
	if (!served)
		return RM_ENOMEM;
	for (i = 0; i < s->n_g; i++)
		served[s->g[i].src] += s->g[i].people;
	for (j = 0; j < p->n_src; j++)
	{
		double		left = p->src[j].people - served[j];

		if (left > EPS * (1 + p->src[j].people))
			if ((rc = add_group(s, j, -1, left, 0, 0, NULL, NULL, 0)) != RM_OK)
				return rc;
	}
	sort_solver = s;
	if (s->n_g > 1)
		qsort(s->g, (size_t) s->n_g, sizeof(rm_clr_group), group_cmp);
	out->groups = rm_alloc(a, sizeof(rm_clr_group) * (size_t) (s->n_g + 1));
	out->path_arc = rm_alloc(a, sizeof(int32_t) * (size_t) (s->n_p + 1));
	out->path_enter = rm_alloc(a, sizeof(int32_t) * (size_t) (s->n_p + 1));
	if (!out->groups || !out->path_arc || !out->path_enter)
		return RM_ENOMEM;
	for (i = 0; i < s->n_g; i++)
	{
		rm_clr_group g = s->g[i];

		if (n_out > 0 && group_cmp(&out->groups[n_out - 1], &g) == 0)
		{
			/* same cell, times, shelter and path: one group (compare in s's arrays) */
			out->groups[n_out - 1].people += g.people;
			continue;
		}
		if (g.path_len > 0)		/* a group with no path (no roads) has no arrays to copy from */
		{
			memcpy(out->path_arc + np, s->parc + g.path_off, sizeof(int32_t) * (size_t) g.path_len);
			memcpy(out->path_enter + np, s->pent + g.path_off, sizeof(int32_t) * (size_t) g.path_len);
		}
		out->groups[n_out] = g;
		/* keep comparing against s's arrays: remember the original offset */
		out->groups[n_out].path_off = g.path_off;
		n_out++;
		np += g.path_len;
	}
	/* rebase path offsets onto the output arrays */
	np = 0;
	for (i = 0; i < n_out; i++)
	{
		out->groups[i].path_off = np;
		np += out->groups[i].path_len;
	}
	out->n_groups = n_out;
	out->path_total = np;

	/* bottlenecks: finite arcs full in some step */
	{
		usage		u;
		double	   *arc_people = ws_zalloc(&s->w, sizeof(double) * (size_t) (p->n_arcs + 1));
		int32_t    *arc_sat = ws_zalloc(&s->w, sizeof(int32_t) * (size_t) (p->n_arcs + 1));
		int64_t		k;
		int32_t		nb = 0;

		if (!arc_people || !arc_sat)
			return RM_ENOMEM;
		if ((rc = usage_init(&s->w, &u, 1024)) != RM_OK)
			return rc;
		for (i = 0; i < n_out; i++)
		{
			rm_clr_group *g = &out->groups[i];

			for (j = 0; j < g->path_len; j++)
			{
				int32_t		ai = out->path_arc[g->path_off + j];

				arc_people[ai] += g->people;
				if (!isinf(p->arcs[ai].cap))
					if ((rc = usage_add(&s->w, &u, (int64_t) ai * (s->H + 1) + out->path_enter[g->path_off + j], g->people)) != RM_OK)
						return rc;
			}
		}
		for (k = 0; k < u.cap; k++)
			if (u.t[k].key >= 0)
			{
				int32_t		ai = (int32_t) (u.t[k].key / (s->H + 1));
				double		c = p->arcs[ai].cap;

				if (u.t[k].used >= c - 1e-6 * (1 + c))
					arc_sat[ai]++;
			}
		/* merge by edge id: arcs sorted by edge id through an index */
		{
			int64_t    *idx = ws_alloc(&s->w, sizeof(int64_t) * (size_t) (p->n_arcs + 1));
			int64_t		m = 0,
						r;
			rm_clr_bottleneck *b;

			if (!idx)
				return RM_ENOMEM;
			for (k = 0; k < p->n_arcs; k++)
				if (arc_sat[k] > 0 && p->arcs[k].edge_id >= 0)
					idx[m++] = k;
			b = rm_alloc(a, sizeof(rm_clr_bottleneck) * (size_t) (m + 1));
			if (!b)
				return RM_ENOMEM;
			for (r = 0; r < m; r++)
			{
				int64_t		eid = p->arcs[idx[r]].edge_id;
				int32_t		q;

				for (q = 0; q < nb; q++)
					if (b[q].edge_id == eid)
						break;
				if (q == nb)
				{
					b[nb].edge_id = eid;
					b[nb].people = 0;
					b[nb].saturated_steps = 0;
					nb++;
				}
				b[q].saturated_steps += arc_sat[idx[r]];
			}
			/* people over both directions of each bottleneck edge */
			for (k = 0; k < p->n_arcs; k++)
				if (p->arcs[k].edge_id >= 0 && arc_people[k] > 0)
				{
					int32_t		q;

					for (q = 0; q < nb; q++)
						if (b[q].edge_id == p->arcs[k].edge_id)
						{
							b[q].people += arc_people[k];
							break;
						}
				}
			/* most loaded first, then edge id */
			for (r = 1; r < nb; r++)
			{
				rm_clr_bottleneck t = b[r];
				int64_t		q = r - 1;

				while (q >= 0 && (b[q].people < t.people ||
								  (b[q].people == t.people && b[q].edge_id > t.edge_id)))
				{
					b[q + 1] = b[q];
					q--;
				}
				b[q + 1] = t;
			}
			out->bottlenecks = b;
			out->n_bottlenecks = nb;
		}
	}
	return RM_OK;
}

static int
check_input(const rm_clr_problem *p)
{
	int64_t		k;
	int32_t		i;

	if (!p || p->n_nodes < 0 || p->n_arcs < 0 || p->n_src < 0 || p->n_snk < 0 ||
		p->horizon < 0 || p->n_arcs > INT32_MAX / 2)
		return RM_EINVAL;
	for (k = 0; k < p->n_arcs; k++)
	{
		const rm_clr_arc *a = &p->arcs[k];

		if (a->from < 0 || a->from >= p->n_nodes || a->to < 0 || a->to >= p->n_nodes ||
			a->steps < 0 || !(a->cap > 0))
			return RM_EINVAL;
	}
	for (i = 0; i < p->n_src; i++)
		if (p->src[i].node < 0 || p->src[i].node >= p->n_nodes || p->src[i].walk < 0 ||
			!(p->src[i].people > 0) || isinf(p->src[i].people))
			return RM_EINVAL;
	for (i = 0; i < p->n_snk; i++)
		if (p->snk[i].node < 0 || p->snk[i].node >= p->n_nodes || p->snk[i].walk < 0 ||
			!(p->snk[i].capacity > 0))
			return RM_EINVAL;
	return RM_OK;
}

int
rm_clearance_solve(const rm_clr_problem *p, const rm_clr_options *opt,
				   const rm_allocator *a, const rm_interrupt *intr,
				   rm_clr_result *out)
{
	solver		s;
	int			rc;
	double		upper,
				served_h = 0,
				target;
	int32_t		clear_h = -1,
				lb1 = 0,
				lb2 = 0,
				i;
	int			mode = opt ? opt->mode : RM_CLR_AUTO;
	int64_t		max_arcs = !opt || opt->max_exact_arcs == 0 ? INT64_MAX :
		opt->max_exact_arcs < 0 ? -1 : opt->max_exact_arcs;

	memset(out, 0, sizeof *out);
	out->clearance = out->lower_bound = out->heuristic_clearance = -1;
	if ((rc = check_input(p)) != RM_OK)
		return rc;
	memset(&s, 0, sizeof s);
	s.w.a = a;
	s.w.intr = intr;
	s.p = p;
	s.H = p->horizon;
	for (i = 0; i < p->n_src; i++)
		s.total += p->src[i].people;
	out->people = s.total;
	if (!(s.total < INFINITY))
	{
		rc = RM_EINVAL;
		goto done;
	}
	if ((rc = dists(&s)) != RM_OK)
		goto done;
	if (mode != RM_CLR_EXACT)
	{
		if ((rc = ccrp(&s, &served_h, &clear_h)) != RM_OK)
			goto done;
		out->heuristic_clearance = clear_h;
	}
	/*
	 * Proven upper bound on the people served by the horizon: everybody, the
	 * transportation problem without road capacities, and what a minimum cut
	 * of the capacitated edges lets through by the horizon.
	 */
	if (served_h >= s.total - EPS * (1 + s.total))
		upper = s.total;
	else
	{
		double		through;
		int32_t		dummy;

		if ((rc = relax_flow(&s, s.H, &upper)) != RM_OK)
			goto done;
		if (served_h < upper - EPS * (1 + upper))
		{
			if ((rc = cut_bound(&s, 0, s.H, &dummy, &through)) != RM_OK)
				goto done;
			if (through < upper)
				upper = through;
		}
	}
	target = served_h;
	out->served_proven = mode != RM_CLR_EXACT && served_h >= upper - EPS * (1 + upper);
	if (target > 0)
	{
		if ((rc = relax_bound(&s, target, clear_h, &lb1)) != RM_OK)
			goto done;
		if ((rc = cut_bound(&s, target, clear_h, &lb2, NULL)) != RM_OK)
			goto done;
	}
	out->served = served_h;
	out->clearance = target > 0 ? clear_h : -1;

	if (mode == RM_CLR_EXACT ||
		(mode == RM_CLR_AUTO && upper > 0 &&
		 (!out->served_proven ||
		  (int64_t) clear_h * 10 > (int64_t) (lb1 > lb2 ? lb1 : lb2) * 11 + 10)))
	{
		int64_t		nn;
		int64_t		m = tex_count(&s, s.H, &nn);

		out->exact_arcs = m;
		if (mode == RM_CLR_EXACT || m <= max_arcs)
		{
			double		best;
			int32_t		lo,
						hi;
			tex			x;

			if ((rc = exact_flow(&s, s.H, &best, NULL)) != RM_OK)
				goto done;
			out->exact_flows++;
			if (best > 0)
			{
				hi = (clear_h >= 0 && served_h >= best - EPS * (1 + best)) ? clear_h : s.H;
				if ((rc = relax_bound(&s, best, hi, &lb1)) != RM_OK)
					goto done;
				if ((rc = cut_bound(&s, best, hi, &lb2, NULL)) != RM_OK)
					goto done;
				lo = lb1 > lb2 ? lb1 : lb2;
				if (lo > hi)
					lo = hi;
				while (lo < hi)
				{
					int32_t		mid = lo + (hi - lo) / 2;
					double		v;

					if ((rc = exact_flow(&s, mid, &v, NULL)) != RM_OK)
						goto done;
					out->exact_flows++;
					if (v >= best - EPS * (1 + best))
						hi = mid;
					else
						lo = mid + 1;
				}
				memset(&x, 0, sizeof x);
				if ((rc = exact_flow(&s, lo, &best, &x)) != RM_OK)
					goto done;
				out->exact_flows++;
				clear_groups(&s);
				if ((rc = decompose(&s, &x)) != RM_OK)
					goto done;
				out->served = 0;
				out->clearance = -1;
				{
					int64_t		g;

					for (g = 0; g < s.n_g; g++)
					{
						out->served += s.g[g].people;
						if (s.g[g].arrive > out->clearance)
							out->clearance = s.g[g].arrive;
					}
				}
				out->exact_value = best;
				target = best;
			}
			else
			{
				clear_groups(&s);
				out->served = 0;
				out->clearance = -1;
				target = 0;
			}
			out->exact = 1;
			out->served_proven = 1;
		}
	}
	out->lb_relaxation = target > 0 ? lb1 : -1;
	out->lb_cut = target > 0 ? lb2 : -1;
	out->lower_bound = target > 0 ? (lb1 > lb2 ? lb1 : lb2) : -1;
	if (out->exact && out->clearance >= 0)
		out->lower_bound = out->clearance;
	if (out->lower_bound > out->clearance)
		out->lower_bound = out->clearance;	/* cannot happen; keeps 0 <= lb <= clearance */
	rc = finish(&s, out);
done:
	ws_free_all(&s.w);
	if (rc != RM_OK)
		rm_clr_result_free(out, a);
	return rc;
}

void
rm_clr_result_free(rm_clr_result *r, const rm_allocator *a)
{
	if (r->groups)
		rm_free(a, r->groups);
	if (r->path_arc)
		rm_free(a, r->path_arc);
	if (r->path_enter)
		rm_free(a, r->path_enter);
	if (r->bottlenecks)
		rm_free(a, r->bottlenecks);
	r->groups = NULL;
	r->path_arc = r->path_enter = NULL;
	r->bottlenecks = NULL;
	r->n_groups = 0;
	r->n_bottlenecks = 0;
}
