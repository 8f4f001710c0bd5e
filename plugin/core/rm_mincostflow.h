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
 * Algorithm (exact): one min-cost flow with an exact big M on the unserved
 * outlets, cost scaling (Goldberg & Tarjan) on 128-bit integers, over a
 * growing subset of the pairs (pricing: pairs whose reduced cost shows they
 * could improve the flow are added until none can). Flows are exact
 * fixed-point multiples of the finest binary unit of the supplies and
 * capacities, so any people >= 0 work (0.01 per cell as well as millions).
 * Costs are integers at a resolution of 1 µs (coarser only beyond 2^40 µs or
 * for astronomically large instances); the result is the exact optimum for
 * those costs. Details in rm_mincostflow.c and docs/evacuation.md.
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
	int64_t		settled;		/* pairs that entered the network */
	int64_t		rounds;			/* pricing rounds */
} rm_transport_stats;

/* pairs of each cell in the first network, and the cost-scaling factor */
#ifndef RM_TRANSPORT_FIRST
#define RM_TRANSPORT_FIRST 6
#endif
/* a global price update after this many times N relabels */
#ifndef RM_TRANSPORT_UPDATE
#define RM_TRANSPORT_UPDATE 1
#endif
#ifndef RM_TRANSPORT_ALPHA
#define RM_TRANSPORT_ALPHA 16
#endif

/*
 * flow: per pair (out), unserved: per source (out). Returns RM_OK, RM_ENOMEM,
 * RM_EINTERRUPTED or RM_EINVAL (bad input).
 */
int			rm_transport_solve(const rm_transport *t, const rm_allocator *a,
							   const rm_interrupt *intr, double *flow, double *unserved,
							   rm_transport_stats *stats);

#endif
