/*
 * rm_allocate_groups.c — a slot's best group: the heaviest category run of a special
 * slot, the heaviest clique of the near graph of a comprehensive one, and
 * alternatives for the local search.
 * See rm_allocate_internal.h and rm_allocate.h.
 */
#include "rm_allocate_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The best group of slot s among the sources not taken (slot_of == -1),
 * into c->best / c->nbest; returns its weight (0: empty group). */

/* Per category of the free sources of pool sp[0..m) (heaviest first): the
 * weight of its K heaviest (c->cat_sum), how many (c->cat_cnt, reset by the
 * caller) and where the first is (c->cat_first); the categories met go to
 * c->touched. Returns how many categories. */
static int
category_runs(actx *c, const int *sp, int m)
{
	const rm_alloc_problem *p = c->p;
	int nt = 0;

	for (int i = 0; i < m; i++)
	{
		int x = sp[i], k = p->category[x];

		if (c->slot_of[x] != -1)
			continue;
		if (c->cat_cnt[k] == 0)
		{
			c->touched[nt++] = k;
			c->cat_first[k] = i;
			c->cat_sum[k] = 0;
		}
		if (c->cat_cnt[k] < c->K)
		{
			c->cat_cnt[k]++;
			c->cat_sum[k] += p->weight[x];
		}
	}
	return nt;
}

static double
best_special(actx *c, int s)
{
	const rm_alloc_problem *p = c->p;
	int *sp = c->spool[s], m = c->n_spool[s], nt = 0, bc = -1;
	double bw = 0;

	nt = category_runs(c, sp, m);
	for (int t = 0; t < nt; t++)
	{
		int k = c->touched[t];

		if (bc < 0 || c->cat_sum[k] > bw + EPS ||
		    (fabs(c->cat_sum[k] - bw) <= EPS && c->cat_first[k] < c->cat_first[bc]))
		{
			bc = k;
			bw = c->cat_sum[k];
		}
	}
	for (int t = 0; t < nt; t++)
		c->cat_cnt[c->touched[t]] = 0;
	c->nbest = 0;
	if (bc < 0)
		return 0;
	for (int i = 0; i < m && c->nbest < c->K; i++)
	{
		int x = sp[i];

		if (c->slot_of[x] == -1 && p->category[x] == bc)
			c->best[c->nbest++] = x;
	}
	c->bestw = bw;
	return bw;
}

/* Depth-first clique search over c->cand[from..nc) extending c->clique[0..k). */
static void
clique_dfs(actx *c, int nc, int from, int k, double w)
{
	const rm_alloc_problem *p = c->p;

	if (w > c->bestw + EPS)
	{
		c->bestw = w;
		c->nbest = k;
		memcpy(c->best, c->clique, k * sizeof(int));
	}
	if (k >= c->K)
		return;
	for (int q = from; q < nc; q++)
	{
		int r = c->K - k;
		int end = q + r < nc ? q + r : nc;
		int y = c->cand[q];
		int ok = 1;

		if (w + c->cand_pre[end] - c->cand_pre[q] <= c->bestw + EPS)
			break;
		if (++c->clique_nodes > CLIQUE_NODE_CAP)
		{
			c->capped = 1;
			return;
		}
		if (ra_poll_stop(c))
			return;
		for (int j = 1; j < k && ok; j++)
			ok = ra_is_near(p, c->clique[j], y);
		if (!ok)
			continue;
		c->clique[k] = y;
		clique_dfs(c, nc, q + 1, k + 1, w + p->weight[y]);
	}
}

/* The clique candidates under anchor sp[i] (c->pos holds the pool's
 * positions): its free neighbours after it in the pool, in pool order (so
 * heaviest first), into c->cand with prefix weights in c->cand_pre; the
 * anchor goes to c->clique[0]. Returns how many. */
static int
anchor_candidates(actx *c, const int *sp, int i)
{
	const rm_alloc_problem *p = c->p;
	int a = sp[i], nc = 0;

	for (int e = p->near_start[a]; e < p->near_start[a + 1]; e++)
	{
		int y = p->near[e];

		if (y != a && c->pos[y] > i && c->slot_of[y] == -1)
			c->cand[nc++] = c->pos[y];
	}
	qsort(c->cand, nc, sizeof(int), ra_cmp_int);
	c->cand_pre[0] = 0;
	for (int q = 0; q < nc; q++)
	{
		c->cand[q] = sp[c->cand[q]];
		c->cand_pre[q + 1] = c->cand_pre[q] + p->weight[c->cand[q]];
	}
	c->clique[0] = a;
	return nc;
}

