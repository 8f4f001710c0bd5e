/*
 * rm_geodesy.c — WGS 84 local radii, local distances, lon/lat ranges (see
 * rm_geodesy.h).
 */
#include "rm_geodesy.h"

#include <math.h>

void
rm_local_radii(double lat_deg, double *m, double *n)
{
	double s = sin(lat_deg * RM_DEG2RAD);
	double w = 1.0 - RM_WGS84_E2 * s * s;

	*m = RM_WGS84_A * (1.0 - RM_WGS84_E2) / (w * sqrt(w));
	*n = RM_WGS84_A / sqrt(w);
}

void
rm_metres_per_degree(double lat_deg, double *per_deg_lat, double *per_deg_lon)
{
	double m, n;

	rm_local_radii(lat_deg, &m, &n);
	*per_deg_lat = m * RM_DEG2RAD;
	*per_deg_lon = n * cos(lat_deg * RM_DEG2RAD) * RM_DEG2RAD;
}

double
rm_local_distance(double lon1, double lat1, double lon2, double lat2)
{
	double ky, kx;

	rm_metres_per_degree((lat1 + lat2) / 2, &ky, &kx);
	return hypot((lon2 - lon1) * kx, (lat2 - lat1) * ky);
}

int
rm_lonlat_storable(double lon, double lat)
{
	return isfinite(lon) && isfinite(lat) && lon >= -180.0 && lon <= 180.0 && lat >= -90.0 && lat <= 90.0;
}

int
rm_lonlat_measurable(double lon, double lat)
{
	return isfinite(lon) && isfinite(lat) && fabs(lat) <= 90.0 && fabs(lon) <= 540.0;
}
