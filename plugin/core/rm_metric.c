/*
 * rm_metric.c — ground geometry on lon/lat data (see rm_metric.h).
 */
#include "rm_metric.h"
#include "rm_geodesy.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geodesic.h>
#include <proj.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define RM_ERRLEN 512
#define RM_TM_CACHE 64
#define RM_TM_GRID 1.0

struct rm_geo
{
	GEOSContextHandle_t h;
	PJ_CONTEXT *pj;
	struct geod_geodesic geod;
	GEOSWKBReader *reader;
	GEOSWKBWriter *writer;
	/* transverse Mercator projections on the 1-degree grid (see tm_for) */
	struct
	{
		int			ix,
					iy;
		PJ		   *pj;
	}			tm[RM_TM_CACHE];
	int			n_tm;
	int			next_tm;
	char err[RM_ERRLEN];
};

/* GEOS callbacks only copy the message; the caller decides what to do. */
static void
rm_geos_error_cb(const char *msg, void *userdata)
{
	rm_geo *geo = userdata;
	snprintf(geo->err, sizeof geo->err, "GEOS: %s", msg ? msg : "unknown error");
}

static void
rm_geos_notice_cb(const char *msg, void *userdata)
{
	(void) msg;
	(void) userdata;
}

rm_geo *
rm_geo_new(void)
{
	rm_geo *geo = calloc(1, sizeof *geo);

	if (!geo)
		return NULL;
	geo->h = GEOS_init_r();
	if (!geo->h)
	{
		free(geo);
		return NULL;
	}
	GEOSContext_setErrorMessageHandler_r(geo->h, rm_geos_error_cb, geo);
	GEOSContext_setNoticeMessageHandler_r(geo->h, rm_geos_notice_cb, geo);
	geo->pj = proj_context_create();
	if (!geo->pj)
	{
		GEOS_finish_r(geo->h);
		free(geo);
		return NULL;
	}
	proj_log_level(geo->pj, PJ_LOG_NONE);
	geod_init(&geo->geod, RM_WGS84_A, RM_WGS84_F);
	geo->reader = GEOSWKBReader_create_r(geo->h);
	geo->writer = GEOSWKBWriter_create_r(geo->h);
	if (!geo->reader || !geo->writer)
	{
		rm_geo_free(geo);
		return NULL;
	}
	GEOSWKBWriter_setIncludeSRID_r(geo->h, geo->writer, 1);
	GEOSWKBWriter_setOutputDimension_r(geo->h, geo->writer, 2);
	return geo;
}

void
rm_geo_free(rm_geo *geo)
{
	if (!geo)
		return;
	if (geo->reader)
		GEOSWKBReader_destroy_r(geo->h, geo->reader);
	if (geo->writer)
		GEOSWKBWriter_destroy_r(geo->h, geo->writer);
	for (int i = 0; i < geo->n_tm; i++)
		proj_destroy(geo->tm[i].pj);
	if (geo->pj)
		proj_context_destroy(geo->pj);
	if (geo->h)
		GEOS_finish_r(geo->h);
	free(geo);
}

GEOSContextHandle_t
rm_geo_geos(rm_geo *geo)
{
	return geo->h;
}

const char *
rm_geo_error(const rm_geo *geo)
{
	return geo->err;
}

void
rm_geo_clear_error(rm_geo *geo)
{
	geo->err[0] = '\0';
}

void
rm_geo_set_error(rm_geo *geo, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(geo->err, sizeof geo->err, fmt, ap);
	va_end(ap);
}

/* Sets a generic message when GEOS failed without saying why. */
static void
rm_geos_failed(rm_geo *geo, const char *what)
{
	if (!geo->err[0])
		rm_geo_set_error(geo, "GEOS: %s failed", what);
}

int
rm_circle_segments(double rel_tol)
{
	double		step;
	int			n;

	if (!(rel_tol > 0) || rel_tol >= 0.29)
		return 8;
	/* chord midpoint at r cos(pi/n): need 1 - cos(pi/n) <= rel_tol */
	step = acos(1.0 - rel_tol);
	/* A tiny rel_tol makes step 0 and pi/step infinite: clamp before the
	 * conversion to int, which would be undefined (found by fuzz_tile). */
	if (!(M_PI / step < 4096))
		return 4096;
	n = (int) ceil(M_PI / step);
	n = (n + 3) / 4 * 4;
	if (n < 8)
		n = 8;
	if (n > 4096)
		n = 4096;
	return n;
}

