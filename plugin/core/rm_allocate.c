/*
 * rm_allocate.c — drill allocation: greedy + local search heuristic, exact
 * branch and bound, the 10 km near graph, month spreading. See rm_allocate.h.
 */
#define _GNU_SOURCE				/* qsort_r */
#include "rm_allocate.h"
#include "rm_geodesy.h"

#include <geos_c.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-9
/* Search nodes one comprehensive best-group search may spend before it
 * settles for the best clique found (heuristic use only). */
#define CLIQUE_NODE_CAP 200000L

/* ------------------------------------------------------------------ */
/* Values: (filled, weight), compared lexicographically. */
typedef struct
{
	int f;
	double w;
} val_t;

static int
val_better(val_t a, val_t b)
{
	return a.f > b.f || (a.f == b.f && a.w > b.w + EPS);
}

/* ------------------------------------------------------------------ */
typedef struct
{
	const rm_alloc_problem *p;
	int K;
	int S;
	int **spool;		/* per slot: eligible pool sorted by (w desc, idx asc) */
	int *n_spool;
	int *spool_owned;	/* 1 when spool[s] is not shared with s-1 */
	int *same_prev;		/* slot s has the same org, class and pool as s-1 */
	int *slot_of;		/* current assignment */
	int *g;				/* groups: g[s*K .. s*K+gn[s]) */
	int *gn;
	/* scratch */
	int *cat_cnt;
	double *cat_sum;
	int *cat_first;
	int *touched;
	int *pos;			/* position of a source in the current slot's spool, or -1 */
	int *cand;
	double *cand_pre;
	int *clique;
	int *best;
	int nbest;
	double bestw;
	long clique_nodes;
	int capped;			/* a clique search hit its node cap */
	long polls;
	int stop;			/* interrupted */
	/* pool membership bitmaps, one per distinct pool */
	unsigned char **member;
	/* exact search */
	long nodes;
	long node_limit;
	int aborted;
	val_t cur;
	val_t inc;
	int *inc_slot_of;
	/* matching bound */
	int *mt_src;		/* source -> slot matched to it, or -1 */
	int *mt_mark;		/* source -> last visit stamp */
	int mt_stamp;
	long pool_total;	/* sum of pool sizes */
	int depth;			/* recursion depth of the exact search */
	/* tighter group bounds in the exact search (small pools only) */
	int tight;			/* enabled */
	double *ext;		/* RM_TIGHT_MAX_DEPTH frames x RM_TIGHT_MAX: bound of the rest of the group per position */
	int *lst;			/* RM_TIGHT_MAX scratch */
	double *ring;		/* n_categories x K */
	int *ring_n, *ring_head;
	double *ring_sum;
} actx;

#define RM_TIGHT_MAX 512
#define RM_TIGHT_MAX_K 64
#define RM_TIGHT_MAX_DEPTH 256	/* one ext array per active frame */

/* The exact search gives up (not proven optimal) rather than recurse deeper. */
#define RM_BB_MAX_DEPTH 4000

static int
poll_stop(actx *c)
{
	if (c->stop)
		return 1;
	if (c->p->interrupted && (c->polls++ & 1023) == 0 && c->p->interrupted(c->p->interrupted_arg))
		c->stop = 1;
	return c->stop;
}

/* Source indices by weight, heaviest first (qsort_r; arg: the problem). */
static int
cmp_by_weight(const void *a, const void *b, void *arg)
{
	const rm_alloc_problem *p = arg;
	int x = *(const int *) a, y = *(const int *) b;
	double wx = p->weight[x], wy = p->weight[y];

	if (wx > wy)
		return -1;
	if (wx < wy)
		return 1;
	return (x > y) - (x < y);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *) a, y = *(const int *) b;

	return (x > y) - (x < y);
}

static void
ctx_free(actx *c)
{
	if (c->spool)
		for (int s = 0; s < c->S; s++)
			if (c->spool_owned && c->spool_owned[s])
				free(c->spool[s]);
	if (c->member)
		for (int s = 0; s < c->S; s++)
			if (c->spool_owned && c->spool_owned[s])
				free(c->member[s]);
	free(c->member);
	free(c->spool);
	free(c->n_spool);
	free(c->spool_owned);
	free(c->same_prev);
	free(c->slot_of);
	free(c->g);
	free(c->gn);
	free(c->cat_cnt);
	free(c->cat_sum);
	free(c->cat_first);
	free(c->touched);
	free(c->pos);
	free(c->cand);
	free(c->cand_pre);
	free(c->clique);
	free(c->best);
	free(c->inc_slot_of);
	free(c->mt_src);
	free(c->mt_mark);
	free(c->ext);
	free(c->lst);
	free(c->ring);
	free(c->ring_n);
	free(c->ring_head);
	free(c->ring_sum);
	memset(c, 0, sizeof(*c));
}

