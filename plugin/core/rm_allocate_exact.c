/*
 * rm_allocate_exact.c — depth-first branch and bound with bounds, and the cheap
 * upper bound of the optimum.
 * See rm_allocate_internal.h and rm_allocate.h.
 */
#define _GNU_SOURCE /* qsort_r */
#include "rm_allocate_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Exact branch and bound. */

static void bb_slot(actx *c, int s, int min_first, int must_empty);

/* Kuhn's augmenting path for slot t over the free sources. */
static int
mt_try(actx *c, int t)
{
	for (int i = 0; i < c->n_spool[t]; i++)
	{
		int x = c->spool[t][i];

		if (c->slot_of[x] != -1 || c->mt_mark[x] == c->mt_stamp)
			continue;
		c->mt_mark[x] = c->mt_stamp;
		if (c->mt_src[x] == -1 || mt_try(c, c->mt_src[x]))
		{
			c->mt_src[x] = t;
			return 1;
		}
	}
	return 0;
}

/* How many of the slots s.. can still get a group: a maximum matching of
 * slots to distinct free sources of their pools. */
static int
match_bound(actx *c, int s)
{
	int m = 0;

	for (int t = s; t < c->S; t++)
		for (int i = 0; i < c->n_spool[t]; i++)
			c->mt_src[c->spool[t][i]] = -1;
	for (int t = s; t < c->S; t++)
	{
		c->mt_stamp++;
		m += mt_try(c, t);
	}
	return m;
}

/* The most m special groups of slot s's pool can weigh together: each is
 * one category's next K free sources, so it is the sum of the m heaviest
 * blocks of K consecutive free sources of a category (blocks of one
 * category get lighter, so the m heaviest respect their order). */
static int
cmp_double_desc(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x < y) - (x > y);
}

static double
special_run_bound(actx *c, int s, int m)
{
	const rm_alloc_problem *p = c->p;
	int *sp = c->spool[s], n = c->n_spool[s], K = c->K, nt = 0, nb = 0;
	double *blocks = c->cand_pre; /* n + 2 doubles of scratch */
	double total = 0;

	for (int i = 0; i < n; i++)
	{
		int x = sp[i], k = p->category[x];

		if (c->slot_of[x] != -1)
			continue;
		if (c->cat_cnt[k] == 0)
		{
			c->touched[nt++] = k;
			c->cat_sum[k] = 0;
			c->cat_first[k] = 0; /* blocks done */
		}
		if (c->cat_first[k] >= m)
			continue;
		c->cat_sum[k] += p->weight[x];
		if (++c->cat_cnt[k] % K == 0)
		{
			blocks[nb++] = c->cat_sum[k];
			c->cat_sum[k] = 0;
			c->cat_first[k]++;
		}
	}
	for (int t = 0; t < nt; t++)
	{
		int k = c->touched[t];

		if (c->cat_first[k] < m && c->cat_cnt[k] % K != 0)
			blocks[nb++] = c->cat_sum[k];
		c->cat_cnt[k] = 0;
	}
	qsort(blocks, nb, sizeof(double), cmp_double_desc);
	for (int i = 0; i < nb && i < m; i++)
		total += blocks[i];
	return total;
}

