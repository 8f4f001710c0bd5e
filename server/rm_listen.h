/* The invalidation feed: LISTEN riskmap_tiles on a dedicated connection as a
 * wake-up; what changed is read from riskmap.tile_change (written only by the
 * extension's triggers). Notification payloads are ignored. */
#ifndef RM_LISTEN_H
#define RM_LISTEN_H

#include "rm_cache.h"
#include "rm_replica.h"

struct rm_listener;

/* Starts a thread that keeps a connection LISTENing, reconnecting while the
 * database is away (and starting with an empty cache when it is back); on each
 * wake-up it reads the tile_change rows committed since its last read and
 * drops from `cache` the tiles each row's extent touches (grown by margin_px
 * pixels at every zoom). With a replica
 * (--read-db, tiles rendered on a standby), each batch of change rows first
 * waits until the standby has replayed the primary's WAL position (owned by
 * the listener from here on; may be NULL). */
struct rm_listener *rm_listener_start(const char *conninfo, struct rm_cache *cache, const char *const *styles,
                                      int n_styles, double margin_px, int verbose, struct rm_replica *replica);
void rm_listener_stop(struct rm_listener *l);

#endif
