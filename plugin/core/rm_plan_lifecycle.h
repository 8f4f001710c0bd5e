/*
 * rm_plan_lifecycle.h — the plan lifecycle (预案管理): states and allowed moves.
 *
 *   drafting → reviewing → approved → published → filed
 *   published → revising, filed → revising, revising → reviewing
 *   any state except retired → retired (retired is terminal)
 *
 * Nothing else is allowed, in particular no move to the same state.
 * Plain C: no postgres.h.
 */
#ifndef RM_PLAN_LIFECYCLE_H
#define RM_PLAN_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rm_plan_state
{
	RM_PLAN_DRAFTING = 0,
	RM_PLAN_REVIEWING,
	RM_PLAN_APPROVED,
	RM_PLAN_PUBLISHED,
	RM_PLAN_FILED,
	RM_PLAN_REVISING,
	RM_PLAN_RETIRED,
	RM_PLAN_N_STATES
} rm_plan_state;

/* The state named name[0..len) (exact, case-sensitive), or -1 if unknown. */
int			rm_plan_state_parse(const char *name, size_t len);

/* The name of a state, or NULL for an out-of-range value. */
const char *rm_plan_state_name(int state);

/* Whether the move from → to is allowed; false for out-of-range values. */
bool		rm_plan_move_allowed(int from, int to);

/*
 * The plan column a move into state `to` sets to the move's date, or NULL:
 * approved → "approved_on", published → "published_on", filed → "filed_on",
 * revising → "revised_on" (the state's own column, as docs/reference.md's "matching date
 * column" reads). Republishing also clears filed_on; riskmap.plan_transition
 * does that part.
 */
const char *rm_plan_date_column(int to);

#endif							/* RM_PLAN_LIFECYCLE_H */
