/*
 * rm_allocate_internal.h — what the parts of the drill allocator share (not a
 * public header): values, the search context, limits, and the functions one
 * part calls in another. The problem and the solvers: rm_allocate.h.
 *
 *   rm_allocate_context.c    the context, solutions, the checker, months
 *   rm_allocate_groups.c     a slot's best group and its alternatives (cliques)
 *   rm_allocate_heuristic.c  greedy, local search, per-organisation polish
 *   rm_allocate_exact.c      branch and bound, upper bounds
 *   rm_allocate_near.c       the 10 km near graph of source geometries
 */
#ifndef RM_ALLOCATE_INTERNAL_H
#define RM_ALLOCATE_INTERNAL_H

#include <stddef.h>

#include "rm_allocate.h"

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

static inline int
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
	int **spool; /* per slot: eligible pool sorted by (w desc, idx asc) */
	int *n_spool;
	int *spool_owned; /* 1 when spool[s] is not shared with s-1 */
	int *same_prev;   /* slot s has the same org, class and pool as s-1 */
	int *slot_of;     /* current assignment */
	int *g;           /* groups: g[s*K .. s*K+gn[s]) */
	int *gn;
	/* scratch */
	int *cat_cnt;
	double *cat_sum;
	int *cat_first;
	int *touched;
	int *pos; /* position of a source in the current slot's spool, or -1 */
	int *cand;
	double *cand_pre;
	int *clique;
	int *best;
	int nbest;
	double bestw;
	long clique_nodes;
	int capped; /* a clique search hit its node cap */
	long polls;
	int stop; /* interrupted */
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
	int *mt_src;  /* source -> slot matched to it, or -1 */
	int *mt_mark; /* source -> last visit stamp */
	int mt_stamp;
	long pool_total; /* sum of pool sizes */
	int depth;       /* recursion depth of the exact search */
	/* tighter group bounds in the exact search (small pools only) */
	int tight;    /* enabled */
	double *ext;  /* RM_TIGHT_MAX_DEPTH frames x RM_TIGHT_MAX: bound of the rest of the group per position */
	int *lst;     /* RM_TIGHT_MAX scratch */
	double *ring; /* n_categories x K */
	int *ring_n, *ring_head;
	double *ring_sum;
} actx;

#define RM_TIGHT_MAX 512
#define RM_TIGHT_MAX_K 64
#define RM_TIGHT_MAX_DEPTH 256 /* one ext array per active frame */

/* The exact search gives up (not proven optimal) rather than recurse deeper. */
#define RM_BB_MAX_DEPTH 4000

/* A candidate group of alt_groups: weight, size (or category), position. */
typedef struct
{
	double w;
	int n;
	int at;
} altref;

static inline int
ra_in_pool(const actx *c, int s, int x)
{
	return (c->member[s][x >> 3] >> (x & 7)) & 1;
}

/* rm_allocate_context.c */
int ra_poll_stop(actx *c);
int ra_ctx_init(actx *c, const rm_alloc_problem *p);
void ra_ctx_free(actx *c);
/* source indices by weight, heaviest first (qsort_r; arg: the problem) */
int ra_cmp_by_weight(const void *a, const void *b, void *arg);
int ra_cmp_int(const void *a, const void *b);
int ra_is_near(const rm_alloc_problem *p, int a, int b);
void ra_errf(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* rm_allocate_groups.c: the best free group of slot s (into c->best) and
 * up to max_alt alternatives, heaviest first */
double ra_best_group(actx *c, int s);
int ra_alt_groups(actx *c, int s, int max_alt, int *alt, int *nalt, altref *buf, int *tmp);

/* rm_allocate_heuristic.c */
void ra_greedy(actx *c);
int ra_status_of(actx *c);

#endif
