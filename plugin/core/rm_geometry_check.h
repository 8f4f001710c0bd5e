/*
 * rm_geometry_check.h — the geometry guard: is an EWKB geometry fit to be
 * stored in riskmap (EPSG:4326 lon/lat, non-empty, finite coordinates within
 * lon [-180, 180] / lat [-90, 90], valid in the OGC sense)?
 *
 * EWKB is read by GEOS (GEOSWKBReader_read_r) through one GEOS context per
 * process, created lazily. GEOS errors are only copied by the message handler;
 * every GEOS object is released before returning. Plain C: no postgres.h.
 *
 * Nesting: GEOS 3.11 reads nested collections recursively without a depth
 * limit, so a few hundred kilobytes of nested GEOMETRYCOLLECTION headers
 * overflow the stack. Inputs longer than RM_GEOM_UNCHECKED_MAX_BYTES (which
 * cannot nest deeper than about 1800 levels) are therefore only read when
 * the caller says their nesting was bounded by an earlier parse (in the
 * backend: PostGIS's own WKB parser, which allows 200 levels).
 */
#ifndef RM_GEOMETRY_CHECK_H
#define RM_GEOMETRY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RM_GEOM_SRID 4326
#define RM_GEOM_UNCHECKED_MAX_BYTES 16384

typedef enum rm_geom_status
{
	RM_GEOM_FINE = 0,			/* no problem; msg is "" */
	RM_GEOM_PROBLEM,			/* msg is the reason, e.g. "Self-intersection at POINT (106.52 29.56)" */
	RM_GEOM_UNREADABLE,			/* the bytes are not EWKB GEOS can read; msg says why */
	RM_GEOM_FAILED				/* GEOS failed (or out of memory); msg says why */
} rm_geom_status;

/*
 * Check the EWKB ewkb[0..len). msg (msglen > 0) receives the reason,
 * NUL-terminated and cut to fit. nesting_checked: see above.
 */
rm_geom_status rm_geometry_problem(const unsigned char *ewkb, size_t len, bool nesting_checked,
								   char *msg, size_t msglen);

/* Release the process's GEOS context (for tests and leak checkers; it is re-created on demand). */
void		rm_geometry_check_finish(void);

#endif							/* RM_GEOMETRY_CHECK_H */
