/*
 * rm_plan_lifecycle.c — the plan lifecycle table; see rm_plan_lifecycle.h.
 */
#include "rm_plan_lifecycle.h"

#include <string.h>

static const char *const state_names[RM_PLAN_N_STATES] = {
	[RM_PLAN_DRAFTING] = "drafting",
	[RM_PLAN_REVIEWING] = "reviewing",
	[RM_PLAN_APPROVED] = "approved",
	[RM_PLAN_PUBLISHED] = "published",
	[RM_PLAN_FILED] = "filed",
	[RM_PLAN_REVISING] = "revising",
	[RM_PLAN_RETIRED] = "retired",
};

/* allowed[from][to] */
static const bool allowed[RM_PLAN_N_STATES][RM_PLAN_N_STATES] = {
	[RM_PLAN_DRAFTING] = {[RM_PLAN_REVIEWING] = true, [RM_PLAN_RETIRED] = true},
	[RM_PLAN_REVIEWING] = {[RM_PLAN_APPROVED] = true, [RM_PLAN_RETIRED] = true},
	[RM_PLAN_APPROVED] = {[RM_PLAN_PUBLISHED] = true, [RM_PLAN_RETIRED] = true},
	[RM_PLAN_PUBLISHED] = {[RM_PLAN_FILED] = true, [RM_PLAN_REVISING] = true, [RM_PLAN_RETIRED] = true},
	[RM_PLAN_FILED] = {[RM_PLAN_REVISING] = true, [RM_PLAN_RETIRED] = true},
	[RM_PLAN_REVISING] = {[RM_PLAN_REVIEWING] = true, [RM_PLAN_RETIRED] = true},
	[RM_PLAN_RETIRED] = {0},
};

int
rm_plan_state_parse(const char *name, size_t len)
{
	if (name == NULL)
		return -1;
	for (int s = 0; s < RM_PLAN_N_STATES; s++)
		if (strlen(state_names[s]) == len && memcmp(state_names[s], name, len) == 0)
			return s;
	return -1;
}

const char *
rm_plan_state_name(int state)
{
	if (state < 0 || state >= RM_PLAN_N_STATES)
		return NULL;
	return state_names[state];
}

bool
rm_plan_move_allowed(int from, int to)
{
	if (from < 0 || from >= RM_PLAN_N_STATES || to < 0 || to >= RM_PLAN_N_STATES)
		return false;
	return allowed[from][to];
}

const char *
rm_plan_date_column(int to)
{
	switch (to)
	{
		case RM_PLAN_APPROVED:
			return "approved_on";
		case RM_PLAN_PUBLISHED:
			return "published_on";
		case RM_PLAN_FILED:
			return "filed_on";
		case RM_PLAN_REVISING:
			return "revised_on";
		default:
			return NULL;
	}
}
