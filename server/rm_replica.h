/* Reads from a hot standby (--read-db): the invalidation feed LISTENs on the
 * primary (NOTIFY does not replicate), so before a notification may drop
 * cached tiles the standby must have replayed the primary's WAL up to the
 * notification; otherwise a tile re-rendered on the standby at once would show
 * the old data and be cached as if it were current. */
#ifndef RM_REPLICA_H
#define RM_REPLICA_H

#include <libpq-fe.h>
#include <stdbool.h>

struct rm_replica;

/* A waiter on the standby `conninfo`; gives up after timeout_ms per wait. */
struct rm_replica *rm_replica_new(const char *conninfo, int timeout_ms, int verbose);
void rm_replica_free(struct rm_replica *r);

/* Asks `primary` for pg_current_wal_insert_lsn() (at or after the commit of every
 * notification already received from it) and waits until the standby's
 * pg_last_wal_replay_lsn() has reached it. Returns the milliseconds waited, or
 * -1 when the primary could not be asked, the standby could not be reached or
 * the timeout passed (the caller invalidates anyway: better a re-render too
 * early than a stale tile kept for ever). */
double rm_replica_wait(struct rm_replica *r, PGconn *primary);

/* Parses "X/Y" (pg_lsn text) into a 64-bit position; false when malformed. */
bool rm_parse_lsn(const char *s, unsigned long long *out);

#endif