double
rm_circle_scale(int nseg)
{
	if (nseg < 8)
		nseg = 8;
	return 2.0 / (1.0 + cos(M_PI / nseg));
}

void
rm_geodesic_direct(rm_geo *geo, double lon, double lat, double az, double s,
				   double *lon2, double *lat2)
{
	geod_gendirect(&geo->geod, lat, lon, az, GEOD_LONG_UNROLL, s,
				   lat2, lon2, NULL, NULL, NULL, NULL, NULL, NULL);
}



/*
 * Destination at distance s along initial azimuth az from (lon, lat), by the
 * midpoint rule on the ellipsoid's local radii of curvature (meridian M,
 * prime vertical N taken at the midpoint latitude). For s <= 20 km the
 * geodesic distance of the result differs from s by less than 2e-5 s (checked
 * against geod_inverse in tests/unit/test_metric.c); it is ~20 times cheaper
 * than geod_direct, which is used beyond that.
 */
static void
local_direct(double lon, double lat, double az, double s, double *lon2, double *lat2)
{
	const double d2r = M_PI / 180.0;
	double		phi = lat * d2r,
				a = az * d2r;
	double		dn = s * cos(a),
				de = s * sin(a);
	double		M,
				N,
				phim;

	rm_local_radii(lat, &M, &N);
	phim = phi + dn / (2.0 * M);
	rm_local_radii(phim / d2r, &M, &N);
	*lat2 = (phi + dn / M) / d2r;
	*lon2 = lon + de / (N * cos(phim)) / d2r;
}


GEOSGeometry *
rm_geodesic_circle(rm_geo *geo, double lon, double lat, double r, int nseg)
{
	GEOSContextHandle_t h = geo->h;
	GEOSCoordSequence *cs;
	GEOSGeometry *ring,
			   *poly;
	double		rk;

	if (!rm_lonlat_measurable(lon, lat))
	{
		rm_geo_set_error(geo, "coordinate (%g %g) is not a longitude/latitude", lon, lat);
		return NULL;
	}
	if (!(r > 0) || r > RM_MAX_RADIUS_M)
	{
		rm_geo_set_error(geo, "radius %g m is out of range (0, %g]", r, RM_MAX_RADIUS_M);
		return NULL;
	}
	if (nseg < 8)
		nseg = 8;
	/* lon/lat chords of large or polar circles bend away from the geodesic
	 * ones: more vertices there keep every point within 0.5 % */
	if (r > 50000)
		nseg *= 2;
	if (fabs(lat) > 60)
		nseg *= 2;
	rk = r * rm_circle_scale(nseg);
	cs = GEOSCoordSeq_create_r(h, (unsigned) nseg + 1, 2);
	if (!cs)
	{
		rm_geos_failed(geo, "CoordSeq_create");
		return NULL;
	}
	for (int i = 0; i < nseg; i++)
	{
		/* azimuth clockwise from north; walk it backwards for a CCW ring */
		double		az = 360.0 - 360.0 * i / nseg;
		double		x,
					y;

		if (rk <= RM_LOCAL_DIRECT_MAX_M)
			local_direct(lon, lat, az, rk, &x, &y);
		else
			rm_geodesic_direct(geo, lon, lat, az, rk, &x, &y);
		GEOSCoordSeq_setXY_r(h, cs, (unsigned) i, x, y);
		if (i == 0)
			GEOSCoordSeq_setXY_r(h, cs, (unsigned) nseg, x, y);
	}
	ring = GEOSGeom_createLinearRing_r(h, cs);
	if (!ring)
	{
		rm_geos_failed(geo, "createLinearRing");
		return NULL;
	}
	poly = GEOSGeom_createPolygon_r(h, ring, NULL, 0);
	if (!poly)
	{
		GEOSGeom_destroy_r(h, ring);
		rm_geos_failed(geo, "createPolygon");
		return NULL;
	}
	GEOSSetSRID_r(h, poly, 4326);
	return poly;
}

/* ---------------------------------------------------------------------- */
/* coordinate checks */

static int
check_cs(rm_geo *geo, const GEOSCoordSequence *cs)
{
	unsigned	n = 0;

	if (!GEOSCoordSeq_getSize_r(geo->h, cs, &n))
		return 0;
	for (unsigned i = 0; i < n; i++)
	{
		double		x,
					y;

		if (!GEOSCoordSeq_getXY_r(geo->h, cs, i, &x, &y))
			return 0;
		if (!rm_lonlat_measurable(x, y))
		{
			rm_geo_set_error(geo, "coordinate (%g %g) is not a longitude/latitude", x, y);
			return 0;
		}
	}
	return 1;
}

