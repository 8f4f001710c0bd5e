/*
 * rm_proj.c — tile matrix sets and tile projections (see rm_proj.h).
 */
#include "rm_proj.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define RM_PROJ_MAX_ZOOM 22
#define RM_PROJ_MAX_SCALE 2
#define RM_MERC_MAX_LAT 85.0511287798066

static const char *const tms_names[RM_TMS_COUNT] = {"WebMercatorQuad", "CGCS2000Quad"};

int
rm_tms_parse(const char *name)
{
	int			i;

	if (!name)
		return -1;
	for (i = 0; i < RM_TMS_COUNT; i++)
		if (strcmp(name, tms_names[i]) == 0)
			return i;
	return -1;
}

const char *
rm_tms_name(rm_tms t)
{
	return (t >= 0 && t < RM_TMS_COUNT) ? tms_names[t] : "?";
}

int
rm_tms_minzoom(rm_tms t)
{
	return t == RM_TMS_CGCS2000 ? 1 : 0;
}

long long
rm_tms_matrix_width(rm_tms t, int z)
{
	if (t < 0 || t >= RM_TMS_COUNT || z < rm_tms_minzoom(t) || z > RM_PROJ_MAX_ZOOM)
		return 0;
	return 1LL << z;
}

long long
rm_tms_matrix_height(rm_tms t, int z)
{
	if (t < 0 || t >= RM_TMS_COUNT || z < rm_tms_minzoom(t) || z > RM_PROJ_MAX_ZOOM)
		return 0;
	return t == RM_TMS_CGCS2000 ? 1LL << (z - 1) : 1LL << z;
}

int
rm_tms_tile_check(rm_tms t, int z, int x, int y, int scale, char *err, size_t errlen)
{
	long long	w,
				h;

	if (t < 0 || t >= RM_TMS_COUNT)
	{
		snprintf(err, errlen, "unknown tile matrix set (WebMercatorQuad or CGCS2000Quad)");
		return -1;
	}
	if (z < rm_tms_minzoom(t) || z > RM_PROJ_MAX_ZOOM)
	{
		/* (WebMercatorQuad's message as it was before there were two sets) */
		snprintf(err, errlen, "zoom z = %d is out of range (%d to %d%s)", z, rm_tms_minzoom(t),
				 RM_PROJ_MAX_ZOOM, t == RM_TMS_CGCS2000 ? " in CGCS2000Quad" : "");
		return -1;
	}
	w = rm_tms_matrix_width(t, z);
	h = rm_tms_matrix_height(t, z);
	if (x < 0 || x >= w)
	{
		snprintf(err, errlen, "tile column x = %d is out of range (0 to %lld at zoom %d)", x, w - 1, z);
		return -1;
	}
	if (y < 0 || y >= h)
	{
		snprintf(err, errlen, "tile row y = %d is out of range (0 to %lld at zoom %d)", y, h - 1, z);
		return -1;
	}
	if (scale < 1 || scale > RM_PROJ_MAX_SCALE)
	{
		snprintf(err, errlen, "scale = %d is out of range (1 or 2)", scale);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- Mercator */

static void
merc_forward(const rm_proj *p, double lon, double lat, double *gx, double *gy)
{
	double		phi;

	if (lat > RM_MERC_MAX_LAT)
		lat = RM_MERC_MAX_LAT;
	if (lat < -RM_MERC_MAX_LAT)
		lat = -RM_MERC_MAX_LAT;
	phi = lat * (M_PI / 180.0);
	*gx = (lon + 180.0) * (p->width / 360.0);
	*gy = (1.0 - atanh(sin(phi)) / M_PI) * 0.5 * p->width;	/* = ln(tan + sec) */
}

static void
merc_inverse(const rm_proj *p, double gx, double gy, double *lon, double *lat)
{
	*lon = gx / p->width * 360.0 - 180.0;
	*lat = atan(sinh(M_PI * (1.0 - 2.0 * gy / p->width))) * (180.0 / M_PI);
}

/* ------------------------------------------------------------ plate carree */

static void
geo_forward(const rm_proj *p, double lon, double lat, double *gx, double *gy)
{
	double		k = p->width / 360.0;	/* px per degree, both axes */

	if (lat > 90.0)
		lat = 90.0;
	if (lat < -90.0)
		lat = -90.0;
	*gx = (lon + 180.0) * k;
	*gy = (90.0 - lat) * k;
}

static void
geo_inverse(const rm_proj *p, double gx, double gy, double *lon, double *lat)
{
	double		k = p->width / 360.0;

	*lon = gx / k - 180.0;
	*lat = 90.0 - gy / k;
}

/*
 * Pixels per ground metre east-west at latitude lat on the ellipsoid (GRS 80
 * and WGS 84 agree to 0.1 mm here). For Mercator this is the scale in every
 * direction; for plate carree it is the east-west one, which is the larger
 * (the north-south scale is width / (2 pi M) with M <= N / cos(lat)).
 */
static double
ppm(const rm_proj *p, double lat)
{
	double		phi = lat * M_PI / 180.0;
	double		e2 = 0.00669437999014;
	double		nrad = 6378137.0 / sqrt(1 - e2 * sin(phi) * sin(phi));

	return p->width / (2 * M_PI * nrad * cos(phi));
}

int
rm_proj_init(rm_proj *p, rm_tms t, int z, int scale)
{
	if (t < 0 || t >= RM_TMS_COUNT || z < rm_tms_minzoom(t) || z > RM_PROJ_MAX_ZOOM ||
		scale < 1 || scale > RM_PROJ_MAX_SCALE)
		return -1;
	memset(p, 0, sizeof *p);
	p->tms = t;
	p->z = z;
	p->scale = scale;
	p->tile_px = (double) RM_TILE_PX * scale;
	p->width = p->tile_px * (double) rm_tms_matrix_width(t, z);
	p->height = p->tile_px * (double) rm_tms_matrix_height(t, z);
	p->px_per_metre = ppm;
	if (t == RM_TMS_CGCS2000)
	{
		p->forward = geo_forward;
		p->inverse = geo_inverse;
	}
	else
	{
		p->forward = merc_forward;
		p->inverse = merc_inverse;
	}
	return 0;
}

void
rm_proj_tile_bounds(const rm_proj *p, int x, int y, double margin_px, double box[4])
{
	double		gx0 = x * p->tile_px - margin_px,
				gx1 = (x + 1) * p->tile_px + margin_px,
				gy0 = y * p->tile_px - margin_px,
				gy1 = (y + 1) * p->tile_px + margin_px,
				lat;

	if (gy0 < 0)
		gy0 = 0;
	if (gy1 > p->height)
		gy1 = p->height;
	p->inverse(p, gx0, gy1, &box[0], &box[1]);
	p->inverse(p, gx1, gy0, &box[2], &lat);
	box[3] = lat;
	/* Mercator: the world ends at +-85.05; data beyond it projects onto the
	 * edge rows, so fetch it too. */
	if (gy1 >= p->height)
		box[1] = -90.0;
	if (gy0 <= 0)
		box[3] = 90.0;
}
