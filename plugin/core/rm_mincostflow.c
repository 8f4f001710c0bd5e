/*
 * rm_mincostflow.c — see rm_mincostflow.h.
 */
#include "rm_mincostflow.h"

#include <math.h>
#include <string.h>

typedef struct lex
{
	double		a;				/* unserved units (integral) */
	double		b;				/* seconds */
} lex;

static inline int
lex_less(lex x, lex y)
{
	return x.a < y.a || (x.a == y.a && x.b < y.b);
}

typedef struct hitem
{
	lex			d;
	int32_t		v;
} hitem;

enum
{
	P_NONE = 0, P_SOURCE, P_FWD, P_REV, P_CELL_U, P_U_CELL, P_SH_T, P_U_T
};

/* growable int64 list */
typedef struct ilist
{
	int64_t    *v;
	int32_t		n,
				cap;
} ilist;

typedef struct solver
{
	const rm_transport *t;
	const rm_allocator *a;
	int32_t		N,
				U,
				T;
	int64_t		n_pairs;
	int32_t    *pair_src;
	double	   *flow,
			   *unserved;
	double	   *excess,
			   *spare;
	lex		   *P;
	lex		   *dist;
	uint8_t    *state;			/* 0 untouched, 1 in heap, 2 settled */
	uint8_t    *pkind;
	int64_t    *pidx;
	int32_t    *touched;
	int32_t		n_touched;
	hitem	   *heap;
	int64_t		hlen,
				hcap;
	ilist	   *on;				/* per sink: pairs that may carry flow */
	uint8_t    *pair_listed;
	ilist		ulist;			/* sources that may have unserved > 0 (and pairs) */
	uint8_t    *u_listed;
	double		eps;
	int			oom;
} solver;

