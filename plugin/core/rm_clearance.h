/*
 * rm_clearance.h — evacuation clearance in a discrete-time flow model.
 *
 * The model (docs/clearance.md): time runs in steps of δ seconds. People
 * appear at their source node `walk` steps after time 0 (the walking leg from
 * their cell) and may wait there and at any node; an arc takes `steps` steps
 * and at most `cap` people may enter it during one step (INFINITY =
 * unlimited); a sink (shelter) is reached `walk` steps after its node and
 * takes at most `capacity` people in all. Arrival step = the step at the
 * sink's node + its walk. Everything here is counted in steps; the glue
 * multiplies by δ.
 *
 * Goal: serve the most people that can arrive by `horizon`, and among such
 * schedules minimise the clearance (the last arrival).
 *
 * Method (RM_CLR_AUTO): a CCRP-style heuristic (earliest-arrival paths with
 * capacity reserved per arc and step, Lu, George & Shekhar 2005) gives a
 * schedule; two relaxations give proven bounds: an upper bound on the people
 * that can be served (transportation problem without road capacities) and a
 * lower bound on the clearance (the same relaxation, and a cut bound over the
 * capacitated edges). When the heuristic serves the bound and its clearance
 * is within 10 % plus one step of the lower bound, it is returned; otherwise
 * the exact time-expanded max flow (binary search on T) replaces it, unless
 * that network would exceed `max_exact_arcs`.
 */
#ifndef RM_CLEARANCE_H
#define RM_CLEARANCE_H

#include "rm_graph.h"

typedef struct rm_clr_arc
{
	int32_t		from,
				to;
	int32_t		steps;			/* >= 0 */
	double		cap;			/* people per step, > 0 (INFINITY = unlimited) */
	int64_t		edge_id;		/* road edge id, < 0 for a pseudo arc (straight-line leg) */
} rm_clr_arc;

typedef struct rm_clr_source
{
	int32_t		node;
	int32_t		walk;			/* steps from the cell to its node, >= 0 */
	double		people;			/* > 0 */
} rm_clr_source;

typedef struct rm_clr_sink
{
	int32_t		node;
	int32_t		walk;			/* steps from its node to the shelter */
	double		capacity;		/* > 0 */
} rm_clr_sink;

typedef struct rm_clr_problem
{
	int32_t		n_nodes;
	const rm_clr_arc *arcs;
	int64_t		n_arcs;
	const rm_clr_source *src;
	int32_t		n_src;
	const rm_clr_sink *snk;
	int32_t		n_snk;
	int32_t		horizon;		/* last allowed arrival step, >= 0 */
} rm_clr_problem;

enum
{
	RM_CLR_AUTO = 0,			/* heuristic, exact when it cannot be certified */
	RM_CLR_HEURISTIC = 1,		/* heuristic only */
	RM_CLR_EXACT = 2			/* exact time-expanded max flow only */
};

typedef struct rm_clr_options
{
	int			mode;
	int64_t		max_exact_arcs; /* AUTO: skip the exact solver above this size (0: no limit, < 0: never) */
} rm_clr_options;

/* One group: people of source `src` going to sink `snk` along one path. */
typedef struct rm_clr_group
{
	int32_t		src;
	int32_t		snk;			/* -1: unserved (times and path unused) */
	double		people;
	int32_t		depart;			/* step it leaves its cell */
	int32_t		arrive;			/* step it reaches the shelter */
	int64_t		path_off;		/* into path_arc / path_enter */
	int32_t		path_len;
} rm_clr_group;

typedef struct rm_clr_bottleneck
{
	int64_t		edge_id;
	double		people;			/* people who entered it (both directions) */
	int32_t		saturated_steps;	/* steps in which a direction was full */
} rm_clr_bottleneck;

typedef struct rm_clr_result
{
	rm_clr_group *groups;		/* ordered by src, depart, snk, arrive, path */
	int64_t		n_groups;
	int32_t    *path_arc;		/* arc indices */
	int32_t    *path_enter;		/* step each arc is entered */
	int64_t		path_total;
	double		people;			/* total supply */
	double		served;
	int32_t		clearance;		/* steps; -1 when nobody is served */
	int32_t		lower_bound;	/* steps, proven <= optimum; -1 when nobody is served */
	int32_t		lb_relaxation;	/* the two ingredients of lower_bound */
	int32_t		lb_cut;
	int32_t		heuristic_clearance;	/* CCRP's, -1 when it was not run */
	int			exact;			/* 1 when the exact solver gave the result */
	int			served_proven;	/* 1 when served is proven maximal */
	int64_t		exact_arcs;		/* size of the last time-expanded network (0: none) */
	int32_t		exact_flows;	/* max flows solved */
	double		exact_value;	/* the exact max flow at the clearance (people) */
	rm_clr_bottleneck *bottlenecks; /* finite-capacity edges saturated at some step, most loaded first */
	int32_t		n_bottlenecks;
} rm_clr_result;

/* Returns RM_OK, RM_ENOMEM, RM_EINTERRUPTED or RM_EINVAL (inconsistent input). */
int			rm_clearance_solve(const rm_clr_problem *p, const rm_clr_options *opt,
							   const rm_allocator *a, const rm_interrupt *intr,
							   rm_clr_result *out);
void		rm_clr_result_free(rm_clr_result *r, const rm_allocator *a);

/* ⌈x⌉ for a step count, forgiving a relative rounding error of 1e-9. */
int32_t		rm_clr_steps(double seconds, double step_s);

#endif
