/*
 * rm_scenario.h — the deterministic part of blind-drill scenarios: a seeded
 * PRNG of our own (xoshiro256** seeded through splitmix64; never rand()),
 * weighted draws, and the timing of injects against a plan's workflow steps.
 *
 * Plain C core: no postgres.h. Same seed and stream, same numbers, on every
 * platform (only 64-bit integer arithmetic; doubles are made from the top 53
 * bits).
 */
#ifndef RM_SCENARIO_H
#define RM_SCENARIO_H

#include <stdint.h>

typedef struct rm_rng
{
	uint64_t s[4];
} rm_rng;

/* A stream of numbers for (seed, stream): different streams of one seed are
 * independent, so that each part of a scenario can be drawn on its own. */
void rm_rng_seed(rm_rng *r, int64_t seed, int64_t stream);
uint64_t rm_rng_next(rm_rng *r);
/* Uniform in [0, 1). */
double rm_rng_uniform(rm_rng *r);
/* Uniform integer in [0, n), unbiased; 0 when n <= 1. */
int64_t rm_rng_below(rm_rng *r, int64_t n);
/* Index i with probability w[i] / sum(w) (weights <= 0, NaN: never);
 * -1 when no weight is positive. */
int rm_rng_pick_weighted(rm_rng *r, const double *w, int n);

/* Injects (events the control cell feeds the players during the drill). */
enum
{
	RM_INJECT_INITIAL = 0,			/* the first report of the event */
	RM_INJECT_ESCALATION = 1,		/* it gets worse */
	RM_INJECT_SECONDARY = 2,		/* a secondary / derived event */
	RM_INJECT_RESOURCE_FAILURE = 3	/* a resource fails (shelter closed, road cut, comms down) */
};
#define RM_SCENARIO_MAX_INJECTS 8

typedef struct rm_inject
{
	int at_minute;		/* minutes after the start */
	int kind;			/* RM_INJECT_* */
	int step;			/* index of the workflow step it tests, or -1 */
	int deadline_minute;	/* at_minute + the step's within_minutes, or -1 */
} rm_inject;

/* Plans the injects of a scenario: an initial report at minute 0 (testing
 * step 0 when there is one), then up to max-1 injects each testing a
 * different step, drawn at random but kept in workflow order, 5..24 minutes
 * apart; their kinds cover escalation, secondary event and resource failure
 * before repeating. within[i] is step i's time limit in minutes (<= 0: none).
 * Without steps: three generic injects. Returns the number written to out
 * (at most max, at most RM_SCENARIO_MAX_INJECTS). */
int rm_scenario_injects(rm_rng *r, const int *within, int n_steps, int max, rm_inject *out);

const char *rm_inject_kind_name(int kind);

#endif