int
rm_check_lonlat(rm_geo *geo, const GEOSGeometry *g)
{
	GEOSContextHandle_t h = geo->h;
	int			t = GEOSGeomTypeId_r(h, g);

	switch (t)
	{
		case GEOS_POINT:
		case GEOS_LINESTRING:
		case GEOS_LINEARRING:
			{
				const GEOSCoordSequence *cs;

				if (GEOSisEmpty_r(h, g))
					return 1;
				cs = GEOSGeom_getCoordSeq_r(h, g);
				if (!cs)
				{
					rm_geos_failed(geo, "getCoordSeq");
					return 0;
				}
				if (!check_cs(geo, cs))
				{
					rm_geos_failed(geo, "coordinate check");
					return 0;
				}
				return 1;
			}
		case GEOS_POLYGON:
			{
				int			nh;

				if (GEOSisEmpty_r(h, g))
					return 1;
				if (!rm_check_lonlat(geo, GEOSGetExteriorRing_r(h, g)))
					return 0;
				nh = GEOSGetNumInteriorRings_r(h, g);
				for (int i = 0; i < nh; i++)
					if (!rm_check_lonlat(geo, GEOSGetInteriorRingN_r(h, g, i)))
						return 0;
				return 1;
			}
		case GEOS_MULTIPOINT:
		case GEOS_MULTILINESTRING:
		case GEOS_MULTIPOLYGON:
		case GEOS_GEOMETRYCOLLECTION:
			{
				int			n = GEOSGetNumGeometries_r(h, g);

				for (int i = 0; i < n; i++)
					if (!rm_check_lonlat(geo, GEOSGetGeometryN_r(h, g, i)))
						return 0;
				return 1;
			}
		default:
			rm_geos_failed(geo, "geometry type");
			return 0;
	}
}

/* ---------------------------------------------------------------------- */
/* polygonal parts, made valid */

/* Appends the polygons of g (recursively) to *arr (clones). */
static int
collect_polygons(rm_geo *geo, const GEOSGeometry *g, GEOSGeometry ***arr, int *n, int *cap)
{
	GEOSContextHandle_t h = geo->h;
	int			t = GEOSGeomTypeId_r(h, g);

	if (t == GEOS_POLYGON)
	{
		GEOSGeometry *c;

		if (GEOSisEmpty_r(h, g))
			return 1;
		if (*n == *cap)
		{
			int			nc = *cap ? *cap * 2 : 8;
			GEOSGeometry **na = realloc(*arr, sizeof(GEOSGeometry *) * nc);

			if (!na)
			{
				rm_geo_set_error(geo, "out of memory");
				return 0;
			}
			*arr = na;
			*cap = nc;
		}
		c = GEOSGeom_clone_r(h, g);
		if (!c)
		{
			rm_geos_failed(geo, "clone");
			return 0;
		}
		(*arr)[(*n)++] = c;
		return 1;
	}
	if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION)
	{
		int			k = GEOSGetNumGeometries_r(h, g);

		for (int i = 0; i < k; i++)
			if (!collect_polygons(geo, GEOSGetGeometryN_r(h, g, i), arr, n, cap))
				return 0;
	}
	return 1;
}

/* A MultiPolygon of the polygons of g (g is not consumed). */
static GEOSGeometry *
to_multipolygon(rm_geo *geo, const GEOSGeometry *g)
{
	GEOSContextHandle_t h = geo->h;
	GEOSGeometry **arr = NULL;
	GEOSGeometry *mp;
	int			n = 0,
				cap = 0;

	if (!collect_polygons(geo, g, &arr, &n, &cap))
	{
		for (int i = 0; i < n; i++)
			GEOSGeom_destroy_r(h, arr[i]);
		free(arr);
		return NULL;
	}
	mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, arr, (unsigned) n);
	if (!mp)
	{
		for (int i = 0; i < n; i++)
			GEOSGeom_destroy_r(h, arr[i]);
		rm_geos_failed(geo, "createCollection");
	}
	free(arr);
	return mp;
}