/* Bound on what slots s.. can still add (given the sources taken now). */
static val_t
rest_bound(actx *c, int s)
{
	const rm_alloc_problem *p = c->p;
	val_t b = {0, 0};

	/* runs of slots sharing one pool: together at most m*K of its free
	 * sources, the heaviest ones at best */
	for (int t = s; t < c->S;)
	{
		int u = t, k = 0, m;

		while (u < c->S && c->spool[u] == c->spool[t])
			u++;
		double topmk = 0, topk = 0, best_sum = 0;
		int ncls[2] = {0, 0};

		m = u - t;
		for (int i = 0; i < c->n_spool[t] && k < m * c->K; i++)
		{
			int x = c->spool[t][i];

			if (c->slot_of[x] == -1)
			{
				topmk += p->weight[x];
				if (k < c->K)
					topk += p->weight[x];
				k++;
			}
		}
		/* each slot's best group alone (exact unless the clique search was
		 * capped), once per class of the run */
		for (int v = t; v < u; v++)
			ncls[p->slots[v].cls]++;
		for (int cls = 0; cls < 2; cls++)
		{
			double w;
			int v = t;

			if (ncls[cls] == 0)
				continue;
			while (p->slots[v].cls != cls)
				v++;
			if (cls == RM_ALLOC_SPECIAL && ncls[cls] > 1)
			{
				best_sum += special_run_bound(c, v, ncls[cls]);
				continue;
			}
			c->capped = 0;
			w = ra_best_group(c, v);
			if (c->capped)
				w = topk;
			best_sum += w * ncls[cls];
		}
		b.w += best_sum < topmk ? best_sum : topmk;
		b.f += k < m ? k : m;
		t = u;
	}
	if (p->n_sources <= 5000)
	{
		double avail = 0;

		for (int i = 0; i < p->n_sources; i++)
			if (c->slot_of[i] == -1 && p->weight[i] > 0)
				avail += p->weight[i];
		if (avail < b.w)
			b.w = avail;
	}
	/* the matching costs up to S x pools: only on small instances */
	if (b.f > 0 && c->pool_total * (long) c->S <= 2000000L)
	{
		int m = match_bound(c, s);

		if (m < b.f)
			b.f = m;
	}
	return b;
}

/* ext[q] (q >= q0) bounds the weight that at most K-k-1 further members
 * after position q can add to the group of slot s once sp[q] joins it.
 * Returns 0 when the pool is too large for it. */
static int
tight_ext(actx *c, int s, int q0, int k, int gcat, double *ext)
{
	const rm_alloc_problem *p = c->p;
	int *sp = c->spool[s], m = c->n_spool[s], K = c->K, r = K - k - 1;
	const rm_alloc_slot *sl = &p->slots[s];

	if (!c->tight || m > RM_TIGHT_MAX)
		return 0;
	if (r <= 0)
	{
		for (int q = q0; q < m; q++)
			ext[q] = 0;
		return 1;
	}
	if (k == 0 && sl->cls == RM_ALLOC_SPECIAL)
	{
		/* backwards: per category, the nearest r free sources after q */
		int nt = 0;

		for (int q = m - 1; q >= q0; q--)
		{
			int x = sp[q], cat = p->category[x];

			if (c->slot_of[x] != -1)
				continue;
			if (c->ring_n[cat] < 0)
			{
				c->ring_n[cat] = 0;
				c->ring_head[cat] = 0;
				c->ring_sum[cat] = 0;
				c->touched[nt++] = cat;
			}
			ext[q] = c->ring_sum[cat];
			/* push x; drop the farthest when more than r */
			if (c->ring_n[cat] == r)
			{
				c->ring_sum[cat] -= c->ring[(size_t) cat * K + c->ring_head[cat]];
				c->ring_head[cat] = (c->ring_head[cat] + 1) % r;
				c->ring_n[cat]--;
			}
			c->ring[(size_t) cat * K + (c->ring_head[cat] + c->ring_n[cat]) % r] = p->weight[x];
			c->ring_n[cat]++;
			c->ring_sum[cat] += p->weight[x];
		}
		for (int t = 0; t < nt; t++)
			c->ring_n[c->touched[t]] = -1;
		return 1;
	}
	if (k == 0)
	{
		/* comprehensive: the r heaviest free neighbours after q */
		int best[RM_TIGHT_MAX_K];

		for (int q = 0; q < m; q++)
			c->pos[sp[q]] = q;
		for (int q = q0; q < m; q++)
		{
			int x = sp[q], nb = 0;

			if (c->slot_of[x] != -1)
				continue;
			for (int e = p->near_start[x]; e < p->near_start[x + 1]; e++)
			{
				int y = p->near[e], py = c->pos[y], i;

				if (py <= q || c->slot_of[y] != -1)
					continue;
				if (nb == r && py >= best[nb - 1])
					continue;
				i = nb < r ? nb++ : nb - 1;
				while (i > 0 && best[i - 1] > py)
				{
					best[i] = best[i - 1];
					i--;
				}
				best[i] = py;
			}
			ext[q] = 0;
			for (int i = 0; i < nb; i++)
				ext[q] += p->weight[sp[best[i]]];
		}
		for (int q = 0; q < m; q++)
			c->pos[sp[q]] = -1;
		return 1;
	}
	/* k >= 1: the compatible free sources after q0, in order */
	{
		int nl = 0;

		for (int q = q0; q < m; q++)
		{
			int x = sp[q], ok = 1;

			if (c->slot_of[x] != -1)
				continue;
			if (sl->cls == RM_ALLOC_SPECIAL)
				ok = p->category[x] == gcat;
			else
				for (int j = 0; j < k && ok; j++)
					ok = ra_is_near(p, c->g[s * K + j], x);
			if (ok)
				c->lst[nl++] = q;
		}
		for (int j = 0; j < nl; j++)
		{
			double e = 0;

			for (int i = j + 1; i < nl && i <= j + r; i++)
				e += p->weight[sp[c->lst[i]]];
			ext[c->lst[j]] = e;
		}
		return 1;
	}
}