static int
ilist_push(const rm_allocator *a, ilist *l, int64_t x)
{
	if (l->n == l->cap)
	{
		int32_t		cap = l->cap ? l->cap * 2 : 8;
		int64_t    *nv = rm_alloc(a, sizeof(int64_t) * (size_t) cap);

		if (!nv)
			return RM_ENOMEM;
		if (l->n)
			memcpy(nv, l->v, sizeof(int64_t) * (size_t) l->n);
		rm_free(a, l->v);
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = x;
	return RM_OK;
}

static int
heap_push(solver *s, lex d, int32_t v)
{
	int64_t		i;
	hitem		it;

	if (s->hlen == s->hcap)
	{
		int64_t		cap = s->hcap * 2;
		hitem	   *nh = rm_alloc(s->a, sizeof(hitem) * (size_t) cap);

		if (!nh)
			return RM_ENOMEM;
		memcpy(nh, s->heap, sizeof(hitem) * (size_t) s->hlen);
		rm_free(s->a, s->heap);
		s->heap = nh;
		s->hcap = cap;
	}
	it.d = d;
	it.v = v;
	i = s->hlen++;
	while (i > 0)
	{
		int64_t		p = (i - 1) / 2;

		if (!lex_less(it.d, s->heap[p].d))
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = it;
	return RM_OK;
}

static hitem
heap_pop(solver *s)
{
	hitem		top = s->heap[0],
				last = s->heap[--s->hlen];
	int64_t		i = 0,
				n = s->hlen;

	for (;;)
	{
		int64_t		c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && lex_less(s->heap[c + 1].d, s->heap[c].d))
			c++;
		if (!lex_less(s->heap[c].d, last.d))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n > 0)
		s->heap[i] = last;
	return top;
}

/* reduced cost c + P[u] - P[v], clamped at 0 against rounding */
static inline lex
reduced(const solver *s, lex c, int32_t u, int32_t v)
{
	lex			r;

	r.a = c.a + s->P[u].a - s->P[v].a;
	r.b = c.b + s->P[u].b - s->P[v].b;
	if (r.a < 0 || (r.a == 0 && r.b < 0))
	{
		if (r.a < 0)
			r.a = 0;
		r.b = r.a == 0 ? 0 : r.b;
	}
	return r;
}

static inline int
visit(solver *s, int32_t v, lex du, lex rc, uint8_t kind, int64_t idx)
{
	lex			nd;

	if (s->state[v] == 2)
		return RM_OK;
	nd.a = du.a + rc.a;
	nd.b = du.b + rc.b;
	if (s->state[v] == 0 || lex_less(nd, s->dist[v]))
	{
		if (s->state[v] == 0)
		{
			s->touched[s->n_touched++] = v;
			s->state[v] = 1;
		}
		s->dist[v] = nd;
		s->pkind[v] = kind;
		s->pidx[v] = idx;
		return heap_push(s, nd, v);
	}
	return RM_OK;
}

static inline double
snap0(const solver *s, double x)
{
	return x <= s->eps ? 0.0 : x;
}

static void
solver_free(solver *s)
{
	const rm_allocator *a = s->a;
	int32_t		j;

	rm_free(a, s->pair_src);
	rm_free(a, s->excess);
	rm_free(a, s->spare);
	rm_free(a, s->P);
	rm_free(a, s->dist);
	rm_free(a, s->state);
	rm_free(a, s->pkind);
	rm_free(a, s->pidx);
	rm_free(a, s->touched);
	rm_free(a, s->heap);
	if (s->on)
		for (j = 0; j < s->t->n_snk; j++)
			rm_free(a, s->on[j].v);
	rm_free(a, s->on);
	rm_free(a, s->pair_listed);
	rm_free(a, s->ulist.v);
	rm_free(a, s->u_listed);
}

int
rm_transport_solve(const rm_transport *t, const rm_allocator *a,
				   const rm_interrupt *intr, double *flow, double *unserved,
				   rm_transport_stats *stats)
{
	solver		s;
	int32_t		i,
				j,
				n_excess = 0;
	int64_t		k;
	double		total = 0;
	int64_t		n_settled = 0;
	int			rc = RM_ENOMEM;
	const lex	zero = {0, 0};

	if (stats)
		memset(stats, 0, sizeof *stats);
	if (t->n_src < 0 || t->n_snk < 0 || t->n_src > INT32_MAX - t->n_snk - 2)
		return RM_EINVAL;
	memset(&s, 0, sizeof s);
	s.t = t;
	s.a = a;
	s.U = t->n_src + t->n_snk;
	s.T = s.U + 1;
	s.N = s.T + 1;
	s.n_pairs = t->off[t->n_src];
	s.flow = flow;
	s.unserved = unserved;
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
	for (k = 0; k < s.n_pairs; k++)
		if (t->snk[k] < 0 || t->snk[k] >= t->n_snk || !(t->cost[k] >= 0) || !isfinite(t->cost[k]))
			return RM_EINVAL;
	s.eps = total * 1e-15;

	s.pair_src = rm_alloc(a, sizeof(int32_t) * (size_t) (s.n_pairs + 1));
	s.excess = rm_alloc(a, sizeof(double) * (size_t) (t->n_snk + 1));
	s.spare = rm_alloc(a, sizeof(double) * (size_t) (t->n_snk + 1));
	s.P = rm_alloc(a, sizeof(lex) * (size_t) s.N);
	s.dist = rm_alloc(a, sizeof(lex) * (size_t) s.N);
	s.state = rm_alloc(a, (size_t) s.N);
	s.pkind = rm_alloc(a, (size_t) s.N);
	s.pidx = rm_alloc(a, sizeof(int64_t) * (size_t) s.N);
	s.touched = rm_alloc(a, sizeof(int32_t) * (size_t) s.N);
	s.hcap = 1024;
	s.heap = rm_alloc(a, sizeof(hitem) * (size_t) s.hcap);
	s.on = rm_alloc(a, sizeof(ilist) * (size_t) (t->n_snk + 1));
	s.pair_listed = rm_alloc(a, (size_t) (s.n_pairs + 1));
	s.u_listed = rm_alloc(a, (size_t) (t->n_src + 1));
	if (!s.pair_src || !s.excess || !s.spare || !s.P || !s.dist || !s.state || !s.pkind ||
		!s.pidx || !s.touched || !s.heap || !s.on || !s.pair_listed || !s.u_listed)
		goto done;
	memset(s.on, 0, sizeof(ilist) * (size_t) (t->n_snk + 1));
	memset(s.state, 0, (size_t) s.N);
	memset(s.pair_listed, 0, (size_t) (s.n_pairs + 1));
	memset(s.u_listed, 0, (size_t) (t->n_src + 1));
	for (i = 0; i < s.N; i++)
		s.P[i] = zero;
	for (j = 0; j < t->n_snk; j++)
		s.excess[j] = 0;

	/* Greedy start: everybody to the cheapest option. */
	for (i = 0; i < t->n_src; i++)
	{
		int64_t		best = -1;

		unserved[i] = 0;
		for (k = t->off[i]; k < t->off[i + 1]; k++)
		{
			s.pair_src[k] = i;
			flow[k] = 0;
			if (best < 0 || t->cost[k] < t->cost[best] ||
				(t->cost[k] == t->cost[best] && t->snk[k] < t->snk[best]))
				best = k;
		}
		if (best < 0)
		{
			unserved[i] = t->supply[i];
			s.P[i].a = -1;		/* p(i) = -m_i, m_i = (1, 0) */
			continue;
		}
		s.P[i].b = -t->cost[best];
		if (t->supply[i] > 0)
		{
			flow[best] = t->supply[i];
			s.excess[t->snk[best]] += t->supply[i];	/* load for now */
			s.pair_listed[best] = 1;
			if (ilist_push(a, &s.on[t->snk[best]], best) != RM_OK)
				goto done;
		}
	}
	for (j = 0; j < t->n_snk; j++)
	{
		double		load = s.excess[j];

		if (load > t->cap[j])
		{
			s.excess[j] = load - t->cap[j];
			s.spare[j] = 0;
			n_excess++;
		}
		else
		{
			s.excess[j] = 0;
			s.spare[j] = t->cap[j] - load;
		}
	}

	/* Successive shortest paths from the over-full sinks. */
	while (n_excess > 0)
	{
		int			reached = 0;
		lex			dT;
		int32_t		v,
					origin;
		double		delta;

		if (rm_interrupted(intr))
		{
			rc = RM_EINTR;
			goto done;
		}
		for (i = 0; i < s.n_touched; i++)
			s.state[s.touched[i]] = 0;
		s.n_touched = 0;
		s.hlen = 0;
		for (j = 0; j < t->n_snk; j++)
			if (s.excess[j] > 0)
				if (visit(&s, t->n_src + j, zero, zero, P_SOURCE, j) != RM_OK)
					goto done;
		while (s.hlen > 0)
		{
			hitem		it = heap_pop(&s);
			int32_t		u = it.v;
			lex			du = it.d;

			if (s.state[u] == 2 || lex_less(s.dist[u], du))
				continue;
			s.state[u] = 2;
			if (stats)
				stats->settled++;
			if ((++n_settled & 0xfff) == 0 && rm_interrupted(intr))
			{
				rc = RM_EINTR;
				goto done;
			}
			if (u == s.T)
			{
				reached = 1;
				break;
			}
			if (u < t->n_src)
			{
				/* cell: forward to every allowed shelter, and to U */
				lex			cu = {1, 0};

				for (k = t->off[u]; k < t->off[u + 1]; k++)
				{
					lex			c = {0, t->cost[k]};
					int32_t		w = t->n_src + t->snk[k];

					if (visit(&s, w, du, reduced(&s, c, u, w), P_FWD, k) != RM_OK)
						goto done;
				}
				if (visit(&s, s.U, du, reduced(&s, cu, u, s.U), P_CELL_U, u) != RM_OK)
					goto done;
			}
			else if (u < s.U)
			{
				/* shelter: to T if spare, back to cells with flow */
				ilist	   *l;
				int32_t		m,
							w = 0;

				j = u - t->n_src;
				l = &s.on[j];
				if (s.spare[j] > 0)
					if (visit(&s, s.T, du, reduced(&s, zero, u, s.T), P_SH_T, j) != RM_OK)
						goto done;
				for (m = 0; m < l->n; m++)
				{
					int64_t		pk = l->v[m];

					if (flow[pk] > 0)
					{
						lex			c = {0, -t->cost[pk]};
						int32_t		cell = s.pair_src[pk];

						l->v[w++] = pk;
						if (visit(&s, cell, du, reduced(&s, c, u, cell), P_REV, pk) != RM_OK)
							goto done;
					}
					else
						s.pair_listed[pk] = 0;
				}
				l->n = w;
			}
			else if (u == s.U)
			{
				int32_t		m,
							w = 0;
				lex			c = {-1, 0};

				if (visit(&s, s.T, du, reduced(&s, zero, u, s.T), P_U_T, 0) != RM_OK)
					goto done;
				for (m = 0; m < s.ulist.n; m++)
				{
					int32_t		cell = (int32_t) s.ulist.v[m];

					if (unserved[cell] > 0)
					{
						s.ulist.v[w++] = cell;
						if (visit(&s, cell, du, reduced(&s, c, u, cell), P_U_CELL, cell) != RM_OK)
							goto done;
					}
					else
						s.u_listed[cell] = 0;
				}
				s.ulist.n = w;
			}
		}
		if (!reached)
			break;				/* cannot happen: U -> T is unbounded */
		dT = s.dist[s.T];

		/* potentials: p(v) += d(v) - d(T) for settled v */
		for (i = 0; i < s.n_touched; i++)
		{
			v = s.touched[i];
			if (s.state[v] == 2)
			{
				s.P[v].a += s.dist[v].a - dT.a;
				s.P[v].b += s.dist[v].b - dT.b;
			}
		}

		/* bottleneck */
		delta = INFINITY;
		v = s.T;
		origin = -1;
		for (;;)
		{
			int64_t		x = s.pidx[v];

			switch (s.pkind[v])
			{
				case P_SOURCE:
					origin = (int32_t) x;
					if (s.excess[x] < delta)
						delta = s.excess[x];
					break;
				case P_FWD:
					v = s.pair_src[x];
					continue;
				case P_REV:
					if (flow[x] < delta)
						delta = flow[x];
					v = t->n_src + t->snk[x];
					continue;
				case P_CELL_U:
					v = (int32_t) x;
					continue;
				case P_U_CELL:
					if (unserved[x] < delta)
						delta = unserved[x];
					v = s.U;
					continue;
				case P_SH_T:
					if (s.spare[x] < delta)
						delta = s.spare[x];
					v = t->n_src + (int32_t) x;
					continue;
				case P_U_T:
					v = s.U;
					continue;
				default:
					rc = RM_EINVAL;
					goto done;
			}
			break;
		}
		/* apply */
		v = s.T;
		for (;;)
		{
			int64_t		x = s.pidx[v];

			switch (s.pkind[v])
			{
				case P_SOURCE:
					s.excess[x] = snap0(&s, s.excess[x] - delta);
					if (s.excess[x] == 0)
						n_excess--;
					break;
				case P_FWD:
					flow[x] += delta;
					if (!s.pair_listed[x])
					{
						s.pair_listed[x] = 1;
						if (ilist_push(a, &s.on[t->snk[x]], x) != RM_OK)
							goto done;
					}
					v = s.pair_src[x];
					continue;
				case P_REV:
					flow[x] = snap0(&s, flow[x] - delta);
					v = t->n_src + t->snk[x];
					continue;
				case P_CELL_U:
					unserved[x] += delta;
					if (!s.u_listed[x])
					{
						s.u_listed[x] = 1;
						if (ilist_push(a, &s.ulist, x) != RM_OK)
							goto done;
					}
					v = (int32_t) x;
					continue;
				case P_U_CELL:
					unserved[x] = snap0(&s, unserved[x] - delta);
					v = s.U;
					continue;
				case P_SH_T:
					s.spare[x] = snap0(&s, s.spare[x] - delta);
					v = t->n_src + (int32_t) x;
					continue;
				case P_U_T:
					v = s.U;
					continue;
			}
			break;
		}
		(void) origin;
		if (stats)
			stats->augmentations++;
	}
	rc = RM_OK;
done:
	solver_free(&s);
	return rc;
}
