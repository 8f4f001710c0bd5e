/*
 * rm_allocate_heuristic.c — greedy, local search (slot and pair re-optimisation,
 * augmenting paths) and per-organisation polish.
 * See rm_allocate_internal.h and rm_allocate.h.
 */
#define _GNU_SOURCE /* qsort_r */
#include "rm_allocate_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
void
ra_greedy(actx *c)
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
		val[s] = ra_best_group(c, s);
		c->gn[s] = c->nbest;
		memcpy(&c->g[s * K], c->best, c->nbest * sizeof(int));
	}
	for (;;)
	{
		int bs = -1;

		if (ra_poll_stop(c))
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
				val[t] = ra_best_group(c, t);
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
		if (ra_in_pool(c, s, c->g[t * c->K + i]))
			return 1;
	for (int i = 0; i < c->gn[s]; i++)
		if (ra_in_pool(c, t, c->g[s * c->K + i]))
			return 1;
	return 0;
}

/* Fill an empty slot e by an augmenting path: e takes a source from a slot
 * that keeps another one, or from a singleton slot that in turn takes a
 * source elsewhere, ... ending at a free source. Returns 1 when done. */
/* Along the augmenting path from slot u up to slot e: each slot gives its
 * source (par_src) to its parent (par_slot) and takes the one from below,
 * starting with take. */
static void
shift_up(actx *c, int e, int u, int take, const int *par_slot, const int *par_src)
{
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
				par_src[t] = x; /* t gives x to u */
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
		/* end_slot (empty now or e itself) takes the free source; up the
		 * path each slot gives its source to its parent */
		shift_up(c, e, end_slot, end_src, par_slot, par_src);
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
		shift_up(c, e, par_slot[t], x, par_slot, par_src);
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
	int *save;  /* m * K */
	int *bestg; /* m * K */
	int nsave[RM_REOPT_MAX];
	int nbest[RM_REOPT_MAX];
	val_t bestv;
	int found;
	int n_alt; /* alternatives tried for the first slot of an order */
	int *alt;  /* RM_ALT_MAX * K */
	int nalt[RM_ALT_MAX];
	altref abuf[4 * RM_ALT_MAX];
	int *atmp; /* 4 * RM_ALT_MAX * K */
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
			na = ra_alt_groups(c, T[perm[0]], r->n_alt, r->alt, r->nalt, r->abuf, r->atmp);
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
				v.w += ra_best_group(c, s);
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
		for (int s = 0; s < S && !ra_poll_stop(c); s++)
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
		for (int s = 0; s < S && !ra_poll_stop(c); s++)
			for (int t = s + 1; t < S && !ra_poll_stop(c); t++)
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

int
ra_status_of(actx *c)
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
	int rc = ra_ctx_init(&c, p);

	if (rc != RM_OK)
		return rc;
	ra_greedy(&c);
	if (!c.stop)
		local_search(&c);
	rc = ra_status_of(&c);
	if (rc == RM_OK)
	{
		export_solution(&c, sol);
		sol->optimal = 0;
		sol->nodes = 0;
	}
	ra_ctx_free(&c);
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
			if (rc == RM_OK && (sub_sol.filled > f0 || (sub_sol.filled == f0 && sub_sol.score > w0 + EPS)))
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