static void
bb_group(actx *c, int s, int q0, int k, int gcat, double gw, val_t rest)
{
	const rm_alloc_problem *p = c->p;
	const rm_alloc_slot *sl = &p->slots[s];
	int *sp = c->spool[s], m = c->n_spool[s], K = c->K;

	if (c->aborted || c->stop)
		return;
	if (++c->depth > RM_BB_MAX_DEPTH)
	{
		c->aborted = 1;
		c->depth--;
		return;
	}
	if (k < K)
	{
		double *ext = c->ext && c->depth < RM_TIGHT_MAX_DEPTH ? c->ext + (size_t) c->depth * RM_TIGHT_MAX : NULL;
		int tight = ext && tight_ext(c, s, q0 < 0 ? 0 : q0, k, gcat, ext);

		for (int q = q0; q < m; q++)
		{
			int x = sp[q], ok = 1;
			val_t ub;

			if (c->slot_of[x] != -1)
				continue;
			ub.f = c->cur.f + 1 + rest.f;
			ub.w = c->cur.w + gw + p->weight[x] * (K - k) + rest.w;
			if (!val_better(ub, c->inc))
				break;
			if (sl->cls == RM_ALLOC_SPECIAL && k > 0 && p->category[x] != gcat)
				continue;
			if (sl->cls == RM_ALLOC_COMPREHENSIVE)
				for (int j = 0; j < k && ok; j++)
					ok = ra_is_near(p, c->g[s * K + j], x);
			if (!ok)
				continue;
			if (tight)
			{
				ub.w = c->cur.w + gw + p->weight[x] + ext[q] + rest.w;
				if (!val_better(ub, c->inc))
					continue;
			}
			c->g[s * K + k] = x;
			c->gn[s] = k + 1;
			c->slot_of[x] = s;
			bb_group(c, s, q + 1, k + 1, k == 0 ? p->category[x] : gcat, gw + p->weight[x], rest);
			c->slot_of[x] = -1;
			c->gn[s] = k;
			if (c->aborted || c->stop)
			{
				c->depth--;
				return;
			}
		}
	}
	if (k > 0)
	{
		int first = -1;

		for (int q = 0; q < m; q++)
			if (sp[q] == c->g[s * K])
			{
				first = q;
				break;
			}
		c->cur.f++;
		c->cur.w += gw;
		c->gn[s] = k;
		bb_slot(c, s + 1, first + 1, 0);
		c->cur.f--;
		c->cur.w -= gw;
	}
	c->depth--;
}

static void
bb_slot(actx *c, int s, int min_first, int must_empty)
{
	val_t rest, ub;

	if (c->aborted || ra_poll_stop(c))
		return;
	if (c->node_limit > 0 && c->nodes >= c->node_limit)
	{
		c->aborted = 1;
		return;
	}
	c->nodes++;
	if (s == c->S)
	{
		if (val_better(c->cur, c->inc))
		{
			c->inc = c->cur;
			memcpy(c->inc_slot_of, c->slot_of, c->p->n_sources * sizeof(int));
		}
		return;
	}
	if (!c->same_prev[s])
	{
		min_first = 0;
		must_empty = 0;
	}
	ub = rest_bound(c, s);
	ub.f += c->cur.f;
	ub.w += c->cur.w;
	if (!val_better(ub, c->inc))
		return;
	c->gn[s] = 0;
	if (!must_empty)
	{
		rest = rest_bound(c, s + 1);
		bb_group(c, s, min_first, 0, -1, 0, rest);
	}
	/* the empty group: later identical slots must stay empty too */
	c->gn[s] = 0;
	bb_slot(c, s + 1, 0, 1);
}

