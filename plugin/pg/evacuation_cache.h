/*
 * evacuation_cache.h — the shared evacuation cache (tables
 * riskmap.evacuation_cache*), keyed on the data versions of road, shelter and
 * population and the parameters. See evacuation_cache.c.
 */
#ifndef RISKMAP_EVACUATION_CACHE_H
#define RISKMAP_EVACUATION_CACHE_H

#include "postgres.h"

typedef struct evac_key
{
	bool		usable;			/* the cache tables exist and this transaction may use them */
	bool		writable;		/* ... and write them */
	bool		road_null;
	int64		road_v,
				shelter_v,
				population_v;
	double		max_time,
				speed;
	bool		capacitated;
	text	   *district;		/* NULL = all */
} evac_key;

/* cached rows of an assignment, in output order */
typedef struct evac_cached
{
	int64		id;
	int			n;
	Datum	   *population_id,
			   *shelter_id,
			   *people,
			   *time_s;
	bool	   *shelter_null,
			   *time_null;
	bool		has_catchments;
} evac_cached;

/* SPI connected. Reads the versions in the statement's snapshot. */
void		evac_key_read(evac_key *k, double max_time, double speed, bool capacitated, text *district);

/* SPI connected; results in the current memory context. */
bool		evac_cache_lookup(const evac_key *k, evac_cached *out);

/*
 * Stores an assignment (parallel arrays in output order; shelter_id/time_s
 * NULL where unserved). Returns the entry's id, or 0 when another
 * transaction stored it first. SPI connected; k->writable required.
 */
int64		evac_cache_store(const evac_key *k, int n, const int64 *population_id,
							 const int64 *shelter_id, const double *people, const double *time_s);

/* Stores the catchments of entry id (EWKB per shelter). */
void		evac_cache_store_catchments(int64 id, int n, const int64 *shelter_id, bytea *const *ewkb,
										const double *people, const int32 *capacity, const double *max_time);

#endif
