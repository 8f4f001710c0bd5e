/*
 * rm_mincostflow.c — see rm_mincostflow.h.
 *
 * Network (a transshipment problem): cell i has supply s_i; arcs
 * cell i -> shelter j for the allowed pairs (cost c_ij, capacity s_i),
 * shelter j -> T (capacity u_j, cost 0) and cell i -> T "unserved"
 * (capacity unlimited, cost M); T takes everything.
 *
 * Lexicographic objective by an exact big M: M = (min(#cells, #shelters) + 1)
 * * (largest integer cost) + 1. If a min-cost flow served fewer people than
 * possible, the residual network would hold an augmenting path from a cell
 * with unserved people to a shelter with room; it visits each shelter at most
 * once, so its cost is at most min(#cells, #shelters) * max cost < M, and
 * with the reversed unserved arc (-M) it closes a negative cycle: impossible
 * at the optimum. So the optimum of this network serves the most people and,
 * among those flows, has the least cost.
 *
 * Numbers. Costs: seconds become integers at a resolution of 1 µs (coarser
 * only when costs exceed 2^40 µs, about 12.7 days); they are multiplied by
 * (N + 1) and cost scaling ends at eps = 1, which for integer costs is
 * optimal (Goldberg & Tarjan). Prices and reduced costs are 128-bit integers:
 * no overflow. Flows: every supply and capacity is a double, i.e. an integer
 * multiple of 2^e for its lowest set bit e; with E the smallest such e over
 * all of them, flows are 128-bit integer multiples of 2^E. Pushes, excesses
 * and sums are then exact (no rounding at all), and a flow is converted to
 * a double only on output (correctly rounded). This holds when the total
 * in units of 2^E stays below 2^120, i.e. when the people and capacities span
 * less than 2^67 in ratio (e.g. 10^-6 next to 10^12); beyond that supplies are
 * rounded to multiples of total * 2^-120 (documented).
 *
 * Speed: pricing (column generation). Only a few cheapest pairs of each cell
 * are in the network at first; after each optimal solve every other pair's
 * reduced cost c_ij (N+1) + p_i - p_j is checked with the final prices, and
 * pairs below -1 are added (warm start: same flow and prices, cost scaling
 * from the largest violation). When none is below -1 the flow is 1-optimal for
 * the complete network (an absent pair carries no flow, so only its forward
 * residual arc matters), hence optimal: exact, not a heuristic.
 */
#include "rm_mincostflow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * 128-bit integers at 8-byte alignment: the allocators (palloc) align to 8
 * bytes only, and the compiler would otherwise assume 16 (aligned SSE moves).
 */
typedef __int128 i128 __attribute__((aligned(8)));

typedef struct net
{
	const rm_allocator *a;
	int32_t		N,
				T;
	int64_t		m;
	int32_t    *head;
	int64_t    *rev;
	i128	   *res;
	i128	   *cost;
	int64_t    *pk;				/* pair index of a cell's arc, -1 otherwise */
	int64_t    *first;			/* N + 1 */
	int64_t		cap_m;			/* arcs allocated */
	i128	   *excess;
	i128	   *price;
	int64_t    *cur;
	int32_t    *queue;
	uint8_t    *inq;
	/* global price update (buckets) */
	int64_t    *dist;
	int32_t    *bnext,
			   *bprev,
			   *bhead;			/* N + 2 buckets */
	uint8_t    *scanned;
	int64_t		relabels;
} net;

static void
net_free_arcs(net *n)
{
	rm_free(n->a, n->head);
	rm_free(n->a, n->rev);
	rm_free(n->a, n->res);
	rm_free(n->a, n->cost);
	rm_free(n->a, n->pk);
	rm_free(n->a, n->first);
	n->head = NULL;
	n->rev = NULL;
	n->res = NULL;
	n->cost = NULL;
	n->pk = NULL;
	n->first = NULL;
	n->cap_m = 0;
}