int
rm_alloc_exact(const rm_alloc_problem *p, rm_alloc_solution *sol, long node_limit)
{
	actx c;
	char err[8];
	int rc = ra_ctx_init(&c, p);

	if (rc != RM_OK)
		return rc;
	/* The incumbent: what sol holds, if it is valid. */
	if (rm_alloc_check(p, sol, err, sizeof(err)))
	{
		c.inc.f = sol->filled;
		c.inc.w = sol->score;
		memcpy(c.inc_slot_of, sol->slot_of, p->n_sources * sizeof(int));
	}
	else
	{
		c.inc.f = -1;
		c.inc.w = -1;
		for (int i = 0; i < p->n_sources; i++)
			c.inc_slot_of[i] = -1;
	}
	c.node_limit = node_limit;
	if (c.K <= RM_TIGHT_MAX_K && (size_t) p->n_categories * c.K <= 1000000)
	{
		int nc = p->n_categories > 0 ? p->n_categories : 1;

		c.ext = malloc((size_t) RM_TIGHT_MAX_DEPTH * RM_TIGHT_MAX * sizeof(double));
		c.lst = malloc(RM_TIGHT_MAX * sizeof(int));
		c.ring = malloc((size_t) nc * c.K * sizeof(double));
		c.ring_n = malloc(nc * sizeof(int));
		c.ring_head = calloc(nc, sizeof(int));
		c.ring_sum = calloc(nc, sizeof(double));
		if (c.ext && c.lst && c.ring && c.ring_n && c.ring_head && c.ring_sum)
		{
			for (int i = 0; i < nc; i++)
				c.ring_n[i] = -1;
			c.tight = 1;
		}
		else
		{
			free(c.ext);
			c.ext = NULL;
		}
	}
	bb_slot(&c, 0, 0, 0);
	rc = ra_status_of(&c);
	if (rc == RM_OK)
	{
		memcpy(sol->slot_of, c.inc_slot_of, p->n_sources * sizeof(int));
		if (c.inc.f < 0)
			for (int i = 0; i < p->n_sources; i++)
				sol->slot_of[i] = -1;
		sol->filled = c.inc.f < 0 ? 0 : c.inc.f;
		sol->score = c.inc.w < 0 ? 0 : c.inc.w;
		sol->optimal = !c.aborted;
		sol->nodes = c.nodes;
	}
	ra_ctx_free(&c);
	return rc;
}

/* Transversal bound: the heaviest set of free sources that the slots T can
 * hold, each slot at most K of its pool, ignoring categories and the 10 km
 * rule (a matroid, so ra_greedy by weight with augmenting paths is exact).
 * Returns -1 when out of memory. */
static double
transversal_bound(actx *c, const int *T, int nT)
{
	const rm_alloc_problem *p = c->p;
	int n = p->n_sources, K = c->K, cap = nT * K, used = 0, ncand = 0;
	int *owner = malloc((n + 1) * sizeof(int));
	int *cand = malloc((n + 1) * sizeof(int));
	int *mem = malloc(((size_t) cap + 1) * sizeof(int)); /* members: T index * K + j */
	int *cnt = calloc(nT + 1, sizeof(int));
	int *par = malloc((nT + 1) * sizeof(int));
	int *psrc = malloc((nT + 1) * sizeof(int));
	int *queue = malloc((nT + 1) * sizeof(int));
	double total = 0;

	if (!owner || !cand || !mem || !cnt || !par || !psrc || !queue)
	{
		total = -1;
		goto out;
	}
	for (int i = 0; i < n; i++)
		owner[i] = -2; /* not a candidate */
	for (int a = 0; a < nT; a++)
		for (int i = 0; i < c->n_spool[T[a]]; i++)
		{
			int x = c->spool[T[a]][i];

			if (owner[x] == -2 && c->slot_of[x] == -1)
			{
				owner[x] = -1;
				cand[ncand++] = x;
			}
		}
	qsort_r(cand, ncand, sizeof(int), ra_cmp_by_weight, (void *) p);
	for (int ci = 0; ci < ncand && used < cap; ci++)
	{
		int x = cand[ci], qh = 0, qt = 0, found = -1;

		for (int a = 0; a < nT; a++)
		{
			par[a] = -2;
			if (ra_in_pool(c, T[a], x))
			{
				par[a] = -1;
				queue[qt++] = a;
			}
		}
		while (qh < qt && found < 0)
		{
			int a = queue[qh++];

			if (cnt[a] < K)
			{
				found = a;
				break;
			}
			for (int j = 0; j < cnt[a] && found < 0; j++)
			{
				int y = mem[a * K + j];

				for (int b = 0; b < nT; b++)
					if (par[b] == -2 && ra_in_pool(c, T[b], y))
					{
						par[b] = a;
						psrc[b] = y;
						queue[qt++] = b;
					}
			}
		}
		if (found < 0)
			continue;
		/* walk back: psrc[b] moves from par[b] into b; x enters the start */
		{
			int b = found, in = -1;

			while (par[b] != -1)
			{
				int a = par[b], y = psrc[b];

				mem[b * K + cnt[b]++] = y;
				for (int j = 0; j < cnt[a]; j++)
					if (mem[a * K + j] == y)
					{
						mem[a * K + j] = mem[a * K + --cnt[a]];
						break;
					}
				b = a;
			}
			(void) in;
			mem[b * K + cnt[b]++] = x;
		}
		used++;
		total += p->weight[x];
	}
out:
	free(owner);
	free(cand);
	free(mem);
	free(cnt);
	free(par);
	free(psrc);
	free(queue);
	return total;
}