static int
ctx_init(actx *c, const rm_alloc_problem *p)
{
	int n = p->n_sources, S = p->n_slots, K = p->max_targets;
	int nc = p->n_categories > 0 ? p->n_categories : 1;

	memset(c, 0, sizeof(*c));
	if (n < 0 || S < 0 || K < 1 || (n > 0 && (!p->weight || !p->category)) || (S > 0 && !p->slots))
		return RM_EINVAL;
	for (int i = 0; i < n; i++)
		if (p->category[i] < 0 || p->category[i] >= nc)
			return RM_EINVAL;
	for (int s = 0; s < S; s++)
	{
		const rm_alloc_slot *sl = &p->slots[s];

		if ((sl->cls != RM_ALLOC_COMPREHENSIVE && sl->cls != RM_ALLOC_SPECIAL) || sl->n_pool < 0
			|| (sl->n_pool > 0 && !sl->pool))
			return RM_EINVAL;
		if (sl->cls == RM_ALLOC_COMPREHENSIVE && sl->n_pool > 0 && (!p->near_start || !p->near))
			return RM_EINVAL;
		for (int i = 0; i < sl->n_pool; i++)
			if (sl->pool[i] < 0 || sl->pool[i] >= n)
				return RM_EINVAL;
	}
	c->p = p;
	c->K = K;
	c->S = S;
	c->spool = calloc(S + 1, sizeof(int *));
	c->member = calloc(S + 1, sizeof(unsigned char *));
	c->n_spool = calloc(S + 1, sizeof(int));
	c->spool_owned = calloc(S + 1, sizeof(int));
	c->same_prev = calloc(S + 1, sizeof(int));
	c->slot_of = malloc((n + 1) * sizeof(int));
	c->g = malloc(((size_t) S * K + 1) * sizeof(int));
	c->gn = calloc(S + 1, sizeof(int));
	c->cat_cnt = calloc(nc, sizeof(int));
	c->cat_sum = calloc(nc, sizeof(double));
	c->cat_first = calloc(nc, sizeof(int));
	c->touched = malloc((n + 1) * sizeof(int));
	c->pos = malloc((n + 1) * sizeof(int));
	c->cand = malloc((n + 1) * sizeof(int));
	c->cand_pre = malloc((n + 2) * sizeof(double));
	c->clique = malloc((K + 1) * sizeof(int));
	c->best = malloc((K + 1) * sizeof(int));
	c->inc_slot_of = malloc((n + 1) * sizeof(int));
	c->mt_src = malloc((n + 1) * sizeof(int));
	c->mt_mark = calloc(n + 1, sizeof(int));
	if (!c->mt_src || !c->mt_mark ||!c->spool || !c->member || !c->n_spool || !c->spool_owned || !c->same_prev || !c->slot_of || !c->g
		|| !c->gn || !c->cat_cnt || !c->cat_sum || !c->cat_first || !c->touched || !c->pos || !c->cand
		|| !c->cand_pre || !c->clique || !c->best || !c->inc_slot_of)
	{
		ctx_free(c);
		return RM_ENOMEM;
	}
	for (int i = 0; i < n; i++)
	{
		c->slot_of[i] = -1;
		c->pos[i] = -1;
		c->mt_src[i] = -1;
	}
	for (int s = 0; s < S; s++)
	{
		const rm_alloc_slot *sl = &p->slots[s];
		int m = 0;

		if (s > 0 && sl->pool == p->slots[s - 1].pool && sl->n_pool == p->slots[s - 1].n_pool)
		{
			c->spool[s] = c->spool[s - 1];
			c->member[s] = c->member[s - 1];
			c->n_spool[s] = c->n_spool[s - 1];
			c->same_prev[s] = sl->org == p->slots[s - 1].org && sl->cls == p->slots[s - 1].cls;
			continue;
		}
		c->spool_owned[s] = 1;
		c->spool[s] = malloc((sl->n_pool + 1) * sizeof(int));
		c->member[s] = calloc((size_t) n / 8 + 1, 1);
		if (!c->spool[s] || !c->member[s])
		{
			ctx_free(c);
			return RM_ENOMEM;
		}
		for (int i = 0; i < sl->n_pool; i++)
		{
			int x = sl->pool[i];

			if (p->weight[x] > 0 && isfinite(p->weight[x]) && !(c->member[s][x >> 3] & (1 << (x & 7))))
			{
				c->member[s][x >> 3] |= (unsigned char) (1 << (x & 7));
				c->spool[s][m++] = x;
			}
		}
		qsort_r(c->spool[s], m, sizeof(int), cmp_by_weight, (void *) p);
		c->n_spool[s] = m;
	}
	for (int s = 0; s < S; s++)
		c->pool_total += c->n_spool[s];
	return RM_OK;
}

static inline int
in_pool(const actx *c, int s, int x)
{
	return (c->member[s][x >> 3] >> (x & 7)) & 1;
}

