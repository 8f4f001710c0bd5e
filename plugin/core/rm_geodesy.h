/*
 * rm_geodesy.h — the WGS 84 ellipsoid, once: its constants, the local radii
 * of curvature, ground distances and the lon/lat ranges the core accepts.
 *
 * Plain C (no postgres.h). Geodesics (distance, direct problem, areas) are
 * PROJ's geodesic.h (Karney), the algorithm PostGIS geography uses; the local
 * formulas below are the cheap approximations the core uses within tens of
 * kilometres, where they agree with it to about 1e-5.
 */
#ifndef RM_GEODESY_H
#define RM_GEODESY_H

#define RM_WGS84_A 6378137.0                          /* semi-major axis, metres */
#define RM_WGS84_F (1.0 / 298.257223563)              /* flattening */
#define RM_WGS84_E2 (RM_WGS84_F * (2.0 - RM_WGS84_F)) /* first eccentricity squared */
#define RM_DEG2RAD (3.14159265358979323846 / 180.0)

/* Radii of curvature at geodetic latitude lat_deg (metres): *m along the
 * meridian, *n along the prime vertical (the parallel's radius is n cos(lat)). */
void rm_local_radii(double lat_deg, double *m, double *n);

/* Metres per degree of latitude and of longitude at lat_deg. */
void rm_metres_per_degree(double lat_deg, double *per_deg_lat, double *per_deg_lon);

/* Ground distance (metres) between two lon/lat points by the local radii at
 * their mid-latitude: good to 1e-5 relative up to ~50 km. */
double rm_local_distance(double lon1, double lat1, double lon2, double lat2);

/* Whether (lon, lat) may be stored: finite, lon in [-180, 180], lat in [-90, 90]. */
int rm_lonlat_storable(double lon, double lat);

/* Whether (lon, lat) can be measured: finite, |lat| <= 90 and |lon| <= 540
 * (geometries crossing the antimeridian may be unwrapped past 180). */
int rm_lonlat_measurable(double lon, double lat);

#endif