/* An upper bound of the score: each organisation alone can do no better
 * than its own optimum (solved exactly with a node limit), else than the
 * best group of each of its slots, capped by its pool's heaviest sources. */
double
rm_alloc_upper_bound(const rm_alloc_problem *p)
{
	actx c;
	double total = 0, avail = 0, single_total = 0;
	rm_alloc_solution sol;
	int *single, nsingle = 0;

	if (ra_ctx_init(&c, p) != RM_OK)
		return INFINITY;
	single = malloc((c.S + 1) * sizeof(int));
	if (!single || rm_alloc_solution_init(&sol, p->n_sources) != RM_OK)
	{
		free(single);
		ra_ctx_free(&c);
		return INFINITY;
	}
	for (int i = 0; i < p->n_sources; i++)
		if (p->weight[i] > 0)
			avail += p->weight[i];
	for (int s = 0; s < c.S;)
	{
		/* the slots of one organisation */
		int e = s;
		double sum = 0, cap = 0;
		int k = 0;
		rm_alloc_problem sub = *p;

		while (e < c.S && p->slots[e].org == p->slots[s].org)
			e++;
		if (e - s == 1)
			single[nsingle++] = s;
		sub.slots = p->slots + s;
		sub.n_slots = e - s;
		for (int i = 0; i < p->n_sources; i++)
			sol.slot_of[i] = -1;
		if (rm_alloc_heuristic(&sub, &sol) == RM_OK && rm_alloc_exact(&sub, &sol, 20000) == RM_OK && sol.optimal)
		{
			total += sol.score;
			if (e - s == 1)
				single_total += sol.score;
			s = e;
			continue;
		}
		for (int t = s; t < e; t++)
		{
			double w;

			c.capped = 0;
			w = ra_best_group(&c, t);
			if (c.capped)
			{
				w = 0;
				for (int i = 0; i < c.n_spool[t] && i < c.K; i++)
					w += p->weight[c.spool[t][i]];
			}
			sum += w;
		}
		/* the org's slots together cover at most (e - s) * K of its pool
		 * sources (if all slots share one pool) */
		{
			int shared = 1;

			for (int t = s + 1; t < e; t++)
				if (c.spool[t] != c.spool[s])
					shared = 0;
			if (shared)
			{
				for (int i = 0; i < c.n_spool[s] && k < (e - s) * c.K; i++, k++)
					cap += p->weight[c.spool[s][i]];
				if (cap < sum)
					sum = cap;
			}
		}
		total += sum;
		if (e - s == 1)
			single_total += sum;
		s = e;
	}
	/* Organisations with one drill to do (typically departments, which
	 * share categories): together no more than their transversal bound. */
	if (nsingle > 1)
	{
		double tb = transversal_bound(&c, single, nsingle);

		if (tb >= 0 && tb < single_total)
			total -= single_total - tb;
	}
	free(single);
	rm_alloc_solution_free(&sol);
	ra_ctx_free(&c);
	return total < avail ? total : avail;
}