GEOSGeometry *
rm_polygonal(rm_geo *geo, GEOSGeometry *g, int srid)
{
	GEOSGeometry *mp;

	if (!g)
		return NULL;
	if (GEOSGeomTypeId_r(geo->h, g) == GEOS_MULTIPOLYGON)
		mp = g;
	else
	{
		mp = to_multipolygon(geo, g);
		GEOSGeom_destroy_r(geo->h, g);
		if (!mp)
			return NULL;
	}
	GEOSSetSRID_r(geo->h, mp, srid);
	return mp;
}

GEOSGeometry *
rm_polygonal_valid(rm_geo *geo, GEOSGeometry *g, int srid)
{
	GEOSContextHandle_t h = geo->h;
	GEOSGeometry *mp;
	char		valid;

	if (!g)
		return NULL;
	mp = to_multipolygon(geo, g);
	GEOSGeom_destroy_r(h, g);
	if (!mp)
		return NULL;
	valid = GEOSisValid_r(h, mp);
	if (valid == 2)
	{
		GEOSGeom_destroy_r(h, mp);
		rm_geos_failed(geo, "isValid");
		return NULL;
	}
	if (!valid)
	{
		GEOSGeometry *fixed;
		GEOSMakeValidParams *p = GEOSMakeValidParams_create_r(h);

		rm_geo_clear_error(geo);
		if (!p)
		{
			GEOSGeom_destroy_r(h, mp);
			rm_geos_failed(geo, "MakeValidParams_create");
			return NULL;
		}
		GEOSMakeValidParams_setMethod_r(h, p, GEOS_MAKE_VALID_STRUCTURE);
		GEOSMakeValidParams_setKeepCollapsed_r(h, p, 0);
		fixed = GEOSMakeValidWithParams_r(h, mp, p);
		GEOSMakeValidParams_destroy_r(h, p);
		GEOSGeom_destroy_r(h, mp);
		if (!fixed)
		{
			rm_geos_failed(geo, "MakeValid");
			return NULL;
		}
		mp = to_multipolygon(geo, fixed);
		GEOSGeom_destroy_r(h, fixed);
		if (!mp)
			return NULL;
	}
	GEOSSetSRID_r(h, mp, srid);
	return mp;
}

/* ---------------------------------------------------------------------- */
/* buffers */

typedef struct
{
	PJ		   *pj;
	PJ_DIRECTION dir;
} xform_arg;

static int
xform_cb(double *x, double *y, void *userdata)
{
	xform_arg  *a = userdata;
	PJ_COORD	c;

	if (a->dir == PJ_FWD)
	{
		c = proj_coord(proj_torad(*x), proj_torad(*y), 0, 0);
		c = proj_trans(a->pj, PJ_FWD, c);
		if (!isfinite(c.xy.x) || !isfinite(c.xy.y))
			return 0;
		*x = c.xy.x;
		*y = c.xy.y;
	}
	else
	{
		c = proj_coord(*x, *y, 0, 0);
		c = proj_trans(a->pj, PJ_INV, c);
		if (!isfinite(c.lp.lam) || !isfinite(c.lp.phi))
			return 0;
		*x = proj_todeg(c.lp.lam);
		*y = proj_todeg(c.lp.phi);
	}
	return 1;
}

/*
 * A transverse Mercator projection (PROJ's exact Poder/Engsager algorithm,
 * scale 1 on its central meridian) centred on the node of the
 * RM_TM_GRID-degree grid nearest to (lon, lat), cached per backend (a city
 * needs a handful). A point x km from the central meridian has the scale
 * 1 + x^2 / 2R^2: within 60 km of it (half a grid cell plus a buffer) the
 * error is below 5e-5, a hundred times below the 0.5 % allowed.
 */
static PJ  *
tm_for(rm_geo *geo, double lon, double lat)
{
	int			ix = (int) floor(lon / RM_TM_GRID + 0.5),
				iy = (int) floor(lat / RM_TM_GRID + 0.5);
	char		def[160];
	PJ		   *pj;
	int			slot;

	for (int i = 0; i < geo->n_tm; i++)
		if (geo->tm[i].ix == ix && geo->tm[i].iy == iy)
			return geo->tm[i].pj;
	snprintf(def, sizeof def, "+proj=tmerc +lat_0=%.6f +lon_0=%.6f +k=1 +ellps=WGS84 +units=m +no_defs",
			 fmax(-90.0, fmin(90.0, iy * RM_TM_GRID)), ix * RM_TM_GRID);
	pj = proj_create(geo->pj, def);
	if (!pj)
	{
		rm_geo_set_error(geo, "PROJ: cannot create %s", def);
		return NULL;
	}
	if (geo->n_tm < RM_TM_CACHE)
		slot = geo->n_tm++;
	else
	{
		slot = geo->next_tm;
		geo->next_tm = (geo->next_tm + 1) % RM_TM_CACHE;
		proj_destroy(geo->tm[slot].pj);
	}
	geo->tm[slot].ix = ix;
	geo->tm[slot].iy = iy;
	geo->tm[slot].pj = pj;
	return pj;
}