/* exchanges the arc arrays of two networks (the spare is reused by build) */
static void
arcs_swap(net *x, net *y)
{
	net			t = *x;

	x->head = y->head, x->rev = y->rev, x->res = y->res, x->cost = y->cost;
	x->pk = y->pk, x->first = y->first, x->cap_m = y->cap_m, x->m = y->m;
	y->head = t.head, y->rev = t.rev, y->res = t.res, y->cost = t.cost;
	y->pk = t.pk, y->first = t.first, y->cap_m = t.cap_m, y->m = t.m;
}

static inline i128
rcost(const net *n, int32_t v, int64_t k)
{
	return n->cost[k] + n->price[v] - n->price[n->head[k]];
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


/* bucket lists of the global update */
static void
bucket_insert(net *n, int64_t b, int32_t v)
{
	n->bprev[v] = -1;
	n->bnext[v] = n->bhead[b];
	if (n->bhead[b] >= 0)
		n->bprev[n->bhead[b]] = v;
	n->bhead[b] = v;
}

static void
bucket_remove(net *n, int64_t b, int32_t v)
{
	if (n->bprev[v] >= 0)
		n->bnext[n->bprev[v]] = n->bnext[v];
	else
		n->bhead[b] = n->bnext[v];
	if (n->bnext[v] >= 0)
		n->bprev[n->bnext[v]] = n->bprev[v];
}

/*
 * Global price update (Goldberg 1997, CS2): d(v) = the least number of eps
 * steps by which v's price must fall for an admissible path from v to a
 * node with a deficit: a Dial search backwards from the deficits over
 * residual arcs of length max(0, floor(rc / eps) + 1), buckets up to N.
 * Then p(v) -= eps d(v) (unreached nodes and those beyond N: eps (N + 1)).
 * For every residual arc (v, w), d(v) <= d(w) + length, so the new reduced
 * cost is >= -eps: eps-optimality is kept, only the search is helped.
 */
static void
global_update(net *n, i128 eps)
{
	int32_t		v,
				N = n->N;
	int64_t		b,
				L = N;
	int64_t		remaining = 0;

	for (b = 0; b <= L + 1; b++)
		n->bhead[b] = -1;
	for (v = 0; v < N; v++)
	{
		n->scanned[v] = 0;
		n->dist[v] = L + 1;
		if (n->excess[v] < 0)
		{
			n->dist[v] = 0;
			bucket_insert(n, 0, v);
		}
		else if (n->excess[v] > 0)
			remaining++;
	}
	for (b = 0; b <= L; b++)
	{
		if (remaining == 0)
			break;
		while (n->bhead[b] >= 0)
		{
			int32_t		w = n->bhead[b];
			int64_t		k;

			bucket_remove(n, b, w);
			n->scanned[w] = 1;
			if (n->excess[w] > 0 && --remaining == 0)
				break;
			/* arcs v -> w that are residual: reverse arcs of w's arcs */
			for (k = n->first[w]; k < n->first[w + 1]; k++)
			{
				int64_t		r = n->rev[k];
				int32_t		u = n->head[k];
				i128		rc;
				int64_t		len,
							nd;

				if (n->scanned[u] || n->res[r] <= 0)
					continue;
				rc = n->cost[r] + n->price[u] - n->price[w];
				if (rc < 0)
					len = 0;
				else
				{
					i128		q = rc / eps + 1;

					len = q > L ? L + 1 : (int64_t) q;
				}
				nd = b + len;
				if (nd < n->dist[u])
				{
					if (n->dist[u] <= L)
						bucket_remove(n, n->dist[u], u);
					n->dist[u] = nd;
					if (nd <= L)
						bucket_insert(n, nd, u);
				}
			}
		}
		if (remaining == 0)
			break;
	}
	{
		/*
		 * Stopped in bucket b (or b = L + 1): every node not scanned has a
		 * tentative d >= b; it gets min(tentative, b), which keeps
		 * d(v) <= d(w) + length on every residual arc.
		 */
		int64_t		D = b;

		for (v = 0; v < N; v++)
		{
			int64_t		d = n->scanned[v] ? n->dist[v] : (n->dist[v] < D ? n->dist[v] : D);

			n->price[v] -= eps * (i128) d;
		}
	}
}

/* Goldberg-Tarjan refine: any flow and prices in, eps-optimal flow out. */
static int
refine(net *n, i128 eps, const rm_interrupt *intr)
{
	int32_t		v,
				qh = 0,
				qt = 0;
	int64_t		qlen = 0,
				ops = 0;

	for (v = 0; v < n->N; v++)
	{
		int64_t		k;

		for (k = n->first[v]; k < n->first[v + 1]; k++)
			if (n->res[k] > 0 && rcost(n, v, k) < 0)
			{
				i128		d = n->res[k];

				n->res[k] = 0;
				n->res[n->rev[k]] += d;
				n->excess[v] -= d;
				n->excess[n->head[k]] += d;
			}
		n->inq[v] = 0;
	}
	global_update(n, eps);
	n->relabels = 0;
	for (v = 0; v < n->N; v++)
	{
		n->cur[v] = n->first[v];
		if (n->excess[v] > 0)
			enqueue(n, v, &qt, &qlen);
	}
	while (qlen > 0)
	{
		v = n->queue[qh];
		qh = (qh + 1 == n->N) ? 0 : qh + 1;
		qlen--;
		n->inq[v] = 0;
		if ((++ops & 0xfff) == 0 && rm_interrupted(intr))
			return RM_EINTERRUPTED;
		while (n->excess[v] > 0)
		{
			int64_t		k = n->cur[v],
						end = n->first[v + 1];

			for (; k < end; k++)
				if (n->res[k] > 0 && rcost(n, v, k) < 0)
					break;
			n->cur[v] = k;
			if (k < end)
			{
				int32_t		w = n->head[k];
				i128		d = n->excess[v] < n->res[k] ? n->excess[v] : n->res[k];

				n->res[k] -= d;
				n->res[n->rev[k]] += d;
				n->excess[v] -= d;
				n->excess[w] += d;
				if (n->excess[w] > 0)
					enqueue(n, w, &qt, &qlen);
			}
			else
			{
				i128		best = 0;
				int			found = 0;
				int64_t		j;

				for (j = n->first[v]; j < end; j++)
					if (n->res[j] > 0)
					{
						i128		cand = n->price[n->head[j]] - n->cost[j];

						if (!found || cand > best)
							best = cand, found = 1;
					}
				if (!found)
					return RM_EINVAL;	/* cannot happen: a cell's unserved arc is unlimited */
				n->price[v] = best - eps;
				n->cur[v] = n->first[v];
				if (++n->relabels >= (int64_t) n->N * RM_TRANSPORT_UPDATE)
				{
					global_update(n, eps);
					n->relabels = 0;
					for (j = 0; j < n->N; j++)
						n->cur[j] = n->first[j];
				}
			}
		}
	}
	return RM_OK;
}

/* lowest set bit exponent of a finite positive double */
static int
low_exp(double x)
{
	int			e;
	double		m = frexp(x, &e);	/* x = m 2^e, 0.5 <= m < 1 */
	uint64_t	bits = (uint64_t) ldexp(m, 53);	/* exact: 53-bit integer */

	e -= 53;
	while (bits && (bits & 1) == 0)
		bits >>= 1, e++;
	return e;
}

static i128
to_units(double x, int E)
{
	/* x / 2^E, rounded to nearest (exact when E <= low_exp(x)) */
	double		hi = ldexp(x, -E);

	if (hi < 9.0e15)
		return (i128) llround(hi);
	{
		/* split: hi = q 2^60 + r */
		double		q = floor(ldexp(hi, -60));
		double		r = hi - ldexp(q, 60);

		return ((i128) (int64_t) q << 60) + (i128) llround(r);
	}
}

static double
from_units(i128 u, int E)
{
	return ldexp((double) u, E);
}

typedef struct pair_order
{
	int64_t		k;
	double		c;
} pair_order;

static int
cmp_order(const void *x, const void *y)
{
	const pair_order *a = x,
			   *b = y;

	if (a->c != b->c)
		return a->c < b->c ? -1 : 1;
	return (a->k > b->k) - (a->k < b->k);
}

/*
 * Builds the network of the active pairs; flows of the previous network (if
 * any) carried over. prev may be NULL.
 */
static int
build(net *n, const rm_transport *t, const uint8_t *active, int64_t n_active, const i128 *su,
	  const i128 *cu, const int64_t *ci, i128 mult, i128 M, i128 total, net *prev)
{
	const rm_allocator *a = n->a;
	int32_t		i,
				j,
				N = n->N,
				T = n->T,
				ns = t->n_src;
	int64_t		k,
				m,
			   *fill;

	m = 2 * (n_active + ns + t->n_snk);
	n->m = m;
	if (!n->head || n->cap_m < m)
	{
		int64_t		cm = m + m / 4 + 16;

		net_free_arcs(n);
		n->head = rm_alloc(a, sizeof(int32_t) * (size_t) cm);
		n->rev = rm_alloc(a, sizeof(int64_t) * (size_t) cm);
		n->res = rm_alloc(a, sizeof(i128) * (size_t) cm);
		n->cost = rm_alloc(a, sizeof(i128) * (size_t) cm);
		n->pk = rm_alloc(a, sizeof(int64_t) * (size_t) cm);
		n->first = rm_alloc(a, sizeof(int64_t) * (size_t) (N + 2));
		n->cap_m = cm;
		n->m = m;
	}
	fill = rm_alloc(a, sizeof(int64_t) * (size_t) (N + 1));
	if (!n->head || !n->rev || !n->res || !n->cost || !n->pk || !n->first || !fill)
	{
		rm_free(a, fill);
		return RM_ENOMEM;
	}
	memset(n->first, 0, sizeof(int64_t) * (size_t) (N + 2));
	for (i = 0; i < ns; i++)
	{
		n->first[i + 1]++;		/* unserved */
		n->first[T + 1]++;
		for (k = t->off[i]; k < t->off[i + 1]; k++)
			if (active[k])
			{
				n->first[i + 1]++;
				n->first[ns + t->snk[k] + 1]++;
			}
	}
	for (j = 0; j < t->n_snk; j++)
	{
		n->first[ns + j + 1]++;
		n->first[T + 1]++;
	}
	for (i = 0; i < N; i++)
		n->first[i + 1] += n->first[i];
	for (i = 0; i < N; i++)
		fill[i] = n->first[i];

#define ADD_ARC(u, v, cap, c, p, flow) do { \
		int64_t _x = fill[u]++, _y = fill[v]++; \
		n->head[_x] = (v); n->rev[_x] = _y; n->res[_x] = (cap) - (flow); n->cost[_x] = (c); n->pk[_x] = (p); \
		n->head[_y] = (u); n->rev[_y] = _x; n->res[_y] = (flow); n->cost[_y] = -(c); n->pk[_y] = -1; \
	} while (0)

	for (i = 0; i < ns; i++)
	{
		int64_t		pa = 0,
					pe = 0;
		i128		fu = 0;

		if (prev)
		{
			/* cell i's arcs in prev: pairs in ascending k, then the unserved arc */
			pa = prev->first[i];
			pe = prev->first[i + 1];
		}
		for (k = t->off[i]; k < t->off[i + 1]; k++)
			if (active[k])
			{
				i128		f = 0;

				while (pa < pe && prev->pk[pa] >= 0 && prev->pk[pa] < k)
					pa++;
				if (pa < pe && prev->pk[pa] == k)
					f = prev->res[prev->rev[pa]];
				ADD_ARC(i, ns + t->snk[k], su[i], (i128) ci[k] * mult, k, f);
			}
		if (prev)
		{
			int64_t		x;

			for (x = prev->first[i]; x < prev->first[i + 1]; x++)
				if (prev->pk[x] < 0 && prev->head[x] == prev->T)
					fu = prev->res[prev->rev[x]];
		}
		ADD_ARC(i, T, total, M * mult, (int64_t) -1, fu);
	}
	for (j = 0; j < t->n_snk; j++)
	{
		i128		f = 0;

		if (prev)
		{
			int64_t		x;

			for (x = prev->first[ns + j]; x < prev->first[ns + j + 1]; x++)
				if (prev->head[x] == prev->T)
					f = prev->res[prev->rev[x]];
		}
		ADD_ARC(ns + j, T, cu[j], 0, (int64_t) -1, f);
	}
#undef ADD_ARC
	rm_free(a, fill);
	return RM_OK;
}