static int
is_near(const rm_alloc_problem *p, int a, int b)
{
	int lo = p->near_start[a], hi = p->near_start[a + 1] - 1;

	while (lo <= hi)
	{
		int mid = (lo + hi) >> 1;

		if (p->near[mid] == b)
			return 1;
		if (p->near[mid] < b)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The best group of slot s among the sources not taken (slot_of == -1),
 * into c->best / c->nbest; returns its weight (0: empty group). */

static double
best_special(actx *c, int s)
{
	const rm_alloc_problem *p = c->p;
	int *sp = c->spool[s], m = c->n_spool[s], nt = 0, bc = -1;
	double bw = 0;

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
	for (int t = 0; t < nt; t++)
	{
		int k = c->touched[t];

		if (bc < 0 || c->cat_sum[k] > bw + EPS || (fabs(c->cat_sum[k] - bw) <= EPS && c->cat_first[k] < c->cat_first[bc]))
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
		if (poll_stop(c))
			return;
		for (int j = 1; j < k && ok; j++)
			ok = is_near(p, c->clique[j], y);
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
	qsort(c->cand, nc, sizeof(int), cmp_int);
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
typedef struct
{
	double w;
	int n;
	int at;
} altref;

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

static int
alt_groups(actx *c, int s, int max_alt, int *alt, int *nalt, altref *buf, int *tmp)
{
	const rm_alloc_problem *p = c->p;
	int *sp = c->spool[s], m = c->n_spool[s], K = c->K, na = 0;

	if (p->slots[s].cls == RM_ALLOC_SPECIAL)
	{
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
			if (c->cat_cnt[k] < K)
			{
				c->cat_cnt[k]++;
				c->cat_sum[k] += p->weight[x];
			}
		}
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


static double
best_group(actx *c, int s)
{
	if (c->p->slots[s].cls == RM_ALLOC_SPECIAL)
		return best_special(c, s);
	return best_comprehensive(c, s);
}

/* ------------------------------------------------------------------ */
static double
group_weight(const actx *c, int s)
{
	double w = 0;

	for (int i = 0; i < c->gn[s]; i++)
		w += c->p->weight[c->g[s * c->K + i]];
	return w;
}

static double
group_weight_of(const actx *c, const int *g, int n)
{
	double w = 0;

	for (int i = 0; i < n; i++)
		w += c->p->weight[g[i]];
	return w;
}

static void
release(actx *c, int s)
{
	for (int i = 0; i < c->gn[s]; i++)
		c->slot_of[c->g[s * c->K + i]] = -1;
}

static void
assign(actx *c, int s, const int *grp, int n)
{
	if (grp != &c->g[s * c->K])
		memmove(&c->g[s * c->K], grp, n * sizeof(int));
	c->gn[s] = n;
	for (int i = 0; i < n; i++)
		c->slot_of[c->g[s * c->K + i]] = s;
}

static val_t
total_value(const actx *c)
{
	val_t v = {0, 0};

	for (int s = 0; s < c->S; s++)
		if (c->gn[s] > 0)
		{
			v.f++;
			v.w += group_weight(c, s);
		}
	return v;
}

/* Greedy: repeatedly commit the heaviest best group of an open slot. */
static void
greedy(actx *c)
{
	int S = c->S, K = c->K;
	double *val = malloc((S + 1) * sizeof(double));
	int *done = calloc(S + 1, sizeof(int));

	if (!val || !done)
	{
		free(val);
		free(done);
		c->stop = c->stop ? c->stop : 2;
		return;
	}
	for (int s = 0; s < S; s++)
	{
		val[s] = best_group(c, s);
		c->gn[s] = c->nbest;
		memcpy(&c->g[s * K], c->best, c->nbest * sizeof(int));
	}
	for (;;)
	{
		int bs = -1;

		if (poll_stop(c))
			break;
		for (int s = 0; s < S; s++)
			if (!done[s] && c->gn[s] > 0 && (bs < 0 || val[s] > val[bs] + EPS))
				bs = s;
		if (bs < 0)
			break;
		done[bs] = 1;
		assign(c, bs, &c->g[bs * K], c->gn[bs]);
		for (int t = 0; t < S; t++)
		{
			int hit = 0;

			if (done[t])
				continue;
			for (int i = 0; i < c->gn[t] && !hit; i++)
				hit = c->slot_of[c->g[t * K + i]] != -1;
			if (hit)
			{
				val[t] = best_group(c, t);
				c->gn[t] = c->nbest;
				memcpy(&c->g[t * K], c->best, c->nbest * sizeof(int));
			}
		}
	}
	/* Open slots that found nothing stay empty. */
	for (int s = 0; s < S; s++)
		if (!done[s])
			c->gn[s] = 0;
	free(val);
	free(done);
}

/* Do slots s and t compete for sources? */
static int
interact(const actx *c, int s, int t)
{
	for (int i = 0; i < c->gn[t]; i++)
		if (in_pool(c, s, c->g[t * c->K + i]))
			return 1;
	for (int i = 0; i < c->gn[s]; i++)
		if (in_pool(c, t, c->g[s * c->K + i]))
			return 1;
	return 0;
}

/* Fill an empty slot e by an augmenting path: e takes a source from a slot
 * that keeps another one, or from a singleton slot that in turn takes a
 * source elsewhere, ... ending at a free source. Returns 1 when done. */
static int
augment(actx *c, int e, int *par_slot, int *par_src, int *queue)
{
	const rm_alloc_problem *p = c->p;
	int S = c->S, K = c->K, qh = 0, qt = 0;
	int end_slot = -1, end_src = -1, end_free = 0;

	for (int s = 0; s < S; s++)
		par_slot[s] = -2;
	par_slot[e] = -1;
	queue[qt++] = e;
	while (qh < qt && end_slot < 0)
	{
		int u = queue[qh++];

		for (int i = 0; i < c->n_spool[u] && end_slot < 0; i++)
		{
			int x = c->spool[u][i], t = c->slot_of[x];

			if (t == -1)
			{
				end_slot = u;
				end_src = x;
				end_free = 1;
			}
			else if (par_slot[t] == -2)
			{
				par_slot[t] = u;
				par_src[t] = x;		/* t gives x to u */
				if (c->gn[t] >= 2)
				{
					end_slot = t;
					end_free = 0;
				}
				else
					queue[qt++] = t;
			}
		}
	}
	if (end_slot < 0)
		return 0;
	(void) p;
	if (end_free)
	{
		/* end_slot (empty now or e itself) takes the free source */
		int u = end_slot;

		/* walk up: u gives its source to its parent, and takes the new one */
		int take = end_src;

		while (u != -1)
		{
			int give = u == e ? -1 : par_src[u];
			int up = par_slot[u];

			release(c, u);
			if (give >= 0)
				c->slot_of[give] = -1;
			assign(c, u, &take, 1);
			take = give;
			u = give >= 0 ? up : -1;
		}
	}
	else
	{
		/* end_slot keeps its other sources and gives par_src[end_slot] up */
		int t = end_slot, x = par_src[t], n = 0;
		int tmp[1024];
		int *keep = K <= 1024 ? tmp : malloc(K * sizeof(int));

		if (!keep)
			return 0;
		for (int i = 0; i < c->gn[t]; i++)
			if (c->g[t * K + i] != x)
				keep[n++] = c->g[t * K + i];
		release(c, t);
		assign(c, t, keep, n);
		if (keep != tmp)
			free(keep);
		{
			int take = x, u = par_slot[t];

			while (u != -1)
			{
				int give = u == e ? -1 : par_src[u];
				int up = par_slot[u];

				release(c, u);
				if (give >= 0)
					c->slot_of[give] = -1;
				assign(c, u, &take, 1);
				take = give;
				u = give >= 0 ? up : -1;
			}
		}
	}
	return 1;
}

/* Re-choose the groups of the slots T[0..m) (m <= RM_REOPT_MAX): every order
 * of the slots is tried greedily (each takes its best group of what is left)
 * and the best outcome is kept if it beats the current one. */
#define RM_REOPT_MAX 5

#define RM_ALT_MAX 8

typedef struct
{
	int *save;		/* m * K */
	int *bestg;		/* m * K */
	int nsave[RM_REOPT_MAX];
	int nbest[RM_REOPT_MAX];
	val_t bestv;
	int found;
	int n_alt;		/* alternatives tried for the first slot of an order */
	int *alt;		/* RM_ALT_MAX * K */
	int nalt[RM_ALT_MAX];
	altref abuf[4 * RM_ALT_MAX];
	int *atmp;		/* 4 * RM_ALT_MAX * K */
} reopt_t;

static void
reopt_perm(actx *c, const int *T, int m, int *perm, int k, char *used, reopt_t *r)
{
	int K = c->K;

	if (c->stop)
		return;
	if (k == m)
	{
		int na = 0;

		if (r->n_alt > 1)
			na = alt_groups(c, T[perm[0]], r->n_alt, r->alt, r->nalt, r->abuf, r->atmp);
		for (int a = -1; a < na; a++)
		{
			val_t v = {0, 0};

			for (int i = 0; i < m; i++)
			{
				int s = T[perm[i]];

				if (i == 0 && a >= 0)
				{
					v.w += group_weight_of(c, &r->alt[a * K], r->nalt[a]);
					v.f += r->nalt[a] > 0;
					assign(c, s, &r->alt[a * K], r->nalt[a]);
					continue;
				}
				v.w += best_group(c, s);
				v.f += c->nbest > 0;
				assign(c, s, c->best, c->nbest);
			}
			if (val_better(v, r->bestv))
			{
				r->bestv = v;
				r->found = 1;
				for (int i = 0; i < m; i++)
				{
					r->nbest[i] = c->gn[T[i]];
					memcpy(&r->bestg[i * K], &c->g[T[i] * K], c->gn[T[i]] * sizeof(int));
				}
			}
			for (int i = 0; i < m; i++)
			{
				release(c, T[i]);
				c->gn[T[i]] = 0;
			}
		}
		return;
	}
	for (int i = 0; i < m; i++)
		if (!used[i])
		{
			used[i] = 1;
			perm[k] = i;
			reopt_perm(c, T, m, perm, k + 1, used, r);
			used[i] = 0;
		}
}

static int
reopt_set(actx *c, const int *T, int m, reopt_t *r, int n_alt)
{
	int K = c->K, perm[RM_REOPT_MAX];
	char used[RM_REOPT_MAX] = {0};
	val_t v0 = {0, 0};

	for (int i = 0; i < m; i++)
	{
		int s = T[i];

		r->nsave[i] = c->gn[s];
		memcpy(&r->save[i * K], &c->g[s * K], c->gn[s] * sizeof(int));
		v0.f += c->gn[s] > 0;
		v0.w += group_weight(c, s);
	}
	for (int i = 0; i < m; i++)
	{
		release(c, T[i]);
		c->gn[T[i]] = 0;
	}
	r->bestv = v0;
	r->found = 0;
	r->n_alt = n_alt;
	reopt_perm(c, T, m, perm, 0, used, r);
	for (int i = 0; i < m; i++)
	{
		if (r->found)
			assign(c, T[i], &r->bestg[i * K], r->nbest[i]);
		else
			assign(c, T[i], &r->save[i * K], r->nsave[i]);
	}
	return r->found;
}

/* Triples are tried only on instances with at most this many slots. */
#define RM_TRIPLE_MAX_SLOTS 40

static void
local_search(actx *c)
{
	int S = c->S, K = c->K;
	int *par_slot = malloc((S + 1) * sizeof(int));
	int *par_src = malloc((S + 1) * sizeof(int));
	int *queue = malloc((S + 1) * sizeof(int));
	reopt_t r;

	r.save = malloc(((size_t) K * RM_REOPT_MAX + 1) * sizeof(int));
	r.bestg = malloc(((size_t) K * RM_REOPT_MAX + 1) * sizeof(int));
	r.alt = malloc(((size_t) K * RM_ALT_MAX + 1) * sizeof(int));
	r.atmp = malloc(((size_t) K * 4 * RM_ALT_MAX + 1) * sizeof(int));
	if (!r.save || !r.bestg || !r.alt || !r.atmp || !par_slot || !par_src || !queue)
	{
		c->stop = c->stop ? c->stop : 2;
		goto out;
	}
	for (int pass = 0; pass < 50 && !c->stop; pass++)
	{
		int changed = 0;

		/* Empty slots first: augmenting paths add a drill. */
		for (int e = 0; e < S; e++)
			if (c->gn[e] == 0 && c->n_spool[e] > 0 && augment(c, e, par_slot, par_src, queue))
				changed = 1;
		/* One slot at a time. */
		for (int s = 0; s < S && !poll_stop(c); s++)
			changed |= reopt_set(c, &s, 1, &r, 1);
		/* All slots of one organisation, in every order. */
		for (int s = 0; s < S && !c->stop;)
		{
			int e = s;

			while (e < S && c->p->slots[e].org == c->p->slots[s].org)
				e++;
			if (e - s >= 2 && e - s <= RM_REOPT_MAX)
			{
				int T[RM_REOPT_MAX];

				for (int i = s; i < e; i++)
					T[i - s] = i;
				changed |= reopt_set(c, T, e - s, &r, RM_ALT_MAX);
			}
			s = e;
		}
		/* Pairs of competing slots, in both orders. */
		for (int s = 0; s < S && !poll_stop(c); s++)
			for (int t = s + 1; t < S && !poll_stop(c); t++)
				if (interact(c, s, t))
				{
					int T[2] = {s, t};

					changed |= reopt_set(c, T, 2, &r, 1);
				}
		/* Chains of three competing slots (small instances). */
		if (S <= RM_TRIPLE_MAX_SLOTS)
			for (int s = 0; s < S && !c->stop; s++)
				for (int t = s + 1; t < S && !c->stop; t++)
				{
					int st = interact(c, s, t);

					for (int u = t + 1; u < S && !c->stop; u++)
						if (st + interact(c, s, u) + interact(c, t, u) >= 2)
						{
							int T[3] = {s, t, u};

							changed |= reopt_set(c, T, 3, &r, RM_ALT_MAX);
						}
				}
		if (!changed)
			break;
	}
out:
	free(r.save);
	free(r.bestg);
	free(r.alt);
	free(r.atmp);
	free(par_slot);
	free(par_src);
	free(queue);
}

static void
export_solution(const actx *c, rm_alloc_solution *sol)
{
	val_t v = total_value(c);

	memcpy(sol->slot_of, c->slot_of, c->p->n_sources * sizeof(int));
	sol->filled = v.f;
	sol->score = v.w;
}

static int
status_of(actx *c)
{
	if (c->stop == 2)
		return RM_ENOMEM;
	if (c->stop)
		return RM_EINTERRUPTED;
	return RM_OK;
}

int
rm_alloc_heuristic(const rm_alloc_problem *p, rm_alloc_solution *sol)
{
	actx c;
	int rc = ctx_init(&c, p);

	if (rc != RM_OK)
		return rc;
	greedy(&c);
	if (!c.stop)
		local_search(&c);
	rc = status_of(&c);
	if (rc == RM_OK)
	{
		export_solution(&c, sol);
		sol->optimal = 0;
		sol->nodes = 0;
	}
	ctx_free(&c);
	return rc;
}

/* Large-neighbourhood polish: each organisation's slots re-solved exactly
 * (node-limited) with every other organisation's groups fixed; kept when
 * better. Deterministic. */
int
rm_alloc_polish_orgs(const rm_alloc_problem *p, rm_alloc_solution *sol, long node_limit)
{
	int n = p->n_sources, S = p->n_slots, rc = RM_OK;
	double *w = malloc(((size_t) n + 1) * sizeof(double));
	rm_alloc_solution sub_sol;
	char err[8];

	if (!w)
		return RM_ENOMEM;
	if (rm_alloc_solution_init(&sub_sol, n) != RM_OK)
	{
		free(w);
		return RM_ENOMEM;
	}
	for (int s = 0; s < S && rc == RM_OK;)
	{
		int e = s;
		rm_alloc_problem sub = *p;

		while (e < S && p->slots[e].org == p->slots[s].org)
			e++;
		/* others' sources are out of reach; this org's groups are the incumbent */
		for (int i = 0; i < n; i++)
		{
			int t = sol->slot_of[i];

			w[i] = (t >= 0 && (t < s || t >= e)) ? 0 : p->weight[i];
			sub_sol.slot_of[i] = (t >= s && t < e) ? t - s : -1;
		}
		sub.weight = w;
		sub.slots = p->slots + s;
		sub.n_slots = e - s;
		rm_alloc_check(&sub, &sub_sol, err, sizeof(err));
		{
			int f0 = sub_sol.filled;
			double w0 = sub_sol.score;

			rc = rm_alloc_exact(&sub, &sub_sol, node_limit);
			if (rc == RM_OK
				&& (sub_sol.filled > f0 || (sub_sol.filled == f0 && sub_sol.score > w0 + EPS)))
				for (int i = 0; i < n; i++)
				{
					int t = sol->slot_of[i];

					if (t >= s && t < e)
						sol->slot_of[i] = -1;
					if (sub_sol.slot_of[i] >= 0)
						sol->slot_of[i] = sub_sol.slot_of[i] + s;
				}
		}
		s = e;
	}
	if (rc == RM_OK)
	{
		char e2[8];

		rm_alloc_check(p, sol, e2, sizeof(e2));
	}
	rm_alloc_solution_free(&sub_sol);
	free(w);
	return rc;
}

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
	double *blocks = c->cand_pre;	/* n + 2 doubles of scratch */
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
			c->cat_first[k] = 0;	/* blocks done */
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
			w = best_group(c, v);
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
					ok = is_near(p, c->g[s * K + j], x);
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
					ok = is_near(p, c->g[s * K + j], x);
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

	if (c->aborted || poll_stop(c))
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
	int rc = ctx_init(&c, p);

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
	rc = status_of(&c);
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
	ctx_free(&c);
	return rc;
}

/* Transversal bound: the heaviest set of free sources that the slots T can
 * hold, each slot at most K of its pool, ignoring categories and the 10 km
 * rule (a matroid, so greedy by weight with augmenting paths is exact).
 * Returns -1 when out of memory. */
static double
transversal_bound(actx *c, const int *T, int nT)
{
	const rm_alloc_problem *p = c->p;
	int n = p->n_sources, K = c->K, cap = nT * K, used = 0, ncand = 0;
	int *owner = malloc((n + 1) * sizeof(int));
	int *cand = malloc((n + 1) * sizeof(int));
	int *mem = malloc(((size_t) cap + 1) * sizeof(int));	/* members: T index * K + j */
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
		owner[i] = -2;			/* not a candidate */
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
	qsort_r(cand, ncand, sizeof(int), cmp_by_weight, (void *) p);
	for (int ci = 0; ci < ncand && used < cap; ci++)
	{
		int x = cand[ci], qh = 0, qt = 0, found = -1;

		for (int a = 0; a < nT; a++)
		{
			par[a] = -2;
			if (in_pool(c, T[a], x))
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
					if (par[b] == -2 && in_pool(c, T[b], y))
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

	if (ctx_init(&c, p) != RM_OK)
		return INFINITY;
	single = malloc((c.S + 1) * sizeof(int));
	if (!single || rm_alloc_solution_init(&sol, p->n_sources) != RM_OK)
	{
		free(single);
		ctx_free(&c);
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
		if (rm_alloc_heuristic(&sub, &sol) == RM_OK
			&& rm_alloc_exact(&sub, &sol, 20000) == RM_OK && sol.optimal)
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
			w = best_group(&c, t);
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
	ctx_free(&c);
	return total < avail ? total : avail;
}

/* ------------------------------------------------------------------ */
int
rm_alloc_solution_init(rm_alloc_solution *sol, int n_sources)
{
	memset(sol, 0, sizeof(*sol));
	sol->slot_of = malloc(((size_t) (n_sources > 0 ? n_sources : 0) + 1) * sizeof(int));
	if (!sol->slot_of)
		return RM_ENOMEM;
	for (int i = 0; i < n_sources; i++)
		sol->slot_of[i] = -1;
	return RM_OK;
}

void
rm_alloc_solution_free(rm_alloc_solution *sol)
{
	free(sol->slot_of);
	sol->slot_of = NULL;
}

int
rm_alloc_solution_copy(rm_alloc_solution *dst, const rm_alloc_solution *src, int n_sources)
{
	int *so = dst->slot_of;

	*dst = *src;
	dst->slot_of = so;
	memcpy(dst->slot_of, src->slot_of, n_sources * sizeof(int));
	return RM_OK;
}

static void
errf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

int
rm_alloc_check(const rm_alloc_problem *p, rm_alloc_solution *sol, char *errbuf, size_t errlen)
{
	int n = p->n_sources, S = p->n_slots, K = p->max_targets;
	int *cnt, *first;
	int ok = 1;

	sol->filled = 0;
	sol->score = 0;
	cnt = calloc(S + 1, sizeof(int));
	first = malloc((S + 1) * sizeof(int));
	if (!cnt || !first)
	{
		free(cnt);
		free(first);
		errf(errbuf, errlen, "out of memory");
		return 0;
	}
	for (int s = 0; s < S; s++)
		first[s] = -1;
	for (int i = 0; i < n && ok; i++)
	{
		int s = sol->slot_of[i], inp = 0;

		if (s == -1)
			continue;
		if (s < 0 || s >= S)
		{
			errf(errbuf, errlen, "source %d: bad slot %d", i, s);
			ok = 0;
			break;
		}
		if (!(p->weight[i] > 0))
		{
			errf(errbuf, errlen, "source %d: not eligible", i);
			ok = 0;
			break;
		}
		for (int j = 0; j < p->slots[s].n_pool && !inp; j++)
			inp = p->slots[s].pool[j] == i;
		if (!inp)
		{
			errf(errbuf, errlen, "source %d: not in the pool of slot %d", i, s);
			ok = 0;
			break;
		}
		if (++cnt[s] > K)
		{
			errf(errbuf, errlen, "slot %d: more than %d sources", s, K);
			ok = 0;
			break;
		}
		if (first[s] < 0)
			first[s] = i;
		else if (p->slots[s].cls == RM_ALLOC_SPECIAL && p->category[i] != p->category[first[s]])
		{
			errf(errbuf, errlen, "slot %d: sources %d and %d differ in category", s, first[s], i);
			ok = 0;
			break;
		}
		if (p->slots[s].cls == RM_ALLOC_COMPREHENSIVE)
			for (int j = 0; j < i && ok; j++)
				if (sol->slot_of[j] == s && !is_near(p, i, j))
				{
					errf(errbuf, errlen, "slot %d: sources %d and %d are not near", s, j, i);
					ok = 0;
				}
		sol->score += p->weight[i];
	}
	for (int s = 0; s < S; s++)
		if (cnt[s] > 0)
			sol->filled++;
	free(cnt);
	free(first);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Ground distances and the near graph. */

typedef struct
{
	double lon0, lat0, kx, ky;
} proj_t;

static int
fwd_xy(double *x, double *y, void *arg)
{
	const proj_t *pr = arg;

	*x = (*x - pr->lon0) * pr->kx;
	*y = (*y - pr->lat0) * pr->ky;
	return 1;
}

typedef struct
{
	double xmin, ymin, xmax, ymax;
	int point;
	GEOSGeometry *proj;		/* non-points: projected copy */
	int idx;
} nobj;

/* Bounds of the ground distance between any point of a's envelope and any
 * of b's (local radii taken at the latitude that makes them safe). */
static double
bbox_lower_m(const nobj *a, const nobj *b)
{
	double gx = fmax(0, fmax(b->xmin - a->xmax, a->xmin - b->xmax));
	double gy = fmax(0, fmax(b->ymin - a->ymax, a->ymin - b->ymax));
	double lat = fmax(fmax(fabs(a->ymin), fabs(a->ymax)), fmax(fabs(b->ymin), fabs(b->ymax)));
	double ky, kx;

	rm_metres_per_degree(fmin(lat, 89.9), &ky, &kx);
	return hypot(gx * kx, gy * 110574.0 * (1 - 1e-6));
}

static double
bbox_upper_m(const nobj *a, const nobj *b)
{
	double ux = fmax(a->xmax, b->xmax) - fmin(a->xmin, b->xmin);
	double uy = fmax(a->ymax, b->ymax) - fmin(a->ymin, b->ymin);
	double lat = fmin(fmin(fabs(a->ymin), fabs(a->ymax)), fmin(fabs(b->ymin), fabs(b->ymax)));
	double ky, kx;

	if ((a->ymin < 0) != (a->ymax < 0) || (b->ymin < 0) != (b->ymax < 0) || (a->ymin < 0) != (b->ymin < 0))
		lat = 0;
	rm_metres_per_degree(lat, &ky, &kx);
	return hypot(ux * kx, uy * 111694.0 * (1 + 1e-6));
}

static int
cmp_obj_xmin(const void *a, const void *b)
{
	const nobj *x = a, *y = b;

	if (x->xmin < y->xmin)
		return -1;
	if (x->xmin > y->xmin)
		return 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static void
geos_notice(const char *fmt, ...)
{
	(void) fmt;
}

int
rm_alloc_near_graph(int n, const unsigned char *const *wkb, const size_t *wkb_len,
					const char *want, const int *group, double max_m,
					int **start_out, int **nbr_out, char *errbuf, size_t errlen,
					rm_interrupt_fn interrupted, void *interrupted_arg)
{
	GEOSContextHandle_t h = NULL;
	GEOSWKBReader *rd = NULL;
	nobj *o = NULL;
	int no = 0, rc = RM_OK;
	int *pi = NULL, *pj = NULL;
	size_t np = 0, cap = 0;
	int *start = NULL, *nbr = NULL, *fill = NULL;
	proj_t pr;
	double latmax = 0, latsum = 0, lonsum = 0, dlat, dlon;
	long polls = 0;

	*start_out = NULL;
	*nbr_out = NULL;
	if (n < 0 || !(max_m >= 0))
		return RM_EINVAL;
	h = GEOS_init_r();
	if (!h)
		return RM_ENOMEM;
	GEOSContext_setNoticeHandler_r(h, geos_notice);
	GEOSContext_setErrorHandler_r(h, geos_notice);
	rd = GEOSWKBReader_create_r(h);
	o = calloc((size_t) n + 1, sizeof(nobj));
	if (!rd || !o)
	{
		rc = RM_ENOMEM;
		goto done;
	}
	for (int i = 0; i < n; i++)
	{
		GEOSGeometry *g;
		nobj *b = &o[no];

		if (want && !want[i])
			continue;
		if (!wkb || !wkb[i] || !wkb_len)
		{
			errf(errbuf, errlen, "source #%d: no geometry", i);
			rc = RM_EGEOS;
			goto done;
		}
		g = GEOSWKBReader_read_r(h, rd, wkb[i], wkb_len[i]);
		if (!g || GEOSisEmpty_r(h, g) != 0)
		{
			if (g)
				GEOSGeom_destroy_r(h, g);
			errf(errbuf, errlen, "source #%d: unreadable or empty geometry", i);
			rc = RM_EGEOS;
			goto done;
		}
		b->idx = i;
		if (GEOSGeomTypeId_r(h, g) == GEOS_POINT)
		{
			GEOSGeomGetX_r(h, g, &b->xmin);
			GEOSGeomGetY_r(h, g, &b->ymin);
			b->xmax = b->xmin;
			b->ymax = b->ymin;
			b->point = 1;
		}
		else
		{
			GEOSGeom_getXMin_r(h, g, &b->xmin);
			GEOSGeom_getYMin_r(h, g, &b->ymin);
			GEOSGeom_getXMax_r(h, g, &b->xmax);
			GEOSGeom_getYMax_r(h, g, &b->ymax);
			b->proj = g;		/* projected below */
			g = NULL;
		}
		if (g)
			GEOSGeom_destroy_r(h, g);
		no++;
		if (!(isfinite(b->xmin) && isfinite(b->ymin) && isfinite(b->xmax) && isfinite(b->ymax))
			|| fabs(b->ymin) > 90 || fabs(b->ymax) > 90)
		{
			errf(errbuf, errlen, "source #%d: coordinates out of range", i);
			rc = RM_EGEOS;
			goto done;
		}
		if (fabs(b->ymin) > latmax)
			latmax = fabs(b->ymin);
		if (fabs(b->ymax) > latmax)
			latmax = fabs(b->ymax);
		latsum += (b->ymin + b->ymax) / 2;
		lonsum += (b->xmin + b->xmax) / 2;
	}
	if (latmax > 89)
		latmax = 89;
	pr.lat0 = no ? latsum / no : 0;
	pr.lon0 = no ? lonsum / no : 0;
	rm_metres_per_degree(pr.lat0, &pr.ky, &pr.kx);
	for (int i = 0; i < no; i++)
		if (o[i].proj)
		{
			GEOSGeometry *t = GEOSGeom_transformXY_r(h, o[i].proj, fwd_xy, &pr);

			GEOSGeom_destroy_r(h, o[i].proj);
			o[i].proj = t;
			if (!t)
			{
				errf(errbuf, errlen, "source #%d: cannot project geometry", o[i].idx);
				rc = RM_EGEOS;
				goto done;
			}
		}
	/* Conservative search window in degrees (slack for the ellipsoid). */
	{
		double ky, kx;

		rm_metres_per_degree(latmax, &ky, &kx);
		dlat = max_m / 110000.0 * 1.01;
		dlon = kx > 1 ? max_m / kx * 1.01 : 360;
	}
	qsort(o, no, sizeof(nobj), cmp_obj_xmin);
	for (int a = 0; a < no; a++)
	{
		for (int b = a + 1; b < no && o[b].xmin <= o[a].xmax + dlon; b++)
		{
			double d;

			if (interrupted && (++polls & 65535) == 0 && interrupted(interrupted_arg))
			{
				rc = RM_EINTERRUPTED;
				goto done;
			}
			if (o[b].ymin > o[a].ymax + dlat || o[a].ymin > o[b].ymax + dlat)
				continue;
			if (group && group[o[a].idx] != group[o[b].idx])
				continue;
			if (o[a].point && o[b].point)
				d = rm_local_distance(o[a].xmin, o[a].ymin, o[b].xmin, o[b].ymin);
			else if ((d = bbox_lower_m(&o[a], &o[b])) > max_m)
				continue;
			else if (bbox_upper_m(&o[a], &o[b]) <= max_m)
				d = 0;		/* every pair of points is near */
			else
			{
				/* nearest points in the projected plane, measured on the
				 * ground: an upper bound of the true distance, close to it */
				GEOSGeometry *ga = o[a].proj, *gb = o[b].proj, *tmp = NULL;
				GEOSCoordSequence *cs;
				double x1, y1, x2, y2;

				if (o[a].point || o[b].point)
				{
					nobj *pt = o[a].point ? &o[a] : &o[b];

					tmp = GEOSGeom_createPointFromXY_r(h, (pt->xmin - pr.lon0) * pr.kx, (pt->ymin - pr.lat0) * pr.ky);
					if (!tmp)
					{
						rc = RM_ENOMEM;
						goto done;
					}
					if (o[a].point)
						ga = tmp;
					else
						gb = tmp;
				}
				cs = GEOSNearestPoints_r(h, ga, gb);
				if (tmp)
					GEOSGeom_destroy_r(h, tmp);
				if (!cs)
				{
					errf(errbuf, errlen, "sources #%d and #%d: distance failed", o[a].idx, o[b].idx);
					rc = RM_EGEOS;
					goto done;
				}
				GEOSCoordSeq_getXY_r(h, cs, 0, &x1, &y1);
				GEOSCoordSeq_getXY_r(h, cs, 1, &x2, &y2);
				GEOSCoordSeq_destroy_r(h, cs);
				d = rm_local_distance(pr.lon0 + x1 / pr.kx, pr.lat0 + y1 / pr.ky,
											 pr.lon0 + x2 / pr.kx, pr.lat0 + y2 / pr.ky);
			}
			if (d <= max_m)
			{
				if (np == cap)
				{
					size_t nc = cap ? cap * 2 : 4096;
					int *ni = realloc(pi, nc * sizeof(int)), *nj;

					if (!ni)
					{
						rc = RM_ENOMEM;
						goto done;
					}
					pi = ni;
					nj = realloc(pj, nc * sizeof(int));
					if (!nj)
					{
						rc = RM_ENOMEM;
						goto done;
					}
					pj = nj;
					cap = nc;
				}
				pi[np] = o[a].idx;
				pj[np] = o[b].idx;
				np++;
			}
		}
	}
	start = calloc((size_t) n + 2, sizeof(int));
	fill = calloc((size_t) n + 1, sizeof(int));
	nbr = malloc((2 * np + 1) * sizeof(int));
	if (!start || !fill || !nbr)
	{
		rc = RM_ENOMEM;
		goto done;
	}
	for (size_t e = 0; e < np; e++)
	{
		start[pi[e] + 1]++;
		start[pj[e] + 1]++;
	}
	for (int i = 0; i < n; i++)
		start[i + 1] += start[i];
	for (size_t e = 0; e < np; e++)
	{
		nbr[start[pi[e]] + fill[pi[e]]++] = pj[e];
		nbr[start[pj[e]] + fill[pj[e]]++] = pi[e];
	}
	for (int i = 0; i < n; i++)
		qsort(nbr + start[i], start[i + 1] - start[i], sizeof(int), cmp_int);
	*start_out = start;
	*nbr_out = nbr;
	start = NULL;
	nbr = NULL;
done:
	if (o)
		for (int i = 0; i < no; i++)
			if (o[i].proj)
				GEOSGeom_destroy_r(h, o[i].proj);
	free(o);
	free(pi);
	free(pj);
	free(start);
	free(nbr);
	free(fill);
	if (rd)
		GEOSWKBReader_destroy_r(h, rd);
	GEOS_finish_r(h);
	return rc;
}

/* ------------------------------------------------------------------ */
int
rm_alloc_months(unsigned busy_mask, int k, int *months)
{
	int free_m[12], f = 0;

	for (int m = 1; m <= 12; m++)
		if (!(busy_mask & (1u << (m - 1))))
			free_m[f++] = m;
	if (k > f)
		k = f;
	if (k < 0)
		k = 0;
	for (int i = 0; i < k; i++)
		months[i] = free_m[(2 * i + 1) * f / (2 * k)];
	return k;
}
