/*
 * rm_mincostflow.h — exact min-cost flow for the capacitated evacuation
 * (a transportation problem with an "unserved" outlet).
 *
 * Sources (population cells) with supply s_i >= 0, sinks (shelters) with
 * capacity u_j >= 0, allowed pairs (i, j) with cost c_ij >= 0 (seconds), and
 * for every source an outlet "unserved" of unlimited capacity.
 * The objective is lexicographic: first minimise the unserved total (i.e.
 * maximise people served), then the total cost sum f_ij c_ij. Costs are
 * carried as pairs (unserved units, seconds) compared lexicographically, an
 * ordered abelian group, so successive shortest paths with Dijkstra and node
 * potentials stay exact — no big-M constant mixes the two scales.
 *
 * Algorithm: every source first sends all its supply to its cheapest option
 * (a min-cost pseudo-flow with valid potentials); then successive shortest
 * paths move the excess of over-full sinks along shortest residual paths
 * (reassigning people, possibly to "unserved") to a sink with spare capacity
 * or to the unserved outlet, updating potentials after each search.
 * Flows are doubles: each augmentation subtracts the bottleneck, which leaves
 * that residual at exactly 0; residuals below 1e-15 of the total supply are
 * snapped to 0 (documented in docs/evacuation.md).
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
	int64_t		augmentations;
	int64_t		settled;		/* nodes settled over all searches */
} rm_transport_stats;

/*
 * flow: per pair (out), unserved: per source (out). Returns RM_OK, RM_ENOMEM,
 * RM_EINTR or RM_EINVAL (bad input).
 */
int			rm_transport_solve(const rm_transport *t, const rm_allocator *a,
							   const rm_interrupt *intr, double *flow, double *unserved,
							   rm_transport_stats *stats);

#endif