static double
best_comprehensive(actx *c, int s)
{
	const rm_alloc_problem *p = c->p;
	int *sp = c->spool[s], m = c->n_spool[s];

	c->nbest = 0;
	c->bestw = 0;
	c->clique_nodes = 0;
	for (int i = 0; i < m; i++)
		c->pos[sp[i]] = i;
	for (int i = 0; i < m; i++)
	{
		int a = sp[i], nc = 0;
		double wa = p->weight[a];

		if (c->slot_of[a] != -1)
			continue;
		if (wa * c->K <= c->bestw + EPS)
			break;
		if (c->clique_nodes > CLIQUE_NODE_CAP || c->stop)
			break;
		nc = anchor_candidates(c, sp, i);
		clique_dfs(c, nc, 0, 1, wa);
	}
	for (int i = 0; i < m; i++)
		c->pos[sp[i]] = -1;
	return c->bestw;
}

/* Up to max_alt good groups of slot s (the best per category for a special
 * slot, the best clique per top element for a comprehensive one), heaviest
 * first, into alt (max_alt * K), their sizes into nalt; returns how many. */
static int
cmp_altref(const void *a, const void *b)
{
	const altref *x = a, *y = b;

	if (x->w > y->w + EPS)
		return -1;
	if (y->w > x->w + EPS)
		return 1;
	return (x->at > y->at) - (x->at < y->at);
}

int
ra_alt_groups(actx *c, int s, int max_alt, int *alt, int *nalt, altref *buf, int *tmp)
{
	const rm_alloc_problem *p = c->p;
	int *sp = c->spool[s], m = c->n_spool[s], K = c->K, na = 0;

	if (p->slots[s].cls == RM_ALLOC_SPECIAL)
	{
		int nt = 0;

		nt = category_runs(c, sp, m);
		for (int t = 0; t < nt && na < 4 * max_alt; t++)
		{
			int k = c->touched[t];

			buf[na].w = c->cat_sum[k];
			buf[na].n = k;
			buf[na].at = c->cat_first[k];
			na++;
		}
		for (int t = 0; t < nt; t++)
			c->cat_cnt[c->touched[t]] = 0;
		qsort(buf, na, sizeof(altref), cmp_altref);
		if (na > max_alt)
			na = max_alt;
		for (int a = 0; a < na; a++)
		{
			int k = buf[a].n, g = 0;

			for (int i = 0; i < m && g < K; i++)
				if (c->slot_of[sp[i]] == -1 && p->category[sp[i]] == k)
					alt[a * K + g++] = sp[i];
			nalt[a] = g;
		}
		return na;
	}
	/* comprehensive: the best clique under each of the first anchors */
	for (int i = 0; i < m; i++)
		c->pos[sp[i]] = i;
	for (int i = 0; i < m && na < 4 * max_alt; i++)
	{
		int a = sp[i], nc = 0;

		if (c->slot_of[a] != -1)
			continue;
		nc = anchor_candidates(c, sp, i);
		c->bestw = 0;
		c->nbest = 0;
		c->clique_nodes = 0;
		clique_dfs(c, nc, 0, 1, p->weight[a]);
		buf[na].w = c->bestw;
		buf[na].n = c->nbest;
		buf[na].at = na;
		memcpy(&tmp[na * K], c->best, c->nbest * sizeof(int));
		na++;
	}
	for (int i = 0; i < m; i++)
		c->pos[sp[i]] = -1;
	qsort(buf, na, sizeof(altref), cmp_altref);
	if (na > max_alt)
		na = max_alt;
	for (int a = 0; a < na; a++)
	{
		memcpy(&alt[a * K], &tmp[buf[a].at * K], buf[a].n * sizeof(int));
		nalt[a] = buf[a].n;
	}
	return na;
}

double
ra_best_group(actx *c, int s)
{
	if (c->p->slots[s].cls == RM_ALLOC_SPECIAL)
		return best_special(c, s);
	return best_comprehensive(c, s);
}
