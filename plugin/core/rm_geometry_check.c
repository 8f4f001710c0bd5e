/*
 * rm_geometry_check.c — the geometry guard; see rm_geometry_check.h.
 */
#define GEOS_USE_ONLY_R_API
#include "rm_geometry_check.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <geos_c.h>

static GEOSContextHandle_t geos_ctx = NULL;
static GEOSWKBReader *wkb_reader = NULL;
static GEOSWKTWriter *wkt_writer = NULL;
static char geos_error[1024];

/* GEOS message handler: copy, never jump. */
static void
on_geos_error(const char *message, void *userdata)
{
	(void) userdata;
	snprintf(geos_error, sizeof geos_error, "%s", message ? message : "unknown GEOS error");
}

static void
on_geos_notice(const char *message, void *userdata)
{
	(void) message;
	(void) userdata;
}

void
rm_geometry_check_finish(void)
{
	if (geos_ctx == NULL)
		return;
	if (wkb_reader)
		GEOSWKBReader_destroy_r(geos_ctx, wkb_reader);
	if (wkt_writer)
		GEOSWKTWriter_destroy_r(geos_ctx, wkt_writer);
	GEOS_finish_r(geos_ctx);
	geos_ctx = NULL;
	wkb_reader = NULL;
	wkt_writer = NULL;
}

static bool
ensure_context(void)
{
	if (geos_ctx != NULL)
		return true;
	geos_ctx = GEOS_init_r();
	if (geos_ctx == NULL)
		return false;
	GEOSContext_setErrorMessageHandler_r(geos_ctx, on_geos_error, NULL);
	GEOSContext_setNoticeMessageHandler_r(geos_ctx, on_geos_notice, NULL);
	wkb_reader = GEOSWKBReader_create_r(geos_ctx);
	wkt_writer = GEOSWKTWriter_create_r(geos_ctx);
	if (wkb_reader == NULL || wkt_writer == NULL)
	{
		rm_geometry_check_finish();
		return false;
	}
	GEOSWKTWriter_setTrim_r(geos_ctx, wkt_writer, 1);
	GEOSWKTWriter_setRoundingPrecision_r(geos_ctx, wkt_writer, 9);
	GEOSWKTWriter_setOutputDimension_r(geos_ctx, wkt_writer, 2);
	return true;
}

static rm_geom_status
say(rm_geom_status st, char *msg, size_t msglen, const char *fmt,...)
{
	va_list		ap;

	if (msglen == 0)
		return st;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return st;
}

static rm_geom_status
geos_failed(char *msg, size_t msglen, const char *what)
{
	return say(RM_GEOM_FAILED, msg, msglen, "GEOS failed to %s: %s", what,
			   geos_error[0] ? geos_error : "unknown error");
}

/* Check the coordinates of one sequence; RM_GEOM_FINE or a problem. */
static rm_geom_status
check_sequence(const GEOSCoordSequence *seq, bool has_z, char *msg, size_t msglen)
{
	unsigned int n;

	if (seq == NULL || !GEOSCoordSeq_getSize_r(geos_ctx, seq, &n))
		return geos_failed(msg, msglen, "read coordinates");
	for (unsigned int i = 0; i < n; i++)
	{
		double		x,
					y,
					z = 0;

		if (!GEOSCoordSeq_getXY_r(geos_ctx, seq, i, &x, &y) ||
			(has_z && !GEOSCoordSeq_getZ_r(geos_ctx, seq, i, &z)))
			return geos_failed(msg, msglen, "read coordinates");
		if (!isfinite(x) || !isfinite(y))
			return say(RM_GEOM_PROBLEM, msg, msglen, "coordinate (%.15g %.15g) is not finite", x, y);
		if (has_z && !isfinite(z))
			return say(RM_GEOM_PROBLEM, msg, msglen, "coordinate (%.15g %.15g %.15g) is not finite", x, y, z);
		if (x < -180 || x > 180 || y < -90 || y > 90)
			return say(RM_GEOM_PROBLEM, msg, msglen,
					   "coordinate (%.15g %.15g) is outside lon [-180, 180] / lat [-90, 90]", x, y);
	}
	return RM_GEOM_FINE;
}