/*
 * GEOS buffers a line by noding its whole offset curve: a line that crosses
 * itself k times costs O(k) memory and time, and k grows with the square of
 * the vertex count (2,000 random vertices in a 5 km square: 2.8 GB, minutes).
 * The buffer of a line is exactly the union of the buffers of its pieces, so
 * a long line is buffered in pieces of RM_BUFFER_PIECE segments (consecutive
 * pieces share a vertex) and the pieces' buffers are unioned (GEOS's cascaded
 * union): the cost then follows the size of the result.
 */
#define RM_BUFFER_PIECE 32

static GEOSGeometry *
buffer_line_pieces(rm_geo *geo, const GEOSGeometry *line, double dist, int quadsegs)
{
	GEOSContextHandle_t h = geo->h;
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, line);
	unsigned int n = 0;
	GEOSGeometry **parts = NULL,
			   *coll = NULL,
			   *u = NULL;
	unsigned int np = 0;

	if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 2)
	{
		rm_geos_failed(geo, "line coordinates");
		return NULL;
	}
	parts = calloc((n - 2) / RM_BUFFER_PIECE + 1, sizeof *parts);
	if (!parts)
	{
		rm_geo_set_error(geo, "out of memory");
		return NULL;
	}
	for (unsigned int start = 0; start + 1 < n; start += RM_BUFFER_PIECE)
	{
		unsigned int end = start + RM_BUFFER_PIECE < n - 1 ? start + RM_BUFFER_PIECE : n - 1;
		GEOSCoordSequence *pcs = GEOSCoordSeq_create_r(h, end - start + 1, 2);
		GEOSGeometry *piece;

		if (!pcs)
			goto fail;
		for (unsigned int i = start; i <= end; i++)
		{
			double		x,
						y;

			if (!GEOSCoordSeq_getXY_r(h, cs, i, &x, &y) || !GEOSCoordSeq_setXY_r(h, pcs, i - start, x, y))
			{
				GEOSCoordSeq_destroy_r(h, pcs);
				goto fail;
			}
		}
		piece = GEOSGeom_createLineString_r(h, pcs);
		if (!piece)
			goto fail;
		parts[np] = GEOSBufferWithStyle_r(h, piece, dist, quadsegs, GEOSBUF_CAP_ROUND, GEOSBUF_JOIN_ROUND, 5.0);
		GEOSGeom_destroy_r(h, piece);
		if (!parts[np])
			goto fail;
		np++;
	}
	coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, np);
	if (!coll)
		goto fail;
	free(parts);
	parts = NULL;
	np = 0;
	u = GEOSUnaryUnion_r(h, coll);
	GEOSGeom_destroy_r(h, coll);
	if (!u)
		rm_geos_failed(geo, "UnaryUnion of line pieces");
	return u;
fail:
	for (unsigned int i = 0; i < np; i++)
		GEOSGeom_destroy_r(h, parts[i]);
	free(parts);
	rm_geos_failed(geo, "Buffer of a line piece");
	return NULL;
}

/* Buffer of a non-point geometry in the local transverse Mercator
 * projection of its envelope's centre. */
