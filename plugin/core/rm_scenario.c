/*
 * rm_scenario.c — seeded PRNG and inject planning for blind-drill scenarios.
 */
#include "rm_scenario.h"

#include <math.h>
#include <stddef.h>

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void
rm_rng_seed(rm_rng *r, int64_t seed, int64_t stream)
{
	uint64_t x = (uint64_t) seed ^ ((uint64_t) stream * 0xD1B54A32D192ED03ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
		r->s[0] = 1;
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rm_rng_next(rm_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
rm_rng_uniform(rm_rng *r)
{
	return (double) (rm_rng_next(r) >> 11) * 0x1.0p-53;
}

int64_t
rm_rng_below(rm_rng *r, int64_t n)
{
	uint64_t un, lim, x;

	if (n <= 1)
		return 0;
	un = (uint64_t) n;
	lim = UINT64_MAX - UINT64_MAX % un;
	do
		x = rm_rng_next(r);
	while (x >= lim);
	return (int64_t) (x % un);
}

int
rm_rng_pick_weighted(rm_rng *r, const double *w, int n)
{
	double total = 0, u;
	int last = -1;

	for (int i = 0; i < n; i++)
		if (w[i] > 0 && isfinite(w[i]))
		{
			total += w[i];
			last = i;
		}
	if (last < 0)
		return -1;
	u = rm_rng_uniform(r) * total;
	for (int i = 0; i < n; i++)
		if (w[i] > 0 && isfinite(w[i]))
		{
			if (u < w[i])
				return i;
			u -= w[i];
		}
	return last;		/* rounding */
}

const char *
rm_inject_kind_name(int kind)
{
	switch (kind)
	{
		case RM_INJECT_INITIAL:
			return "initial_report";
		case RM_INJECT_ESCALATION:
			return "escalation";
		case RM_INJECT_SECONDARY:
			return "secondary_event";
		case RM_INJECT_RESOURCE_FAILURE:
			return "resource_failure";
	}
	return "unknown";
}

/* Time limits beyond two years are treated as two years (no overflow). */
static int
clamp_limit(int m)
{
	return m > 1051200 ? 1051200 : m;
}

int
rm_scenario_injects(rm_rng *r, const int *within, int n_steps, int max, rm_inject *out)
{
	int kinds[3] = {RM_INJECT_ESCALATION, RM_INJECT_SECONDARY, RM_INJECT_RESOURCE_FAILURE};
	int n = 0, t = 0;

	if (max > RM_SCENARIO_MAX_INJECTS)
		max = RM_SCENARIO_MAX_INJECTS;
	if (max <= 0 || !out)
		return 0;
	if (n_steps < 0 || (n_steps > 0 && !within))
		n_steps = 0;
	/* the kinds in a random order, so the first three cover all of them */
	for (int i = 2; i > 0; i--)
	{
		int j = (int) rm_rng_below(r, i + 1), k = kinds[i];

		kinds[i] = kinds[j];
		kinds[j] = k;
	}
	out[n].at_minute = 0;
	out[n].kind = RM_INJECT_INITIAL;
	out[n].step = n_steps > 0 ? 0 : -1;
	out[n].deadline_minute = n_steps > 0 && within[0] > 0 ? clamp_limit(within[0]) : -1;
	n++;
	if (n_steps > 1)
	{
		/* choose k of the steps 1..n_steps-1 (selection sampling keeps order) */
		int want = max - 1 < n_steps - 1 ? max - 1 : n_steps - 1;
		int left = n_steps - 1;

		for (int i = 1; i < n_steps && want > 0; i++, left--)
		{
			if (rm_rng_below(r, left) < want)
			{
				t += 5 + (int) rm_rng_below(r, 20);
				out[n].at_minute = t;
				out[n].kind = (n - 1) < 3 ? kinds[n - 1] : kinds[rm_rng_below(r, 3)];
				out[n].step = i;
				out[n].deadline_minute = within[i] > 0 ? t + clamp_limit(within[i]) : -1;
				n++;
				want--;
			}
		}
	}
	else
	{
		static const int lo[3] = {10, 30, 60};

		for (int i = 0; i < 3 && n < max; i++)
		{
			out[n].at_minute = lo[i] + (int) rm_rng_below(r, 20);
			out[n].kind = kinds[i];
			out[n].step = -1;
			out[n].deadline_minute = -1;
			n++;
		}
	}
	return n;
}