/* Check every coordinate of g (recursion bounded by the input's nesting, see the header). */
static rm_geom_status
check_coordinates(const GEOSGeometry *g, bool has_z, char *msg, size_t msglen)
{
	int			type = GEOSGeomTypeId_r(geos_ctx, g);
	rm_geom_status st;

	switch (type)
	{
		case GEOS_POINT:
		case GEOS_LINESTRING:
		case GEOS_LINEARRING:
			return check_sequence(GEOSGeom_getCoordSeq_r(geos_ctx, g), has_z, msg, msglen);
		case GEOS_POLYGON:
			{
				const GEOSGeometry *ring;
				int			nholes;

				if (GEOSisEmpty_r(geos_ctx, g) == 1)
					return RM_GEOM_FINE;
				ring = GEOSGetExteriorRing_r(geos_ctx, g);
				if (ring == NULL)
					return geos_failed(msg, msglen, "read a polygon");
				if ((st = check_coordinates(ring, has_z, msg, msglen)) != RM_GEOM_FINE)
					return st;
				nholes = GEOSGetNumInteriorRings_r(geos_ctx, g);
				if (nholes < 0)
					return geos_failed(msg, msglen, "read a polygon");
				for (int i = 0; i < nholes; i++)
				{
					ring = GEOSGetInteriorRingN_r(geos_ctx, g, i);
					if (ring == NULL)
						return geos_failed(msg, msglen, "read a polygon");
					if ((st = check_coordinates(ring, has_z, msg, msglen)) != RM_GEOM_FINE)
						return st;
				}
				return RM_GEOM_FINE;
			}
		case GEOS_MULTIPOINT:
		case GEOS_MULTILINESTRING:
		case GEOS_MULTIPOLYGON:
		case GEOS_GEOMETRYCOLLECTION:
			{
				int			n = GEOSGetNumGeometries_r(geos_ctx, g);

				if (n < 0)
					return geos_failed(msg, msglen, "read a collection");
				for (int i = 0; i < n; i++)
				{
					const GEOSGeometry *part = GEOSGetGeometryN_r(geos_ctx, g, i);

					if (part == NULL)
						return geos_failed(msg, msglen, "read a collection");
					if ((st = check_coordinates(part, has_z, msg, msglen)) != RM_GEOM_FINE)
						return st;
				}
				return RM_GEOM_FINE;
			}
		default:
			return say(RM_GEOM_PROBLEM, msg, msglen, "unsupported geometry type %d", type);
	}
}

/* SRID, emptiness, coordinates, then OGC validity of g. */
static rm_geom_status
check_geometry(const GEOSGeometry *g, char *msg, size_t msglen)
{
	int			srid = GEOSGetSRID_r(geos_ctx, g);
	char		empty;
	char		has_z;
	char	   *reason = NULL;
	GEOSGeometry *location = NULL;
	char		valid;
	rm_geom_status st;

	if (srid != RM_GEOM_SRID)
		return say(RM_GEOM_PROBLEM, msg, msglen, "SRID is %d, not %d", srid, RM_GEOM_SRID);
	empty = GEOSisEmpty_r(geos_ctx, g);
	if (empty == 2)
		return geos_failed(msg, msglen, "test emptiness");
	if (empty)
		return say(RM_GEOM_PROBLEM, msg, msglen, "geometry is empty");
	has_z = GEOSHasZ_r(geos_ctx, g);
	if (has_z == 2)
		return geos_failed(msg, msglen, "read dimensions");
	if ((st = check_coordinates(g, has_z == 1, msg, msglen)) != RM_GEOM_FINE)
		return st;

	valid = GEOSisValidDetail_r(geos_ctx, g, 0, &reason, &location);
	if (valid == 1)
		st = RM_GEOM_FINE;
	else if (valid == 0)
	{
		char	   *wkt = location ? GEOSWKTWriter_write_r(geos_ctx, wkt_writer, location) : NULL;

		if (wkt)
			st = say(RM_GEOM_PROBLEM, msg, msglen, "%s at %s", reason ? reason : "invalid geometry", wkt);
		else
			st = say(RM_GEOM_PROBLEM, msg, msglen, "%s", reason ? reason : "invalid geometry");
		if (wkt)
			GEOSFree_r(geos_ctx, wkt);
	}
	else
		st = geos_failed(msg, msglen, "test validity");
	if (reason)
		GEOSFree_r(geos_ctx, reason);
	if (location)
		GEOSGeom_destroy_r(geos_ctx, location);
	return st;
}

rm_geom_status
rm_geometry_problem(const unsigned char *ewkb, size_t len, bool nesting_checked, char *msg, size_t msglen)
{
	GEOSGeometry *g;
	rm_geom_status st;

	if (msglen > 0)
		msg[0] = '\0';
	if (ewkb == NULL || len == 0)
		return say(RM_GEOM_UNREADABLE, msg, msglen, "empty input");
	if (len > RM_GEOM_UNCHECKED_MAX_BYTES && !nesting_checked)
		return say(RM_GEOM_UNREADABLE, msg, msglen,
				   "EWKB of %zu bytes (more than %d) is only read after its nesting was checked",
				   len, RM_GEOM_UNCHECKED_MAX_BYTES);
	if (!ensure_context())
		return say(RM_GEOM_FAILED, msg, msglen, "could not start GEOS");

	geos_error[0] = '\0';
	g = GEOSWKBReader_read_r(geos_ctx, wkb_reader, ewkb, len);
	if (g == NULL)
		return say(RM_GEOM_UNREADABLE, msg, msglen, "%s", geos_error[0] ? geos_error : "unreadable WKB");
	st = check_geometry(g, msg, msglen);
	GEOSGeom_destroy_r(geos_ctx, g);
	return st;
}