int
rm_transport_solve(const rm_transport *t, const rm_allocator *a,
				   const rm_interrupt *intr, double *flow, double *unserved,
				   rm_transport_stats *stats)
{
	net			n,
				old;
	int32_t		i,
				j,
				ns = t->n_src;
	int64_t		k,
				n_pairs,
				passes = 0,
				rounds = 0;
	int64_t    *ci = NULL;
	uint8_t    *active = NULL;
	i128	   *su = NULL,
			   *cu = NULL;
	pair_order *po = NULL;
	int32_t    *ord = NULL;
	int64_t		n_active = 0;
	i128		pmax;
	double		maxc = 0,
				scale,
				dtotal = 0;
	int64_t		maxci = 0;
	i128		total = 0,
				mult,
				M,
				eps;
	int			E = INT32_MAX,
				rc = RM_ENOMEM;

	if (stats)
		memset(stats, 0, sizeof *stats);
	if (ns < 0 || t->n_snk < 0 || ns > INT32_MAX / 2 - t->n_snk - 2)
		return RM_EINVAL;
	for (i = 0; i < ns; i++)
	{
		if (!(t->supply[i] >= 0) || !isfinite(t->supply[i]) || t->off[i + 1] < t->off[i])
			return RM_EINVAL;
		dtotal += t->supply[i];
		if (t->supply[i] > 0)
		{
			int			e = low_exp(t->supply[i]);

			if (e < E)
				E = e;
		}
	}
	if (!isfinite(dtotal))
		return RM_EINVAL;
	n_pairs = t->off[ns];
	for (j = 0; j < t->n_snk; j++)
	{
		if (!(t->cap[j] >= 0))
			return RM_EINVAL;
		/* a capacity of at least the total supply is the same as unlimited */
		if (t->cap[j] > 0 && t->cap[j] < dtotal)
		{
			int			e = low_exp(t->cap[j]);

			if (e < E)
				E = e;
		}
	}
	for (k = 0; k < n_pairs; k++)
	{
		if (t->snk[k] < 0 || t->snk[k] >= t->n_snk || !(t->cost[k] >= 0) || !isfinite(t->cost[k]))
			return RM_EINVAL;
		if (t->cost[k] > maxc)
			maxc = t->cost[k];
	}
	if (E == INT32_MAX)
		E = 0;
	/* the total in units must stay below 2^120: else coarser units (rounded) */
	if (dtotal > 0)
	{
		int			et;

		frexp(dtotal * 1.001, &et);	/* dtotal < 2^et */
		if (et - E > 118)
			E = et - 118;
	}

	memset(&n, 0, sizeof n);
	memset(&old, 0, sizeof old);
	n.a = old.a = a;
	n.T = ns + t->n_snk;
	n.N = n.T + 1;
	old.T = n.T;
	old.N = n.N;
	su = rm_alloc(a, sizeof(i128) * (size_t) (ns + 1));
	cu = rm_alloc(a, sizeof(i128) * (size_t) (t->n_snk + 1));
	ci = rm_alloc(a, sizeof(int64_t) * (size_t) (n_pairs + 1));
	active = rm_alloc(a, (size_t) (n_pairs + 1));
	ord = rm_alloc(a, sizeof(int32_t) * (size_t) (n_pairs + 1));
	n.excess = rm_alloc(a, sizeof(i128) * (size_t) n.N);
	n.price = rm_alloc(a, sizeof(i128) * (size_t) n.N);
	n.cur = rm_alloc(a, sizeof(int64_t) * (size_t) n.N);
	n.queue = rm_alloc(a, sizeof(int32_t) * (size_t) n.N);
	n.inq = rm_alloc(a, (size_t) n.N);
	n.dist = rm_alloc(a, sizeof(int64_t) * (size_t) n.N);
	n.bnext = rm_alloc(a, sizeof(int32_t) * (size_t) n.N);
	n.bprev = rm_alloc(a, sizeof(int32_t) * (size_t) n.N);
	n.bhead = rm_alloc(a, sizeof(int32_t) * (size_t) (n.N + 2));
	n.scanned = rm_alloc(a, (size_t) n.N);
	if (!n.dist || !n.bnext || !n.bprev || !n.bhead || !n.scanned)
		goto done;
	if (!su || !cu || !ci || !active || !ord || !n.excess || !n.price || !n.cur || !n.queue || !n.inq)
		goto done;
	for (i = 0; i < ns; i++)
	{
		su[i] = to_units(t->supply[i], E);
		total += su[i];
	}
	for (j = 0; j < t->n_snk; j++)
		cu[j] = t->cap[j] < dtotal ? to_units(t->cap[j], E) : total;

	/* integer costs at 1 µs, coarser only beyond 2^40 µs */
	scale = 1e6;
	{
		/* prices stay below about 8 N eps_0 = 8 N (N + 1) M: keep that below 2^124 */
		double		nn = (double) n.N + 1,
					lim = ldexp(1.0, 121) / (((ns < t->n_snk ? ns : t->n_snk) + 2.0) * nn * nn);

		if (lim > ldexp(1.0, 40))
			lim = ldexp(1.0, 40);
		if (maxc * scale > lim)
			scale = lim / maxc;
	}
	for (k = 0; k < n_pairs; k++)
	{
		ci[k] = (int64_t) llround(t->cost[k] * scale);
		if (ci[k] > maxci)
			maxci = ci[k];
	}
	mult = (i128) n.N + 1;
	M = (i128) ((ns < t->n_snk ? ns : t->n_snk) + 1) * maxci + 1;

	/*
	 * Each cell's pairs by cost (ord: offsets within the cell); the first
	 * RM_TRANSPORT_FIRST of them form the first network.
	 */
	memset(active, 0, (size_t) (n_pairs + 1));
	{
		int64_t		maxdeg = 0;

		for (i = 0; i < ns; i++)
			if (t->off[i + 1] - t->off[i] > maxdeg)
				maxdeg = t->off[i + 1] - t->off[i];
		po = rm_alloc(a, sizeof(pair_order) * (size_t) (maxdeg + 1));
		if (!po)
			goto done;
		for (i = 0; i < ns; i++)
		{
			int64_t		deg = t->off[i + 1] - t->off[i],
						x;

			if ((i & 0xfff) == 0 && rm_interrupted(intr))
			{
				rc = RM_EINTERRUPTED;
				goto done;
			}
			for (x = 0; x < deg; x++)
			{
				po[x].k = t->off[i] + x;
				po[x].c = t->cost[t->off[i] + x];
			}
			if (deg > 1)
				qsort(po, (size_t) deg, sizeof(pair_order), cmp_order);
			for (x = 0; x < deg; x++)
			{
				ord[t->off[i] + x] = (int32_t) (po[x].k - t->off[i]);
				if (x < RM_TRANSPORT_FIRST)
				{
					active[po[x].k] = 1;
					n_active++;
				}
			}
		}
		rm_free(a, po);
		po = NULL;
	}
	if (stats)
		stats->settled = n_active;
	for (i = 0; i < n.N; i++)
	{
		n.price[i] = 0;
		n.excess[i] = i < ns ? su[i] : 0;
	}
	n.excess[n.T] = -total;
	if ((rc = build(&n, t, active, n_active, su, cu, ci, mult, M, total, NULL)) != RM_OK)
		goto done;
	/*
	 * Cost scaling with pricing at every level: after refine(eps), absent
	 * pairs whose reduced cost is below -eps enter and refine(eps) runs
	 * again; at eps = 1 with no pair below -1 the flow is optimal for all
	 * pairs.
	 */
	/* any start is correct; the real costs' scale beats M's (fewer passes) */
	eps = (i128) (maxci > 0 ? maxci : 1) * mult;
	for (;;)
	{
		int64_t		added = 0;

		if ((rc = refine(&n, eps, intr)) != RM_OK)
			goto done;
		passes++;
		pmax = n.price[ns];
		for (j = 1; j < t->n_snk; j++)
			if (n.price[ns + j] > pmax)
				pmax = n.price[ns + j];
		for (i = 0; i < ns; i++)
		{
			int64_t		x;

			if ((i & 0xfff) == 0 && rm_interrupted(intr))
			{
				rc = RM_EINTERRUPTED;
				goto done;
			}
			if (su[i] == 0)
				continue;
			/* by cost: once c (N+1) + p_i - max p_j >= -eps, no later pair can be below */
			for (x = t->off[i]; x < t->off[i + 1]; x++)
			{
				k = t->off[i] + ord[x];
				if ((i128) ci[k] * mult + n.price[i] - pmax >= -eps)
					break;
				if (!active[k] &&
					(i128) ci[k] * mult + n.price[i] - n.price[ns + t->snk[k]] < -eps)
				{
					active[k] = 1;
					added++;
				}
			}
		}
		if (added > 0)
		{
			rounds++;
			if (stats)
				stats->settled += added;
			n_active += added;
			arcs_swap(&n, &old);	/* old: this network; n: the spare arrays */
			rc = build(&n, t, active, n_active, su, cu, ci, mult, M, total, &old);
			if (rc != RM_OK)
				goto done;
			continue;
		}
		if (eps == 1)
			break;
		eps = eps / RM_TRANSPORT_ALPHA > 1 ? eps / RM_TRANSPORT_ALPHA : 1;
	}

	/* flows out: exact units, converted once */
	for (i = 0; i < ns; i++)
	{
		int64_t		x;
		i128		sent = 0;

		for (k = t->off[i]; k < t->off[i + 1]; k++)
			flow[k] = 0;
		for (x = n.first[i]; x < n.first[i + 1]; x++)
			if (n.pk[x] >= 0)
			{
				i128		f = n.res[n.rev[x]];

				flow[n.pk[x]] = from_units(f, E);
				sent += f;
			}
		unserved[i] = from_units(su[i] - sent, E);
	}
	if (stats)
	{
		stats->augmentations = passes;
		stats->rounds = rounds;
	}
	rc = RM_OK;
done:
	rm_free(a, su);
	rm_free(a, cu);
	rm_free(a, ci);
	rm_free(a, active);
	rm_free(a, ord);
	rm_free(a, po);
	net_free_arcs(&n);
	net_free_arcs(&old);
	rm_free(a, n.excess);
	rm_free(a, n.price);
	rm_free(a, n.cur);
	rm_free(a, n.queue);
	rm_free(a, n.inq);
	rm_free(a, n.dist);
	rm_free(a, n.bnext);
	rm_free(a, n.bprev);
	rm_free(a, n.bhead);
	rm_free(a, n.scanned);
	return rc;
}
