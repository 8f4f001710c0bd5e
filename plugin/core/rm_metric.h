/*
 * rm_metric.h — ground (metric) geometry on lon/lat data: geodesic circles,
 * buffers in a local transverse Mercator projection, ellipsoidal areas.
 *
 * Plain C core: no postgres.h. Geometries are GEOS geometries in EPSG:4326
 * (x = longitude, y = latitude, degrees). Every distance is metres on the
 * WGS 84 ellipsoid, every area square metres on it, as PostGIS geography
 * measures them.
 *
 * Accuracy (see docs/geo.md):
 *  - a point's buffer is a polygon of N = RM_CIRCLE_SEGMENTS vertices on the
 *    geodesic circle of radius k r, k = 2 / (1 + cos(pi/N)), so that the
 *    vertices are k - 1 outside and the chord midpoints k cos(pi/N) - 1
 *    inside the true circle by the same amount: 0.24 % for N = 32 (the
 *    contract allows 0.5 %); its area is 0.16 % below pi r^2 (PostGIS's
 *    inscribed 32-gon: 0.64 % below);
 *  - a line or polygon is buffered in a transverse Mercator projection
 *    whose central meridian is within 0.5 degrees of its envelope's centre
 *    (PROJ, cached per 1-degree cell); the scale error is 1 + x^2 / 2R^2 at
 *    x km from that meridian: < 5e-5 for city-sized geometries, 0.5 % at
 *    ~640 km, so geometries up to ~1000 km across east-west are fine;
 *  - areas are ellipsoidal: the polygon is integrated in the equal-area
 *    (authalic) cylindrical projection with its edges straight in lon/lat, as
 *    the geometry is drawn; for edges of a few km this equals
 *    ST_Area(geography) (geodesic edges) to better than 1e-5.
 *
 * Errors: functions returning a pointer return NULL, functions returning a
 * double return NaN, and rm_geo_error() tells why. Nothing here longjmps.
 */
#ifndef RM_METRIC_H
#define RM_METRIC_H

#include <stddef.h>
#include <geos_c.h>

/* Vertices of a full circle: radial error +-0.24 % (see above). */
#define RM_CIRCLE_SEGMENTS 32
/* Largest radius a ground buffer accepts (metres): beyond that a "local"
 * buffer in lon/lat is meaningless (poles, antimeridian). */
#define RM_MAX_RADIUS_M 2.0e6
/* Circles up to this radius use the local midpoint formula, beyond it
 * geod_direct (the local formula is within 2e-5 r of the radius up to there). */
#define RM_LOCAL_DIRECT_MAX_M 20000.0

typedef struct rm_geo rm_geo;

/* One GEOS context, one PROJ context and the WGS 84 geodesic. Not thread-safe;
 * use one per thread / backend. NULL when out of memory. */
rm_geo *rm_geo_new(void);
void rm_geo_free(rm_geo *geo);
GEOSContextHandle_t rm_geo_geos(rm_geo *geo);

/* Last error message (empty string when none), and a way to set/clear it. */
const char *rm_geo_error(const rm_geo *geo);
void rm_geo_clear_error(rm_geo *geo);
void rm_geo_set_error(rm_geo *geo, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Number of circle vertices so that no point of the polygon is farther than
 * rel_tol * r inside the true circle with vertices on it (at least 8, a
 * multiple of 4). */
int rm_circle_segments(double rel_tol);
/* The radius factor k = 2 / (1 + cos(pi/nseg)) that balances the radial error
 * of an nseg-gon between its vertices (k - 1 out) and chord midpoints (in). */
double rm_circle_scale(int nseg);

/* Destination at distance s (m) from (lon, lat) along azimuth az (degrees). */
void rm_geodesic_direct(rm_geo *geo, double lon, double lat, double az, double s,
						double *lon2, double *lat2);

/* The polygon of nseg vertices at geodesic distance rm_circle_scale(nseg) r
 * around (lon, lat), counter-clockwise. r must be > 0. */
GEOSGeometry *rm_geodesic_circle(rm_geo *geo, double lon, double lat, double r, int nseg);

/* Checks that every coordinate is finite and a plausible lon/lat
 * (|lat| <= 90, |lon| <= 540). 1 when fine, 0 with an error message. */
int rm_check_lonlat(rm_geo *geo, const GEOSGeometry *g);

/* g buffered by r metres on the ground, as a polygon or multipolygon in
 * lon/lat (nseg vertices per full circle). r = 0 keeps the polygonal parts of
 * g (made valid) and drops points and lines, so the buffer of a point or a
 * line by 0 is an empty polygon. NULL on error (invalid r, bad coordinates,
 * GEOS/PROJ failure). */
GEOSGeometry *rm_ground_buffer(rm_geo *geo, const GEOSGeometry *g, double r, int nseg);

/* Ellipsoidal area (m^2) of the polygonal parts of g; 0 for points and lines. */
double rm_ground_area(rm_geo *geo, const GEOSGeometry *g);

/* The polygonal parts of g as a valid MultiPolygon (possibly empty).
 * Takes ownership of g (it is freed, also on error). SRID is set to srid. */
GEOSGeometry *rm_polygonal_valid(rm_geo *geo, GEOSGeometry *g, int srid);

/* Same without the validity check, for results of GEOS overlay operations
 * (which are valid): keeps the polygons of g, takes ownership of g. */
GEOSGeometry *rm_polygonal(rm_geo *geo, GEOSGeometry *g, int srid);

/* EWKB helpers (SRID included on write). rm_wkb_write returns a malloc'd
 * buffer to release with rm_wkb_free. */
GEOSGeometry *rm_wkb_read(rm_geo *geo, const unsigned char *wkb, size_t len);
unsigned char *rm_wkb_write(rm_geo *geo, const GEOSGeometry *g, size_t *len);
void rm_wkb_free(rm_geo *geo, unsigned char *buf);

/* n vertices of the geodesic circle of radius r (metres) around (lon, lat),
 * xy interleaved (2n doubles, the ring not closed), vertex i at azimuth
 * 360 i / n degrees (clockwise from north), at distance r itself: a caller
 * that chooses n (the tile renderer, from pixels) and wants the arcs
 * balanced as rm_geodesic_circle's passes rm_circle_scale(n) r. Local
 * formula (within 2e-5 r) up to RM_LOCAL_DIRECT_MAX_M and |lat| <= 80,
 * geod_direct beyond; the western half mirrors the eastern one.
 * 1 when done, 0 with an error message (centre not a lon/lat, r not finite
 * and > 0, n < 3). */
int rm_geodesic_ring(rm_geo *geo, double lon, double lat, double r, int n, double *xy);

#endif
