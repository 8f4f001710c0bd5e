/*
 * rm_mincostflow.h — exact min-cost flow for the capacitated evacuation
 * (a transportation problem with an "unserved" outlet).
 *
 * Sources (population cells) with supply s_i >= 0, sinks (shelters) with
 * capacity u_j >= 0, allowed pairs (i, j) with cost c_ij >= 0 (seconds), and
 * for every source an outlet "unserved" of unlimited capacity.
 * The objective is lexicographic: first maximise the people served, then
 * minimise the total cost sum f_ij c_ij.
 *
 * Algorithm (exact, two phases on the network S -> cells -> shelters -> T):
 *  1. maximum flow S -> T (Dinic): the most people that can be served;
 *  2. min-cost circulation in the residual network of that flow (cost scaling
 *     push-relabel, Goldberg & Tarjan). A circulation keeps the net flow of
 *     every node, S included, so it turns the max flow into the cheapest max
 *     flow: the lexicographic optimum, with no big-M constant.
 * Costs are made integers at a resolution chosen per call so that
 * (nodes + 1) * largest cost <= 2^48 (about 1e-6 s for one hour and 100,000
 * cells; capped at 1e-9 s) and multiplied by nodes + 1; the final prices are
 * 1-optimal, which is optimal for integer costs. The result is the exact
 * optimum for the costs at that resolution. Flows are doubles (fractional
 * people): every push moves min(excess, residual), leaving a saturated arc at
 * exactly 0; excesses below 1e-13 of the total supply count as zero.
 */
#ifndef RM_MINCOSTFLOW_H
#define RM_MINCOSTFLOW_H

#include "rm_graph.h"

typedef struct rm_transport
{
	int32_t		n_src,
				n_snk;
	const double *supply;		/* n_src, >= 0, finite */
	const double *cap;			/* n_snk, >= 0 (INFINITY allowed) */
	const int64_t *off;			/* n_src + 1: pairs of source i are off[i]..off[i+1]-1 */
	const int32_t *snk;			/* per pair */
	const double *cost;			/* per pair, >= 0, finite */
} rm_transport;

typedef struct rm_transport_stats
{
	int64_t		augmentations;	/* refine passes of the cost scaling */
	int64_t		settled;		/* unused */
} rm_transport_stats;

/*
 * flow: per pair (out), unserved: per source (out). Returns RM_OK, RM_ENOMEM,
 * RM_EINTR or RM_EINVAL (bad input).
 */
int			rm_transport_solve(const rm_transport *t, const rm_allocator *a,
							   const rm_interrupt *intr, double *flow, double *unserved,
							   rm_transport_stats *stats);

#endif