static GEOSGeometry *
buffer_tm(rm_geo *geo, const GEOSGeometry *g, double r, int nseg)
{
	GEOSContextHandle_t h = geo->h;
	double		xmin,
				ymin,
				xmax,
				ymax,
				lon0,
				lat0;
	PJ		   *pj;
	xform_arg	a;
	GEOSGeometry *dg = NULL,
			   *pg = NULL,
			   *bg = NULL,
			   *out = NULL;

	if (!GEOSGeom_getExtent_r(h, g, &xmin, &ymin, &xmax, &ymax))
	{
		rm_geos_failed(geo, "getExtent");
		return NULL;
	}
	lon0 = (xmin + xmax) / 2;
	lat0 = (ymin + ymax) / 2;
	pj = tm_for(geo, lon0, lat0);
	if (!pj)
		return NULL;
	/*
	 * Edges are taken as straight in the projection, as PostGIS geography's
	 * ST_Buffer does in its own projection: within a few km of the central
	 * meridian that is the geodesic to within 1e-5 of the radius. (Densifying
	 * in lon/lat instead would bend them to rhumb-like lines.)
	 */
	dg = GEOSGeom_clone_r(h, g);
	if (!dg)
	{
		rm_geos_failed(geo, "clone");
		goto done;
	}
	a.pj = pj;
	a.dir = PJ_FWD;
	pg = GEOSGeom_transformXY_r(h, dg, xform_cb, &a);
	if (!pg)
	{
		rm_geos_failed(geo, "projection to tm");
		goto done;
	}
	/* GEOS puts the arc vertices on the distance: widen it by the same
	 * factor as the circles, so that the error is +-0.24 % (N = 32) */
	if ((GEOSGeomTypeId_r(h, pg) == GEOS_LINESTRING || GEOSGeomTypeId_r(h, pg) == GEOS_LINEARRING) &&
		GEOSGetNumCoordinates_r(h, pg) > RM_BUFFER_PIECE + 1)
		bg = buffer_line_pieces(geo, pg, r * rm_circle_scale(nseg), nseg / 4);
	else
		bg = GEOSBufferWithStyle_r(h, pg, r * rm_circle_scale(nseg), nseg / 4,
								   GEOSBUF_CAP_ROUND, GEOSBUF_JOIN_ROUND, 5.0);
	if (!bg)
	{
		rm_geos_failed(geo, "Buffer");
		goto done;
	}
	a.dir = PJ_INV;
	out = GEOSGeom_transformXY_r(h, bg, xform_cb, &a);
	if (!out)
		rm_geos_failed(geo, "projection from tm");
done:
	if (dg)
		GEOSGeom_destroy_r(h, dg);
	if (pg)
		GEOSGeom_destroy_r(h, pg);
	if (bg)
		GEOSGeom_destroy_r(h, bg);
	return out;
}

/* Collects the pieces of the buffer of g into parts[]. */
static int
buffer_parts(rm_geo *geo, const GEOSGeometry *g, double r, int nseg,
			 GEOSGeometry ***parts, int *n, int *cap)
{
	GEOSContextHandle_t h = geo->h;
	int			t = GEOSGeomTypeId_r(h, g);
	GEOSGeometry *piece = NULL;

	if (GEOSisEmpty_r(h, g))
		return 1;
	if (t == GEOS_MULTIPOINT || t == GEOS_GEOMETRYCOLLECTION ||
		t == GEOS_MULTILINESTRING || t == GEOS_MULTIPOLYGON)
	{
		int			k = GEOSGetNumGeometries_r(h, g);

		for (int i = 0; i < k; i++)
			if (!buffer_parts(geo, GEOSGetGeometryN_r(h, g, i), r, nseg, parts, n, cap))
				return 0;
		return 1;
	}
	if (t == GEOS_POINT)
	{
		double		x,
					y;

		if (!GEOSGeomGetX_r(h, g, &x) || !GEOSGeomGetY_r(h, g, &y))
		{
			rm_geos_failed(geo, "GetX");
			return 0;
		}
		piece = rm_geodesic_circle(geo, x, y, r, nseg);
	}
	else if (t == GEOS_LINESTRING || t == GEOS_LINEARRING || t == GEOS_POLYGON)
	{
		if (t == GEOS_POLYGON)
		{
			GEOSGeometry *v = rm_polygonal_valid(geo, GEOSGeom_clone_r(h, g), 4326);

			if (!v)
			{
				rm_geos_failed(geo, "make valid");
				return 0;
			}
			if (GEOSisEmpty_r(h, v))
			{
				GEOSGeom_destroy_r(h, v);
				return 1;
			}
			piece = buffer_tm(geo, v, r, nseg);
			GEOSGeom_destroy_r(h, v);
		}
		else
			piece = buffer_tm(geo, g, r, nseg);
	}
	else
	{
		rm_geo_set_error(geo, "unsupported geometry type %d", t);
		return 0;
	}
	if (!piece)
		return 0;
	if (*n == *cap)
	{
		int			nc = *cap ? *cap * 2 : 8;
		GEOSGeometry **na = realloc(*parts, sizeof(GEOSGeometry *) * nc);

		if (!na)
		{
			GEOSGeom_destroy_r(h, piece);
			rm_geo_set_error(geo, "out of memory");
			return 0;
		}
		*parts = na;
		*cap = nc;
	}
	(*parts)[(*n)++] = piece;
	return 1;
}

