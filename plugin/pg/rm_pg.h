/*
 * rm_pg.h — the glue layer's common part (PostGIS's libpgcommon pattern):
 * what every fmgr file needs between PostgreSQL and the plain C core.
 *
 *   - rm_pg_raise: the only table from an rm_status (rm_common.h) to a
 *     SQLSTATE; the message is the caller's, prefixed by what failed;
 *   - rm_pg_interrupted: the interrupt bridge the core polls (a pending
 *     cancel, statement timeout or termination);
 *   - rm_pg_allocator: an rm_allocator over a MemoryContext (NULL on failure,
 *     never an ERROR inside the core);
 *   - rm_pg_geo: the backend's one GEOS + PROJ context (rm_metric.h);
 *   - SPI getters and EWKB helpers.
 *
 * rm_graph.h (the road graph, evacuation, clearance) uses rm_common.h too;
 * evacuation_fmgr.c, clearance_fmgr.c, tile_fmgr.c and print_fmgr.c do not
 * use these helpers yet (their own getters and allocator remain).
 */
#ifndef RM_PG_H
#define RM_PG_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/memutils.h"

#include "rm_common.h"
#include "rm_metric.h"

/* The SQLSTATE of a status: RM_EINVAL and RM_EINPUT 22023, RM_ENOMEM 53200,
 * RM_EINTERRUPTED 57014, RM_ELIMIT 54000, RM_EGEOS and anything else XX000. */
int rm_pg_sqlstate(int status);

/*
 * ERROR for a failed core call: errcode rm_pg_sqlstate(status), message
 * "<what>: <msg>" ("<msg>" when what is NULL; the status's name when msg is
 * NULL or empty). RM_EINTERRUPTED first lets PostgreSQL raise the pending
 * interrupt itself (its cancel or timeout message), else says "canceling
 * statement due to user request" unless msg says more.
 * The caller has released what the core gave it.
 */
void rm_pg_raise(int status, const char *what, const char *msg) pg_attribute_noreturn();

/* For the core's interrupt callbacks (arg unused). */
int rm_pg_interrupted(void *arg);

/* An rm_allocator whose memory lives in cxt (huge allocations allowed). */
rm_allocator rm_pg_allocator(MemoryContext cxt);

/*
 * The backend's GEOS/PROJ context, made on first use (ERROR if it cannot
 * be), with no error pending and no stale GEOS interrupt request.
 */
rm_geo *rm_pg_geo(void);

/* Column col (1-based) of an SPI row; 0 when NULL (*isnull says). */
double rm_spi_float8(HeapTuple tup, TupleDesc td, int col, bool *isnull);
int64 rm_spi_int8(HeapTuple tup, TupleDesc td, int col, bool *isnull);
/* A copy of a bytea column in CurrentMemoryContext (NULL when NULL). */
bytea *rm_spi_bytea(HeapTuple tup, TupleDesc td, int col);

/* A bytea holding buf[0..len) (EWKB from the core), palloc'ed. */
bytea *rm_pg_bytea(const unsigned char *buf, size_t len);

#endif
