/*
 * rm_allocate_context.c — the allocator's search context, solutions and their checker,
 * month spreading.
 * See rm_allocate_internal.h and rm_allocate.h.
 */
#define _GNU_SOURCE /* qsort_r */
#include "rm_allocate_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
ra_poll_stop(actx *c)
{
	if (c->stop)
		return 1;
	if (c->p->interrupted && (c->polls++ & 1023) == 0 && c->p->interrupted(c->p->interrupted_arg))
		c->stop = 1;
	return c->stop;
}

/* Source indices by weight, heaviest first (qsort_r; arg: the problem). */
int
ra_cmp_by_weight(const void *a, const void *b, void *arg)
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

int
ra_cmp_int(const void *a, const void *b)
{
	int x = *(const int *) a, y = *(const int *) b;

	return (x > y) - (x < y);
}

void
ra_ctx_free(actx *c)
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

int
ra_ctx_init(actx *c, const rm_alloc_problem *p)
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

		if ((sl->cls != RM_ALLOC_COMPREHENSIVE && sl->cls != RM_ALLOC_SPECIAL) || sl->n_pool < 0 ||
		    (sl->n_pool > 0 && !sl->pool))
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
	if (!c->mt_src || !c->mt_mark || !c->spool || !c->member || !c->n_spool || !c->spool_owned || !c->same_prev ||
	    !c->slot_of || !c->g || !c->gn || !c->cat_cnt || !c->cat_sum || !c->cat_first || !c->touched || !c->pos ||
	    !c->cand || !c->cand_pre || !c->clique || !c->best || !c->inc_slot_of)
	{
		ra_ctx_free(c);
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
			ra_ctx_free(c);
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
		qsort_r(c->spool[s], m, sizeof(int), ra_cmp_by_weight, (void *) p);
		c->n_spool[s] = m;
	}
	for (int s = 0; s < S; s++)
		c->pool_total += c->n_spool[s];
	return RM_OK;
}

int
ra_is_near(const rm_alloc_problem *p, int a, int b)
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

void
ra_errf(char *buf, size_t len, const char *fmt, ...)
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
		ra_errf(errbuf, errlen, "out of memory");
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
			ra_errf(errbuf, errlen, "source %d: bad slot %d", i, s);
			ok = 0;
			break;
		}
		if (!(p->weight[i] > 0))
		{
			ra_errf(errbuf, errlen, "source %d: not eligible", i);
			ok = 0;
			break;
		}
		for (int j = 0; j < p->slots[s].n_pool && !inp; j++)
			inp = p->slots[s].pool[j] == i;
		if (!inp)
		{
			ra_errf(errbuf, errlen, "source %d: not in the pool of slot %d", i, s);
			ok = 0;
			break;
		}
		if (++cnt[s] > K)
		{
			ra_errf(errbuf, errlen, "slot %d: more than %d sources", s, K);
			ok = 0;
			break;
		}
		if (first[s] < 0)
			first[s] = i;
		else if (p->slots[s].cls == RM_ALLOC_SPECIAL && p->category[i] != p->category[first[s]])
		{
			ra_errf(errbuf, errlen, "slot %d: sources %d and %d differ in category", s, first[s], i);
			ok = 0;
			break;
		}
		if (p->slots[s].cls == RM_ALLOC_COMPREHENSIVE)
			for (int j = 0; j < i && ok; j++)
				if (sol->slot_of[j] == s && !ra_is_near(p, i, j))
				{
					ra_errf(errbuf, errlen, "slot %d: sources %d and %d are not near", s, j, i);
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
