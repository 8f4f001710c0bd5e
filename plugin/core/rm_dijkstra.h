/*
 * rm_dijkstra.h — multi-source bounded Dijkstra with a binary heap.
 *
 * Works on any CSR adjacency (for the road graph: the arcs *into* each node,
 * so the search runs from the shelters backwards and dist[v] is the time from
 * v to the nearest source). Labels are (time, source label) compared
 * lexicographically, so ties go to the lower label.
 */
#ifndef RM_DIJKSTRA_H
#define RM_DIJKSTRA_H

#include "rm_graph.h"

typedef struct rm_csr
{
	int32_t		n;
	const int64_t *off;			/* n + 1 */
	const int32_t *adj;
	const double *cost;			/* >= 0 */
} rm_csr;

typedef struct rm_heap_item
{
	double		d;
	int32_t		label;
	int32_t		v;
} rm_heap_item;

typedef struct rm_dijkstra_ws
{
	int32_t		n;
	double	   *dist;			/* INFINITY where not reached */
	int32_t    *label;			/* -1 where not reached */
	int32_t    *touched;		/* nodes reached by the last run */
	int32_t		n_touched;
	rm_heap_item *heap;
	int64_t		heap_len,
				heap_cap;
	const rm_allocator *a;
} rm_dijkstra_ws;

int			rm_dijkstra_ws_init(rm_dijkstra_ws *ws, const rm_allocator *a, int32_t n);
void		rm_dijkstra_ws_free(rm_dijkstra_ws *ws);

/*
 * Clears the previous run (O(touched)) and runs from the given sources:
 * initial distance init[i] (>= 0) at node src[i] with label lab[i].
 * Nodes farther than bound are not settled (dist stays INFINITY).
 * Returns RM_OK, RM_ENOMEM or RM_EINTERRUPTED.
 */
int			rm_dijkstra_run(rm_dijkstra_ws *ws, const rm_csr *g, int32_t n_src,
							const int32_t *src, const double *init, const int32_t *lab,
							double bound, const rm_interrupt *intr);

rm_csr		rm_graph_reverse_csr(const rm_graph *g);

#endif