GEOSGeometry *
rm_ground_buffer(rm_geo *geo, const GEOSGeometry *g, double r, int nseg)
{
	GEOSContextHandle_t h = geo->h;
	GEOSGeometry **parts = NULL;
	GEOSGeometry *coll,
			   *u;
	int			n = 0,
				cap = 0;

	rm_geo_clear_error(geo);
	if (!g)
	{
		rm_geo_set_error(geo, "no geometry");
		return NULL;
	}
	if (!isfinite(r) || r < 0 || r > RM_MAX_RADIUS_M)
	{
		rm_geo_set_error(geo, "radius %g m is out of range [0, %g]", r, RM_MAX_RADIUS_M);
		return NULL;
	}
	if (!rm_check_lonlat(geo, g))
		return NULL;
	if (r == 0)
	{
		GEOSGeometry *c = GEOSGeom_clone_r(h, g);

		if (!c)
		{
			rm_geos_failed(geo, "clone");
			return NULL;
		}
		return rm_polygonal_valid(geo, c, 4326);
	}
	if (!buffer_parts(geo, g, r, nseg, &parts, &n, &cap))
	{
		for (int i = 0; i < n; i++)
			GEOSGeom_destroy_r(h, parts[i]);
		free(parts);
		rm_geos_failed(geo, "buffer");
		return NULL;
	}
	if (n == 1)
	{
		u = parts[0];
		free(parts);
		/* a single circle is valid by construction; a GEOS buffer is valid
		 * in the projection, and so (for local extents) after it */
		if (GEOSGeomTypeId_r(h, g) == GEOS_POINT)
			return rm_polygonal(geo, u, 4326);
		return rm_polygonal_valid(geo, u, 4326);
	}
	coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned) n);
	if (!coll)
	{
		for (int i = 0; i < n; i++)
			GEOSGeom_destroy_r(h, parts[i]);
		free(parts);
		rm_geos_failed(geo, "createCollection");
		return NULL;
	}
	free(parts);
	u = GEOSUnaryUnion_r(h, coll);
	GEOSGeom_destroy_r(h, coll);
	if (!u)
	{
		rm_geos_failed(geo, "UnaryUnion");
		return NULL;
	}
	return rm_polygonal_valid(geo, u, 4326);
}

/* ---------------------------------------------------------------------- */
/* areas */

/*
 * q(phi) of the Lambert cylindrical equal-area projection of the ellipsoid
 * (Snyder 3-12): the area element is a^2/2 dlambda dq.
 */
static double
authalic_q(double lat_deg)
{
	const double e = sqrt(RM_WGS84_E2);
	double		sp = sin(lat_deg * M_PI / 180.0);

	return (1.0 - RM_WGS84_E2) * (sp / (1.0 - RM_WGS84_E2 * sp * sp)
							   - log((1.0 - e * sp) / (1.0 + e * sp)) / (2.0 * e));
}

/*
 * Area of a ring whose edges are straight in lon/lat (as the geometry is
 * drawn): the integral of q over each edge by Simpson's rule, which is exact
 * along parallels and meridians and off by ~1e-9 relative on a 2 km edge.
 */
static int
ring_area(rm_geo *geo, const GEOSGeometry *ring, double *area)
{
	GEOSContextHandle_t h = geo->h;
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
	unsigned	n = 0;
	double		x0,
				y0,
				q0,
				sum = 0;

	if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
		return 0;
	if (n < 4)
	{
		*area = 0;
		return 1;
	}
	GEOSCoordSeq_getXY_r(h, cs, 0, &x0, &y0);
	if (!rm_lonlat_measurable(x0, y0))
	{
		rm_geo_set_error(geo, "coordinate (%g %g) is not a longitude/latitude", x0, y0);
		return 0;
	}
	q0 = authalic_q(y0);
	for (unsigned i = 1; i < n; i++)
	{
		double		x1,
					y1,
					q1;

		GEOSCoordSeq_getXY_r(h, cs, i, &x1, &y1);
		if (!rm_lonlat_measurable(x1, y1))
		{
			rm_geo_set_error(geo, "coordinate (%g %g) is not a longitude/latitude", x1, y1);
			return 0;
		}
		q1 = authalic_q(y1);
		if (x1 != x0)
		{
			double		qm = (y1 == y0) ? q0 : authalic_q((y0 + y1) / 2);

			sum += (x1 - x0) * (q0 + 4 * qm + q1) / 6;
		}
		x0 = x1;
		y0 = y1;
		q0 = q1;
	}
	*area = fabs(sum) * (M_PI / 180.0) * RM_WGS84_A * RM_WGS84_A / 2;
	return 1;
}

