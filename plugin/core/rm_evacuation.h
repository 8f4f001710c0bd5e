/*
 * rm_evacuation.h — evacuation assignment (uncapacitated and capacitated).
 *
 * Travel time of cell i to shelter j:
 *   road mode (graph given): walk(cell -> its nearest node) + network time
 *     (node -> shelter's nearest node) + walk(that node -> shelter), walking
 *     legs = ground distance / speed;
 *   straight-line mode (no graph): ground distance / speed.
 * Uncapacitated: whole cell to its quickest shelter within max_time
 * (ties: lower shelter id). Capacitated: exact lexicographic min-cost flow
 * (max people served, then min person-seconds), see rm_mincostflow.h.
 */
#ifndef RM_EVACUATION_H
#define RM_EVACUATION_H

#include "rm_graph.h"

struct rm_transport;

typedef struct rm_evac_cell
{
	int64_t		id;
	double		lon,
				lat;			/* centroid; NaN when it has none */
	double		people;
} rm_evac_cell;

typedef struct rm_evac_shelter
{
	int64_t		id;
	double		lon,
				lat;
	double		capacity;
} rm_evac_shelter;

typedef struct rm_evac_row
{
	int32_t		cell;			/* index into cells */
	int32_t		shelter;		/* index into shelters, -1 = unserved */
	double		people;
	double		time_s;			/* NaN when unserved */
} rm_evac_row;

typedef struct rm_evac_params
{
	double		max_time_s;		/* >= 0, may be INFINITY */
	double		speed_mps;		/* > 0, finite */
	int			capacitated;
	int64_t		max_pairs;		/* capacitated: more (node or cell, shelter) pairs -> RM_ELIMIT; <= 0: no limit */
	/* optional: called with the transportation problem before it is solved (benchmarks) */
	void		(*pairs_hook) (void *arg, const struct rm_transport *t);
	void	   *pairs_arg;
} rm_evac_params;

typedef struct rm_evac_result
{
	rm_evac_row *rows;			/* ordered by cell, shelter (id order), unserved last */
	int64_t		n_rows;
	int64_t		n_pairs;		/* capacitated: (cell, shelter) pairs within max_time */
	int64_t		augmentations;	/* cost-scaling passes */
	int64_t		pricing_rounds;
	int64_t		pairs_used;		/* pairs that entered the flow network */
	double		t_prepare_s;	/* snapping and searches (wall clock) */
	double		t_flow_s;		/* the min-cost flow */
} rm_evac_result;

/*
 * cells and shelters must be sorted by id (ascending, distinct). graph NULL
 * (or without nodes and road_mode 0) selects straight-line mode.
 * Returns RM_OK, RM_ENOMEM, RM_EINTERRUPTED or RM_EINVAL.
 */
int			rm_evacuate(const rm_graph *graph, int road_mode,
						const rm_evac_cell *cells, int32_t n_cells,
						const rm_evac_shelter *shelters, int32_t n_shelters,
						const rm_evac_params *p, const rm_allocator *a,
						const rm_interrupt *intr, rm_evac_result *out);
void		rm_evac_result_free(rm_evac_result *r, const rm_allocator *a);

/*
 * Travel times (seconds) from the point lon/lat to each shelter, measured as
 * in rm_evacuate (graph NULL: straight line); INFINITY where unreachable.
 */
int			rm_evac_times_from(const rm_graph *graph, double lon, double lat, double speed,
							   const rm_evac_shelter *shelters, int32_t n_shelters,
							   const rm_allocator *a, const rm_interrupt *intr, double *times);

#endif
