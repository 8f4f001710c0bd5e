/*
 * rm_allocate.h — drill allocation (allocate_drills): which sources each
 * organisation's missing drills should target.
 *
 * Plain C core: no postgres.h, no longjmp. Memory is malloc'ed and freed on
 * every path; functions return an rm_status (rm_common.h).
 *
 * The problem. Sources have a weight w > 0 (sources with w <= 0 are not
 * eligible: an existing drill of the year covers them), a category and a
 * position. There are slots: one per drill an organisation still needs, each
 * with a class (comprehensive or special) and a pool of sources it may target
 * (a district: its own sources; a department: the sources of its categories).
 * A solution gives every slot a group of sources:
 *   - 0..K sources of its pool (K = max targets per drill);
 *   - groups are pairwise disjoint (a source is covered once);
 *   - a special group's sources share one category;
 *   - a comprehensive group's sources are pairwise "near" (ground distance
 *     <= 10 km; the caller gives the near graph, rm_alloc_near_graph builds it).
 * Objective, lexicographic: first the number of non-empty groups (quotas are
 * topped up as far as the sources allow), then the summed weight of the
 * covered sources (the score).
 *
 * Solvers:
 *   rm_alloc_heuristic — greedy (best group of any open slot first), then
 *       local search: re-optimise one slot, re-optimise pairs of interacting
 *       slots in both orders, augmenting paths that fill empty slots.
 *   rm_alloc_exact — depth-first branch and bound over slots and groups with
 *       an incumbent (e.g. the heuristic's) and a node limit; reports whether
 *       optimality was proven.
 *   rm_alloc_upper_bound — a cheap bound on the optimum's score (each slot's
 *       best group alone, capped by the pools' total weight per organisation).
 */
#ifndef RM_ALLOCATE_H
#define RM_ALLOCATE_H

#include <stddef.h>
#include <stdint.h>

#include "rm_common.h"


#define RM_ALLOC_COMPREHENSIVE 0
#define RM_ALLOC_SPECIAL 1

/* Ground distance within which a comprehensive drill's sources must lie. */
#define RM_ALLOC_NEAR_M 10000.0

typedef struct rm_alloc_slot
{
	int org;			/* organisation index (slots of one org are adjacent) */
	int cls;			/* RM_ALLOC_COMPREHENSIVE or RM_ALLOC_SPECIAL */
	const int *pool;	/* source indices the slot may target (any order) */
	int n_pool;
} rm_alloc_slot;

typedef struct rm_alloc_problem
{
	int n_sources;
	const double *weight;		/* n_sources; <= 0: not eligible */
	const int *category;		/* n_sources; 0 <= category < n_categories */
	int n_categories;
	const int *near_start;		/* n_sources + 1 (CSR); may be NULL if no comprehensive slot */
	const int *near;			/* neighbours, sorted ascending per source, symmetric */
	int n_slots;
	const rm_alloc_slot *slots;
	int max_targets;			/* K >= 1 */
	/* Polled now and then; a non-zero answer stops the solver with
	 * RM_EINTERRUPTED (the caller then handles the interrupt). */
	rm_interrupt_fn interrupted;
	void *interrupted_arg;
} rm_alloc_problem;

typedef struct rm_alloc_solution
{
	int *slot_of;		/* n_sources: the slot covering the source, or -1 */
	int filled;			/* non-empty groups */
	double score;		/* summed weight of covered sources */
	int optimal;		/* rm_alloc_exact: 1 when optimality is proven */
	long nodes;			/* rm_alloc_exact: search nodes visited */
} rm_alloc_solution;

/* Allocates sol->slot_of (all -1). */
int rm_alloc_solution_init(rm_alloc_solution *sol, int n_sources);
void rm_alloc_solution_free(rm_alloc_solution *sol);
int rm_alloc_solution_copy(rm_alloc_solution *dst, const rm_alloc_solution *src, int n_sources);

/* Checks a solution against every rule of the problem; recomputes filled and
 * score. Returns 1 when valid, 0 otherwise (why: into errbuf). */
int rm_alloc_check(const rm_alloc_problem *p, rm_alloc_solution *sol, char *errbuf, size_t errlen);

int rm_alloc_heuristic(const rm_alloc_problem *p, rm_alloc_solution *sol);

/* sol holds the incumbent on entry (may be all -1) and the best found on
 * return. node_limit <= 0: no limit. */
int rm_alloc_exact(const rm_alloc_problem *p, rm_alloc_solution *sol, long node_limit);

/* Re-solves each organisation's slots exactly (node_limit nodes each) with
 * the other organisations' groups fixed; keeps what is better. sol must be
 * valid; filled and score are updated. */
int rm_alloc_polish_orgs(const rm_alloc_problem *p, rm_alloc_solution *sol, long node_limit);

/* Upper bound on the score of any solution (not counting filled). */
double rm_alloc_upper_bound(const rm_alloc_problem *p);

/* The near graph of sources given as EWKB/WKB geometries (EPSG:4326 lon/lat):
 * i and j are neighbours when their ground distance is <= max_m metres. Only
 * sources with want[i] != 0 get neighbours (want may be NULL: all), and only
 * sources of the same group[i] (group may be NULL: one group). Non-point
 * geometries: envelope bounds first, else the nearest points found in a
 * local projection measured on the ground (never shorter than the true
 * distance, so a "near" pair is near). Returns
 * CSR arrays (malloc'ed: *start n+1 entries, *nbr). Unreadable geometry:
 * RM_EGEOS with the source index in errbuf's message. */
int rm_alloc_near_graph(int n, const unsigned char *const *wkb, const size_t *wkb_len,
						const char *want, const int *group, double max_m,
						int **start, int **nbr, char *errbuf, size_t errlen,
						rm_interrupt_fn interrupted, void *interrupted_arg);

/* Months for k proposals of an organisation: busy_mask bit (m-1) set when
 * month m is taken (by an existing drill) or not allowed (in the past).
 * Picks k free months spread over the free ones (k clipped to the number of
 * free months), ascending, into months[]. Returns how many were picked. */
int rm_alloc_months(unsigned busy_mask, int k, int *months);

#endif