double
rm_ground_area(rm_geo *geo, const GEOSGeometry *g)
{
	GEOSContextHandle_t h = geo->h;
	int			t = GEOSGeomTypeId_r(h, g);

	if (t == GEOS_POLYGON)
	{
		double		a,
					total;
		int			nh;

		if (GEOSisEmpty_r(h, g))
			return 0;
		if (!ring_area(geo, GEOSGetExteriorRing_r(h, g), &total))
			return NAN;
		nh = GEOSGetNumInteriorRings_r(h, g);
		for (int i = 0; i < nh; i++)
		{
			if (!ring_area(geo, GEOSGetInteriorRingN_r(h, g, i), &a))
				return NAN;
			total -= a;
		}
		return total;
	}
	if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION)
	{
		double		total = 0;
		int			k = GEOSGetNumGeometries_r(h, g);

		for (int i = 0; i < k; i++)
		{
			double		a = rm_ground_area(geo, GEOSGetGeometryN_r(h, g, i));

			if (isnan(a))
				return NAN;
			total += a;
		}
		return total;
	}
	if (t < 0)
	{
		rm_geos_failed(geo, "GeomTypeId");
		return NAN;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* WKB */

GEOSGeometry *
rm_wkb_read(rm_geo *geo, const unsigned char *wkb, size_t len)
{
	GEOSGeometry *g;

	rm_geo_clear_error(geo);
	if (!wkb || len == 0)
	{
		rm_geo_set_error(geo, "empty WKB");
		return NULL;
	}
	g = GEOSWKBReader_read_r(geo->h, geo->reader, wkb, len);
	if (!g)
		rm_geos_failed(geo, "WKB read");
	return g;
}

unsigned char *
rm_wkb_write(rm_geo *geo, const GEOSGeometry *g, size_t *len)
{
	unsigned char *buf = GEOSWKBWriter_write_r(geo->h, geo->writer, g, len);

	if (!buf)
		rm_geos_failed(geo, "WKB write");
	return buf;
}

void
rm_wkb_free(rm_geo *geo, unsigned char *buf)
{
	if (buf)
		GEOSFree_r(geo->h, buf);
}

/* ---------------------------------------------------------------------- */
/* rings with a caller-chosen vertex count (the tile renderer) */

int
rm_geodesic_ring(rm_geo *geo, double lon, double lat, double r, int n, double *xy)
{
	/* the local formula drifts with tan(lat)^2: 2e-5 at 85 degrees, 20 km */
	int			local = r <= RM_LOCAL_DIRECT_MAX_M && fabs(lat) <= 80.0;

	if (!rm_lonlat_measurable(lon, lat))
	{
		rm_geo_set_error(geo, "coordinate (%g %g) is not a longitude/latitude", lon, lat);
		return 0;
	}
	if (!isfinite(r) || !(r > 0))
	{
		rm_geo_set_error(geo, "radius %g m is not a positive distance", r);
		return 0;
	}
	if (n < 3 || !xy)
	{
		rm_geo_set_error(geo, "a ring needs at least 3 vertices (got %d)", n);
		return 0;
	}
	/* the circle is symmetric about the centre's meridian (azimuths a and
	 * 360 - a): compute the eastern half, mirror it for the western one */
	for (int i = 0; 2 * i <= n; i++)
	{
		double		az = 360.0 * i / n;
		int			j = n - i;

		if (local)
			local_direct(lon, lat, az, r, &xy[2 * i], &xy[2 * i + 1]);
		else
			rm_geodesic_direct(geo, lon, lat, az, r, &xy[2 * i], &xy[2 * i + 1]);
		if (j > i && j < n)
		{
			xy[2 * j] = 2 * lon - xy[2 * i];
			xy[2 * j + 1] = xy[2 * i + 1];
		}
	}
	return 1;
}
