/* The invalidation feed: LISTEN riskmap_tiles on a dedicated connection. */
#ifndef RM_LISTEN_H
#define RM_LISTEN_H

#include "rm_cache.h"

struct rm_listener;

/* Starts a thread that keeps a connection LISTENing, reconnecting while the
 * database is away, and drops from `cache` the tiles each notification's
 * extent touches (grown by margin_px pixels at every zoom). */
struct rm_listener *rm_listener_start(const char *conninfo, struct rm_cache *cache, const char *const *styles,
                                      int n_styles, double margin_px, int verbose);
void rm_listener_stop(struct rm_listener *l);

#endif
